import type { IsoDate } from '../domain.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { dateInZone } from '../select/dates.js';
import { nextFire, previousFire } from './cron-times.js';

/** Time as the scheduler sees it: real by default, injected in tests. */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; returns a cancel function. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

export interface Scheduler {
  /** The next time the daily send fires, or null when stopped. */
  nextRun(): Date | null;
  /** Runs missed and not caught up (outside the grace window), for the dashboard. */
  notes(): string[];
  /** Resolves when the start-up catch-up check is done. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  expression: string;
  timezone: string;
  log: Logger;
  run: (date: IsoDate) => Promise<unknown>;
  /** Whether the digest of a date is already sent (nothing to catch up). */
  isDone: (date: IsoDate) => Promise<boolean>;
  /** A run missed while the process was down is caught up only if at most this old. */
  catchUpMs: number;
  clock?: Clock;
}

/** Never sleep longer than this in one go: a suspended laptop or a changed clock is noticed. */
const MAX_SLEEP = 15 * 60_000;

/**
 * Fires `run(date)` at PAPERBOY_SCHEDULE in PAPERBOY_TIMEZONE, for the local date of the scheduled
 * time. Fire times come from `cron-times.ts`, which gives every local day exactly one time for a
 * daily schedule across daylight-saving changes. On start-up, the latest scheduled time is caught up
 * if its digest is not sent and it is at most `catchUpMs` old; otherwise it is skipped with a log
 * line and a note, so a stale digest never goes out hours late by accident. Two processes firing
 * the same date send it once: the digest lock and the ledger see to that.
 */
export function startScheduler(o: SchedulerOptions): Scheduler {
  const clock = o.clock ?? realClock;
  const notes: string[] = [];
  let cancel: (() => void) | null = null;
  let stopped = false;
  let next: number | null = null;
  let running: Promise<unknown> = Promise.resolve();

  const fire = (scheduled: number, why: 'scheduled' | 'catch-up') => {
    const date = dateInZone(new Date(scheduled), o.timezone);
    o.log.info({ event: `schedule.${why}`, digest_date: date }, `${why} send of ${date}`);
    running = running
      .then(() => o.run(date))
      .catch((err) =>
        o.log.debug({ event: 'schedule.run.ended', digest_date: date, err: errorMessage(err) }, errorMessage(err)),
      );
  };

  const arm = () => {
    if (stopped) return;
    const now = clock.now();
    next = nextFire(o.expression, o.timezone, now);
    if (next === null) return;
    const target = next;
    cancel = clock.setTimer(
      () => {
        if (stopped) return;
        if (clock.now() >= target) fire(target, 'scheduled');
        arm();
      },
      Math.min(Math.max(0, target - now), MAX_SLEEP),
    );
  };

  const catchUp = async () => {
    const now = clock.now();
    const prev = previousFire(o.expression, o.timezone, now);
    if (prev === null) return;
    const date = dateInZone(new Date(prev), o.timezone);
    if (await o.isDone(date)) return;
    const late = now - prev;
    if (late <= o.catchUpMs) {
      fire(prev, 'catch-up');
      return;
    }
    const note = `the run of ${date} (due ${new Date(prev).toISOString()}) was missed while paperboy was down and skipped: ${Math.round(late / 3_600_000)} h late is past PAPERBOY_CATCHUP; send it from the admin if it should still go`;
    notes.push(note);
    o.log.warn({ event: 'schedule.missed', digest_date: date, late_ms: late }, note);
  };

  const ready = catchUp()
    .catch((err) => o.log.error({ event: 'schedule.catchup.failed', err: errorMessage(err) }, errorMessage(err)))
    .then(arm);

  return {
    nextRun: () => (stopped || next === null ? null : new Date(next)),
    notes: () => [...notes],
    ready,
    stop: async () => {
      stopped = true;
      cancel?.();
      await running;
    },
  };
}
