// The measured half of bench/memory.ts: one send of a filled store into a discarding transport, on
// plain Node and the built JavaScript (dist/, as `paperboy send` runs after `npm install`). Prints
// {sent, seconds, peakMb, mb} as JSON.   node bench/memory-send.mjs DIR
// First, as the `paperboy` command does (bin/paperboy.js): the heap setting.
import '../dist/small-heap.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { loadConfig } from '../dist/config.js';
import { createContext } from '../dist/pipeline/context.js';
import { planDeliveries } from '../dist/pipeline/plan-deliveries.js';
import { runDigest } from '../dist/pipeline/run-digest.js';
import { SendEvents } from '../dist/send/events.js';
import { findDigest } from '../dist/store/digests.js';
import { benchEnv } from './env.mjs';

const dir = process.argv[2];
const config = loadConfig(benchEnv(dir), dir);
const ctx = await createContext(config, pino({ level: 'silent' }));
let bytes = 0;
// Takes every message, counts its bytes, keeps nothing (the sender reads it from the context when the send starts).
ctx.transport = {
  kind: 'smtp',
  description: 'a discarding transport',
  async send(message) {
    const raw = message.raw;
    bytes += Buffer.isBuffer(raw) ? raw.length : String(raw ?? '').length;
    await new Promise((r) => setImmediate(r));
    return { response: '250 discarded' };
  },
  async verify() {},
  async close() {},
};
const t0 = performance.now();
const trace = process.env.BENCH_TRACE === '1';
const hwm = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;
const mem = () => {
  const m = process.memoryUsage();
  return `hwm ${hwm().toFixed(0)} rss ${(m.rss / 1e6).toFixed(0)} heap ${(m.heapUsed / 1e6).toFixed(0)} ext ${(m.external / 1e6).toFixed(0)}`;
};
let phase = 'plan';
/** When the first message was settled: what came before is start-up and planning. */
let firstAt = 0;
let maxRss = 0;
let maxAt = '';
// BENCH_TICK=MS: the phase and memory every MS milliseconds (hwm: the peak so far).
const ticker = process.env.BENCH_TICK
  ? setInterval(() => console.error(`tick ${phase} ${mem()}`), Number(process.env.BENCH_TICK))
  : null;
/** Resident memory by mapping: V8's heap pages and threads' arenas ([anon]), malloc ([heap]), code. */
function residentBy() {
  const by = new Map();
  let name = '';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const m = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) name = path.basename(m[1] || '[anon]');
    const r = /^Rss:\s+(\d+) kB/.exec(line);
    if (r) by.set(name, (by.get(name) ?? 0) + Number(r[1]));
  }
  return [...by]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([k, v]) => `${k} ${(v / 1024).toFixed(0)} MB`)
    .join(', ');
}
const sampler = trace
  ? setInterval(
      () => {
        const r = process.memoryUsage().rss;
        if (r > maxRss) {
          maxRss = r;
          maxAt = `${phase} ${mem()}`;
        }
      },
      Number(process.env.BENCH_TRACE_MS ?? 50),
    ) // BENCH_TRACE_MS: how often RSS is sampled
  : null;
const events = new SendEvents();
// Progress is read from the ledger every half second: a trace line per 100,000 passed.
let traced = 0;
events.on('send.progress', ({ done, total }) => {
  if (firstAt === 0) firstAt = performance.now();
  phase = done === total ? 'finish' : `send ${done}`;
  if (trace && Math.floor(done / 100_000) > traced) {
    traced = Math.floor(done / 100_000);
    globalThis.gc?.();
    console.error(`${done}/${total} ${mem()}`);
  }
});
const report = await runDigest(ctx, { date: '2026-11-27', events });
const seconds = (performance.now() - t0) / 1000;
// BENCH_WAVES=1: the fully planned ledger planned again, as each wake-up of the scheduler does: it
// must add nothing. Timed apart from the send; its memory counts in the peak.
let replan;
if (process.env.BENCH_WAVES === '1') {
  phase = 'replan';
  const digest = await findDigest(ctx.db, '2026-11-27');
  const rows = async () =>
    Number(
      (
        await ctx.db
          .selectFrom('deliveries')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst()
      )?.n,
    );
  const rowsBefore = await rows();
  const r0 = performance.now();
  const { planned } = await planDeliveries(ctx, digest);
  replan = { seconds: (performance.now() - r0) / 1000, planned, rowsBefore, rowsAfter: await rows() };
}
phase = 'close';
await ctx.close();
if (ticker) clearInterval(ticker);
if (sampler) {
  console.error(`resident at the end: ${residentBy()}`);
  clearInterval(sampler);
  console.error(`highest sampled RSS at: ${maxAt}`);
}
process.stdout.write(
  `${JSON.stringify({ sent: report.sent, seconds, planSeconds: (firstAt - t0) / 1000, editions: report.editions, peakMb: hwm(), mb: bytes / 1e6, replan })}\n`,
);
