// `send` benchmark: is paperboy or the SMTP relay the bottleneck?
//
// A discarding SMTP sink runs in its own process. The limit is nodemailer's pool sending one
// pre-built raw message N times over P connections; paperboy's figure is its full path (plan the
// ledger, claim batches, assemble each reader's message, send, settle) to N subscribers over the
// same P connections. Printed: messages/s of each and the ratio (target ≥ 0.9).
// Run twice: against a discarding sink (the relay costs nothing: CPU-bound on both sides of a 2-core
// machine) and against a sink taking 5 ms per message (a latency-bound relay, as real ones are).
//   node --import tsx bench/send.ts [subscribers=20000] [pool=5] [sink delays in ms=0,5]
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
const DATE = '2026-11-27';

const lastCpu = { limit: 0, paperboy: 0 };
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function limit(url: string, raw: Buffer): Promise<number> {
  // The same pool settings as paperboy's SMTP transport (src/send/smtp.ts): only paperboy's own work differs.
  const t = nodemailer.createTransport({ url, pool: true, maxConnections: POOL, maxMessages: 100 });
  const t0 = performance.now();
  const c0 = cpuMs();
  let next = 0;
  const worker = async () => {
    while (next < N) {
      const i = next++;
      await t.sendMail({ envelope: { from: 'bounce@papers.example.org', to: `reader${i}@bench.example` }, raw });
    }
  };
  await Promise.all(Array.from({ length: POOL * 2 }, worker));
  const s = (performance.now() - t0) / 1000;
  lastCpu.limit = ((cpuMs() - c0) * 1000) / N;
  t.close();
  return N / s;
}

async function paperboy(url: string): Promise<{ rate: number; sent: number; raw: Buffer }> {
  const app = await benchApp({ PAPERBOY_SMTP_URL: url, PAPERBOY_SMTP_POOL: String(POOL) });
  try {
    await addSubscribers(app.ctx.db, N);
    const t0 = performance.now();
    const c0 = cpuMs();
    const report = await runDigest(app.ctx, { date: DATE });
    const s = (performance.now() - t0) / 1000;
    lastCpu.paperboy = ((cpuMs() - c0) * 1000) / N;
    // One real message of this digest, for the limit's runs.
    const copy = nodemailer.createTransport({ streamTransport: true, buffer: true });
    const d = await findDigest(app.ctx.db, DATE);
    const msg = buildMessage(
      { subject: d?.subject ?? '', html: d?.html ?? '', text: d?.text ?? '' },
      {
        subscriberId: 1,
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

async function compare(delayMs: number) {
  const sink = await startSink(delayMs);
  try {
    const relay = delayMs > 0 ? `a relay taking ${delayMs} ms per message` : 'a discarding relay';
    console.log(`send: ${fmt(N)} subscribers, pool of ${POOL} connections, ${relay} (smtp-server in its own process)`);
    const first = await paperboy(sink.url);
    const pbCpu = lastCpu.paperboy;
    const l1 = await limit(sink.url, first.raw);
    const limCpu = lastCpu.limit;
    const second = await paperboy(sink.url);
    const l2 = await limit(sink.url, first.raw);
    if (first.sent !== N || second.sent !== N)
      throw new Error(`paperboy sent ${first.sent} and ${second.sent} of ${N}`);
    const lim = (l1 + l2) / 2;
    const pb = (first.rate + second.rate) / 2;
    console.log(`  message size: ${fmt(first.raw.length)} bytes`);
    console.log(`  CPU per message (sending process): limit ${fmt(limCpu)} µs, paperboy ${fmt(pbCpu)} µs`);
    console.log(`  limit (nodemailer pool, one raw message): ${fmt(l1)} and ${fmt(l2)} msg/s`);
    console.log(`  paperboy (plan, claim, assemble, send, settle): ${fmt(first.rate)} and ${fmt(second.rate)} msg/s`);
    console.log(`  ratio paperboy / limit: ${fmt(pb / lim, 2)}  (target ≥ 0.90)`);
  } finally {
    sink.close();
  }
}

for (const d of DELAYS) await compare(d);
