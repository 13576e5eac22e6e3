import { pino } from 'pino';
import { type Clock, type SchedulerOptions, startScheduler } from '../../src/schedule/scheduler.js';

/** A clock the test moves by hand; timers fire in time order as it passes them. */
export function fakeClock(start: string) {
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

/** A scheduler on `clock`: 07:00 UTC daily, 6 h catch-up, nothing to catch up, runs that do nothing, unless `o` says otherwise. */
export function schedulerOn(clock: Clock, o: Partial<SchedulerOptions> = {}) {
  return startScheduler({
    expression: '0 7 * * *',
    timezone: 'UTC',
    log: pino({ level: 'silent' }),
    clock,
    catchUpMs: 6 * 3_600_000,
    isDone: async () => true,
    run: async () => {},
    ...o,
  });
}
