import { now, nowDate } from '../clock.js';
import type { IsoDate } from '../domain.js';
import { PaperboyError } from '../errors.js';
import { latestSendDate } from '../select/dates.js';
import type { MessageContent } from '../send/message.js';
import { deliveryCounts, notDueYet } from '../store/deliveries.js';
import { digestPapers, findDigest, insertDigest } from '../store/digests.js';
import { upsertPapers } from '../store/papers.js';
import { countStillToReceive, receivingPage } from '../store/subscribers.js';
import { buildDigest } from './build-digest.js';
import type { AppContext } from './context.js';
import { unplannedWaiting } from './plan-deliveries.js';
import { emptyReport, type RunOptions, type RunReport } from './run-report.js';
import { sendStored } from './send-digest.js';
import { sendTestCopy } from './test-copy.js';

export type { RunOptions, RunReport } from './run-report.js';

/**
 * A send of a date after tomorrow in PAPERBOY_TIMEZONE is refused unless forced: it would mail
 * every reader a digest dated in the future, take its papers out of today's, and become the
 * archive's latest. Past dates are how an operator catches up; dry runs and test copies of any
 * date are harmless (nothing is stored, nobody but the tester gets mail).
 */
export function checkSendDate(date: IsoDate, timezone: string, force = false, at = nowDate()): void {
  const latest = latestSendDate(at, timezone);
  if (force || date <= latest) return;
  throw new PaperboyError(
    'EUSAGE',
    `${date} is in the future: a digest can be sent for ${latest} (tomorrow in ${timezone}) at the latest`,
    {
      hint: `send it on its day; to send it now all the same: paperboy send --date ${date} --force`,
    },
  );
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
    const page = await receivingPage(ctx.db, { afterId, limit: LEDGER_PAGE, now: nowDate().toISOString() });
    if (page.length === 0) return n;
    n += page.length;
    afterId = page.at(-1)?.id ?? afterId;
  }
}

/**
 * Builds and stores the digest of a date without sending it (a new install's first start): the
 * home page and the archive show it, and a later send of the date sends this one.
 */
export async function storeDigest(ctx: AppContext, date: IsoDate): Promise<void> {
  await digestFor(ctx, date, true);
}

/**
 * The one orchestrator: source → store → select → render → send → archive for one date. The CLI,
 * the scheduler and the HTTP server all call this. Re-running a date sends only what is pending.
 */
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
      ? await countStillToReceive(ctx.db, stored.id, nowDate().toISOString())
      : await countActive(ctx);
    // Of those, the ones whose wave (their hour) comes later: planned ones from the ledger, the
    // others as planning would place them.
    const ledger = stored ? (await notDueYet(ctx.db, stored.id)).waiting : { count: 0, next: null };
    const unplanned = await unplannedWaiting(
      ctx,
      opts.date,
      stored?.id ?? 0,
      stored ? Date.parse(stored.createdAt) : now(),
    );
    report.waiting = ledger.count + unplanned.count;
    report.nextWave = [ledger.next, unplanned.next].filter((t) => t !== null).sort()[0] ?? null;
    return report;
  }

  if (mode === 'test') {
    await sendTestCopy(ctx, content, opts.to ?? '', opts.date);
    report.sent = 1;
    return report;
  }

  if (!stored) throw new Error('unreachable: a send always has a stored digest');
  return sendStored(ctx, stored, report, opts);
}
