// GET /outbox with N real digest messages in the outbox: the time of one listing (first, then
// warm) and of ten in parallel, as the admin's browser or a few tabs would ask.
// Arguments: [messages = 150] [rounds = 5].
import { runDigest } from '../src/pipeline/run-digest.js';
import { createApp } from '../src/server/app.js';
import { addSubscribers, benchApp, fmt } from './lib.js';

const messages = Number(process.argv[2] ?? 150);
const rounds = Number(process.argv[3] ?? 5);

const bench = await benchApp({});
try {
  await addSubscribers(bench.ctx.db, messages);
  await runDigest(bench.ctx, { date: '2026-11-28' });
  const app = createApp(bench.ctx, { nextRun: () => null });
  // A direct client on this machine: the admin's rule lets it in without a token.
  const loopback = { incoming: { socket: { remoteAddress: '127.0.0.1', remotePort: 50000, remoteFamily: 'IPv4' } } };
  const list = async () => {
    const t0 = performance.now();
    const res = await app.request('/outbox', {}, loopback);
    const body = await res.text();
    if (res.status !== 200 || !body.includes(`${messages} messages`)) throw new Error(`GET /outbox: ${res.status}`);
    return performance.now() - t0;
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const first = await list();
  const warm: number[] = [];
  const parallel: number[] = [];
  for (let r = 0; r < rounds; r++) {
    warm.push(await list());
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 10 }, list));
    parallel.push(performance.now() - t0);
  }
  console.log(`outbox of ${messages} digest messages (${rounds} rounds, medians)`);
  console.log(`  first listing      ${fmt(first)} ms`);
  console.log(`  one listing        ${fmt(median(warm))} ms`);
  console.log(`  ten in parallel    ${fmt(median(parallel))} ms`);
} finally {
  await bench.close();
}
