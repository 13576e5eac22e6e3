import type { IsoDate } from '../domain.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { dateInZone } from '../time-zone.js';
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

/** A send of a date the scheduler will try again. */
export interface Retry {
  date: IsoDate;
  at: Date;
  /** Why the last try did not finish it. */
  reason: string;
  /** Tries so far. */
  tries: number;
}

export interface Scheduler {
  /** The next time the daily send fires, or null when stopped. */
  nextRun(): Date | null;
  /** The send the scheduler will try again, and when; null when none. */
  retry(): Retry | null;
  /** Runs missed and not caught up (outside the grace window), and a send to be tried again, for the dashboard. */
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
  /**
   * Why a run that ended (with its result, or its error) did not finish its date and should be
   * tried again — the relay was down, deliveries are left pending — or null when it should not (it
   * sent everything, an admin paused or cancelled it, there was nothing to send). None: never.
   */
  retryReason?: (outcome: { ok: true; value: unknown } | { ok: false; error: unknown }) => string | null;
  /**
   * A new install (a store with no digest yet) past its catch-up window: nothing was missed, and
   * today's digest is built and stored, not sent, so the home page and the archive show one. Both
   * or neither.
   */
  firstStart?: { isNew: () => Promise<boolean>; build: (date: IsoDate) => Promise<unknown> };
  clock?: Clock;
}

/** Minutes before each try again of a send that did not finish; every 30 after the last. */
export const RETRY_MINUTES = [1, 2, 5, 10, 30];

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
  let retry: (Retry & { cancel: () => void }) | null = null;

  /** Runs the send of the date scheduled at `scheduled`, the `tries`-th time, and tries again while it is worth it. */
  const fire = (scheduled: number, why: 'scheduled' | 'catch-up' | 'retry', tries = 1) => {
    const date = dateInZone(new Date(scheduled), o.timezone);
    o.log.info({ event: `schedule.${why}`, digest_date: date }, `${why} send of ${date}`);
    running = running
      .then(() => o.run(date))
      .then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => {
          o.log.debug(
            { event: 'schedule.run.ended', digest_date: date, err: errorMessage(error) },
            errorMessage(error),
          );
          return { ok: false as const, error };
        },
      )
      .then((outcome) => {
        if (stopped) return;
        const reason = o.retryReason?.(outcome) ?? null;
        if (reason) tryAgain(scheduled, date, reason, tries);
      });
  };

  /** Sets the next try of a send that did not finish, unless that would be past its catch-up window. */
  const tryAgain = (scheduled: number, date: IsoDate, reason: string, tries: number) => {
    if (retry?.date === date) retry.cancel();
    retry = null;
    const at = clock.now() + (RETRY_MINUTES[tries - 1] ?? 30) * 60_000;
    if (at > scheduled + o.catchUpMs) {
      o.log.warn(
        { event: 'schedule.retry.given_up', digest_date: date, tries, reason },
        `the send of ${date} did not finish after ${tries} ${tries === 1 ? 'try' : 'tries'} (${reason}); not tried again past its PAPERBOY_CATCHUP window: send it from the admin or with paperboy send`,
      );
      return;
    }
    o.log.warn(
      { event: 'schedule.retry', digest_date: date, tries, reason, at: new Date(at).toISOString() },
      `the send of ${date} did not finish (${reason}); trying again at ${new Date(at).toISOString()}`,
    );
    const entry = { date, at: new Date(at), reason, tries, cancel: () => {} };
    // In steps of at most MAX_SLEEP, like the schedule itself: a changed clock is noticed.
    const wait = () => {
      entry.cancel = clock.setTimer(
        () => {
          if (stopped || retry !== entry) return;
          if (clock.now() < at) return wait();
          retry = null;
          fire(scheduled, 'retry', tries + 1);
        },
        Math.min(Math.max(0, at - clock.now()), MAX_SLEEP),
      );
    };
    wait();
    retry = entry;
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
    const hours = (ms: number) => `${Math.round(ms / 3_600_000)} h`;
    if (o.firstStart && (await o.firstStart.isNew())) {
      const today = dateInZone(new Date(now), o.timezone);
      o.log.info(
        { event: 'schedule.first_start', digest_date: today },
        `first start: building the digest of ${today} for the home page and the archive; it is not sent (the day's run was ${hours(late)} ago, past PAPERBOY_CATCHUP of ${hours(o.catchUpMs)}): the first send is the next scheduled run`,
      );
      running = running
        .then(() => o.firstStart?.build(today))
        .then(() =>
          o.log.info(
            { event: 'schedule.first_start.built', digest_date: today },
            `the digest of ${today} is built: it shows on the home page and in the archive`,
          ),
        )
        .catch((err: unknown) =>
          o.log.warn(
            { event: 'schedule.first_start.failed', digest_date: today, err: errorMessage(err) },
            `the first digest could not be built: ${errorMessage(err)}`,
          ),
        );
      return;
    }
    const note = `the run of ${date} (due ${new Date(prev).toISOString().slice(0, 16).replace('T', ' ')} UTC) did not happen: paperboy was not running then. It is ${hours(late)} late, past PAPERBOY_CATCHUP (${hours(o.catchUpMs)}), so it was not sent on its own: send it from the admin if it should still go`;
    notes.push(note);
    o.log.warn({ event: 'schedule.missed', digest_date: date, late_ms: late }, note);
  };

  const ready = catchUp()
    .catch((err) => o.log.error({ event: 'schedule.catchup.failed', err: errorMessage(err) }, errorMessage(err)))
    .then(arm);

  return {
    nextRun: () => (stopped || next === null ? null : new Date(next)),
    retry: () => (retry ? { date: retry.date, at: retry.at, reason: retry.reason, tries: retry.tries } : null),
    notes: () => [
      ...notes,
      ...(retry
        ? [
            `the send of ${retry.date} did not finish (${retry.reason}); trying again at ${retry.at.toISOString().slice(11, 16)} UTC`,
          ]
        : []),
    ],
    ready,
    stop: async () => {
      stopped = true;
      cancel?.();
      retry?.cancel();
      await running;
    },
  };
}
