#!/usr/bin/env node
// Runs the benchmarks named on the command line, each in its own process, in the order given;
// with no names, all of them. `npm run bench`, `npm run bench -- render`.
// A bench is a TypeScript file run through tsx that prints its own figures and ratios.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const BENCHES = [
  { name: 'render', file: 'render.ts', about: 'per-recipient render + assemble cost against the naive path' },
  { name: 'import', file: 'import.ts', about: 'subscribers import of 10,000 and 1,000,000 rows: rows/s, peak RSS' },
  {
    name: 'send',
    file: 'send.ts',
    about: "20,000 subscribers to a local SMTP sink: paperboy's full path against nodemailer alone",
  },
  {
    name: 'send-process',
    file: 'send-process.ts',
    about: 'the whole `paperboy send` command against a whole nodemailer process, 20,000 readers',
  },
  { name: 'memory', file: 'memory.ts', about: 'a send to 1,000,000 subscribers: peak RSS, and its ratio to 10,000' },
  {
    name: 'scale',
    file: 'scale.ts',
    about: '1, 2 and 4 workers on PostgreSQL against a 5 ms relay: throughput ratios',
  },
  {
    name: 'model',
    file: 'model.ts',
    about: 'per reader with 36 votes: fitting, ranking 100 candidates, planning and assembling the email',
  },
  { name: 'outbox-list', file: 'outbox-list.ts', about: 'GET /outbox with 150 digest messages: one and ten listings' },
  {
    name: 'feed',
    file: 'feed.ts',
    about: "a reader's private feed from a store of 10,000 readers' 30 days: median and p99 per request",
  },
];

const dir = import.meta.dirname;
const names = process.argv.slice(2);
const unknown = names.filter((n) => !BENCHES.some((b) => b.name === n));
if (unknown.length > 0) {
  console.error(`bench: unknown ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const chosen = names.length > 0 ? names.map((n) => BENCHES.find((b) => b.name === n)) : BENCHES;

let failed = 0;
for (const b of chosen) {
  console.log(`\n== ${b.name}: ${b.about}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, b.file)], {
    cwd: path.join(dir, '..'),
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    failed++;
    console.log(`== ${b.name} failed (exit ${r.status ?? r.signal})`);
  } else console.log(`== ${b.name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
process.exit(failed > 0 ? 1 : 0);
