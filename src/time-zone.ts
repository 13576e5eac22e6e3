/**
 * Time zones, in one place: an instant's wall-clock parts, date and wording in an IANA zone, and
 * the instant a local wall-clock time names (the schedule's daylight-saving rules). Intl only.
 */
import type { IsoDate } from './domain.js';

/** Local wall-clock parts of an instant in `timeZone`. */
export function wallParts(instant: number, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(instant);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return { y: get('year'), m: get('month'), d: get('day'), hh: get('hour'), mm: get('minute'), ss: get('second') };
}

/** Offset of `timeZone` from UTC at `instant`, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  const p = wallParts(instant, timeZone);
  return Date.UTC(p.y, p.m - 1, p.d, p.hh, p.mm, p.ss) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a local wall-clock time names in `timeZone`, with the usual resolution of the two
 * daylight-saving cases (as Temporal's "compatible"): a time that does not exist (spring forward)
 * is moved later by the gap, a time that exists twice (fall back) is the earlier one. So a daily
 * schedule fires exactly once on every local day.
 */
export function wallToInstant(y: number, m: number, d: number, hh: number, mm: number, timeZone: string): number {
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  const before = offsetAt(wall - 86_400_000, timeZone);
  const after = offsetAt(wall + 86_400_000, timeZone);
  const candidates = [...new Set([before, after])]
    .map((off) => wall - off)
    .filter((t) => {
      const p = wallParts(t, timeZone);
      return p.hh === hh && p.mm === mm && p.d === d;
    })
    .sort((a, b) => a - b);
  // Exists once or twice: the earlier. Does not exist: the offset before the gap moves it later.
  return candidates[0] ?? wall - before;
}

/** The calendar date (`YYYY-MM-DD`) it is at `instant` in the IANA zone `timeZone`. */
export function dateInZone(instant: Date, timeZone: string): IsoDate {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    instant,
  );
}

/** "Sunday, 29 November 2026 at 07:00 (UTC)": a moment as a reader in `timeZone` would say it. */
export function formatInTimeZone(instant: Date, timeZone: string): string {
  const day = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(instant);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hour12: false }).format(
    instant,
  );
  return `${day} at ${time} (${timeZone})`;
}
