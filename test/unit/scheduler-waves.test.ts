import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { WAVE_TICK_MS } from '../../src/schedule/scheduler.js';
import { dueAt, listClock, releaseOf } from '../../src/schedule/waves.js';
import { fakeClock, schedulerOn } from '../helpers/fake-clock.js';

const DAY = 86_400_000;

/**
 * A scheduler (02:30 daily in `timezone`: a time missing on a spring-forward day and doubled on a
 * fall-back day) on a fake clock for `days` days: the dates its daily run fired for, the times
 * (ISO) of its wake-ups, and when each date's wave of a reader in the same zone at 09:30 was run.
 */
async function dayAndTicks(timezone: string, start: string, days: number) {
  const { clock, advance } = fakeClock(start);
  const list = listClock({ timezone, schedule: '30 2 * * *' });
  const fired: string[] = [];
  const ticks: string[] = [];
  const waves: string[] = [];
  /** Each released date's reader wave, until it is run. */
  const waiting = new Map<string, number>();
  const at = () => new Date(clock.now()).toISOString().slice(0, 16);
  const s = schedulerOn(clock, {
    expression: '30 2 * * *',
    timezone,
    run: async (date) => {
      const due = waiting.get(date);
      if (due !== undefined && due <= clock.now()) {
        waves.push(`${date} at ${at()}`);
        waiting.delete(date);
        return;
      }
      fired.push(`${date} at ${at()}`);
      waiting.set(date, dueAt({ timezone, hour: 9 }, releaseOf(date, list), list));
    },
    waves: {
      wake: async (now) => {
        ticks.push(new Date(now).toISOString());
        return { missed: [], due: [...waiting].filter(([, due]) => due <= now).map(([date]) => date) };
      },
    },
  });
  await s.ready;
  await advance(days * DAY);
  await s.stop();
  return { fired, ticks, waves };
}

/** Every quarter hour of UTC from `start` (included) to `start` + `days` (included). */
function quarterHours(start: string, days: number): string[] {
  const from = Date.parse(start);
  return Array.from({ length: (days * DAY) / WAVE_TICK_MS + 1 }, (_, i) =>
    new Date(from + i * WAVE_TICK_MS).toISOString(),
  );
}

/** Three days of a daylight-saving change: the runs of each date, its release then its 09:30 reader's wave (UTC). */
const DST_CASES = [
  {
    // 02:30 does not exist on the 29th in Berlin: that day's run is at 03:30 summer time, 01:30 UTC.
    // 09:30 in Berlin: 08:30 UTC in winter, 07:30 in summer.
    title: 'Europe/Berlin, spring forward on 29 March (02:30 does not exist)',
    zone: 'Europe/Berlin',
    start: '2026-03-27T00:00:00Z',
    dates: ['2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30'],
    fired: ['03-27T01:30', '03-28T01:30', '03-29T01:30', '03-30T00:30'],
    waves: ['03-27T08:30', '03-28T08:30', '03-29T07:30', '03-30T07:30'],
  },
  {
    title: 'America/New_York, spring forward on 8 March',
    zone: 'America/New_York',
    start: '2026-03-06T12:00:00Z',
    dates: ['2026-03-07', '2026-03-08', '2026-03-09', '2026-03-10'],
    fired: ['03-07T07:30', '03-08T07:30', '03-09T06:30', '03-10T06:30'],
    waves: ['03-07T14:30', '03-08T13:30', '03-09T13:30'],
  },
  {
    title: 'Australia/Sydney, back an hour on 5 April (02:30 happens twice)',
    zone: 'Australia/Sydney',
    start: '2026-04-03T00:00:00Z',
    dates: ['2026-04-04', '2026-04-05', '2026-04-06', '2026-04-07'],
    fired: ['04-03T15:30', '04-04T15:30', '04-05T16:30', '04-06T16:30'],
    waves: ['04-03T22:30', '04-04T23:30', '04-05T23:30', '04-06T23:30'],
  },
];

describe('scheduler: quarter-hour wake-ups across daylight-saving changes', () => {
  for (const c of DST_CASES) {
    it(`${c.title}: one release per local day, a wake-up every quarter hour, the 09:30 wave on time`, async () => {
      const r = await dayAndTicks(c.zone, c.start, 4);
      // Each local date once, in order: its release, then its reader's wave.
      expect(r.fired.map((f) => f.slice(0, 10))).toEqual(c.dates);
      expect(r.fired.map((f) => f.slice(19))).toEqual(c.fired);
      expect(r.waves.map((w) => w.slice(0, 10))).toEqual(c.dates.slice(0, c.waves.length));
      expect(r.waves.map((w) => w.slice(19))).toEqual(c.waves);
      expect(r.ticks).toEqual(quarterHours(c.start, 4));
    });
  }
});

describe('scheduler: what a wake-up runs', () => {
  it('due dates oldest first, one at a time, never a date already running or waiting to run here', async () => {
    const { clock, advance } = fakeClock('2026-12-02T17:00:00Z');
    const due = new Set(['2026-12-02', '2026-12-01']);
    const runs: string[] = [];
    let release = () => {};
    const s = schedulerOn(clock, {
      run: async (date) => {
        runs.push(`${date} at ${new Date(clock.now()).toISOString().slice(11, 16)}`);
        // The first send lasts until the test lets it end: wake-ups come meanwhile.
        if (runs.length === 1) await new Promise<void>((r) => (release = r));
        due.delete(date);
      },
      waves: { wake: async () => ({ missed: [], due: [...due].sort() }) },
    });
    await s.ready;
    await advance(WAVE_TICK_MS * 4);
    expect(runs).toEqual(['2026-12-01 at 17:00']);
    // The date queued by the first wake-up goes as soon as the first send ends, not at a later one.
    release();
    await new Promise((r) => setImmediate(r));
    expect(runs).toEqual(['2026-12-01 at 17:00', '2026-12-02 at 18:00']);
    await advance(WAVE_TICK_MS * 4);
    await s.stop();
    expect(runs).toEqual(['2026-12-01 at 17:00', '2026-12-02 at 18:00']);
  });

  it('notes the deliveries skipped for a missed wave once per date, their count adding up', async () => {
    const { clock, advance } = fakeClock('2026-12-03T01:00:00Z');
    const missed = [[{ date: '2026-12-02', count: 2 }], [], [{ date: '2026-12-02', count: 1 }]];
    const s = schedulerOn(clock, {
      catchUpMs: 90 * 60_000,
      waves: { wake: async () => ({ missed: missed.shift() ?? [], due: [] }) },
    });
    await s.ready;
    await advance(WAVE_TICK_MS * 2);
    await s.stop();
    expect(s.notes()).toEqual([
      "3 deliveries of 2026-12-02 missed their waves by more than PAPERBOY_CATCHUP (90 min): paperboy was not running then, so they were skipped (each one's error says when it was due)",
    ]);
  });

  it('a wake-up that cannot read the store says so and wakes again at the next quarter hour', async () => {
    const { clock, advance } = fakeClock('2026-12-02T17:05:00Z');
    const lines: { event?: string; msg?: string }[] = [];
    const seen = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    let calls = 0;
    const s = schedulerOn(clock, {
      log: seen,
      waves: {
        wake: async () => {
          calls++;
          if (calls === 1) throw new Error('database is locked');
          return { missed: [], due: [] };
        },
      },
    });
    await s.ready;
    await advance(WAVE_TICK_MS);
    await s.stop();
    expect(calls).toBe(2);
    expect(lines.map((l) => [l.event, l.msg])).toEqual([
      [
        'schedule.wave.failed',
        'the check for deliveries due failed (database is locked); trying again at the next quarter hour',
      ],
    ]);
  });
});
