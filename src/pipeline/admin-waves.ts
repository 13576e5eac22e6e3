import type { IsoDate } from '../domain.js';
import { listClock, releaseOf } from '../schedule/waves.js';
import { findDigest, listDigests } from '../store/digests.js';
import { type WaveCount, waveCounts } from '../store/waves.js';
import { dateInZone } from '../time-zone.js';
import type { AppContext } from './context.js';

/** One row of the dashboard's waves: an hour, as UTC and as the list's zone say it, and its counts. */
export interface WaveRow extends Omit<WaveCount, 'hour'> {
  utc: string;
  local: string;
}

export interface DayWaves {
  date: IsoDate;
  /** "2 Dec". */
  day: string;
  /** PAPERBOY_TIMEZONE. */
  zone: string;
  rows: WaveRow[];
}

/** How far back the dashboard looks for a released digest. */
const LOOK_BACK = 5;

const dayMonth = (instant: number, zone: string) =>
  new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: zone }).format(instant);

/** "17:00", or "3 Dec 01:00" when the hour is on another day than the digest's date (in that zone). */
function hourLabel(instant: number, zone: string, date: IsoDate): string {
  const time = new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: zone,
  }).format(instant);
  return dateInZone(new Date(instant), zone) === date ? time : `${dayMonth(instant, zone)} ${time}`;
}

/**
 * The waves of the latest released digest (sending or sent): its deliveries by the hour they are
 * due (rows planned before waves count at the release), for the dashboard. Null: none released.
 */
export async function latestWaves(ctx: AppContext): Promise<DayWaves | null> {
  const released = (await listDigests(ctx.db, LOOK_BACK)).find((d) => d.status !== 'ready');
  const digest = released && (await findDigest(ctx.db, released.date));
  if (!digest) return null;
  const list = listClock(ctx.config);
  const release = new Date(releaseOf(digest.date, list)).toISOString();
  const counts = await waveCounts(ctx.db, digest.id, release);
  if (counts.length === 0) return null;
  return {
    date: digest.date,
    day: dayMonth(Date.parse(`${digest.date}T12:00:00Z`), 'UTC'),
    zone: list.timezone,
    rows: counts.map(({ hour, ...n }) => {
      const instant = Date.parse(`${hour}:00:00Z`);
      return {
        utc: hourLabel(instant, 'UTC', digest.date),
        local: hourLabel(instant, list.timezone, digest.date),
        ...n,
      };
    }),
  };
}
