import type { IsoDate } from '../domain.js';
import { PaperboyError } from '../errors.js';
import type { AppContext } from './context.js';
import { type RunReport, runDigest } from './run-digest.js';

export interface RunningSend {
  date: IsoDate;
  startedAt: number;
  done: number;
  total: number;
  /** Settles with the run's report (or its error). */
  finished: Promise<RunReport>;
}

/**
 * The sends running in this process, one per date: the scheduler and the admin API start them
 * here, so a date is never sent twice at once (and across processes the digest lock holds).
 */
export class SendRegistry {
  private readonly running = new Map<IsoDate, RunningSend>();
  private readonly stopping = new AbortController();

  constructor(private readonly ctx: AppContext) {}

  /** Starts the send of `date`; EBUSY when one is already running here. */
  start(date: IsoDate): RunningSend {
    if (this.running.has(date)) {
      throw new PaperboyError('EBUSY', `a send of ${date} is already running`, { hint: 'watch its progress instead' });
    }
    const entry: RunningSend = { date, startedAt: Date.now(), done: 0, total: 0, finished: Promise.resolve() as never };
    entry.finished = runDigest(this.ctx, {
      date,
      signal: this.stopping.signal,
      onProgress: (done, total) => {
        entry.done = done;
        entry.total = total;
      },
    }).finally(() => this.running.delete(date));
    // A failed run is reported by whoever awaits it; here it must not become an unhandled rejection.
    entry.finished.catch(() => {});
    this.running.set(date, entry);
    return entry;
  }

  get(date: IsoDate): RunningSend | undefined {
    return this.running.get(date);
  }

  get size(): number {
    return this.running.size;
  }

  /** On shutdown: the sends finish the messages in flight and leave the rest pending. */
  async stopAll(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.running.values()].map((r) => r.finished));
  }
}
