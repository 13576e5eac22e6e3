import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type Clock, startScheduler } from '../../src/schedule/scheduler.js';

/** A clock the test moves by hand; timers fire in time order as it passes them. */
function fakeClock(start: string) {
  let now = Date.parse(start);
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let ids = 0;
  const clock: Clock = {
    now: () => now,
    setTimer(fn, ms) {
      const id = ++ids;
      timers.push({ at: now + ms, fn, id });
      return () => {
        timers = timers.filter((t) => t.id !== id);
      };
    },
  };
  const advance = async (ms: number) => {
    const end = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > end) break;
      timers.shift();
      now = t.at;
      t.fn();
      await new Promise((r) => setImmediate(r));
    }
    now = end;
  };
  return { clock, advance };
}

const log = pino({ level: 'silent' });
const days = (n: number) => n * 86_400_000;

async function runDates(o: {
  expression: string;
  timezone: string;
  start: string;
  forDays: number;
  done?: Set<string>;
  catchUpMs?: number;
}) {
  const { clock, advance } = fakeClock(o.start);
  const fired: string[] = [];
  const s = startScheduler({
    expression: o.expression,
    timezone: o.timezone,
    log,
    clock,
    catchUpMs: o.catchUpMs ?? 6 * 3_600_000,
    isDone: async (d) => o.done?.has(d) ?? false,
    run: async (d) => {
      fired.push(d);
    },
  });
  await s.ready;
  await advance(days(o.forDays));
  await s.stop();
  return { fired, notes: s.notes(), s };
}

describe('scheduler', () => {
  it('catches up a run missed inside the grace window, once', async () => {
    const r = await runDates({ expression: '0 7 * * *', timezone: 'UTC', start: '2026-11-28T09:00:00Z', forDays: 0 });
    expect(r.fired).toEqual(['2026-11-28']);
    expect(r.notes).toEqual([]);
  });

  it('skips a run missed beyond the grace window, with a note, and fires on schedule after', async () => {
    const r = await runDates({ expression: '0 7 * * *', timezone: 'UTC', start: '2026-11-28T14:00:00Z', forDays: 1 });
    expect(r.fired).toEqual(['2026-11-29']);
    expect(r.notes).toEqual([
      'the run of 2026-11-28 (due 2026-11-28T07:00:00.000Z) was missed while paperboy was down and skipped: 7 h late is past PAPERBOY_CATCHUP; send it from the admin if it should still go',
    ]);
  });

  it('does not catch up a date already sent', async () => {
    const r = await runDates({
      expression: '0 7 * * *',
      timezone: 'UTC',
      start: '2026-11-28T09:00:00Z',
      forDays: 0,
      done: new Set(['2026-11-28']),
    });
    expect(r.fired).toEqual([]);
  });

  it('fires once on every local day across daylight-saving changes in Europe/Berlin and America/New_York', async () => {
    const cases = [
      // Spring forward: 02:30 does not exist on the change day; fall back: it exists twice.
      {
        tz: 'Europe/Berlin',
        start: '2026-03-27T00:00:00Z',
        dates: ['2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30'],
      },
      {
        tz: 'Europe/Berlin',
        start: '2026-10-23T00:00:00Z',
        dates: ['2026-10-23', '2026-10-24', '2026-10-25', '2026-10-26'],
      },
      {
        tz: 'America/New_York',
        start: '2026-03-06T12:00:00Z',
        dates: ['2026-03-07', '2026-03-08', '2026-03-09', '2026-03-10'],
      },
      {
        tz: 'America/New_York',
        start: '2026-10-30T12:00:00Z',
        dates: ['2026-10-31', '2026-11-01', '2026-11-02', '2026-11-03'],
      },
    ];
    for (const c of cases) {
      const r = await runDates({ expression: '30 2 * * *', timezone: c.tz, start: c.start, forDays: 4, catchUpMs: 0 });
      expect(r.fired, `${c.tz} from ${c.start}`).toEqual(c.dates);
    }
  });

  it('shows the next run', async () => {
    const { clock } = fakeClock('2026-11-28T09:00:00Z');
    const s = startScheduler({
      expression: '0 7 * * 1-5',
      timezone: 'Europe/Paris',
      log,
      clock,
      catchUpMs: 0,
      isDone: async () => true,
      run: async () => {},
    });
    await s.ready;
    // Saturday morning: the next weekday 07:00 Paris is Monday 06:00 UTC.
    expect(s.nextRun()?.toISOString()).toBe('2026-11-30T06:00:00.000Z');
    await s.stop();
    expect(s.nextRun()).toBeNull();
  });
});
