import { setTimeout as sleep } from 'node:timers/promises';
import type { Sender, StartSender } from '../send/sender.js';
import { deliveryCounts, notDueYet } from '../store/deliveries.js';
import { withStoreRetry } from '../store/retry.js';
import { enqueueSend, openBoss, SEND_QUEUE } from './jobs.js';
import { type LocalWorkers, startLocalWorkers } from './local-workers.js';
import { clusterPacer } from './rate-bucket.js';
import { type ClusterSettings, type SendWorker, startSendWorker } from './worker.js';

export interface ClusterSendOptions {
  digestId: number;
  date: string;
  /**
   * Batch workers on this machine: one in this process and the rest as `paperboy worker`
   * processes started for this send (0: only enqueue and wait for workers elsewhere).
   */
  workers: number;
  shouldStop: () => boolean;
}

/** The cluster's sender: each pass becomes batch jobs for the workers (`workers` of them on this machine). */
export function clusterSender(c: ClusterSettings): StartSender {
  return ({ workers }): Sender => ({
    async pass(p) {
      await sendThroughWorkers(c, { digestId: p.digest.id, date: p.digest.date, workers, shouldStop: p.shouldStop });
    },
  });
}

/**
 * A send on PostgreSQL: the digest's pending deliveries become batch jobs (keyset ranges) in
 * pg-boss, worked by this process's worker, the worker processes it starts and any `paperboy worker` on any machine; this
 * returns when every delivery of the date is settled (or an admin paused or cancelled the send).
 */
export async function sendThroughWorkers(c: ClusterSettings, o: ClusterSendOptions): Promise<void> {
  const { db, log } = c.send;
  const { config } = c;
  const boss = await openBoss(config, log);
  // The coordinator's reads ride out a restart of the database (a minute), as the workers do.
  const read = <T>(what: string, fn: () => Promise<T>) => withStoreRetry(fn, { log, what });
  let own: SendWorker | null = null;
  let local: LocalWorkers | null = null;
  try {
    let now = await deliveryCounts(db, o.digestId);
    const jobs = await enqueueSend(db, boss, config, o.digestId, o.date);
    log.info({ event: 'digest.send.enqueued', digest_date: o.date, jobs }, `${jobs} batch jobs enqueued`);
    // The worker in this process notices an unreachable relay (the send stops, as on one machine);
    // the others are processes of their own, so batches go out on as many cores.
    if (o.workers > 0) own = await startSendWorker(c, boss, clusterPacer(db, config.rateLimit));
    if (o.workers > 1) {
      local = startLocalWorkers(o.workers - 1);
      log.info(
        { event: 'digest.send.workers', digest_date: o.date, processes: local.count },
        `${local.count} worker processes started for this send`,
      );
    }
    for (;;) {
      now = await read('count the deliveries', () => deliveryCounts(db, o.digestId));
      // Deliveries deferred by the receiving server to a later time, and those waiting for their
      // wave, wait for a later pass: the send ends when nothing due is left.
      const later = now.pending > 0 ? await read('count what is not due', () => notDueYet(db, o.digestId)) : null;
      const due = later ? now.pending - later.deferred.count - later.waiting.count : 0;
      if (due + now.sending === 0 || o.shouldStop()) break;
      const queued =
        due > 0 && now.sending === 0
          ? await read('read the queue', () => boss.getQueueSize(SEND_QUEUE, { before: 'completed' }))
          : null;
      if (queued === 0) {
        // Due deliveries and no batch for them (a deferred one whose retry came due after its
        // batch ended): batches again for what is pending.
        const again = await read('enqueue batches', () => enqueueSend(db, boss, config, o.digestId, o.date));
        log.info(
          { event: 'digest.send.enqueued', digest_date: o.date, jobs: again },
          `${again} batch jobs enqueued again`,
        );
      }
      // This process's worker found the relay unreachable or the store unwritable: stop here as a
      // one-machine send does, with the rest pending (workers elsewhere retry their batches with backoff).
      const down = own?.relayDown();
      if (down) throw down; // the workers are stopped below, on the way out
      await sleep(250);
    }
    await own?.stop();
    await local?.stop();
    // Stopped by an admin: workers elsewhere finish their messages in flight and put back what
    // they claimed; wait for that (a while at most: a dead worker's rows wait for its job's
    // expiry), so the counts are final and a cancel skips everything left.
    for (let i = 0; i < 40 && now.sending > 0; i++) {
      await sleep(250);
      now = await read('count the deliveries', () => deliveryCounts(db, o.digestId));
    }
  } finally {
    await own?.stop().catch(() => {});
    await local?.stop().catch(() => {});
    await boss.stop({ graceful: true, wait: true, timeout: 30_000, close: true }).catch(() => {});
  }
}
