#!/usr/bin/env node
// Transpiles src/**/*.ts to dist/ (plain ESM JavaScript, same folder layout, no type check: that is
// `npm run typecheck`). Run by `npm install` (the `prepare` script) so the `paperboy` command starts
// on plain Node — about 50 MB less memory and a second less start-up than through tsx. bin/paperboy.js
// falls back to tsx when a source file is newer than the build, so an edit never runs stale code.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const src = path.join(root, 'src');
const out = path.join(root, 'dist');
const entryPoints = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => path.join(src, f));

rmSync(out, { recursive: true, force: true });
buildSync({
  entryPoints,
  outdir: out,
  outbase: src,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  bundle: false,
  sourcemap: 'linked',
  logLevel: 'warning',
});
// The stamp's mtime is the build's: bin/paperboy.js compares it with the sources'.
writeFileSync(path.join(out, '.built'), `${new Date().toISOString()}\n`);
console.log(`paperboy: built ${entryPoints.length} files into dist/`);
