import { parse } from 'node-cron';
import { wallParts, wallToInstant } from '../time-zone.js';

interface Fields {
  minute: number[];
  hour: number[];
  dayOfMonth: number[];
  month: number[];
  dayOfWeek: number[];
  domRestricted: boolean;
  dowRestricted: boolean;
}

function fields(expression: string): Fields {
  const f = parse(expression) as unknown as Record<string, number[]>;
  const dom = f.dayOfMonth ?? [];
  const dow = (f.dayOfWeek ?? []).map((x) => x % 7);
  return {
    minute: f.minute ?? [],
    hour: f.hour ?? [],
    dayOfMonth: dom,
    month: f.month ?? [],
    dayOfWeek: dow,
    domRestricted: dom.length < 31,
    dowRestricted: new Set(dow).size < 7,
  };
}

/** The scheduled instants of one local calendar day (cron day rule: day-of-month OR day-of-week when both are set). */
function firesOn(f: Fields, y: number, m: number, d: number, timeZone: string): number[] {
  if (!f.month.includes(m)) return [];
  const dow = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  const domOk = f.dayOfMonth.includes(d);
  const dowOk = f.dayOfWeek.includes(dow);
  const dayOk = f.domRestricted && f.dowRestricted ? domOk || dowOk : domOk && dowOk;
  if (!dayOk) return [];
  const out: number[] = [];
  for (const hh of f.hour) for (const mm of f.minute) out.push(wallToInstant(y, m, d, hh, mm, timeZone));
  return [...new Set(out)].sort((a, b) => a - b);
}

function localDay(instant: number, timeZone: string, shiftDays: number) {
  const p = wallParts(instant, timeZone);
  const t = new Date(Date.UTC(p.y, p.m - 1, p.d + shiftDays));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/** The latest scheduled instant at or before `now` within the last `days` local days, or null. */
export function previousFire(expression: string, timeZone: string, now: number, days = 8): number | null {
  const f = fields(expression);
  for (let back = 0; back <= days; back++) {
    const { y, m, d } = localDay(now, timeZone, -back);
    const past = firesOn(f, y, m, d, timeZone).filter((t) => t <= now);
    if (past.length) return past[past.length - 1] ?? null;
  }
  return null;
}

/** The next scheduled instant after `now` within the next `days` local days, or null. */
export function nextFire(expression: string, timeZone: string, now: number, days = 370): number | null {
  const f = fields(expression);
  for (let ahead = 0; ahead <= days; ahead++) {
    const { y, m, d } = localDay(now, timeZone, ahead);
    const next = firesOn(f, y, m, d, timeZone).find((t) => t > now);
    if (next !== undefined) return next;
  }
  return null;
}

/**
 * The schedule's time of day: its first hour and minute (0 for a field that is `*`). A reader
 * without an hour of their own gets the digest at this hour on their local day.
 */
export function scheduleClock(expression: string): { hour: number; minute: number } {
  const f = fields(expression);
  const one = (v: number[], all: number) => (v.length === all ? 0 : (v[0] ?? 0));
  return { hour: one(f.hour, 24), minute: one(f.minute, 60) };
}
