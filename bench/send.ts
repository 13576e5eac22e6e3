// `send` benchmark: is paperboy or the SMTP relay the bottleneck?
//
// A discarding SMTP sink runs in its own process. The limit is nodemailer's pool sending one
// pre-built raw message N times over P connections; paperboy's figure is its full path (plan the
// ledger, claim batches, assemble each reader's message, send, settle) to N subscribers over the
// same P connections. After an untimed warm-up of each, R pairs of runs in alternating order;
// printed: each pair's messages/s and ratio, then the median ratio (target ≥ 0.9). One run of each
// says little on a shared VM, whose speed drifts by 20–40 % from one minute to the next.
// Run twice: against a discarding sink (the relay costs nothing: CPU-bound on both sides of a 2-core
// machine) and against a sink taking 5 ms per message (a latency-bound relay, as real ones are).
//   node --import tsx bench/send.ts [subscribers=20000] [pool=5] [sink delays in ms=0,5] [rounds=3]
// First, as the `paperboy` command does (bin/paperboy.js): the heap setting.
import '../src/small-heap.js';
import { performance } from 'node:perf_hooks';
import nodemailer from 'nodemailer';
import { runDigest } from '../src/pipeline/run-digest.js';
import { buildMessage } from '../src/send/message.js';
import { findDigest } from '../src/store/digests.js';
import { addSubscribers, benchApp, fmt, startSink } from './lib.js';

const N = Number(process.argv[2] ?? 20_000);
const POOL = Number(process.argv[3] ?? 5);
/** Per-message delays of the sink: 0 = a discarding relay (CPU-bound), then a latency-bound one. */
const DELAYS = (process.argv[4] ?? '0,5').split(',').map(Number);
/** Pairs of runs (paperboy, limit) per relay; the ratio printed is their median. */
const ROUNDS = Number(process.argv[5] ?? 3);
const DATE = '2026-11-27';

const lastCpu = { limit: 0, paperboy: 0 };
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function limit(url: string, raw: Buffer, n = N): Promise<number> {
  // The same pool settings as paperboy's SMTP transport (src/send/smtp.ts, the default of
  // PAPERBOY_SMTP_MAX_MESSAGES): only paperboy's own work differs.
  const t = nodemailer.createTransport({ url, pool: true, maxConnections: POOL, maxMessages: 1000 });
  const t0 = performance.now();
  const c0 = cpuMs();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await t.sendMail({ envelope: { from: 'bounce@papers.example.org', to: `reader${i}@bench.example` }, raw });
    }
  };
  await Promise.all(Array.from({ length: POOL * 2 }, worker));
  const s = (performance.now() - t0) / 1000;
  lastCpu.limit = ((cpuMs() - c0) * 1000) / n;
  t.close();
  return n / s;
}

async function paperboy(url: string, n = N): Promise<{ rate: number; sent: number; raw: Buffer }> {
  const app = await benchApp({ PAPERBOY_SMTP_URL: url, PAPERBOY_SMTP_POOL: String(POOL) });
  try {
    await addSubscribers(app.ctx.db, n);
    const t0 = performance.now();
    const c0 = cpuMs();
    const report = await runDigest(app.ctx, { date: DATE });
    const s = (performance.now() - t0) / 1000;
    lastCpu.paperboy = ((cpuMs() - c0) * 1000) / n;
    // One real message of this digest, for the limit's runs.
    const copy = nodemailer.createTransport({ streamTransport: true, buffer: true });
    const d = await findDigest(app.ctx.db, DATE);
    const msg = buildMessage(
      { subject: d?.subject ?? '', html: d?.html ?? '', text: d?.text ?? '' },
      {
        subscriberId: 1,
        digestDate: DATE,
        email: 'reader1@bench.example',
        name: 'Reader 1',
        messageId: '<x@papers.example.org>',
        deliveryId: 1,
      },
      app.ctx.messageSettings,
    );
    const info = await copy.sendMail(msg);
    return { rate: report.sent / s, sent: report.sent, raw: info.message as Buffer };
  } finally {
    await app.close();
  }
}

/** Messages of the untimed first round of each path (JIT, connections, the sink's own warm-up). */
const WARM_UP = Math.min(2_000, N);

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function compare(delayMs: number) {
  const sink = await startSink(delayMs);
  try {
    const relay = delayMs > 0 ? `a relay taking ${delayMs} ms per message` : 'a discarding relay';
    console.log(
      `send: ${fmt(N)} subscribers, pool of ${POOL} connections, ${relay} (smtp-server in its own process), ${ROUNDS} rounds`,
    );
    // Untimed: the first run in a process pays for compiling nodemailer's and paperboy's hot code.
    const warm = await paperboy(sink.url, WARM_UP);
    await limit(sink.url, warm.raw, WARM_UP);
    const ratios: number[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      // A pair of runs back to back, in alternating order: the machine's speed drifts over minutes
      // (a shared VM), and a pair sees the same machine.
      let pb: { rate: number; sent: number; raw: Buffer };
      let lim: number;
      if (r % 2 === 1) {
        pb = await paperboy(sink.url);
        lim = await limit(sink.url, warm.raw);
      } else {
        lim = await limit(sink.url, warm.raw);
        pb = await paperboy(sink.url);
      }
      if (pb.sent !== N) throw new Error(`paperboy sent ${pb.sent} of ${N}`);
      ratios.push(pb.rate / lim);
      console.log(
        `  round ${r}: limit ${fmt(lim)} msg/s (${fmt(lastCpu.limit)} µs CPU/msg), paperboy ${fmt(pb.rate)} msg/s (${fmt(lastCpu.paperboy)} µs CPU/msg): ${fmt(pb.rate / lim, 2)}`,
      );
    }
    console.log(`  message size: ${fmt(warm.raw.length)} bytes`);
    console.log(
      `  ratio paperboy / limit: ${fmt(median(ratios), 2)} (median of ${ROUNDS} rounds; ${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)})  (target ≥ 0.90)`,
    );
  } finally {
    sink.close();
  }
}

for (const d of DELAYS) await compare(d);
