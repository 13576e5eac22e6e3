import path from 'node:path';
import { ARXIV_CATEGORY } from './domain.js';

// The settings' values that take more than a pattern to read: each parser returns the value or the reason not.

/** The From of every email: `Name <address@domain>`, the domain lower-cased. */
export interface FromAddress {
  name: string;
  address: string;
  domain: string;
}

export type DatabaseConfig =
  | { kind: 'sqlite'; path: string }
  /** `url` as given minus the `schema` parameter; `schema`: where paperboy's tables live (null: the default search path). */
  | { kind: 'postgres'; url: string; schema: string | null };

export const POSTGRES_URL = /^postgres(ql)?:\/\//;

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

export const ADDRESS = /^[^\s@<>"(),;:]+@([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)$/i;

/** `Name <addr@domain>` or a bare address; the name never contains CR, LF, quotes or angle brackets. */
export function parseFrom(value: string): FromAddress | null {
  const m = /^\s*(?:([^<>"\r\n]*?)\s*<([^<>\s]+)>|([^<>\s]+))\s*$/.exec(value);
  if (!m) return null;
  const address = (m[2] ?? m[3] ?? '').trim();
  const am = ADDRESS.exec(address);
  if (!am?.[1]) return null;
  return { name: (m[1] ?? '').trim(), address, domain: am[1].toLowerCase() };
}

/** A value echoed in an error: quoted, escaped (never a raw line break), at most 80 characters. */
export function quote(v: string): string {
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
}

export function isTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The header's look (PAPERBOY_LOGO_URL, PAPERBOY_LOGO_SIZE, PAPERBOY_ACCENT, PAPERBOY_ACCENT_DARK). */
export interface Brand {
  logo: { url: string; width: number; height: number } | null;
  /** Links and the header's rule, light mode: 4.5:1 or more on white. */
  accent: string;
  /** Links in dark mode: 4.5:1 or more on the dark card. */
  accentDark: string;
  /** The source's thumbnails on the top cards (PAPERBOY_THUMBNAILS). */
  thumbnails: boolean;
}
export const DEFAULT_ACCENT = '#0b3d91';
export const DEFAULT_ACCENT_DARK = '#8ab4f8';

/** The dark accent: the one set, the default's own, or one derived from the light accent. */
export function accentForDark(accent: string, set: string | null): string {
  return set ?? (accent === DEFAULT_ACCENT ? DEFAULT_ACCENT_DARK : darkAccent(accent));
}

/** The card backgrounds link text sits on: white in light mode, the dark card in dark mode. */
export const CARD_LIGHT = '#ffffff';
export const CARD_DARK = '#1b1f24';
/** WCAG AA for normal-size text such as links. */
export const AA_TEXT = 4.5;

/** Relative luminance (WCAG 2) of `#rrggbb`. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The WCAG contrast ratio of two `#rrggbb` colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

/** `ratio` as the messages write it: 3.21:1 → "3.2:1" (rounded down, so a shown 4.5:1 passes). */
export const ratioText = (ratio: number) => `${Math.floor(ratio * 10) / 10}:1`;

/**
 * The accent for dark mode: `accent` mixed with white in steps of 5 % until its text reads on the
 * dark card at AA (the light accent that suits white is too dark there).
 */
export function darkAccent(accent: string): string {
  for (let k = 0; k <= 20; k++) {
    const mix = [1, 3, 5]
      .map((i) => {
        const c = Number.parseInt(accent.slice(i, i + 2), 16);
        return Math.round(c + ((255 - c) * k) / 20)
          .toString(16)
          .padStart(2, '0');
      })
      .join('');
    if (contrastRatio(`#${mix}`, CARD_DARK) >= AA_TEXT) return `#${mix}`;
  }
  return '#ffffff';
}

/** PAPERBOY_WEBHOOKS: comma-separated http(s) URLs (none when empty), or the reason not. */
export function parseWebhookUrls(value: string): string[] | string {
  const urls = value
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  for (const u of urls) {
    let ok = false;
    try {
      const p = new URL(u).protocol;
      ok = p === 'http:' || p === 'https:';
    } catch {}
    if (!ok) return `expected comma-separated http:// or https:// URLs, got ${quote(u)}`;
  }
  return [...new Set(urls)];
}
