import type { IsoDate } from '../domain.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { catchUpText } from '../store/waves.js';
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
  /** When the scheduler's loop last ran (ms), null before its start-up check is done: for /readyz. */
  lastLoop(): number | null;
  /** The send the scheduler will try again, and when; null when none. */
  retry(): Retry | null;
  /** Runs missed and not caught up (outside the grace window), and a send to be tried again, for the dashboard. */
  notes(): string[];
  /** Resolves when the start-up catch-up check (and the first wave check) is done. */
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
   * sent everything, an admin paused or cancelled it, there was nothing to send, what is left waits
   * for its wave). None: never.
   */
  retryReason?: (
    outcome: { ok: true; value: unknown } | { ok: false; error: unknown },
  ) => string | null | Promise<string | null>;
  /**
   * A new install (a store with no digest yet) past its catch-up window: nothing was missed, and
   * today's digest is built and stored, not sent, so the home page and the archive show one. Both
   * or neither.
   */
  firstStart?: { isNew: () => Promise<boolean>; build: (date: IsoDate) => Promise<unknown> };
  /** Delivery in waves: checked at start-up and on every quarter hour (UTC). None: no wake-ups. */
  waves?: WaveHooks;
  clock?: Clock;
}

/** What the scheduler asks of the store at a wake-up. */
export interface WaveHooks {
  /**
   * At `now`: skips the deliveries whose wave was missed by more than `catchUpMs` (per date, how
   * many; dates with none left out), then says which dates have deliveries due, oldest first.
   */
  wake(now: number, catchUpMs: number): Promise<{ missed: { date: IsoDate; count: number }[]; due: IsoDate[] }>;
}

/** The wake-ups for waves: every quarter hour of UTC (:00, :15, :30, :45). */
export const WAVE_TICK_MS = 15 * 60_000;

/** Minutes before each try again of a send that did not finish; every 30 after the last. */
export const RETRY_MINUTES = [1, 2, 5, 10, 30];

/** Never sleep longer than this in one go: a suspended laptop or a changed clock is noticed. */
const MAX_SLEEP = 15 * 60_000;
/** The scheduler's loop runs at least this often (its longest sleep): /readyz allows twice that. */
export const SCHEDULER_LOOP_MS = MAX_SLEEP;

/**
 * Fires `run(date)` at PAPERBOY_SCHEDULE in PAPERBOY_TIMEZONE, for the local date of the scheduled
 * time. Fire times come from `cron-times.ts`, which gives every local day exactly one time for a
 * daily schedule across daylight-saving changes. On start-up, the latest scheduled time is caught up
 * if its date is not done (`isDone`: for `serve`, released) and it is at most `catchUpMs` old; otherwise it is skipped with a log
 * line and a note, so a stale digest never goes out hours late by accident. Two processes firing
 * the same date send it once: the digest lock and the ledger see to that.
 *
 * With `waves`, it also wakes on every quarter hour (and at start-up): deliveries whose wave was
 * missed by more than `catchUpMs` are skipped with a note, then each date with deliveries due is
 * run, oldest first, one at a time, unless it is already running or waiting to run here.
 */
export function startScheduler(o: SchedulerOptions): Scheduler {
  const clock = o.clock ?? realClock;
  const notes: string[] = [];
  let cancel: (() => void) | null = null;
  let stopped = false;
  let next: number | null = null;
  let running: Promise<unknown> = Promise.resolve();
  let retry: (Retry & { cancel: () => void }) | null = null;
  /** Dates whose run is waiting in `running` or under way: a wake-up does not run them again. */
  const inFlight = new Set<IsoDate>();

  /**
   * Runs the send of the date scheduled at `scheduled` (a wave: of `date`, from the wake-up at
   * `scheduled`), the `tries`-th time, and tries again while it is worth it.
   */
  const fire = (
    scheduled: number,
    why: 'scheduled' | 'catch-up' | 'retry' | 'wave',
    tries = 1,
    date = dateInZone(new Date(scheduled), o.timezone),
  ) => {
    o.log.info({ event: `schedule.${why}`, digest_date: date }, `${why} send of ${date}`);
    inFlight.add(date);
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
      .then(async (outcome) => {
        const reason = stopped ? null : await o.retryReason?.(outcome);
        inFlight.delete(date);
        if (reason && !stopped) tryAgain(scheduled, date, reason, tries);
      })
      .catch((err: unknown) =>
        o.log.warn(
          { event: 'schedule.retry.check_failed', digest_date: date, err: errorMessage(err) },
          errorMessage(err),
        ),
      )
      .finally(() => inFlight.delete(date));
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
          fire(scheduled, 'retry', tries + 1, date);
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
        loopAt = clock.now();
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

  /** Deliveries skipped because their wave was missed, per date, for the notes. */
  const missedWaves = new Map<IsoDate, number>();
  const missedNote = (date: IsoDate, count: number) =>
    `${count} ${count === 1 ? 'delivery' : 'deliveries'} of ${date} missed ${count === 1 ? 'its wave' : 'their waves'} by more than PAPERBOY_CATCHUP (${catchUpText(o.catchUpMs)}): paperboy was not running then, so they were skipped (each one's error says when it was due)`;

  /** A wake-up: missed waves skipped (with a note), then every date with deliveries due is run. */
  const wake = async (waves: WaveHooks) => {
    const now = clock.now();
    const { missed, due } = await waves.wake(now, o.catchUpMs);
    for (const { date, count } of missed) {
      // One note per date, its count adding up over the wake-ups that skipped some.
      const total = (missedWaves.get(date) ?? 0) + count;
      missedWaves.set(date, total);
      o.log.warn({ event: 'schedule.wave.missed', digest_date: date, count }, missedNote(date, count));
    }
    for (const date of due) {
      // Stopped meanwhile; running or about to run here; a retry already set runs it by itself.
      if (stopped || inFlight.has(date) || retry?.date === date) continue;
      fire(now, 'wave', 1, date);
    }
  };
  let waking: Promise<void> = Promise.resolve();
  let wakeBusy = false;
  const tick = (waves: WaveHooks) => {
    if (stopped || wakeBusy) return;
    wakeBusy = true;
    waking = wake(waves)
      .catch((err: unknown) =>
        o.log.warn(
          { event: 'schedule.wave.failed', err: errorMessage(err) },
          `the check for deliveries due failed (${errorMessage(err)}); trying again at the next quarter hour`,
        ),
      )
      .finally(() => {
        wakeBusy = false;
      });
    return waking;
  };
  let cancelTick: (() => void) | null = null;
  let loopAt: number | null = null;
  /** The next quarter hour of UTC: a wake-up then (a timer that fires early sets itself again). */
  const armTick = (waves: WaveHooks) => {
    if (stopped) return;
    const now = clock.now();
    const target = (Math.floor(now / WAVE_TICK_MS) + 1) * WAVE_TICK_MS;
    cancelTick = clock.setTimer(() => {
      if (stopped) return;
      loopAt = clock.now();
      if (clock.now() >= target) void tick(waves);
      armTick(waves);
    }, target - now);
  };

  const ready = catchUp()
    .catch((err) => o.log.error({ event: 'schedule.catchup.failed', err: errorMessage(err) }, errorMessage(err)))
    .then(async () => {
      const waves = o.waves;
      if (!waves) return;
      await tick(waves);
      armTick(waves);
    })
    .then(() => {
      loopAt = clock.now();
      arm();
    });

  return {
    nextRun: () => (stopped || next === null ? null : new Date(next)),
    lastLoop: () => (stopped ? null : loopAt),
    retry: () => (retry ? { date: retry.date, at: retry.at, reason: retry.reason, tries: retry.tries } : null),
    notes: () => [
      ...notes,
      ...[...missedWaves].map(([date, count]) => missedNote(date, count)),
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
      cancelTick?.();
      retry?.cancel();
      await waking;
      await running;
    },
  };
}
