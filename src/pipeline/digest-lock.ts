import { randomBytes } from 'node:crypto';
import { PaperboyError } from '../errors.js';
import type { Logger } from '../log.js';
import { mayBeAlive, PROCESS_OWNER } from '../process-owner.js';
import type { Db } from '../store/db.js';
import { acquireDigestLock, digestLockOwner, releaseDigestLock } from '../store/digests.js';

export interface HeldLock {
  owner: string;
  /**
   * False once a heartbeat found the lock taken over, or while the lock could not be renewed for so
   * long that it may expire: the holder must hand over no message meanwhile.
   */
  isHeld(): boolean;
  /** Another process took the lock over: the holder must stop. */
  takenOver(): boolean;
  /** Why the lock is no longer held (null while it is). */
  lostBecause(): string | null;
  release(): Promise<void>;
}

export interface LockTimes {
  /** The lock expires this long after its last renewal unless renewed. */
  ttlMs: number;
  /** Renewed this often (a failed renewal is tried again after a fifth of it). */
  heartbeatMs: number;
}

const DEFAULT_TIMES: LockTimes = { ttlMs: 60_000, heartbeatMs: 15_000 };

/**
 * One sender per digest at a time, across processes: a lock row on the digest with an expiry that a
 * heartbeat renews. A lock left by a dead process on this machine is taken over at once; one from
 * another machine once it expires (60 s). A holder that cannot renew its lock (the store does not
 * answer) hands over no message from a quarter of the expiry before another may take it over,
 * until a renewal goes through (the lock was still its own) or finds it taken over (it stops).
 */
export async function lockDigest(
  db: Db,
  digestId: number,
  date: string,
  log: Logger,
  times: LockTimes = DEFAULT_TIMES,
): Promise<HeldLock> {
  const { ttlMs, heartbeatMs } = times;
  const owner = `${PROCESS_OWNER}/${randomBytes(4).toString('hex')}`;
  let ok = await acquireDigestLock(db, digestId, owner, ttlMs);
  if (!ok) {
    const current = await digestLockOwner(db, digestId);
    if (current.owner && !mayBeAlive(current.owner)) {
      ok = await acquireDigestLock(db, digestId, owner, ttlMs, current.owner);
    }
    if (!ok) {
      throw new PaperboyError('EBUSY', `a send of ${date} is already running (${current.owner ?? 'another process'})`, {
        hint: 'wait for it to finish; pending deliveries are picked up by whichever send runs next',
      });
    }
  }
  // When the last renewal that went through was asked for: the lock holds until ttlMs after it.
  let renewedAt = Date.now();
  let takenOver = false;
  let failing: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const beat = async () => {
    const askedAt = Date.now();
    try {
      if (await acquireDigestLock(db, digestId, owner, ttlMs)) {
        renewedAt = askedAt;
        if (failing)
          log.warn({ event: 'digest.lock.renewed', digest_date: date }, `the send lock of ${date} is renewed again`);
        failing = null;
      } else {
        takenOver = true;
        log.error(
          { event: 'digest.lock.lost', digest_date: date },
          `the send lock of ${date} was taken over: this send stops`,
        );
      }
    } catch (err) {
      if (!failing) {
        log.warn(
          { event: 'digest.lock.renew_failed', digest_date: date, err: (err as Error).message },
          `the send lock of ${date} could not be renewed (${(err as Error).message}): trying again; the send stops unless it is renewed by ${new Date(renewedAt + (ttlMs * 3) / 4).toISOString()}`,
        );
      }
      failing = (err as Error).message;
    }
    if (!stopped && !takenOver) {
      timer = setTimeout(() => void beat(), failing ? heartbeatMs / 5 : heartbeatMs);
      timer.unref();
    }
  };
  timer = setTimeout(() => void beat(), heartbeatMs);
  timer.unref();
  const expiring = () => Date.now() >= renewedAt + (ttlMs * 3) / 4;
  return {
    owner,
    isHeld: () => !takenOver && !expiring(),
    takenOver: () => takenOver,
    lostBecause: () =>
      takenOver
        ? 'another process took the send lock over'
        : expiring()
          ? `the send lock could not be renewed before it would expire (${failing ?? 'the store did not answer'})`
          : null,
    async release() {
      stopped = true;
      clearTimeout(timer);
      await releaseDigestLock(db, digestId, owner);
    },
  };
}
