import { randomBytes } from 'node:crypto';
import { writeArchive } from '../archive/archive.js';
import { sendThroughWorkers } from '../cluster/cluster-send.js';
import type { IsoDate } from '../domain.js';
import { PaperboyError } from '../errors.js';
import { latestSendDate } from '../select/dates.js';
import { buildMessage, type MessageContent } from '../send/message.js';
import { pacer } from '../send/pacer.js';
import { failureText } from '../send/smtp-reply.js';
import { sendPending } from '../send/send-loop.js';
import type { SkippedItem, SourceFailure } from '../sources/source.js';
import { dialectOf } from '../store/db.js';
import {
  type DeliveryCounts,
  deferredDeliveries,
  deliveryCounts,
  failedDeliveries,
  requeueInFlight,
  skipPending,
} from '../store/deliveries.js';
import {
  digestControl,
  digestPapers,
  findDigest,
  insertDigest,
  type SendControl,
  type StoredDigest,
  setDigestControl,
  setDigestStatus,
} from '../store/digests.js';
import { editionsOf, personalEditionCounts } from '../store/editions.js';
import { upsertPapers } from '../store/papers.js';
import { countStillToReceive, findSubscriberByEmail, receivingPage } from '../store/subscribers.js';
import { normalizeEmail } from '../subscribers/email.js';
import { buildDigest } from './build-digest.js';
import type { AppContext } from './context.js';
import { watchControl } from './control-watch.js';
import { lockDigest } from './digest-lock.js';
import { editionReader } from './edition-content.js';
import { expireUnconfirmed } from './maintenance.js';
import { planDeliveries } from './plan-deliveries.js';

export interface RunOptions {
  date: IsoDate;
  /** Render and report; store and send nothing. */
  dryRun?: boolean;
  /** Send one test copy to this address only; no delivery is marked done. */
  to?: string;
  /** Called as deliveries settle: `done` of `total` pending when the send started. */
  onProgress?: (done: number, total: number) => void;
  /** Aborted: stop after the messages in flight (the rest stay pending for the next send). */
  signal?: AbortSignal;
  /** Continue a paused or cancelled send (`send --resume`, the admin's Resume). */
  resume?: boolean;
  /** On PostgreSQL: batch workers on this machine, this process and N-1 worker processes (0: only enqueue). Default 1. */
  workers?: number;
  /** Called with the report once the send has ended, also when it ends with an error (its totals then). */
  onReport?: (report: RunReport) => void;
  /** Send a date after tomorrow (in PAPERBOY_TIMEZONE) all the same (`send --force`). */
  force?: boolean;
}

/**
 * A send of a date after tomorrow in PAPERBOY_TIMEZONE is refused unless forced: it would mail
 * every reader a digest dated in the future, take its papers out of today's, and become the
 * archive's latest. Past dates are how an operator catches up; dry runs and test copies of any
 * date are harmless (nothing is stored, nobody but the tester gets mail).
 */
export function checkSendDate(date: IsoDate, timezone: string, force = false, now = new Date()): void {
  const latest = latestSendDate(now, timezone);
  if (force || date <= latest) return;
  throw new PaperboyError(
    'EUSAGE',
    `${date} is in the future: a digest can be sent for ${latest} (tomorrow in ${timezone}) at the latest`,
    {
      hint: `send it on its day; to send it now all the same: paperboy send --date ${date} --force`,
    },
  );
}

export interface RunReport {
  date: IsoDate;
  mode: 'send' | 'dry-run' | 'test';
  subject: string;
  papers: number;
  /** The digest was built by this run (false: it was stored by an earlier run and is sent as it was). */
  built: boolean;
  sourceNote: string | null;
  /** Sources that failed while others answered (the digest was built without them). */
  sourceFailures: SourceFailure[];
  skippedItems: SkippedItem[];
  /** Deliveries settled by this run. */
  sent: number;
  failed: number;
  skipped: number;
  /** Deliveries of the date as a whole, after this run. */
  totals: { sent: number; failed: number; skipped: number; pending: number };
  /** dry-run: how many would get it. */
  recipients: number;
  failures: { email: string; error: string | null }[];
  archive: string | null;
  htmlBytes: number;
  /** Reader editions rendered by this run (each compiled by MJML once). */
  editions: number;
  /** How the send ended: ran to the end (run), or an admin paused or cancelled it. */
  control: SendControl;
  /** Deliveries the receiving server deferred past this run's retries: pending, for a later pass. */
  deferred: number;
  /** When the first of them may be tried again (ISO), or null. */
  nextTry: string | null;
}

const LEDGER_PAGE = 1000;

/** The content to send for a date: the stored digest, or (dry-run, test) a fresh render that is not stored. */
async function digestFor(ctx: AppContext, date: IsoDate, store: boolean) {
  const stored = await findDigest(ctx.db, date);
  if (stored) return { stored, built: null };
  const built = await buildDigest(ctx, date);
  if (!store) return { stored: null, built };
  const { warnings: _, ...content } = built.rendered;
  await upsertPapers(ctx.db, built.pool);
  const digest = await insertDigest(ctx.db, {
    ...content,
    paperIds: built.papers.map((p) => p.id),
    candidateIds: built.pool.map((p) => p.id),
  });
  return { stored: digest, built };
}

async function countActive(ctx: AppContext): Promise<number> {
  let n = 0;
  for (let afterId = 0; ; ) {
    const page = await receivingPage(ctx.db, { afterId, limit: LEDGER_PAGE, now: new Date().toISOString() });
    if (page.length === 0) return n;
    n += page.length;
    afterId = page.at(-1)?.id ?? afterId;
  }
}

function emptyReport(date: IsoDate, mode: RunReport['mode']): RunReport {
  return {
    date,
    mode,
    subject: '',
    papers: 0,
    built: false,
    sourceNote: null,
    sourceFailures: [],
    skippedItems: [],
    sent: 0,
    failed: 0,
    skipped: 0,
    totals: { sent: 0, failed: 0, skipped: 0, pending: 0 },
    recipients: 0,
    failures: [],
    archive: null,
    htmlBytes: 0,
    editions: 0,
    control: 'run',
    deferred: 0,
    nextTry: null,
  };
}

/**
 * The one orchestrator: source → store → select → render → send → archive for one date. The CLI,
 * the scheduler and the HTTP server all call this. Re-running a date sends only what is pending.
 */
/**
 * Builds and stores the digest of a date without sending it (a new install's first start): the
 * home page and the archive show it, and a later send of the date sends this one.
 */
export async function storeDigest(ctx: AppContext, date: IsoDate): Promise<void> {
  await digestFor(ctx, date, true);
}

export async function runDigest(ctx: AppContext, opts: RunOptions): Promise<RunReport> {
  const mode: RunReport['mode'] = opts.dryRun ? 'dry-run' : opts.to ? 'test' : 'send';
  if (mode === 'send') checkSendDate(opts.date, ctx.config.timezone, opts.force);
  const report = emptyReport(opts.date, mode);
  const { stored, built } = await digestFor(ctx, opts.date, mode === 'send');
  const content: MessageContent = stored ?? {
    subject: built?.rendered.subject ?? '',
    html: built?.rendered.html ?? '',
    text: built?.rendered.text ?? '',
  };
  report.subject = content.subject;
  report.htmlBytes = Buffer.byteLength(content.html);
  report.built = built !== null;
  report.sourceNote = built?.sourceNote ?? null;
  report.sourceFailures = built?.sourceFailures ?? [];
  report.skippedItems = built?.skippedItems ?? [];
  report.papers = built ? built.papers.length : stored ? (await digestPapers(ctx.db, stored.id)).length : 0;

  if (mode === 'dry-run') {
    if (stored) {
      const c = await deliveryCounts(ctx.db, stored.id);
      report.totals = { sent: c.sent, failed: c.failed, skipped: c.skipped, pending: c.pending + c.sending };
    }
    report.recipients = stored
      ? await countStillToReceive(ctx.db, stored.id, new Date().toISOString())
      : await countActive(ctx);
    return report;
  }

  if (mode === 'test') {
    await sendTestCopy(ctx, content, opts.to ?? '', opts.date);
    report.sent = 1;
    return report;
  }

  if (!stored) throw new Error('unreachable: a send always has a stored digest');
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
  try {
    // On PostgreSQL, rows claimed within the worker expiry may be on the wire at a live worker
    // elsewhere: only older ones are left over (a live worker holds a claim for half the expiry at
    // most; a dead worker's rows also go back when its job is retried). On SQLite the digest lock
    // makes this the only sender, so every `sending` row is left over.
    const onCluster = dialectOf(ctx.db) === 'postgres';
    const claimedBefore = onCluster
      ? new Date(Date.now() - ctx.config.workerExpirySeconds * 1000).toISOString()
      : undefined;
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
    start = await deliveryCounts(ctx.db, stored.id);
    // Deliveries deferred by the receiving server to a later time are not this pass's to send.
    const due = async () =>
      (await deliveryCounts(ctx.db, stored.id)).pending - (await deferredDeliveries(ctx.db, stored.id)).count;
    let total = await due();
    if (start.pending > 0) await setDigestStatus(ctx.db, stored.id, 'sending');
    ctx.log.info({ event: 'digest.send.started', digest_date: opts.date, pending: total }, 'send started');
    let done = 0;
    opts.onProgress?.(0, total);
    const rate = pacer(ctx.config.rateLimit);
    const readEdition = editionReader(ctx.db);
    // Readers who confirmed while the send ran are planned and sent before it ends (a few rounds at most).
    for (let round = 1; ; round++) {
      if (onCluster) {
        const t = await sendThroughWorkers(ctx, {
          digestId: stored.id,
          date: opts.date,
          workers: opts.workers ?? 1,
          shouldStop: stop,
          onSettled: (n) => opts.onProgress?.(done + n, total),
        });
        done += t.sent + t.failed + t.skipped;
      } else {
        await sendPending({
          db: ctx.db,
          digestId: stored.id,
          digestDate: opts.date,
          content: stored,
          contentFor: async (editionId) => (await readEdition(editionId)) ?? stored,
          settings: ctx.messageSettings,
          transport: ctx.transport,
          log: ctx.log,
          concurrency: ctx.config.smtpPool,
          pacer: rate,
          retries: ctx.config.smtpRetries,
          retryDelayMs: ctx.config.retryDelayMs,
          deferLimitMs: ctx.config.deferLimitMs,
          softBounceLimit: ctx.config.softBounceLimit,
          onProgress: () => opts.onProgress?.(++done, total),
          shouldStop: stop,
          shouldWait: wait,
        });
      }
      if (stop() || round === 3) break;
      // Another pass for readers who joined meanwhile and deferred deliveries that came due.
      const late = await planDeliveries(ctx, stored);
      editionsRendered += late.editionsRendered;
      if (late.planned > 0) {
        ctx.log.info(
          { event: 'digest.send.late', digest_date: opts.date, planned: late.planned },
          `${late.planned} readers joined during the send`,
        );
      }
      const left = await due();
      if (left === 0) break;
      total = done + left;
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
  const deferred = await deferredDeliveries(ctx.db, stored.id);
  report.deferred = deferred.count;
  report.nextTry = deferred.next;
  report.failures = await failedDeliveries(ctx.db, stored.id);
  if (report.totals.pending === 0) await setDigestStatus(ctx.db, stored.id, 'sent');
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
    { event: 'digest.send.finished', digest_date: stored.date, ...report.totals },
    `sent ${report.sent}, failed ${report.failed}, skipped ${report.skipped}`,
  );
}

async function sendTestCopy(ctx: AppContext, content: MessageContent, to: string, date: IsoDate): Promise<void> {
  const email = normalizeEmail(to);
  if (!email) throw new PaperboyError('EUSAGE', `--to: "${to}" is not an email address`);
  const subscriber = await findSubscriberByEmail(ctx.db, email);
  const message = buildMessage(
    { ...content, subject: `[Test] ${content.subject}` },
    {
      subscriberId: subscriber?.id ?? 0,
      email,
      name: subscriber?.name ?? null,
      messageId: `<test.${date}.${randomBytes(8).toString('hex')}@${ctx.config.from.domain}>`,
      digestDate: date,
      deliveryId: null,
    },
    ctx.messageSettings,
  );
  try {
    await ctx.transport.send(message);
  } catch (err) {
    throw new PaperboyError('ESEND', `the test copy to ${email} was not sent: ${failureText(err as Error)}`, {
      hint: `check PAPERBOY_SMTP_URL (${ctx.transport.description})`,
    });
  }
  ctx.log.info({ event: 'digest.test.sent', digest_date: date, to: email }, `test copy sent to ${email}`);
}
