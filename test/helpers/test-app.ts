import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Logger, pino } from 'pino';
import { expect, inject } from 'vitest';
import { type Config, type Env, loadConfig } from '../../src/config.js';
import { type AppContext, createContext } from '../../src/pipeline/context.js';
import { findSubscriberByEmail, upsertSubscriber } from '../../src/store/subscribers.js';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const SAMPLE = path.join(ROOT, 'samples', 'daily-papers.json');
export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

/** A fresh folder for one test's store, outbox and archive. */
export function tempDir(prefix = 'paperboy-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The store the tests of this project run on: SQLite (project `sqlite`), or PostgreSQL (project
 * `postgres`, defined when PAPERBOY_TEST_DATABASE_URL is set; see vitest.config.ts).
 */
export const STORE: 'sqlite' | 'postgres' = process.env.PAPERBOY_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/**
 * The store of the test that owns `dir`: a SQLite file in it, or on PostgreSQL a schema of its own
 * (named after the folder, so that a restart or a CLI child given the same folder finds it) in the
 * run's database, which the project's global setup creates and drops.
 */
export function testDatabaseUrl(dir: string): string {
  // Test files share a process (vitest's isolate: false), never across projects: should that change,
  // a SQLite test would silently run on PostgreSQL or the other way round. Say so instead.
  const now = process.env.PAPERBOY_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
  if (now !== STORE) throw new Error(`this test process was set up for ${STORE} and now runs a ${now} test`);
  if (STORE === 'sqlite') return path.join(dir, 'data', 'paperboy.db');
  const url = new URL(inject('testDatabaseUrl'));
  url.searchParams.set('schema', `t_${createHash('sha256').update(dir).digest('hex').slice(0, 24)}`);
  return url.toString();
}

/** The environment of a test run: everything in `dir` (or its own schema), the sample papers, fast retries. */
export function testEnv(dir: string, extra: Env = {}): Env {
  return {
    PAPERBOY_DATABASE_URL: testDatabaseUrl(dir),
    PAPERBOY_ARCHIVE_DIR: path.join(dir, 'digests'),
    PAPERBOY_OUTBOX_DIR: path.join(dir, 'outbox'),
    PAPERBOY_SOURCE: `file:${SAMPLE}`,
    PAPERBOY_SECRET: TEST_SECRET,
    PAPERBOY_FROM: 'Daily Papers <digest@papers.example.org>',
    PAPERBOY_BASE_URL: 'https://papers.example.org',
    PAPERBOY_RETRY_DELAY_MS: '20',
    PAPERBOY_SOURCE_TIMEOUT_MS: '2000',
    PAPERBOY_LOG_LEVEL: 'silent',
    // Tests never reach the internet: those of the lookup point it at a local arXiv.
    PAPERBOY_ARXIV_CATEGORIES: '0',
    // doctor's DNS checks ask a closed local port (an outage, said at once); those of
    // test/integration/doctor-dns.test.ts start a DNS server of their own.
    PAPERBOY_DNS_SERVERS: '127.0.0.1:1',
    ...extra,
  };
}

export interface TestApp {
  ctx: AppContext;
  config: Config;
  dir: string;
  /** The same store and folders in a new context (as after a restart), with other settings. */
  restart(extra?: Env): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real app context (real store, real transport) on a temp folder. `extra` may be a
 * function of that folder, to place files in it.
 */
export async function startTestApp(
  extra: Env | ((dir: string) => Env) = {},
  opts: { log?: Logger } = {},
): Promise<TestApp> {
  const { dir, cleanup } = tempDir();
  const open = async (env: Env) => {
    const config = loadConfig(testEnv(dir, env), dir);
    return { config, ctx: await createContext(config, opts.log ?? pino({ level: 'silent' })) };
  };
  const first = await open(typeof extra === 'function' ? extra(dir) : extra);
  const app: TestApp = {
    ...first,
    dir,
    async restart(env: Env = {}) {
      await app.ctx.close();
      Object.assign(app, await open(env));
    },
    async close() {
      await app.ctx.close();
      cleanup();
    },
  };
  return app;
}

export async function addActive(app: TestApp, ...emails: string[]): Promise<void> {
  for (const email of emails) await upsertSubscriber(app.ctx.db, { email, name: null, status: 'active' });
}

/** Writes a JSON array of HF items to a file in `dir` and returns `file:PATH` for PAPERBOY_SOURCE. */
export function sourceFile(dir: string, items: unknown, name = 'papers.json'): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof items === 'string' ? items : JSON.stringify(items));
  return `file:${file}`;
}

/** A minimal valid HF daily papers item. */
export function hfItem(id: string, title: string, upvotes: number, extra: Record<string, unknown> = {}): object {
  return {
    paper: {
      id,
      title,
      summary: `Abstract of ${title}. It has two sentences.`,
      authors: [{ name: 'Ada Lovelace' }, { name: 'Alan Turing' }],
      upvotes,
      publishedAt: '2026-11-27T10:00:00.000Z',
      ...extra,
    },
    title,
    summary: `Abstract of ${title}. It has two sentences.`,
    publishedAt: '2026-11-27T10:00:00.000Z',
    numComments: 1,
  };
}

/** Every reader still active with no bounce on record, and nothing in the bounces table. */
export async function expectNobodyBounced(t: TestApp, readers: readonly string[]): Promise<void> {
  for (const email of readers) {
    const s = await findSubscriberByEmail(t.ctx.db, email);
    expect({ email, status: s?.status, softBounces: s?.softBounces }).toEqual({
      email,
      status: 'active',
      softBounces: 0,
    });
  }
  const bounces = await t.ctx.db
    .selectFrom('bounces')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  expect(Number(bounces.n)).toBe(0);
}

export interface LogLine {
  level: number;
  event?: string;
  msg: string;
  [key: string]: unknown;
}

/**
 * A logger that keeps every line (info and up) for the test to read; `until` resolves with the
 * first line (logged already or to come) that `match` accepts.
 */
export function capturingLog(): {
  log: Logger;
  lines: LogLine[];
  until: (match: (line: LogLine) => boolean) => Promise<LogLine>;
} {
  const lines: LogLine[] = [];
  const waiting: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  const log = pino(
    { level: 'info' },
    {
      write: (s: string) => {
        const line = JSON.parse(s) as LogLine;
        lines.push(line);
        for (const w of waiting.splice(0)) {
          if (w.match(line)) w.resolve(line);
          else waiting.push(w);
        }
      },
    },
  );
  const until = (match: (line: LogLine) => boolean) =>
    new Promise<LogLine>((resolve) => {
      const seen = lines.find(match);
      if (seen) resolve(seen);
      else waiting.push({ match, resolve });
    });
  return { log, lines, until };
}
