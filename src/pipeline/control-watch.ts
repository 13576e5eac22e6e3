import type { Db } from '../store/db.js';
import { digestControl, type SendControl } from '../store/digests.js';

export interface ControlWatch {
  /** What an admin last asked of the send (run, pause or cancel), as of the latest poll. */
  asked: SendControl;
  /** Reads it now (a send that has ended decides by this, not by a poll up to half a second old). */
  refresh(): Promise<SendControl>;
  stop(): void;
}

/**
 * Polls a digest's send control twice a second, so an admin's pause or cancel (from any process)
 * reaches a running send between messages. Used by the one-machine send and by every worker.
 */
export function watchControl(db: Db, digestId: number): ControlWatch {
  const watch: ControlWatch = {
    asked: 'run',
    async refresh() {
      watch.asked = await digestControl(db, digestId);
      return watch.asked;
    },
    stop: () => clearInterval(timer),
  };
  const timer = setInterval(() => {
    watch.refresh().catch(() => {});
  }, 500);
  timer.unref();
  return watch;
}
