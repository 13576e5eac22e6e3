import { writeArchive } from '../archive/archive.js';
import { now } from '../clock.js';
import { PaperboyError } from '../errors.js';
import { watchControl } from '../send/control-watch.js';
import { SendEvents } from '../send/events.js';
import { dialectOf } from '../store/db.js';
import {
  type DeliveryCounts,
  deliveryCounts,
  failedDeliveries,
  notDueYet,
  releaseWaiting,
} from '../store/deliveries.js';
import { requeueInFlight } from '../store/delivery-claims.js';
import { skipPending } from '../store/delivery-settle.js';
import {
  digestControl,
  digestPapers,
  findDigest,
  markDigestSent,
  type StoredDigest,
  setDigestControl,
  setDigestStatus,
} from '../store/digests.js';
import { editionsOf, personalEditionCounts } from '../store/editions.js';
import type { AppContext } from './context.js';
import { lockDigest } from './digest-lock.js';
import { expireUnconfirmed } from './maintenance.js';
import { planDeliveries } from './plan-deliveries.js';
import type { RunOptions, RunReport } from './run-report.js';
import { type LedgerProgress, ledgerProgress } from './send-progress.js';

/**
 * The send of a stored digest: under the digest's lock and the admin's pause and cancel, in passes
 * of the sender chosen at start-up (a few, for readers who joined meanwhile), then the totals and
 * the archive, whatever way it ended.
 */
export async function sendStored(
  ctx: AppContext,
  stored: StoredDigest,
  report: RunReport,
  opts: RunOptions,
): Promise<RunReport> {
  const events = opts.events ?? new SendEvents();
  await expireUnconfirmed(ctx);
  const control = await digestControl(ctx.db, stored.id);
  if (control !== 'run' && !opts.resume) {
    throw new PaperboyError('EBUSY', `the send of ${opts.date} is ${control === 'pause' ? 'paused' : 'cancelled'}`, {
      hint: `resume it with: paperboy send --resume ${opts.date}`,
    });
  }
  if (control !== 'run') await setDigestControl(ctx.db, stored.id, 'run');
  const lock = await lockDigest(ctx.db, stored.id, opts.date, ctx.log);
  // An admin's pause or cancel (from any process) is seen within a second: the messages in
  // flight finish, the rest stay pending (pause) or are skipped (cancel).
  const admin = watchControl(ctx.db, stored.id, ctx.log, { date: opts.date });
  let failure: unknown = null;
  let start: DeliveryCounts | null = null;
  let progress: LedgerProgress | null = null;
  try {
    // On PostgreSQL, rows claimed within the worker expiry may be on the wire at a live worker
    // elsewhere: only older ones are left over (a live worker holds a claim for half the expiry at
    // most; a dead worker's rows also go back when its job is retried). On SQLite the digest lock
    // makes this the only sender, so every `sending` row is left over.
    const onCluster = dialectOf(ctx.db) === 'postgres';
    const claimedBefore = onCluster ? new Date(now() - ctx.config.workerExpirySeconds * 1000).toISOString() : undefined;
    const requeued = await requeueInFlight(ctx.db, stored.id, claimedBefore);
    if (requeued > 0) {
      ctx.log.warn(
        { event: 'digest.send.requeued', digest_date: opts.date, count: requeued },
        `${requeued} deliveries were in flight when an earlier send stopped; they go again with the same Message-ID`,
      );
    }
    const stop = () => lock.takenOver() || opts.signal?.aborted === true || admin.asked !== 'run';
    // A lock that cannot be renewed (the store does not answer) holds the send until it can.
    const wait = () => !lock.isHeld();
    let { editionsRendered } = await planDeliveries(ctx, stored);
    await release(ctx, stored, opts);
    start = await deliveryCounts(ctx.db, stored.id);
    // Deliveries deferred by the receiving server to a later time, and those waiting for their
    // reader's hour (their wave), are not this pass's to send.
    const due = async (c: DeliveryCounts) => {
      const later = await notDueYet(ctx.db, stored.id);
      return c.pending - later.deferred.count - later.waiting.count;
    };
    const total = await due(start);
    if (start.pending > 0) await setDigestStatus(ctx.db, stored.id, 'sending');
    ctx.log.info({ event: 'digest.send.started', digest_date: opts.date, pending: total }, 'send started');
    progress = ledgerProgress(ctx.db, stored, events, start, total);
    progress.report(start);
    const sender = ctx.startSender({ workers: opts.workers ?? 1 });
    // Readers who confirmed while the send ran are planned and sent before it ends (a few rounds at most).
    for (let round = 1; ; round++) {
      await sender.pass({ digest: stored, events, shouldStop: stop, shouldWait: wait });
      if (stop() || round === 3) break;
      // Another pass for readers who joined meanwhile and deferred deliveries that came due.
      const late = await planDeliveries(ctx, stored);
      await release(ctx, stored, opts);
      editionsRendered += late.editionsRendered;
      if (late.planned > 0) {
        ctx.log.info(
          { event: 'digest.send.late', digest_date: opts.date, planned: late.planned },
          `${late.planned} readers joined during the send`,
        );
      }
      const counts = await deliveryCounts(ctx.db, stored.id);
      const left = await due(counts);
      if (left === 0) break;
      progress.total = progress.report(counts) + left;
    }
    report.editions = editionsRendered;
    // Read now, not from the last poll: on PostgreSQL the workers may have acted on a cancel (and
    // settled everything) before this process's poll saw it. A control that cannot be read stops the send as paused.
    const asked = admin.unreadable() ? 'pause' : await admin.refresh();
    if (asked === 'cancel') {
      const n = await skipPending(ctx.db, stored.id, 'cancelled by an admin');
      ctx.log.warn(
        { event: 'digest.send.cancelled', digest_date: opts.date, skipped: n },
        `send cancelled: ${n} not sent`,
      );
    }
    report.control = asked;
    const lost = (lock.takenOver() ? lock.lostBecause() : null) ?? admin.unreadable();
    if (lost) {
      throw new PaperboyError('ESTORE', `the send of ${opts.date} stopped: ${lost}`, {
        hint: 'deliveries not yet sent stay pending; run the send again once the store answers (serve tries again by itself)',
      });
    }
  } catch (err) {
    failure = err;
  }
  admin.stop();
  progress?.stop();
  await lock
    .release()
    .catch((err: Error) =>
      ctx.log.warn(
        { event: 'digest.lock.release_failed', digest_date: opts.date, err: err.message },
        `the send lock could not be released (${err.message}); it expires by itself within a minute`,
      ),
    );
  try {
    await finish(ctx, stored, report, start);
    opts.onReport?.(report);
  } catch (err) {
    // The send's own error says more than the totals that could not be read after it.
    if (failure === null) throw err;
    ctx.log.error(
      { event: 'digest.send.finish_failed', digest_date: opts.date, err: (err as Error).message },
      `the totals and the archive of ${opts.date} could not be updated: ${(err as Error).message}`,
    );
  }
  if (failure !== null) throw failure;
  return report;
}

/** `--all-now`: what waits for its wave goes in this send. */
async function release(ctx: AppContext, stored: StoredDigest, opts: RunOptions): Promise<void> {
  if (opts.allNow) {
    const n = await releaseWaiting(ctx.db, stored.id);
    if (n > 0) {
      ctx.log.info(
        { event: 'digest.send.all_now', digest_date: opts.date, count: n },
        `${n} deliveries waiting for their wave go now (--all-now)`,
      );
    }
  }
}

/**
 * Totals, digest status and the archive, whatever way the send ended. What this run sent, failed and
 * skipped is read from the ledger (against `start`, the counts when it began), on one machine as
 * across workers.
 */
async function finish(
  ctx: AppContext,
  stored: StoredDigest,
  report: RunReport,
  start: DeliveryCounts | null,
): Promise<void> {
  const c = await deliveryCounts(ctx.db, stored.id);
  report.totals = { sent: c.sent, failed: c.failed, skipped: c.skipped, pending: c.pending + c.sending };
  if (start) {
    report.sent = c.sent - start.sent;
    report.failed = c.failed - start.failed;
    report.skipped = c.skipped - start.skipped;
  }
  const later = await notDueYet(ctx.db, stored.id);
  report.deferred = later.deferred.count;
  report.nextTry = later.deferred.next;
  report.waiting = later.waiting.count;
  report.nextWave = later.waiting.next;
  report.failures = await failedDeliveries(ctx.db, stored.id);
  // Sent once nothing is pending: while readers wait for their wave, the digest is still sending.
  if (report.totals.pending === 0) {
    await markDigestSent(ctx.db, stored.id, { sent: c.sent, failed: c.failed, skipped: c.skipped, feed: c.feed });
  }
  const digest = (await findDigest(ctx.db, stored.date)) ?? stored;
  report.archive = await writeArchive(
    ctx.config.archiveDir,
    digest,
    await digestPapers(ctx.db, stored.id),
    c,
    await editionsOf(ctx.db, stored.id),
    await personalEditionCounts(ctx.db, stored.id),
  );
  ctx.log.info(
    { event: 'digest.send.finished', digest_date: stored.date, ...report.totals, waiting: report.waiting },
    `sent ${report.sent}, failed ${report.failed}, skipped ${report.skipped}`,
  );
}
