import type { SendEvents } from '../send/events.js';
import type { Db } from '../store/db.js';
import { type DeliveryCounts, deliveryCounts } from '../store/deliveries.js';

const settledOf = (c: DeliveryCounts) => c.sent + c.failed + c.skipped;

export interface LedgerProgress {
  /** Deliveries due in this run: settled so far and still due (set again after each pass). */
  total: number;
  /** Tells the event stream the deliveries settled since the start, as of `counts` (a fresh read). */
  report(counts: DeliveryCounts): number;
  stop(): void;
}

/**
 * A send's progress, counted one way whatever the sender: deliveries settled in the ledger since
 * `start`, read every `everyMs` and told to the event stream as `send.progress`. On one machine
 * as across workers, the ledger is what says a delivery is done.
 */
export function ledgerProgress(
  db: Db,
  digest: { id: number; date: string },
  events: SendEvents,
  start: DeliveryCounts,
  total: number,
  everyMs = 500,
): LedgerProgress {
  let polling = false;
  let told = { done: -1, total: -1 };
  let stopped = false;
  const progress: LedgerProgress = {
    total,
    report(counts) {
      const done = settledOf(counts) - settledOf(start);
      told = { done, total: progress.total };
      events.emit({ type: 'send.progress', digestDate: digest.date, done, total: progress.total });
      return done;
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
  const timer = setInterval(() => {
    // One read at a time; a read that fails is skipped: the send itself reports a store that does not answer.
    if (polling) return;
    polling = true;
    deliveryCounts(db, digest.id)
      .then(
        (c) => {
          // Told only when it moved: a listener sees `done` 0 once, at the start.
          const moved = settledOf(c) - settledOf(start) !== told.done || progress.total !== told.total;
          if (!stopped && moved) progress.report(c);
        },
        () => undefined,
      )
      .finally(() => {
        polling = false;
      });
  }, everyMs);
  timer.unref();
  return progress;
}
