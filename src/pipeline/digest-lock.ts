import { randomBytes } from 'node:crypto';
import { PaperboyError } from '../errors.js';
import { mayBeAlive, PROCESS_OWNER } from '../process-owner.js';
import type { Db } from '../store/db.js';
import { acquireDigestLock, digestLockOwner, releaseDigestLock } from '../store/digests.js';

const TTL_MS = 60_000;
const HEARTBEAT_MS = 15_000;

export interface HeldLock {
  owner: string;
  /** False once a heartbeat found the lock taken over: the holder must stop sending. */
  isHeld(): boolean;
  release(): Promise<void>;
}

/**
 * One sender per digest at a time, across processes: a lock row on the digest with an expiry that a
 * heartbeat renews. A lock left by a dead process on this machine is taken over at once; one from
 * another machine once it expires (60 s).
 */
export async function lockDigest(db: Db, digestId: number, date: string): Promise<HeldLock> {
  const owner = `${PROCESS_OWNER}/${randomBytes(4).toString('hex')}`;
  let ok = await acquireDigestLock(db, digestId, owner, TTL_MS);
  if (!ok) {
    const current = await digestLockOwner(db, digestId);
    if (current.owner && !mayBeAlive(current.owner)) {
      ok = await acquireDigestLock(db, digestId, owner, TTL_MS, current.owner);
    }
    if (!ok) {
      throw new PaperboyError('EBUSY', `a send of ${date} is already running (${current.owner ?? 'another process'})`, {
        hint: 'wait for it to finish; pending deliveries are picked up by whichever send runs next',
      });
    }
  }
  let held = true;
  const timer = setInterval(() => {
    acquireDigestLock(db, digestId, owner, TTL_MS)
      .then((still) => {
        held = still;
      })
      .catch(() => {});
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    owner,
    isHeld: () => held,
    async release() {
      clearInterval(timer);
      await releaseDigestLock(db, digestId, owner);
    },
  };
}
