import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { validate as validateCron } from 'node-cron';
import { z } from 'zod';
import { type DkimKey, loadDkimKey } from './dkim.js';
import { ARXIV_CATEGORY } from './domain.js';
import { PaperboyError } from './errors.js';

/** The validated, frozen settings of one paperboy process. */
export interface Config {
  /** The store: a SQLite file (the default) or a PostgreSQL database. */
  database: DatabaseConfig;
  /** The first (or only) relay of PAPERBOY_SMTP_URL; null: the outbox. */
  smtpUrl: string | null;
  /** Every relay of PAPERBOY_SMTP_URL, in order (several: spread by worker, or message by message on one sender). */
  smtpUrls: string[];
  from: { name: string; address: string; domain: string };
  baseUrl: string;
  /** null: generated once and kept in the data folder (see `resolveSecret`). */
  secret: string | null;
  /** Where papers come from: one or several sources, merged by arXiv id. */
  sources: SourceSpec[];
  hfApiUrl: string;
  arxivApiUrl: string;
  /** At most this many arXiv entries per digest (paged, 100 a request). */
  arxivMaxResults: number;
  /** Look up on arXiv the categories of papers a source gave without them (Hugging Face's). */
  arxivCategories: boolean;
  /** Between two arXiv API requests (arXiv asks for 3 s). */
  arxivIntervalMs: number;
  papersPerDigest: number;
  timezone: string;
  schedule: string;
  port: number;
  archiveDir: string;
  outboxDir: string;
  listName: string;
  listId: string;
  unsubscribeMailto: string | null;
  smtpPool: number;
  /** Messages sent over one SMTP connection before it is closed and a new one opened. */
  smtpMaxMessages: number;
  /** Messages per second for the whole send (0 = as fast as the relay takes them); on PostgreSQL, for the whole cluster. */
  rateLimit: number;
  /**
   * Seconds a worker's batch job may run before pg-boss takes it for dead and gives it to another
   * worker. A worker sends for half of it, puts back what it claimed and leaves the rest of its range
   * to a follow-up job, so a live worker is never overtaken; a killed one is noticed within this time
   * plus the 5 s maintenance interval.
   */
  workerExpirySeconds: number;
  smtpRetries: number;
  retryDelayMs: number;
  sourceTimeoutMs: number;
  sourceRetries: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  samplesPath: string;
  templatesDir: string;
  /** Soft bounces in a row that make an address bounced. */
  softBounceLimit: number;
  /** Days a pending sign-up waits for its confirmation before it is deleted. */
  confirmTtlDays: number;
  /** Maildir folder of bounce reports (RFC 3464), or null. */
  bounceMaildir: string | null;
  /** The admin UI's and API's token; null: the admin UI answers on loopback only. */
  adminToken: string | null;
  /** DKIM signing of every message, when PAPERBOY_DKIM_DOMAIN, _SELECTOR and _KEY are set. */
  dkim: DkimKey | null;
  /** Feedback-ID header value (Gmail's feedback loop), when set. */
  feedbackId: string | null;
  /** A run missed while the process was down is caught up on start-up only if at most this old (ms). */
  catchUpMs: number;
  /**
   * How long a delivery the receiving server keeps deferring (4xx) stays pending for later passes
   * of its send after the retries of one pass (ms); 0: it fails once a pass's retries are spent.
   */
  deferLimitMs: number;
  /** Days (0 = Sunday … 6 = Saturday) on which daily readers get a digest. */
  sendDays: number[];
  /** The address `serve` listens on; null: every interface. */
  host: string | null;
  /** Behind a reverse proxy: take the client address from X-Forwarded-For (for the sign-up rate limit). */
  trustProxy: boolean;
  /** Domain of the VERP envelope sender `bounce+TOKEN@domain`, or null (envelope sender = From). */
  bounceDomain: string | null;
}

export type Env = Record<string, string | undefined>;

export type DatabaseConfig =
  | { kind: 'sqlite'; path: string }
  /** `url` as given minus the `schema` parameter; `schema`: where paperboy's tables live (null: the default search path). */
  | { kind: 'postgres'; url: string; schema: string | null };

const POSTGRES_URL = /^postgres(ql)?:\/\//;

/**
 * `postgres://user:password@host:5432/database[?schema=NAME&sslmode=…]`, or the reason not. The
 * reason never repeats the URL: it may hold a password.
 */
export function parsePostgresUrl(value: string): DatabaseConfig | string {
  const expected = 'expected postgres://user:password@host:5432/database (percent-encode special characters)';
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return expected;
  }
  if (u.pathname.length <= 1) return `${expected}: the database name is missing`;
  const schema = u.searchParams.get('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    return 'expected ?schema= to be a lower-case name (letters, digits, _), such as paperboy';
  }
  u.searchParams.delete('schema');
  return { kind: 'postgres', url: u.toString(), schema };
}

export type SourceSpec =
  | { kind: 'hf' }
  | { kind: 'file'; path: string }
  | { kind: 'arxiv'; categories: string[]; query: string | null };

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** `mon-fri`, `mon,wed,fri`, `sat-sun`, `all`: the weekdays (0 = Sunday) named, or the reason not. */
export function parseDays(value: string): number[] | string {
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'all') return [0, 1, 2, 3, 4, 5, 6];
  const days = new Set<number>();
  for (const part of v.split(',').map((p) => p.trim())) {
    const range = /^([a-z]{3})-([a-z]{3})$/.exec(part);
    const from = DAYS.indexOf(range ? (range[1] ?? '') : part);
    const to = range ? DAYS.indexOf(range[2] ?? '') : from;
    if (from < 0 || to < 0) return `"${part}" is not a day (use mon … sun, ranges like mon-fri, or all)`;
    for (let d = from; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === to) break;
    }
  }
  return [...days].sort();
}

/**
 * `hf`, `file:PATH`, `arxiv:cs.LG,cs.CL`, `arxiv:q=QUERY`, or several joined by commas
 * (`hf,arxiv:cs.LG`). Commas after `arxiv:` add categories to it until the next source.
 * Returns the sources, or the reason the value is not understood.
 */
export function parseSources(value: string, cwd: string): SourceSpec[] | string {
  const specs: SourceSpec[] = [];
  const raw = value.split(',');
  for (let i = 0; i < raw.length; i++) {
    const part = raw[i]?.trim() ?? '';
    const last = specs.at(-1);
    if (part === 'hf') specs.push({ kind: 'hf' });
    else if (part.startsWith('file:') && part.length > 5)
      specs.push({ kind: 'file', path: path.resolve(cwd, part.slice(5)) });
    else if (part.startsWith('arxiv:q=') && part.length > 8) {
      // A query runs to the end of the value: it may itself contain commas.
      specs.push({ kind: 'arxiv', categories: [], query: raw.slice(i).join(',').trim().slice(8) });
      break;
    } else if (part.startsWith('arxiv:') && ARXIV_CATEGORY.test(part.slice(6))) {
      specs.push({ kind: 'arxiv', categories: [part.slice(6)], query: null });
    } else if (last?.kind === 'arxiv' && last.query === null && ARXIV_CATEGORY.test(part)) last.categories.push(part);
    else return `"${part}" is not a source (expected hf, file:PATH, arxiv:CATEGORY[,CATEGORY…] or arxiv:q=QUERY)`;
  }
  return specs.length ? specs : 'no source named';
}

const ADDRESS = /^[^\s@<>"(),;:]+@([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)$/i;

/** `Name <addr@domain>` or a bare address; the name never contains CR, LF, quotes or angle brackets. */
export function parseFrom(value: string): Config['from'] | null {
  const m = /^\s*(?:([^<>"\r\n]*?)\s*<([^<>\s]+)>|([^<>\s]+))\s*$/.exec(value);
  if (!m) return null;
  const address = (m[2] ?? m[3] ?? '').trim();
  const am = ADDRESS.exec(address);
  if (!am?.[1]) return null;
  return { name: (m[1] ?? '').trim(), address, domain: am[1].toLowerCase() };
}

/** A value echoed in an error: quoted, escaped (never a raw line break), at most 80 characters. */
function quote(v: string): string {
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
}

function isTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const int = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number from ${min} to ${max}, got ${quote(v)}` });
        return z.NEVER;
      }
      return n;
    })
    .describe(name);

const httpUrl = <F extends string | null>(fallback: F) =>
  z
    .string()
    .optional()
    .transform((v, ctx): string | F => {
      const s = v?.trim() || fallback;
      if (s === null) return fallback;
      try {
        const u = new URL(s);
        if (u.protocol === 'http:' || u.protocol === 'https:') return s.replace(/\/+$/, '');
      } catch {}
      ctx.addIssue({ code: 'custom', message: `expected an http:// or https:// URL, got ${quote(s)}` });
      return z.NEVER;
    });

const text = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v) => v?.trim() || fallback);

const schema = z.object({
  PAPERBOY_DATABASE_URL: text('./data/paperboy.db').transform((v, ctx): DatabaseConfig => {
    if (!POSTGRES_URL.test(v)) return { kind: 'sqlite', path: v.replace(/^sqlite:(\/\/)?/, '') };
    const parsed = parsePostgresUrl(v);
    if (typeof parsed !== 'string') return parsed;
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }),
  PAPERBOY_SMTP_URL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return [];
      // Several relays, comma-separated (a comma in a password is percent-encoded: %2C).
      const parts = v.split(',').map((p) => p.trim());
      const bad = parts.findIndex((p) => {
        try {
          const u = new URL(p);
          return !((u.protocol === 'smtp:' || u.protocol === 'smtps:') && u.hostname);
        } catch {
          return true;
        }
      });
      if (bad === -1) return parts;
      const expected = 'expected smtp://user:pass@host:port or smtps://user:pass@host:port';
      ctx.addIssue({
        code: 'custom',
        message:
          parts.length > 1
            ? `relay ${bad + 1} of ${parts.length}: ${expected}, several separated by commas (unset it to write to the outbox)`
            : `${expected} (unset it to write to the outbox)`,
      });
      return z.NEVER;
    }),
  PAPERBOY_FROM: text('Paperboy <paperboy@localhost>').transform((v, ctx) => {
    const from = parseFrom(v);
    if (from) return from;
    ctx.addIssue({ code: 'custom', message: `expected "Name <address@domain>" or "address@domain", got ${quote(v)}` });
    return z.NEVER;
  }),
  // Unset: http://localhost:PAPERBOY_PORT (below), so the links of a local install lead to it.
  PAPERBOY_BASE_URL: httpUrl(null),
  PAPERBOY_SECRET: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return null;
      if (v.length < 32) {
        ctx.addIssue({
          code: 'custom',
          message: `expected at least 32 characters (got ${v.length}); generate one with: openssl rand -hex 32`,
        });
        return z.NEVER;
      }
      return v;
    }),
  PAPERBOY_SOURCE: text('hf').transform((v, ctx): SourceSpec[] => {
    const parsed = parseSources(v, process.cwd());
    if (typeof parsed !== 'string') return parsed;
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }),
  PAPERBOY_HF_API_URL: httpUrl('https://huggingface.co/api/daily_papers'),
  PAPERBOY_ARXIV_API_URL: httpUrl('https://export.arxiv.org/api/query'),
  PAPERBOY_ARXIV_MAX_RESULTS: int('max', 1, 2000, 200),
  PAPERBOY_ARXIV_CATEGORIES: z
    .enum(['0', '1', 'true', 'false', ''], { error: 'expected 1 (look categories up on arXiv) or 0' })
    .optional()
    .transform((v) => v !== '0' && v !== 'false'),
  PAPERBOY_ARXIV_INTERVAL_MS: int('ms', 0, 60_000, 3000),
  PAPERBOY_PAPERS_PER_DIGEST: int('papers', 1, 100, 10),
  PAPERBOY_TIMEZONE: text('UTC').refine(isTimezone, {
    message: 'expected an IANA time zone such as UTC or Europe/Paris',
  }),
  PAPERBOY_SCHEDULE: text('0 7 * * *').refine((v) => validateCron(v), {
    message: 'expected a cron expression such as "0 7 * * *" (minute hour day month weekday)',
  }),
  PAPERBOY_PORT: int('port', 0, 65535, 3000),
  PAPERBOY_HOST: text('').refine((v) => v === '' || isIP(v.replace(/^\[|\]$/g, '')) !== 0 || v === 'localhost', {
    message: 'expected an IP address to listen on, such as 127.0.0.1 or ::1 (empty: every interface)',
  }),
  PAPERBOY_ARCHIVE_DIR: text('./digests'),
  PAPERBOY_OUTBOX_DIR: text('./outbox'),
  PAPERBOY_LIST_NAME: text('Daily Papers').refine((v) => !/[\r\n<>"]/.test(v) && v.length <= 60, {
    message: 'expected a short name without line breaks, quotes or angle brackets',
  }),
  PAPERBOY_LIST_ID: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || /^[a-z0-9][a-z0-9.-]*\.[a-z0-9-]+$/i.test(v), {
      message: 'expected a list id such as daily-papers.example.org (RFC 2919)',
    }),
  PAPERBOY_UNSUBSCRIBE_MAILTO: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || ADDRESS.test(v), { message: 'expected an email address' }),
  PAPERBOY_SMTP_POOL: int('pool', 1, 50, 5),
  PAPERBOY_SMTP_MAX_MESSAGES: int('messages', 1, 1_000_000, 1000),
  PAPERBOY_RATE_LIMIT: int('rate', 0, 100_000, 0),
  PAPERBOY_WORKER_EXPIRY: int('seconds', 5, 3600, 50),
  PAPERBOY_SMTP_RETRIES: int('retries', 0, 10, 3),
  PAPERBOY_RETRY_DELAY_MS: int('delay', 0, 600_000, 2000),
  PAPERBOY_SOURCE_TIMEOUT_MS: int('timeout', 100, 600_000, 15_000),
  PAPERBOY_SOURCE_RETRIES: int('retries', 0, 10, 2),
  PAPERBOY_SOFT_BOUNCE_LIMIT: int('limit', 1, 100, 3),
  PAPERBOY_CONFIRM_TTL_DAYS: int('days', 1, 365, 7),
  PAPERBOY_BOUNCE_MAILDIR: z
    .string()
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : null)),
  PAPERBOY_BOUNCE_DOMAIN: z
    .string()
    .optional()
    .refine((v) => !v || /^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$/i.test(v), {
      message: 'expected a domain name such as bounces.example.org',
    })
    .transform((v) => (v ? v.toLowerCase() : null)),
  PAPERBOY_DKIM_DOMAIN: z
    .string()
    .optional()
    .refine((v) => !v || /^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$/i.test(v), {
      message: 'expected the signing domain, e.g. example.org',
    }),
  PAPERBOY_DKIM_SELECTOR: z
    .string()
    .optional()
    .refine((v) => !v || /^[a-z0-9][a-z0-9._-]*$/i.test(v), { message: 'expected a selector such as paperboy1' }),
  PAPERBOY_DKIM_KEY: z.string().optional(),
  PAPERBOY_FEEDBACK_ID: z
    .string()
    .optional()
    .refine((v) => !v || (/^[\x21-\x7e]+(:[\x21-\x7e]+)*$/.test(v) && v.length <= 200), {
      message: 'expected colon-separated fields without spaces, e.g. daily:papers:paperboy',
    }),
  PAPERBOY_CATCHUP: duration('6h', 'never catch up'),
  PAPERBOY_DEFER_LIMIT: duration('4h', 'fail at once'),
  PAPERBOY_ADMIN_TOKEN: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return null;
      if (v.length < 16) {
        ctx.addIssue({
          code: 'custom',
          message: `expected at least 16 characters (got ${v.length}); generate one with: openssl rand -hex 24`,
        });
        return z.NEVER;
      }
      return v;
    }),
  PAPERBOY_SEND_DAYS: text('all').transform((v, ctx) => {
    const days = parseDays(v);
    if (typeof days !== 'string') return days;
    ctx.addIssue({ code: 'custom', message: days });
    return z.NEVER;
  }),
  PAPERBOY_TRUST_PROXY: z
    .enum(['0', '1', 'true', 'false', ''], { error: 'expected 1 or 0' })
    .optional()
    .transform((v) => v === '1' || v === 'true'),
  PAPERBOY_TEMPLATES_DIR: text(path.resolve(import.meta.dirname, '..', 'templates')),
  PAPERBOY_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'expected one of fatal, error, warn, info, debug, trace, silent',
    })
    .optional(),
});

/** A duration in hours or minutes (`6h`, `90m`, `0`), in ms. */
function duration(fallback: string, zero: string) {
  return text(fallback).transform((v, ctx) => {
    const m = /^(\d+)\s*(m|min|h)?$/.exec(v);
    if (m?.[1]) return Number(m[1]) * (m[2] === 'm' || m[2] === 'min' ? 60_000 : 3_600_000);
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration such as 6h, 90m or 0 (${zero}), got ${quote(v)}`,
    });
    return z.NEVER;
  });
}

/**
 * Reads `.env` (when present in `cwd`) under the process environment: a variable set in the
 * environment wins over the file.
 */
export function readEnv(env: Env = process.env, cwd = process.cwd()): Env {
  const file = path.join(cwd, '.env');
  if (!existsSync(file)) return env;
  let fromFile: Env;
  try {
    fromFile = parseEnv(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PaperboyError('ECONFIG', `.env: cannot be read: ${(err as Error).message}`);
  }
  return { ...fromFile, ...env };
}

/**
 * A base URL on this machine (localhost, 127.0.0.1, [::1]) that names another port than the one
 * `serve` listens on: every link in every email would lead nowhere. The warning, or null.
 */
export function baseUrlPortWarning(baseUrl: string, servedPort: number): string | null {
  const u = new URL(baseUrl);
  if (!['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)) return null;
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  if (port === servedPort) return null;
  return `PAPERBOY_BASE_URL is ${baseUrl} but paperboy serves port ${servedPort}: the links in emails, the feed and the confirmation lead nowhere (set PAPERBOY_BASE_URL=http://localhost:${servedPort}, or leave it unset to follow PAPERBOY_PORT)`;
}

/** Validates every setting at once; throws one ECONFIG error listing each bad variable on its own line. */
export function loadConfig(env: Env, cwd = process.cwd()): Config {
  const picked: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) picked[key] = env[key];
  const result = schema.safeParse(picked);
  const lines = result.success ? [] : result.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
  if (POSTGRES_URL.test(picked.PAPERBOY_DATABASE_URL?.trim() ?? '') && !picked.PAPERBOY_SECRET) {
    // Every machine of a PostgreSQL deployment must sign links with the same key: no per-machine file.
    lines.push(
      'PAPERBOY_SECRET: required with a PostgreSQL store (every process must sign links with the same key); generate one with: openssl rand -hex 32',
    );
  }
  if (!result.success || lines.length > 0) {
    throw new PaperboyError('ECONFIG', lines.join('\n'), {
      hint: 'set these variables in the environment or in .env (see .env.example)',
    });
  }
  const e = result.data;
  const database: DatabaseConfig =
    e.PAPERBOY_DATABASE_URL.kind === 'sqlite' && e.PAPERBOY_DATABASE_URL.path !== ':memory:'
      ? { kind: 'sqlite', path: path.resolve(cwd, e.PAPERBOY_DATABASE_URL.path) }
      : e.PAPERBOY_DATABASE_URL;
  const dkimSet = [e.PAPERBOY_DKIM_DOMAIN, e.PAPERBOY_DKIM_SELECTOR, e.PAPERBOY_DKIM_KEY].filter((v) => v).length;
  let dkim: DkimKey | null = null;
  if (dkimSet > 0) {
    const key =
      dkimSet === 3
        ? loadDkimKey(e.PAPERBOY_DKIM_DOMAIN ?? '', e.PAPERBOY_DKIM_SELECTOR ?? '', e.PAPERBOY_DKIM_KEY ?? '', cwd)
        : 'set all three of PAPERBOY_DKIM_DOMAIN, PAPERBOY_DKIM_SELECTOR and PAPERBOY_DKIM_KEY, or none';
    if (typeof key === 'string') {
      throw new PaperboyError('ECONFIG', `PAPERBOY_DKIM_KEY: ${key}`, {
        hint: 'make a key pair with: paperboy dkim keygen --selector S --domain D',
      });
    }
    dkim = key;
  }
  const at = (p: string) => path.resolve(cwd, p);
  const slug = e.PAPERBOY_LIST_NAME.toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return Object.freeze({
    database,
    smtpUrl: e.PAPERBOY_SMTP_URL[0] ?? null,
    smtpUrls: e.PAPERBOY_SMTP_URL,
    from: e.PAPERBOY_FROM,
    baseUrl: e.PAPERBOY_BASE_URL ?? `http://localhost:${e.PAPERBOY_PORT || 3000}`,
    secret: e.PAPERBOY_SECRET,
    sources: e.PAPERBOY_SOURCE,
    hfApiUrl: e.PAPERBOY_HF_API_URL,
    arxivApiUrl: e.PAPERBOY_ARXIV_API_URL,
    arxivMaxResults: e.PAPERBOY_ARXIV_MAX_RESULTS,
    arxivCategories: e.PAPERBOY_ARXIV_CATEGORIES,
    arxivIntervalMs: e.PAPERBOY_ARXIV_INTERVAL_MS,
    papersPerDigest: e.PAPERBOY_PAPERS_PER_DIGEST,
    timezone: e.PAPERBOY_TIMEZONE,
    schedule: e.PAPERBOY_SCHEDULE,
    port: e.PAPERBOY_PORT,
    host: e.PAPERBOY_HOST.replace(/^\[|\]$/g, '') || null,
    archiveDir: at(e.PAPERBOY_ARCHIVE_DIR),
    outboxDir: at(e.PAPERBOY_OUTBOX_DIR),
    listName: e.PAPERBOY_LIST_NAME,
    listId: e.PAPERBOY_LIST_ID || `${slug || 'paperboy'}.${e.PAPERBOY_FROM.domain}`,
    unsubscribeMailto: e.PAPERBOY_UNSUBSCRIBE_MAILTO || null,
    smtpPool: e.PAPERBOY_SMTP_POOL,
    smtpMaxMessages: e.PAPERBOY_SMTP_MAX_MESSAGES,
    rateLimit: e.PAPERBOY_RATE_LIMIT,
    workerExpirySeconds: e.PAPERBOY_WORKER_EXPIRY,
    smtpRetries: e.PAPERBOY_SMTP_RETRIES,
    retryDelayMs: e.PAPERBOY_RETRY_DELAY_MS,
    sourceTimeoutMs: e.PAPERBOY_SOURCE_TIMEOUT_MS,
    sourceRetries: e.PAPERBOY_SOURCE_RETRIES,
    logLevel: e.PAPERBOY_LOG_LEVEL ?? 'info',
    samplesPath: path.resolve(import.meta.dirname, '..', 'samples', 'daily-papers.json'),
    templatesDir: at(e.PAPERBOY_TEMPLATES_DIR),
    softBounceLimit: e.PAPERBOY_SOFT_BOUNCE_LIMIT,
    confirmTtlDays: e.PAPERBOY_CONFIRM_TTL_DAYS,
    bounceMaildir: e.PAPERBOY_BOUNCE_MAILDIR ? at(e.PAPERBOY_BOUNCE_MAILDIR) : null,
    bounceDomain: e.PAPERBOY_BOUNCE_DOMAIN,
    trustProxy: e.PAPERBOY_TRUST_PROXY,
    sendDays: e.PAPERBOY_SEND_DAYS,
    adminToken: e.PAPERBOY_ADMIN_TOKEN,
    catchUpMs: e.PAPERBOY_CATCHUP,
    deferLimitMs: e.PAPERBOY_DEFER_LIMIT,
    dkim,
    feedbackId: e.PAPERBOY_FEEDBACK_ID || null,
  });
}
