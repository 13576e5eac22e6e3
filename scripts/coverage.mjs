#!/usr/bin/env node
// `npm run coverage [-- FILES or vitest options]`: the suite with line coverage of src/, the
// PostgreSQL project included (vitest.config.ts adds it when PAPERBOY_TEST_DATABASE_URL is set; this
// sets the local test server's unless one is given), then the line coverage per folder of src/.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { printFolders } from './coverage-folders.mjs';

const root = path.resolve(import.meta.dirname, '..');
const env = {
  ...process.env,
  PAPERBOY_TEST_DATABASE_URL: process.env.PAPERBOY_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
};
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', '--coverage', ...process.argv.slice(2)], {
  cwd: root,
  env,
  stdio: 'inherit',
});
// The figures are written even when a test failed (coverage.reportOnFailure): show them, then fail.
printFolders(path.join(root, 'coverage', 'coverage-summary.json'));
process.exit(run.status ?? 1);
