#!/usr/bin/env node
// The `paperboy` command. `npm install` builds plain JavaScript into dist/ (scripts/build.mjs);
// when that build is missing or older than any source file, the TypeScript sources run directly
// through tsx instead, so an edit is never run stale and a clone works even without the build.
import path from 'node:path';
import { isBuilt } from '../scripts/build-stamp.mjs';

let cli;
if (process.env.PAPERBOY_RUN_SOURCES !== '1' && isBuilt(path.resolve(import.meta.dirname, '..'))) {
  // First, before the app's modules load: the heap setting (see src/small-heap.ts).
  await import('../dist/small-heap.js');
  cli = await import('../dist/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/small-heap.ts');
  cli = await import('../src/cli.ts');
}
const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
process.exitCode = await cli.runCli(process.argv.slice(2), io);
