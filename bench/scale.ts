// `scale` benchmark: do more workers send faster when the relay, not paperboy, is slow?
//
// A PostgreSQL store (a schema of its own, dropped after), N subscribers, and a relay taking 5 ms
// per message (bench/sink.mjs in its own process). The same send is made with 1, 2 and 4
// `paperboy worker` processes (each with PAPERBOY_SMTP_POOL connections) and `send --workers 0`;
// printed: messages/s for each and the ratios to one worker (target: 4 workers ≥ 3×).
//   node --import tsx bench/scale.ts [subscribers=4000] [pool per worker=2] [postgres url]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/pipeline/context.js';
import { benchEnv } from './env.mjs';
import { addSubscribers, fmt, ROOT, startSink } from './lib.js';

const N = Number(process.argv[2] ?? 4000);
const POOL = Number(process.argv[3] ?? 2);
const ADMIN_URL =
  process.argv[4] ?? process.env.PAPERBOY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BIN = path.join(ROOT, 'bin', 'paperboy.js');

function cli(args: string[], env: Record<string, string>, cwd: string, out: 'pipe' | 'ignore' = 'pipe'): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', out, 'inherit'],
  });
}

interface Sink {
  url: string;
  counts(): Promise<{ accepted: number }>;
}

/**
 * One send with `workers` worker processes: messages/s at the relay between the 10 % and 90 % marks
 * (the sending itself), and over the whole command (start-up, planning and enqueueing included).
 */
async function once(workers: number, sink: Sink, run: number): Promise<{ steady: number; whole: number }> {
  const schema = `bench_scale_${process.pid}_${run}`;
  const url = new URL(ADMIN_URL);
  url.searchParams.set('schema', schema);
  const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-bench-scale-'));
  const env = {
    ...benchEnv(dir),
    PAPERBOY_DATABASE_URL: url.toString(),
    PAPERBOY_SMTP_URL: sink.url,
    PAPERBOY_SMTP_POOL: String(POOL),
  };
  const ctx = await createContext(loadConfig(env, dir), pino({ level: 'silent' }));
  const procs: ChildProcess[] = [];
  try {
    await addSubscribers(ctx.db, N);
    for (let i = 0; i < workers; i++) procs.push(cli(['worker'], env, dir, 'ignore'));
    await new Promise((r) => setTimeout(r, 1500)); // the workers start and subscribe to the queue
    const base = (await sink.counts()).accepted;
    const marks: { at10?: number; at90?: number } = {};
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const n = (await sink.counts()).accepted - base;
        const t = performance.now();
        if (marks.at10 === undefined && n >= N * 0.1) marks.at10 = t;
        if (marks.at90 === undefined && n >= N * 0.9) marks.at90 = t;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const t0 = performance.now();
    const send = cli(['send', '--date', '2026-11-27', '--workers', '0'], env, dir);
    let out = '';
    send.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((r) => send.on('close', r));
    const seconds = (performance.now() - t0) / 1000;
    watching = false;
    await watch;
    if (code !== 0 || !out.includes(`sent ${N},`))
      throw new Error(`send with ${workers} workers: exit ${code}: ${out}`);
    const { at10, at90 } = marks;
    const steady = at10 !== undefined && at90 !== undefined ? (0.8 * N * 1000) / (at90 - at10) : 0;
    return { steady, whole: N / seconds };
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await ctx.close();
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.query(`drop schema if exists ${schema}_pgboss cascade`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

const sink = await startSink(5);
try {
  console.log(
    `scale: ${fmt(N)} subscribers on PostgreSQL, a relay taking 5 ms per message, ${POOL} connections per worker`,
  );
  const rates: Record<number, { steady: number; whole: number }> = {};
  let run = 0;
  for (const w of [1, 2, 4]) {
    const r = await once(w, sink, run++);
    rates[w] = r;
    console.log(
      `  ${w} worker${w > 1 ? 's' : ''}: ${fmt(r.steady)} msg/s while sending (10–90 %), ${fmt(r.whole)} msg/s over the whole command`,
    );
  }
  const ratio = (w: number, k: 'steady' | 'whole') => fmt((rates[w]?.[k] ?? 0) / (rates[1]?.[k] ?? 1), 2);
  console.log(
    `  while sending: 2 workers / 1 = ${ratio(2, 'steady')}, 4 workers / 1 = ${ratio(4, 'steady')}  (target ≥ 3.00)`,
  );
  console.log(`  whole command: 2 workers / 1 = ${ratio(2, 'whole')}, 4 workers / 1 = ${ratio(4, 'whole')}`);
} finally {
  sink.close();
}
