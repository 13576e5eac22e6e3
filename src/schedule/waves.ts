/**
 * Delivery in waves, pure: when a reader's delivery of a digest is due. A digest date is released
 * once, at the schedule's time on that date in PAPERBOY_TIMEZONE (when `serve` builds it); each
 * reader gets it at the first moment at or after the release at which their own clock (their zone,
 * their hour, the schedule's minute) reads their hour. Releases are a day apart and a reader's
 * hour comes once a local day, so every reader gets every digest once, in date order, and nobody an
 * empty or a repeated one because of the date line: a reader in Pacific/Kiritimati (UTC+14) gets
 * the digest of 2 Dec at 07:00 on their 3 Dec, one in Pacific/Pago_Pago (UTC−11) at 07:00 on their
 * 2 Dec, with a release at 07:00 UTC on 2 Dec. See docs/how-it-works.md#waves.
 */
import type { IsoDate } from '../domain.js';
import { wallParts, wallToInstant } from '../time-zone.js';
import { scheduleClock } from './cron-times.js';

/** A reader's clock as stored: null fields take the list's defaults. */
export interface ReaderClock {
  timezone: string | null;
  hour: number | null;
}

/** The list's defaults: PAPERBOY_TIMEZONE and the schedule's hour and minute. */
export interface ListClock {
  timezone: string;
  hour: number;
  minute: number;
}

const DAY = 86_400_000;

/** The list's clock from the settings: PAPERBOY_TIMEZONE and PAPERBOY_SCHEDULE's time of day. */
export function listClock(config: { timezone: string; schedule: string }): ListClock {
  return { timezone: config.timezone, ...scheduleClock(config.schedule) };
}

/**
 * The instant the digest of `date` is released: the schedule's hour and minute that day in the
 * list's zone, or when it was built (`builtAt`, ms) if that was earlier — a digest sent by hand
 * before its scheduled time is released then.
 */
export function releaseOf(date: IsoDate, list: ListClock, builtAt = Number.POSITIVE_INFINITY): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Math.min(wallToInstant(y, m, d, list.hour, list.minute, list.timezone), builtAt);
}

/**
 * The first instant at or after `from` at which the clock in `zone` reads `hour`:`minute` (a time
 * that does not exist on a spring-forward day comes an hour later; one that exists twice, the first).
 */
export function nextWallTime(from: number, zone: string, hour: number, minute: number): number {
  const p = wallParts(from, zone);
  for (let ahead = 0; ahead <= 2; ahead++) {
    const t = new Date(Date.UTC(p.y, p.m - 1, p.d + ahead));
    const at = wallToInstant(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate(), hour, minute, zone);
    if (at >= from) return at;
  }
  return from + DAY;
}

/** The zone and hour a reader's deliveries follow. */
export function clockOf(reader: ReaderClock, list: ListClock): { timezone: string; hour: number; minute: number } {
  return { timezone: reader.timezone ?? list.timezone, hour: reader.hour ?? list.hour, minute: list.minute };
}

/**
 * When a reader's delivery of the digest released at `release` is due. A reader with neither a
 * zone nor an hour of their own gets it at the release itself, whenever that was (a digest sent by
 * hand before its scheduled time goes to them at once, as before waves).
 */
export function dueAt(reader: ReaderClock, release: number, list: ListClock): number {
  if (reader.timezone === null && reader.hour === null) return release;
  const c = clockOf(reader, list);
  return nextWallTime(release, c.timezone, c.hour, c.minute);
}

/** 0 = Sunday … 6 = Saturday: the reader's local weekday at `instant`. */
export function localWeekday(instant: number, zone: string): number {
  const p = wallParts(instant, zone);
  return new Date(Date.UTC(p.y, p.m - 1, p.d)).getUTCDay();
}
