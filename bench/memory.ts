// `memory` benchmark: does memory stay flat as the list grows?
//
// A send to N subscribers into a transport that takes each message and throws it away (no SMTP: the
// whole cost is paperboy's own). Each send runs in a fresh process (bench/memory-send.mjs, plain Node
// on the built dist/, as the installed command runs) whose peak RSS (VmHWM) is read at the end; the
// store is filled beforehand by another process, so filling it does not count.
// Printed: peak RSS at 10,000 and at 1,000,000 subscribers and their ratio (targets: ≤ 200 MB and ≤ 1.3).
//   node --import tsx bench/memory.ts [large=1000000] [small=10000]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addSubscribers, benchApp, fmt, ROOT } from './lib.js';

async function setup(dir: string, n: number) {
  const app = await benchApp({}, dir);
  await addSubscribers(app.ctx.db, n);
  await app.ctx.close();
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
    return r as { sent: number; seconds: number; peakMb: number; mb: number };
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
  console.log(`memory: a send into a discarding transport, each in a fresh process (peak RSS = VmHWM)`);
  const a = measure(small);
  console.log(
    `  ${fmt(small)} subscribers: peak RSS ${fmt(a.peakMb)} MB, ${fmt(a.sent / a.seconds)} msg/s, ${fmt(a.mb)} MB of mail`,
  );
  const b = measure(large);
  console.log(
    `  ${fmt(large)} subscribers: peak RSS ${fmt(b.peakMb)} MB, ${fmt(b.sent / b.seconds)} msg/s, ${fmt(b.mb)} MB of mail`,
  );
  console.log(
    `  ratio peak RSS ${fmt(large)} / ${fmt(small)}: ${fmt(b.peakMb / a.peakMb, 2)}  (targets: ≤ 200 MB, ≤ 1.30)`,
  );
}
