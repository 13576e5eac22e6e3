import { parse } from 'node-cron';

/** Local wall-clock parts of an instant in `timeZone`. */
function wallParts(instant: number, timeZone: string) {
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
