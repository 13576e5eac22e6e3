// `import` benchmark: `paperboy subscribers import` of a generated CSV (bench/make-subscribers-csv.mjs:
// every 1000th row a bad address, every 500th a repeat) into a fresh SQLite store in a temp folder,
// run as a child process the way a user runs it. Printed per size: rows/s (of the whole command,
// start-up included, and of the import as the command times it) and the command's peak RSS; then
// the ratio of the peak RSS of the largest size to that of the smallest.
//   node --import tsx bench/import.ts [rows=10000,1000000]
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { fmt, peakRssMb, ROOT } from './lib.js';

const SIZES = (process.argv[2] ?? '10000,1000000').split(',').map(Number);
const TIME = '/usr/bin/time';

/** bench/make-subscribers-csv.mjs N > file */
async function makeCsv(rows: number, file: string): Promise<void> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bench', 'make-subscribers-csv.mjs'), String(rows)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  await pipeline(child.stdout, createWriteStream(file));
  if ((await done) !== 0) throw new Error('make-subscribers-csv.mjs failed');
}

interface Run {
  seconds: number;
  /** The import's own time as the command prints it ("… rows in 12.3 s"). */
  importSeconds: number | null;
  peakRssMb: number;
  stdout: string;
  code: number | null;
}

/** Peak RSS from /usr/bin/time -v when it is installed, else VmHWM of /proc/PID/status, polled. */
async function importCsv(file: string, dir: string): Promise<Run> {
  const args = [path.join(ROOT, 'bin', 'paperboy.js'), 'subscribers', 'import', file];
  const useTime = existsSync(TIME);
  const env = {
    ...process.env,
    PAPERBOY_DATABASE_URL: path.join(dir, 'data', 'paperboy.db'),
    PAPERBOY_ARCHIVE_DIR: path.join(dir, 'digests'),
    PAPERBOY_OUTBOX_DIR: path.join(dir, 'outbox'),
    PAPERBOY_SECRET: 'bench-secret-0123456789abcdef0123456789abcdef',
    PAPERBOY_LOG_LEVEL: 'error',
  };
  const t0 = performance.now();
  // Run in the temp folder, so no .env of the working tree is read.
  const child = useTime
    ? spawn(TIME, ['-v', process.execPath, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => {
    stdout += b;
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr += b;
  });
  let polledKb = 0;
  const poll = useTime
    ? null
    : setInterval(() => {
        try {
          polledKb = Math.max(polledKb, peakRssMb(child.pid ?? 'self') * 1024);
        } catch {
          // exited between two polls
        }
      }, 20);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const seconds = (performance.now() - t0) / 1000;
  if (poll) clearInterval(poll);
  const timed = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const peakKb = timed ? Number(timed[1]) : polledKb;
  // 0 = done, 3 = done with bad rows (the generator writes some on purpose).
  if (code !== 0 && code !== 3) throw new Error(`import exited with ${code}:\n${stderr.slice(-2000)}`);
  const own = /rows in ([\d.]+) s/.exec(stdout);
  return { seconds, importSeconds: own ? Number(own[1]) : null, peakRssMb: peakKb / 1024, stdout, code };
}

const results: { rows: number; run: Run }[] = [];
for (const rows of SIZES) {
  const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-bench-import-'));
  try {
    const file = path.join(dir, 'subscribers.csv');
    await makeCsv(rows, file);
    const mb = statSync(file).size / 1024 / 1024;
    const run = await importCsv(file, dir);
    results.push({ rows, run });
    const own = run.importSeconds ? `${fmt(rows / run.importSeconds)} rows/s as the command times it, ` : '';
    console.log(
      `  ${fmt(rows).padStart(9)} rows (${fmt(mb, 1)} MB): ${fmt(run.seconds, 1)} s · ${fmt(rows / run.seconds)} rows/s ` +
        `start-up included, ${own}peak RSS ${fmt(run.peakRssMb, 1)} MB`,
    );
    console.log(`      ${run.stdout.trim().replace(dir, '$TMP')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const first = results[0];
const last = results.at(-1);
console.log(
  `import: ${cpus().length} cores; peak RSS measured with ${existsSync(TIME) ? '/usr/bin/time -v' : '/proc/PID/status VmHWM'}`,
);
if (first && last && last !== first) {
  console.log(
    `  peak RSS at ${fmt(last.rows)} rows ÷ peak RSS at ${fmt(first.rows)} rows: ` +
      `${fmt(last.run.peakRssMb / first.run.peakRssMb, 2)}`,
  );
}
