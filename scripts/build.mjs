#!/usr/bin/env node
// Transpiles src/**/*.ts to dist/ (plain ESM JavaScript, same folder layout, no type check: that is
// `npm run typecheck`). Run by `npm install` (the `prepare` script) so the `paperboy` command starts
// on plain Node — about 50 MB less memory and a second less start-up than through tsx. bin/paperboy.js
// falls back to tsx when a source file is newer than the build, so an edit never runs stale code.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, buildSync } from 'esbuild';
import { isBuilt } from './build-stamp.mjs';

const root = path.resolve(import.meta.dirname, '..');
// `--if-stale` (the tests' global setup): only when a source file is newer than the build.
if (process.argv.includes('--if-stale') && isBuilt(root)) process.exit(0);
const src = path.join(root, 'src');
const out = path.join(root, 'dist');
const entryPoints = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => path.join(src, f));

// These packages ship as hundreds of small ES modules each (kysely 263, date-fns 304, zod 95 of the
// ~700 files `paperboy send` loads); loading them one by one took about a quarter of a second of
// every command's start. Each is bundled into one file in dist/vendor/, which dist/ imports instead.
const VENDORED = ['kysely', 'date-fns', 'zod'];

/** Every import stays an import; a vendored package's points at its bundle, relative to the importer. */
const imports = {
  name: 'imports',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (!VENDORED.includes(args.path)) return { path: args.path, external: true };
      const dir = path.dirname(path.join(out, path.relative(src, args.importer)));
      const bundle = path.relative(dir, path.join(out, 'vendor', `${args.path}.js`));
      return { path: bundle.startsWith('.') ? bundle : `./${bundle}`, external: true };
    });
  },
};

rmSync(out, { recursive: true, force: true });
const common = { format: 'esm', platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning' };
buildSync({
  ...common,
  entryPoints: Object.fromEntries(VENDORED.map((p) => [p, p])),
  outdir: path.join(out, 'vendor'),
  bundle: true,
});
await build({
  ...common,
  entryPoints,
  outdir: out,
  outbase: src,
  // Bundling with every import external: each file is transpiled alone, as without bundling, and
  // the plugin can point the vendored packages' imports at their bundles.
  bundle: true,
  plugins: [imports],
});
// The stamp's mtime is the build's: bin/paperboy.js compares it with the sources'.
writeFileSync(path.join(out, '.built'), `${new Date().toISOString()}\n`);
console.log(`paperboy: built ${entryPoints.length} files into dist/`);
