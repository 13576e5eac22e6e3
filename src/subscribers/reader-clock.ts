/**
 * A reader's clock as typed (a form, `subscribers add --timezone Z --hour H`, a CSV's `timezone`
 * and `hour` columns), checked in one place. Pure.
 *
 * A zone is an IANA name that Intl knows, in any case (`europe/berlin` is stored as
 * `Europe/Berlin`: the name Intl gives back); a UTC offset (`+02:00`, `UTC+2`, `GMT-5`) is refused
 * even where Intl would take it, as it follows no daylight-saving rule: `Etc/GMT-2` is a fixed
 * UTC+2 for whoever wants one. An hour is a whole hour 0–23, written `7`, `07` or `07:00`. Empty
 * is "the list's default" (null: PAPERBOY_TIMEZONE, the schedule's hour).
 */
import type { Subscriber } from '../domain.js';
import { PaperboyError } from '../errors.js';

/** A reader's zone and hour as stored (null: the list's); schedule/waves.ts reads the same two fields. */
export type ReaderClock = Pick<Subscriber, 'timezone' | 'hour'>;
/** The list's clock (schedule/waves.ts `listClock`): PAPERBOY_TIMEZONE and the schedule's time. */
export interface ListClock {
  timezone: string;
  hour: number;
  minute: number;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

const ZONE_HELP =
  'use an IANA name such as Europe/Berlin (see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones)';
const OFFSET = /^(?:(?:UTC|GMT|Z)\s*)?[+\-−]\s*\d/i;
const HOUR = /^(\d{1,2})(?::00)?$/;

/** Every zone the select offers: UTC, then Intl's list (Africa/Abidjan … Pacific/Wallis). */
export const ZONES: readonly string[] = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];

const quoted = (v: string) => JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);

/** A zone as typed: its canonical name, or what is wrong with it. Empty is the list's default (null). */
export function checkTimezone(input: string): Checked<string | null> {
  const v = input.trim();
  if (v === '') return { ok: true, value: null };
  if (OFFSET.test(v)) {
    return {
      ok: false,
      problem: `${quoted(v)} is a UTC offset, not a time zone (it follows no daylight saving): ${ZONE_HELP}`,
    };
  }
  try {
    return { ok: true, value: new Intl.DateTimeFormat('en-US', { timeZone: v }).resolvedOptions().timeZone };
  } catch {
    return { ok: false, problem: `${quoted(v)} is not a time zone: ${ZONE_HELP}` };
  }
}

/** An hour as typed (`7`, `07`, `07:00`): 0–23, or what is wrong with it. Empty is the list's default (null). */
export function checkHour(input: string): Checked<number | null> {
  const v = input.trim();
  if (v === '') return { ok: true, value: null };
  const m = HOUR.exec(v);
  const hour = m ? Number(m[1]) : Number.NaN;
  if (!(hour >= 0 && hour <= 23)) {
    return { ok: false, problem: `${quoted(v)} is not an hour: use a whole hour from 0 to 23 (7 for 07:00)` };
  }
  return { ok: true, value: hour };
}

function orThrow<T>(checked: Checked<T>, option: string): T {
  if (!checked.ok) throw new PaperboyError('EUSAGE', `${option}: ${checked.problem}`);
  return checked.value;
}

/** `--timezone Z`: the canonical zone, null for '' (the list's), or EUSAGE naming the value and the fix. */
export function timezoneOption(value: string): string | null {
  return orThrow(checkTimezone(value), '--timezone');
}

/** `--hour H`: 0–23, null for '' (the schedule's), or EUSAGE naming the value and the fix. */
export function hourOption(value: string): number | null {
  return orThrow(checkHour(value), '--hour');
}

/** "07:00": an hour of the reader's clock at the schedule's minute. */
export function clockTime(hour: number, minute: number): string {
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

/** The zone and hour a reader's digest follows, and whether each is the list's default. */
export function readerClock(reader: ReaderClock, list: ListClock) {
  return {
    timezone: reader.timezone ?? list.timezone,
    time: clockTime(reader.hour ?? list.hour, list.minute),
    defaultZone: reader.timezone === null,
    defaultHour: reader.hour === null,
  };
}

/**
 * What a web form's zone and hour store: the list's own zone or hour is stored as the default
 * (null), so a form that shows the defaults and is sent back unchanged follows the list.
 */
export function formClock(chosen: ReaderClock, list: ListClock): ReaderClock {
  return {
    timezone: chosen.timezone === list.timezone ? null : chosen.timezone,
    hour: chosen.hour === list.hour ? null : chosen.hour,
  };
}
