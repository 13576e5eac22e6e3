import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startScheduler } from '../../src/schedule/scheduler.js';
import { fakeClock } from '../helpers/fake-clock.js';

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
      'the run of 2026-11-28 (due 2026-11-28 07:00 UTC) did not happen: paperboy was not running then. It is 7 h late, past PAPERBOY_CATCHUP (6 h), so it was not sent on its own: send it from the admin if it should still go',
    ]);
  });

  /** A scheduler from `start` (UTC, 07:00 daily, 6 h grace) on a fake clock, with a first-start hook. */
  function newInstall(start: string, isNew: (built: readonly string[]) => boolean) {
    const { clock, advance } = fakeClock(start);
    const fired: string[] = [];
    const built: string[] = [];
    const s = startScheduler({
      expression: '0 7 * * *',
      timezone: 'UTC',
      log,
      clock,
      catchUpMs: 6 * 3_600_000,
      isDone: async () => false,
      run: async (d) => {
        fired.push(d);
      },
      firstStart: { isNew: async () => isNew(built), build: async (d) => void built.push(d) },
    });
    return { s, advance, fired, built };
  }

  it('on a new install past the grace window builds today’s digest without sending it, and notes nothing', async () => {
    const { s, advance, fired, built } = newInstall('2026-11-28T13:07:00Z', (b) => b.length === 0);
    await s.ready;
    await advance(days(1));
    await s.stop();
    expect(built).toEqual(['2026-11-28']);
    expect(fired).toEqual(['2026-11-29']);
    expect(s.notes()).toEqual([]);
  });

  it('on a new install inside the grace window sends as any catch-up does, and builds nothing apart', async () => {
    const { s, fired, built } = newInstall('2026-11-28T09:00:00Z', () => true);
    await s.ready;
    await s.stop();
    expect([fired, built]).toEqual([['2026-11-28'], []]);
  });

  it('a store that has digests is not a new install: a miss past the window is a miss', async () => {
    const { s, built } = newInstall('2026-11-28T14:00:00Z', () => false);
    await s.ready;
    await s.stop();
    expect(built).toEqual([]);
    expect(s.notes()).toHaveLength(1);
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

describe('scheduler: a send that did not finish is tried again', () => {
  /** Each run's time (ISO) and date; `outcome(n)` says how the n-th run ends. */
  async function retries(outcome: (n: number) => 'stopped' | 'pending' | 'done' | 'paused', hours: number) {
    const { clock, advance } = fakeClock('2026-11-28T06:59:00Z');
    const runs: string[] = [];
    const s = startScheduler({
      expression: '0 7 * * *',
      timezone: 'UTC',
      log,
      clock,
      catchUpMs: 6 * 3_600_000,
      isDone: async () => true,
      run: async (date) => {
        runs.push(`${new Date(clock.now()).toISOString().slice(11, 16)} ${date}`);
        const how = outcome(runs.length);
        if (how === 'stopped') throw new Error('SMTP 127.0.0.1:2525 is unreachable');
        return how;
      },
      retryReason: (o) =>
        !o.ok ? (o.error as Error).message : o.value === 'pending' ? '3 deliveries still pending' : null,
    });
    await s.ready;
    const seen: (string | null)[] = [];
    await advance(60_000 + 1);
    seen.push(s.retry()?.at.toISOString() ?? null);
    await advance(hours * 3_600_000);
    const notes = s.notes();
    await s.stop();
    return { runs, seen, notes, after: s.retry() };
  }

  it('after 1, 2, 5, 10 and 30 minutes, then every 30, until the catch-up window of its scheduled time ends', async () => {
    const r = await retries(() => 'stopped', 8);
    expect(r.seen).toEqual(['2026-11-28T07:01:00.000Z']);
    expect(r.runs).toEqual([
      '07:00 2026-11-28',
      '07:01 2026-11-28',
      '07:03 2026-11-28',
      '07:08 2026-11-28',
      '07:18 2026-11-28',
      '07:48 2026-11-28',
      ...['08:18', '08:48', '09:18', '09:48', '10:18', '10:48', '11:18', '11:48', '12:18', '12:48'].map(
        (t) => `${t} 2026-11-28`,
      ),
    ]);
    // 13:18 would be past 07:00 + 6 h: given up, and the next day's run is on schedule.
    expect(r.after).toBeNull();
    expect(r.notes).toEqual([]);
  });

  it('until it finishes: a send that left deliveries pending goes again, then no more', async () => {
    const r = await retries((n) => (n <= 2 ? 'pending' : 'done'), 1);
    expect(r.runs).toEqual(['07:00 2026-11-28', '07:01 2026-11-28', '07:03 2026-11-28']);
    expect(r.after).toBeNull();
  });

  it('never after a run an admin paused or cancelled, or one that finished', async () => {
    expect((await retries(() => 'paused', 2)).runs).toEqual(['07:00 2026-11-28']);
    expect((await retries(() => 'done', 2)).runs).toEqual(['07:00 2026-11-28']);
  });

  it('says on the dashboard when it tries again, and why', async () => {
    const { clock, advance } = fakeClock('2026-11-28T06:59:00Z');
    const s = startScheduler({
      expression: '0 7 * * *',
      timezone: 'UTC',
      log,
      clock,
      catchUpMs: 6 * 3_600_000,
      isDone: async () => true,
      run: async () => {
        throw new Error('SMTP 127.0.0.1:2525 is unreachable');
      },
      retryReason: (o) => (o.ok ? null : (o.error as Error).message),
    });
    await s.ready;
    await advance(60_000 + 1);
    expect(s.retry()).toEqual({
      date: '2026-11-28',
      at: new Date('2026-11-28T07:01:00.000Z'),
      reason: 'SMTP 127.0.0.1:2525 is unreachable',
      tries: 1,
    });
    expect(s.notes()).toEqual([
      'the send of 2026-11-28 did not finish (SMTP 127.0.0.1:2525 is unreachable); trying again at 07:01 UTC',
    ]);
    await s.stop();
  });
});
