// Shared pieces of the benchmarks: a discarding SMTP sink in its own process, a store filled with
// N active subscribers, peak memory of this process.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { type Env, loadConfig } from '../src/config.js';
import type { Paper } from '../src/domain.js';
import { type AppContext, createContext } from '../src/pipeline/context.js';
import type { Db } from '../src/store/db.js';
import { benchEnv } from './env.mjs';

export const ROOT = path.resolve(import.meta.dirname, '..');

/** A paper of bench/data/arxiv-2007-sample.jsonl (arXiv metadata, CC0). */
export type ArxivRow = { id: string; title: string; abstract: string; categories: string[] };

export function arxivRows(): ArxivRow[] {
  return readFileSync(path.join(ROOT, 'bench', 'data', 'arxiv-2007-sample.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ArxivRow);
}

/** An arXiv row as a candidate of `day`, with `upvotes`, its categories only when a source would give them. */
export function arxivPaper(r: ArxivRow, day: string, upvotes: number, withCategories: boolean): Paper {
  return {
    id: r.id,
    title: r.title,
    summary: r.abstract,
    authors: [],
    upvotes,
    publishedAt: `${day}T08:00:00Z`,
    githubRepo: null,
    aiSummary: null,
    aiKeywords: [],
    numComments: 0,
    thumbnail: null,
    categories: withCategories ? r.categories : [],
  };
}

export interface Sink {
  port: number;
  url: string;
  /** Messages accepted and connections opened so far. */
  counts(): Promise<{ accepted: number; connections: number }>;
  close(): void;
}

/** bench/sink.mjs in a child process; `delayMs` per message makes a latency-bound relay. */
export async function startSink(delayMs = 0): Promise<Sink> {
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'bench', 'sink.mjs'), String(delayMs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const queue: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  lines.on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else queue.push(l);
  });
  const nextLine = () => new Promise<string>((r) => (queue.length ? r(queue.shift() as string) : waiters.push(r)));
  const { port } = JSON.parse(await nextLine()) as { port: number };
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    async counts() {
      child.stdin?.write('?\n');
      return JSON.parse(await nextLine());
    },
    close() {
      child.kill('SIGTERM');
    },
  };
}

export interface BenchApp {
  ctx: AppContext;
  dir: string;
  close(): Promise<void>;
}

/** A real context on a temp folder: SQLite store, the sample papers, the given settings. */
export async function benchApp(env: Env, inDir?: string): Promise<BenchApp> {
  const dir = inDir ?? mkdtempSync(path.join(tmpdir(), 'paperboy-bench-'));
  const config = loadConfig({ ...benchEnv(dir), ...env }, dir);
  const ctx = await createContext(config, pino({ level: 'silent' }));
  return {
    ctx,
    dir,
    async close() {
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Inserts `n` active subscribers (reader1@bench.example … readerN@), 5,000 rows per statement batch. */
export async function addSubscribers(db: Db, n: number): Promise<void> {
  const now = new Date().toISOString();
  for (let start = 1; start <= n; start += 5000) {
    const end = Math.min(n, start + 4999);
    await db.transaction().execute(async (trx) => {
      for (let i = start; i <= end; i += 500) {
        const rows = [];
        for (let j = i; j <= Math.min(end, i + 499); j++) {
          rows.push({
            email: `reader${j}@bench.example`,
            name: `Reader ${j}`,
            status: 'active',
            topics: '[]',
            created_at: now,
            updated_at: now,
            confirmed_at: now,
          });
        }
        await trx.insertInto('subscribers').values(rows).execute();
      }
    });
  }
}

/** The process's peak resident set so far (VmHWM), in MB. */
export function peakRssMb(pid: number | 'self' = 'self'): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
