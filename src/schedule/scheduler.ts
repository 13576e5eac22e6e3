import { type ScheduledTask, schedule } from 'node-cron';
import type { IsoDate } from '../domain.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { dateInZone } from '../select/dates.js';

export interface Scheduler {
  /** The next time the daily send fires, or null when stopped. */
  nextRun(): Date | null;
  stop(): Promise<void>;
}

/**
 * Fires `run(date)` on PAPERBOY_SCHEDULE in PAPERBOY_TIMEZONE, for the date it is there and then.
 * A run that is still going when the next fires is not started twice; a date already sent sends
 * only what is still pending (the ledger sees to that), which is nothing.
 */
export function startScheduler(opts: {
  expression: string;
  timezone: string;
  log: Logger;
  run: (date: IsoDate) => Promise<unknown>;
}): Scheduler {
  const task: ScheduledTask = schedule(
    opts.expression,
    async ({ date: firedAt }) => {
      const date = dateInZone(firedAt, opts.timezone);
      opts.log.info({ event: 'schedule.fired', digest_date: date }, `scheduled send of ${date}`);
      try {
        await opts.run(date);
      } catch (err) {
        // The send registry logs a failed send; here only that the scheduled run ended so.
        const level = 'debug';
        opts.log[level](
          { event: 'schedule.run.failed', digest_date: date, code: (err as { code?: string }).code },
          errorMessage(err),
        );
      }
    },
    { timezone: opts.timezone, name: 'daily-digest', noOverlap: true },
  );
  return {
    nextRun: () => task.getNextRun(),
    stop: async () => {
      await task.stop();
      await task.destroy();
    },
  };
}
