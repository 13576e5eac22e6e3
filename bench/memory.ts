// `memory` benchmark: does memory stay flat as the list grows?
//
// A send to N subscribers into a transport that takes each message and throws it away (no SMTP: the
// whole cost is paperboy's own). Each send runs in a fresh process (bench/memory-send.mjs, plain Node
// on the built dist/, as the installed command runs) whose peak RSS (VmHWM) is read at the end; the
// store is filled beforehand by another process, so filling it does not count.
// Printed: peak RSS at 10,000 and at 1,000,000 subscribers and their ratio (targets: ≤ 200 MB and ≤ 1.3).
// With BENCH_VOTES=K every reader has K votes, so each is planned with their own model and edition
// (assembled from the day's parts) — the planning of personalised readers at scale.
// With BENCH_WAVES=1 the readers are spread over 24 zones and 24 hours (delivery in waves, issue
// 22), and after the send the process plans the fully planned ledger again: it must write nothing
// (its time is printed).
//   node --import tsx bench/memory.ts [large=1000000] [small=10000]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { parseHfItems } from '../src/sources/hf-items.js';
import type { Db } from '../src/store/db.js';
import { upsertPapers } from '../src/store/papers.js';
import type { VotesTable } from '../src/store/schema.js';
import { addSubscribers, benchApp, fmt, ROOT } from './lib.js';

/** BENCH_VOTES=K: every reader has K votes (half up, half down) on the sample's papers, as from an earlier digest. */
const VOTES = Number(process.env.BENCH_VOTES ?? 0);
/** BENCH_WAVES=1: readers in 24 zones, at 24 hours. */
const WAVES = process.env.BENCH_WAVES === '1';
/** One zone per UTC offset or so, both hemispheres, both sides of the date line. */
const ZONES = [
  'Pacific/Pago_Pago',
  'Pacific/Honolulu',
  'America/Anchorage',
  'America/Los_Angeles',
  'America/Denver',
  'America/Chicago',
  'America/New_York',
  'America/Sao_Paulo',
  'Atlantic/South_Georgia',
  'Atlantic/Azores',
  'Europe/London',
  'Europe/Berlin',
  'Europe/Athens',
  'Europe/Moscow',
  'Asia/Dubai',
  'Asia/Karachi',
  'Asia/Dhaka',
  'Asia/Bangkok',
  'Asia/Shanghai',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Pacific/Noumea',
  'Pacific/Auckland',
  'Pacific/Kiritimati',
];

/** Reader i: zone i mod 24, hour 7i mod 24 (every zone has readers at every hour). */
async function spreadOverWaves(db: Db) {
  const zone = ZONES.map((z, i) => `when ${i} then '${z}'`).join(' ');
  await sql.raw(`update subscribers set timezone = case id % 24 ${zone} end, hour = (id * 7) % 24`).execute(db);
}

async function setup(dir: string, n: number) {
  const app = await benchApp({}, dir);
  await addSubscribers(app.ctx.db, n);
  if (VOTES > 0) await addVotes(app.ctx.db, n, VOTES);
  if (WAVES) await spreadOverWaves(app.ctx.db);
  await app.ctx.close();
}

async function addVotes(db: Db, n: number, k: number) {
  const { papers } = parseHfItems(JSON.parse(readFileSync(path.join(ROOT, 'samples', 'daily-papers.json'), 'utf8')));
  await upsertPapers(db, papers);
  const now = new Date().toISOString();
  const rows: VotesTable[] = [];
  const flush = async () => {
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 500)
        await trx
          .insertInto('votes')
          .values(rows.slice(i, i + 500))
          .execute();
    });
    rows.length = 0;
  };
  for (let id = 1; id <= n; id++) {
    const seen = new Set<number>();
    for (let v = 0; v < k; v++) {
      // A reader's papers scattered by a hash of their id: few readers share a selection.
      let at = (Math.imul(id * 31 + v, 2654435761) >>> 0) % papers.length;
      while (seen.has(at)) at = (at + 1) % papers.length;
      seen.add(at);
      rows.push({
        subscriber_id: id,
        paper_id: (papers[at] as (typeof papers)[number]).id,
        vote: v % 2 === 0 ? 1 : -1,
        digest_date: '2026-11-20',
        created_at: now,
        updated_at: now,
      });
    }
    if (rows.length >= 20_000) await flush();
  }
  await flush();
}

function run(args: string[]): string {
  return execFileSync(process.execPath, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
}

function measure(n: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-bench-mem-'));
  try {
    run(['--import', 'tsx', path.join(ROOT, 'bench', 'memory.ts'), 'setup', dir, String(n)]);
    const r = JSON.parse(
      run([path.join(ROOT, 'bench', 'memory-send.mjs'), dir])
        .trim()
        .split('\n')
        .at(-1) ?? '{}',
    );
    if (r.sent !== n) throw new Error(`sent ${r.sent} of ${n}`);
    return r as {
      sent: number;
      seconds: number;
      planSeconds: number;
      editions: number;
      peakMb: number;
      mb: number;
      replan?: { seconds: number; planned: number; rowsBefore: number; rowsAfter: number };
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [mode, dir, n] = process.argv.slice(2);
if (mode === 'setup') {
  await setup(dir ?? '', Number(n));
} else {
  // The send runs the built JavaScript, as the installed command does.
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { stdio: 'ignore' });
  const large = Number(process.argv[2] ?? 1_000_000);
  const small = Number(process.argv[3] ?? 10_000);
  console.log(
    `memory: a send into a discarding transport, each in a fresh process (peak RSS = VmHWM)${VOTES ? `, every reader with ${VOTES} votes` : ''}${WAVES ? ', readers in 24 zones at 24 hours' : ''}`,
  );
  const replanned = (r: ReturnType<typeof measure>) =>
    r.replan
      ? `; planned again in ${fmt(r.replan.seconds, 1)} s: ${fmt(r.replan.planned)} planned, ledger ${fmt(r.replan.rowsBefore)} → ${fmt(r.replan.rowsAfter)} rows`
      : '';
  const a = measure(small);
  console.log(
    `  ${fmt(small)} subscribers: peak RSS ${fmt(a.peakMb)} MB, ${fmt(a.sent / a.seconds)} msg/s, ${fmt(a.mb)} MB of mail; ${fmt(a.planSeconds, 1)} s to the first message, ${fmt(a.editions)} editions rendered${replanned(a)}`,
  );
  const b = measure(large);
  console.log(
    `  ${fmt(large)} subscribers: peak RSS ${fmt(b.peakMb)} MB, ${fmt(b.sent / b.seconds)} msg/s, ${fmt(b.mb)} MB of mail; ${fmt(b.planSeconds, 1)} s to the first message, ${fmt(b.editions)} editions rendered${replanned(b)}`,
  );
  console.log(
    `  ratio peak RSS ${fmt(large)} / ${fmt(small)}: ${fmt(b.peakMb / a.peakMb, 2)}  (targets: ≤ 200 MB, ≤ 1.30)`,
  );
}
