import { describe, expect, it } from 'vitest';
import { scheduleClock } from '../../src/schedule/cron-times.js';
import { dueAt, type ListClock, localWeekday, nextWallTime, releaseOf } from '../../src/schedule/waves.js';

const utc7: ListClock = { timezone: 'UTC', hour: 7, minute: 0 };
const iso = (t: number) => new Date(t).toISOString();

describe('waves', () => {
  it('releases a date at the schedule time in the list zone', () => {
    expect(iso(releaseOf('2026-12-02', utc7))).toBe('2026-12-02T07:00:00.000Z');
    expect(iso(releaseOf('2026-07-02', { timezone: 'Europe/Berlin', hour: 7, minute: 30 }))).toBe(
      '2026-07-02T05:30:00.000Z',
    );
  });

  it('gives a reader without a clock of their own the release itself', () => {
    const r = releaseOf('2026-12-02', utc7);
    expect(dueAt({ timezone: null, hour: null }, r, utc7)).toBe(r);
    // Sent by hand at 05:12, before the 07:00 schedule: released then, and due then.
    const early = releaseOf('2026-12-02', utc7, Date.parse('2026-12-02T05:12Z'));
    expect(iso(early)).toBe('2026-12-02T05:12:00.000Z');
    expect(dueAt({ timezone: null, hour: null }, early, utc7)).toBe(early);
    expect(iso(dueAt({ timezone: 'Europe/Berlin', hour: 7 }, early, utc7))).toBe('2026-12-02T06:00:00.000Z');
    // Built late (a catch-up at 09:30): released at its scheduled time all the same.
    expect(iso(releaseOf('2026-12-02', utc7, Date.parse('2026-12-02T09:30Z')))).toBe('2026-12-02T07:00:00.000Z');
  });

  it('sends across the date line once each: Kiritimati on its next day, Pago Pago on its same day', () => {
    const r = releaseOf('2026-12-02', utc7);
    const kiri = dueAt({ timezone: 'Pacific/Kiritimati', hour: 7 }, r, utc7);
    const pago = dueAt({ timezone: 'Pacific/Pago_Pago', hour: 7 }, r, utc7);
    expect(iso(kiri)).toBe('2026-12-02T17:00:00.000Z'); // 07:00 on 3 Dec in UTC+14
    expect(iso(pago)).toBe('2026-12-02T18:00:00.000Z'); // 07:00 on 2 Dec in UTC−11
    // The next date's release comes after both: nobody gets two on one local day or none on another.
    const next = releaseOf('2026-12-03', utc7);
    expect(iso(dueAt({ timezone: 'Pacific/Kiritimati', hour: 7 }, next, utc7))).toBe('2026-12-03T17:00:00.000Z');
    expect(localWeekday(kiri, 'Pacific/Kiritimati')).toBe(4); // Thursday 3 Dec there
    expect(localWeekday(pago, 'Pacific/Pago_Pago')).toBe(3); // Wednesday 2 Dec there
  });

  it('waits for the next day when the reader’s hour has passed at the release', () => {
    const r = releaseOf('2026-12-02', utc7);
    expect(iso(dueAt({ timezone: 'Europe/Berlin', hour: 7 }, r, utc7))).toBe('2026-12-03T06:00:00.000Z');
    expect(iso(dueAt({ timezone: 'Europe/Berlin', hour: 9 }, r, utc7))).toBe('2026-12-02T08:00:00.000Z');
  });

  it('keeps the local hour across daylight-saving changes in both hemispheres', () => {
    // Berlin springs forward on 29 Mar 2026, New York on 8 Mar, Sydney falls back on 5 Apr.
    expect(iso(nextWallTime(Date.parse('2026-03-28T12:00Z'), 'Europe/Berlin', 7, 0))).toBe('2026-03-29T05:00:00.000Z');
    expect(iso(nextWallTime(Date.parse('2026-03-27T12:00Z'), 'Europe/Berlin', 7, 0))).toBe('2026-03-28T06:00:00.000Z');
    expect(iso(nextWallTime(Date.parse('2026-03-07T13:00Z'), 'America/New_York', 7, 0))).toBe(
      '2026-03-08T11:00:00.000Z',
    );
    expect(iso(nextWallTime(Date.parse('2026-04-03T00:00Z'), 'Australia/Sydney', 7, 0))).toBe(
      '2026-04-03T20:00:00.000Z', // 07:00 AEDT (UTC+11) on 4 Apr
    );
    expect(iso(nextWallTime(Date.parse('2026-04-04T00:00Z'), 'Australia/Sydney', 7, 0))).toBe(
      '2026-04-04T21:00:00.000Z', // 07:00 AEST (UTC+10) on 5 Apr, after falling back
    );
    // A time that does not exist (02:30 on spring-forward day) comes an hour later, once.
    expect(iso(nextWallTime(Date.parse('2026-03-28T12:00Z'), 'Europe/Berlin', 2, 30))).toBe('2026-03-29T01:30:00.000Z');
  });

  it('reads the schedule’s time of day', () => {
    expect(scheduleClock('0 7 * * *')).toEqual({ hour: 7, minute: 0 });
    expect(scheduleClock('30 6 * * 1-5')).toEqual({ hour: 6, minute: 30 });
    expect(scheduleClock('*/15 * * * *')).toEqual({ hour: 0, minute: 0 });
  });
});
