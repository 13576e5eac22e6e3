import { isIP } from 'node:net';
import path from 'node:path';
import { validate as validateCron } from 'node-cron';
import { z } from 'zod';
import {
  AA_TEXT,
  ADDRESS,
  CARD_DARK,
  CARD_LIGHT,
  contrastRatio,
  type DatabaseConfig,
  DEFAULT_ACCENT,
  isTimezone,
  POSTGRES_URL,
  parseDays,
  parseFrom,
  parsePostgresUrl,
  parseSources,
  parseWebhookUrls,
  quote,
  ratioText,
  type SourceSpec,
} from './config-values.js';
import { parseWebhookSecret } from './webhook-signature.js';

/** `1.2.3.4`, `1.2.3.4:53`, `::1` or `[::1]:53`: what node's Resolver.setServers takes. */
function isDnsServer(s: string): boolean {
  const m = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(s) ?? /^([\d.]+)(?::(\d{1,5}))?$/.exec(s);
  const host = m ? m[1] : s;
  const port = m?.[2] === undefined ? 53 : Number(m[2]);
  return host !== undefined && isIP(host) !== 0 && port >= 1 && port <= 65535;
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

/** A secret of at least `min` characters, or null when unset; the message says how to make one. */
const secretText = (min: number, hexBytes: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return null;
      if (v.length < min) {
        ctx.addIssue({
          code: 'custom',
          message: `expected at least ${min} characters (got ${v.length}); generate one with: openssl rand -hex ${hexBytes}`,
        });
        return z.NEVER;
      }
      return v;
    });

/** Every PAPERBOY_ variable: its default, how it is read, and the message when it cannot be. */
export const envSchema = z.object({
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
  PAPERBOY_SECRET: secretText(32, 32),
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
  PAPERBOY_LOGO_URL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const s = v?.trim();
      if (!s) return null;
      try {
        // As the URL parser writes it: spaces and other raw characters percent-encoded.
        const url = new URL(s);
        if (url.protocol === 'https:') return url.href;
      } catch {}
      ctx.addIssue({
        code: 'custom',
        message: `expected an https:// URL of the logo image (mail clients block or warn on http: images), got ${quote(s)}`,
      });
      return z.NEVER;
    }),
  PAPERBOY_LOGO_SIZE: text('40x40').transform((v, ctx) => {
    const m = /^(\d{1,3})x(\d{1,3})$/.exec(v);
    const [w, h] = [Number(m?.[1]), Number(m?.[2])];
    if (m && w >= 8 && w <= 552 && h >= 8 && h <= 200) return { width: w, height: h };
    ctx.addIssue({
      code: 'custom',
      message: `expected the logo's size in CSS pixels as WIDTHxHEIGHT (8 to 552 wide, 8 to 200 high), e.g. 120x40, got ${quote(v)}`,
    });
    return z.NEVER;
  }),
  PAPERBOY_ACCENT: accent(DEFAULT_ACCENT, CARD_LIGHT, 'the white card', 'a darker colour, e.g. #0b3d91'),
  PAPERBOY_ACCENT_DARK: accent(
    null,
    CARD_DARK,
    'the dark-mode card (#1b1f24)',
    'a lighter colour, e.g. #8ab4f8, or leave it unset to derive one',
  ),
  PAPERBOY_THUMBNAILS: z
    .enum(['0', '1', 'true', 'false', ''], { error: "expected 1 (show the top papers' thumbnails) or 0" })
    .optional()
    .transform((v) => v === '1' || v === 'true'),
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
  PAPERBOY_SMTP_NAME: z
    .string()
    .optional()
    .refine((v) => !v?.trim() || isHostName(v.trim()), {
      message:
        'expected the host name paperboy gives in EHLO, such as mail.example.org (unset: the domain of PAPERBOY_FROM)',
    })
    .transform((v) => (v?.trim() ? v.trim().toLowerCase() : null)),
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
  PAPERBOY_DNS_SERVERS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const list = (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = list.find((s) => !isDnsServer(s));
      if (bad !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `expected IP addresses with an optional port, comma-separated, e.g. 127.0.0.1:5353,[::1]:53; got ${quote(bad)}`,
        });
        return z.NEVER;
      }
      return list.length ? list : null;
    }),
  PAPERBOY_SENDING_IP: z
    .string()
    .optional()
    .refine((v) => !v?.trim() || isIP(v.trim()) !== 0, {
      message: 'expected the public IP address mail leaves from, e.g. 203.0.113.5',
    })
    .transform((v) => v?.trim() || null),
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
  PAPERBOY_ADMIN_TOKEN: secretText(16, 24),
  PAPERBOY_SEND_DAYS: text('all').transform((v, ctx) => {
    const days = parseDays(v);
    if (typeof days !== 'string') return days;
    ctx.addIssue({ code: 'custom', message: days });
    return z.NEVER;
  }),
  PAPERBOY_WEBHOOKS: text('').transform((v, ctx) => {
    const urls = parseWebhookUrls(v);
    if (typeof urls !== 'string') return urls;
    ctx.addIssue({ code: 'custom', message: urls });
    return z.NEVER;
  }),
  PAPERBOY_WEBHOOK_SECRET: text('').transform((v, ctx) => {
    if (v === '') return null;
    const key = parseWebhookSecret(v);
    if (typeof key !== 'string') return key;
    ctx.addIssue({ code: 'custom', message: key });
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

/** A host name (RFC 1123): letters, digits and inner hyphens in dot-separated labels of at most 63, 253 in all. */
function isHostName(v: string): boolean {
  return (
    v.length <= 253 && /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(v)
  );
}

/**
 * A link colour `#rrggbb` that reads on `card` at WCAG AA (4.5:1), or `fallback` when unset; the
 * message gives the measured ratio and the fix.
 */
function accent<F extends string | null>(fallback: F, card: string, cardName: string, fix: string) {
  return z
    .string()
    .optional()
    .transform((v, ctx): string | F => {
      const s = v?.trim().toLowerCase();
      if (!s) return fallback;
      if (!/^#[0-9a-f]{6}$/.test(s)) {
        ctx.addIssue({ code: 'custom', message: `expected a colour as #rrggbb, e.g. #0b3d91, got ${quote(v ?? '')}` });
        return z.NEVER;
      }
      const ratio = contrastRatio(s, card);
      if (ratio >= AA_TEXT) return s;
      ctx.addIssue({
        code: 'custom',
        message: `${s} has a contrast of ${ratioText(ratio)} against ${cardName}; link text needs ${AA_TEXT}:1 (WCAG AA): pick ${fix}`,
      });
      return z.NEVER;
    });
}

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
