// The whole `paperboy send` command (start-up, building the digest, planning the ledger, sending,
// exit) to N readers, against a whole process that sends one pre-built message N times through
// nodemailer's pool with the same connections and no limit on messages per connection
// (bench/baseline-send.mjs), both timed from spawn to exit. R alternating pairs per relay; printed:
// each pair's seconds and ratio (limit ÷ paperboy, target ≥ 0.9), then the median.
//   node --import tsx bench/send-process.ts [readers=20000] [pool=5] [sink delays in ms=0,5] [rounds=3]
import { spawn } from 'node:child_process';
import path from 'node:path';
import { benchEnv } from './env.mjs';
import { addSubscribers, benchApp, fmt, ROOT, startSink } from './lib.js';

const N = Number(process.argv[2] ?? 20_000);
const POOL = Number(process.argv[3] ?? 5);
const DELAYS = (process.argv[4] ?? '0,5').split(',').map(Number);
const ROUNDS = Number(process.argv[5] ?? 3);
const DATE = '2026-11-27';

function timed(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`${args[1]} exited ${code}`)),
    );
  });
}

/** A fresh store with N readers (untimed), and one real message of the digest for the limit. */
async function prepare(
  url: string,
): Promise<{ env: Record<string, string>; message: string; cleanup: () => Promise<void> }> {
  const app = await benchApp({});
  await addSubscribers(app.ctx.db, N);
  const dir = app.dir;
  await app.ctx.close();
  const env = { ...benchEnv(dir), PAPERBOY_SMTP_URL: url, PAPERBOY_SMTP_POOL: String(POOL) };
  const message = path.join(dir, 'message.eml');
  await timed(
    [path.join(ROOT, 'bin', 'paperboy.js'), 'preview', '--date', DATE, '--format', 'eml', '--out', message],
    env,
  );
  return { env, message, cleanup: () => app.close().catch(() => undefined) };
}

for (const delay of DELAYS) {
  const sink = await startSink(delay);
  try {
    console.log(
      `\nrelay: ${delay === 0 ? 'discarding (CPU-bound)' : `${delay} ms per message`}; ${fmt(N)} readers, pool ${POOL}`,
    );
    const ratios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const store = await prepare(sink.url);
      const run = async () => timed([path.join(ROOT, 'bin', 'paperboy.js'), 'send', '--date', DATE], store.env);
      const limit = async () =>
        timed([path.join(ROOT, 'bench', 'baseline-send.mjs'), sink.url, String(N), String(POOL), store.message], {});
      // Alternate which goes first: the VM's speed drifts from one minute to the next.
      let p: number;
      let l: number;
      if (r % 2 === 0) {
        p = await run();
        l = await limit();
      } else {
        l = await limit();
        p = await run();
      }
      ratios.push(l / p);
      console.log(`  pair ${r + 1}: paperboy send ${fmt(p, 2)} s · limit ${fmt(l, 2)} s · ratio ${fmt(l / p, 2)}`);
      await store.cleanup();
    }
    const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)] ?? Number.NaN;
    console.log(`  median ratio (limit ÷ paperboy, target ≥ 0.9): ${fmt(median, 2)}`);
  } finally {
    sink.close();
  }
}
