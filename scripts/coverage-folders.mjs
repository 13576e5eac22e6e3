#!/usr/bin/env node
// Line coverage per folder of src/ from vitest's json-summary report (coverage/coverage-summary.json),
// as a Markdown table: `node scripts/coverage-folders.mjs [SUMMARY]`. `npm run coverage` prints it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');

/**
 * Per folder of src/ (its top-level files as `src/*.ts`), the lines covered and in all, from the
 * summary's per-file entries, folders in name order.
 * @param {Record<string, { lines: { total: number; covered: number } }>} summary
 * @returns {{ folder: string; covered: number; total: number }[]}
 */
export function byFolder(summary, src = path.join(root, 'src')) {
  const folders = new Map();
  for (const [file, figures] of Object.entries(summary)) {
    if (file === 'total') continue;
    const rel = path.relative(src, path.resolve(root, file)).split(path.sep);
    if (rel[0] === '..') continue;
    const folder = rel.length > 1 ? `src/${rel[0]}/` : 'src/*.ts';
    const f = folders.get(folder) ?? { folder, covered: 0, total: 0 };
    f.covered += figures.lines.covered;
    f.total += figures.lines.total;
    folders.set(folder, f);
  }
  return [...folders.values()].sort((a, b) => a.folder.localeCompare(b.folder));
}

const pct = (covered, total) => (total === 0 ? '–' : `${((100 * covered) / total).toFixed(1)} %`);

/** The table for `byFolder`'s rows, with the whole of src/ last. */
export function folderTable(rows) {
  const all = rows.reduce((s, r) => ({ covered: s.covered + r.covered, total: s.total + r.total }), {
    covered: 0,
    total: 0,
  });
  return [
    '| folder | lines covered | line coverage |',
    '|---|---:|---:|',
    ...rows.map((r) => `| ${r.folder} | ${r.covered} of ${r.total} | ${pct(r.covered, r.total)} |`),
    `| **src/** | **${all.covered} of ${all.total}** | **${pct(all.covered, all.total)}** |`,
  ].join('\n');
}

/** Prints the table of the summary at `file`, or why there is none. */
export function printFolders(file) {
  if (!existsSync(file)) {
    console.error(`no ${path.relative(root, file)}: run \`npm run coverage\` first`);
    return false;
  }
  console.log(`\nLine coverage per folder of src/ (${path.relative(root, file)}):\n`);
  console.log(folderTable(byFolder(JSON.parse(readFileSync(file, 'utf8')))));
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exit(
    printFolders(path.resolve(process.argv[2] ?? path.join(root, 'coverage', 'coverage-summary.json'))) ? 0 : 1,
  );
}
