import type { Db } from '../store/db.js';
import { digestControl, type SendControl } from '../store/digests.js';

export interface ControlWatch {
  /** What an admin last asked of the send (run, pause or cancel), as of the latest poll. */
  asked: SendControl;
  stop(): void;
}

/**
 * Polls a digest's send control twice a second, so an admin's pause or cancel (from any process)
 * reaches a running send between messages. Used by the one-machine send and by every worker.
 */
export function watchControl(db: Db, digestId: number): ControlWatch {
  const watch: ControlWatch = {
    asked: 'run',
    stop: () => clearInterval(timer),
  };
  const timer = setInterval(() => {
    digestControl(db, digestId)
      .then((c) => {
        watch.asked = c;
      })
      .catch(() => {});
  }, 500);
  timer.unref();
  return watch;
}
