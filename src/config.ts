import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { envSchema } from './config-schema.js';
import {
  accentForDark,
  type Brand,
  type DatabaseConfig,
  type FromAddress,
  POSTGRES_URL,
  type SourceSpec,
} from './config-values.js';
import { type DkimKey, loadDkimKey } from './dkim.js';
import { PaperboyError } from './errors.js';

// The config's value types and parsers, for those that read one value (a CLI option, a test).
export {
  type DatabaseConfig,
  type FromAddress,
  parseDays,
  parseFrom,
  parseSources,
  type SourceSpec,
} from './config-values.js';

/** The validated, frozen settings of one paperboy process. */
export interface Config {
  /** The store: a SQLite file (the default) or a PostgreSQL database. */
  database: DatabaseConfig;
  /** The first (or only) relay of PAPERBOY_SMTP_URL; null: the outbox. */
  smtpUrl: string | null;
  /** Every relay of PAPERBOY_SMTP_URL, in order (several: spread by worker, or message by message on one sender). */
  smtpUrls: string[];
  from: FromAddress;
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
  /** The header's look: an optional logo (https, shown at its size with the list name as alt) and the link colours. */
  brand: Brand;
  listId: string;
  unsubscribeMailto: string | null;
  /** The name paperboy gives in the SMTP greeting (EHLO): PAPERBOY_SMTP_NAME, else the From domain. */
  smtpName: string;
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
  /** PAPERBOY_WEBHOOKS and the key of PAPERBOY_WEBHOOK_SECRET; null when no URL is set. */
  webhooks: { urls: string[]; key: Buffer } | null;
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
  /** The DNS servers doctor asks (`127.0.0.1:5353`, …), or null: the system's resolver. */
  dnsServers: string[] | null;
  /** The public address mail leaves from, for doctor's SPF and PTR checks; null: the relay's address. */
  sendingIp: string | null;
}

export type Env = Record<string, string | undefined>;

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
  for (const key of Object.keys(envSchema.shape)) picked[key] = env[key];
  const result = envSchema.safeParse(picked);
  const lines = result.success ? [] : result.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
  if (POSTGRES_URL.test(picked.PAPERBOY_DATABASE_URL?.trim() ?? '') && !picked.PAPERBOY_SECRET) {
    // Every machine of a PostgreSQL deployment must sign links with the same key: no per-machine file.
    lines.push(
      'PAPERBOY_SECRET: required with a PostgreSQL store (every process must sign links with the same key); generate one with: openssl rand -hex 32',
    );
  }
  if (picked.PAPERBOY_WEBHOOKS?.trim() && !picked.PAPERBOY_WEBHOOK_SECRET?.trim()) {
    lines.push(
      "PAPERBOY_WEBHOOK_SECRET: required with PAPERBOY_WEBHOOKS (receivers check each webhook's signature with it); generate one with: echo whsec_$(openssl rand -base64 32)",
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
    brand: {
      logo: e.PAPERBOY_LOGO_URL ? { url: e.PAPERBOY_LOGO_URL, ...e.PAPERBOY_LOGO_SIZE } : null,
      accent: e.PAPERBOY_ACCENT,
      accentDark: accentForDark(e.PAPERBOY_ACCENT, e.PAPERBOY_ACCENT_DARK),
      thumbnails: e.PAPERBOY_THUMBNAILS,
    },
    listId: e.PAPERBOY_LIST_ID || `${slug || 'paperboy'}.${e.PAPERBOY_FROM.domain}`,
    unsubscribeMailto: e.PAPERBOY_UNSUBSCRIBE_MAILTO || null,
    smtpName: e.PAPERBOY_SMTP_NAME ?? e.PAPERBOY_FROM.domain,
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
    dnsServers: e.PAPERBOY_DNS_SERVERS,
    sendingIp: e.PAPERBOY_SENDING_IP,
    trustProxy: e.PAPERBOY_TRUST_PROXY,
    sendDays: e.PAPERBOY_SEND_DAYS,
    adminToken: e.PAPERBOY_ADMIN_TOKEN,
    catchUpMs: e.PAPERBOY_CATCHUP,
    deferLimitMs: e.PAPERBOY_DEFER_LIMIT,
    dkim,
    feedbackId: e.PAPERBOY_FEEDBACK_ID || null,
    webhooks:
      e.PAPERBOY_WEBHOOKS.length > 0 && e.PAPERBOY_WEBHOOK_SECRET
        ? { urls: e.PAPERBOY_WEBHOOKS, key: e.PAPERBOY_WEBHOOK_SECRET }
        : null,
  });
}
