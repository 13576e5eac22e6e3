import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { digestControl, type SendControl } from '../store/digests.js';

export interface ControlWatch {
  /**
   * What an admin last asked of the send (run, pause or cancel), as of the latest poll; `pause`
   * when the control could not be read for longer than the limit.
   */
  readonly asked: SendControl;
  /** Why the send is taken as paused though nobody asked (the control cannot be read), or null. */
  unreadable(): string | null;
  /** Reads it now (a send that has ended decides by this, not by a poll up to half a second old). */
  refresh(): Promise<SendControl>;
  stop(): void;
}

/**
 * Polls a digest's send control twice a second, so an admin's pause or cancel (from any process)
 * reaches a running send between messages. Used by the one-machine send and by every worker. A poll
 * that fails is logged and polling goes on; a send that cannot read its control for longer than
 * `limitMs` (a minute) stops as if paused: an admin's pause must not be lost to a store outage.
 */
export function watchControl(
  db: Db,
  digestId: number,
  log: Logger,
  o: { date: string; limitMs?: number; everyMs?: number },
): ControlWatch {
  const limitMs = o.limitMs ?? 60_000;
  let asked: SendControl = 'run';
  let readAt = Date.now();
  let failing: string | null = null;
  const blind = () => Date.now() - readAt > limitMs;
  const read = async () => {
    asked = await digestControl(db, digestId);
    readAt = Date.now();
    if (failing) log.warn({ event: 'digest.control.read', digest_date: o.date }, 'the send control is read again');
    failing = null;
    return asked;
  };
  const watch: ControlWatch = {
    get asked() {
      return blind() ? 'pause' : asked;
    },
    unreadable: () =>
      blind() ? `its pause and cancel could not be read for ${Math.round(limitMs / 1000)} s (${failing})` : null,
    refresh: read,
    stop: () => clearInterval(timer),
  };
  let polling = false;
  const timer = setInterval(() => {
    // One poll at a time: a store that hangs must not pile up queries (and PostgreSQL connections).
    if (polling) return;
    polling = true;
    read()
      .catch((err: Error) => {
        if (!failing) {
          log.warn(
            { event: 'digest.control.poll_failed', digest_date: o.date, err: err.message },
            `the send control of ${o.date} could not be read (${err.message}): polling on; the send stops as paused if it cannot be read for ${Math.round(limitMs / 1000)} s`,
          );
        }
        failing = err.message;
      })
      .finally(() => {
        polling = false;
      });
  }, o.everyMs ?? 500);
  timer.unref();
  return watch;
}
