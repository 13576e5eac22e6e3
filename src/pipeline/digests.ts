/** The digests that went out, as the doors read them (CLI `digests`, the archive pages, the feed, `serve`). */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Paper } from '../domain.js';
import { PaperboyError } from '../errors.js';
import { dateProblem } from '../select/dates.js';
import { type DeliveryCounts, deliveryCounts, failedDeliveries } from '../store/deliveries.js';
import {
  deleteUnsentDigest,
  digestPapers,
  findDigest,
  latestDigest,
  listDigests,
  type StoredDigest,
} from '../store/digests.js';
import { type EditionSummary, editionsOf } from '../store/editions.js';
import type { AppContext } from './context.js';

export type { DeliveryCounts, EditionSummary, StoredDigest };

/** A line of the archive: newest first. */
export type DigestListing = Pick<StoredDigest, 'date' | 'subject' | 'status'>;

/** The newest digests, at most `limit`. */
export async function recentDigests(ctx: AppContext, limit?: number): Promise<DigestListing[]> {
  return listDigests(ctx.db, limit);
}

export async function digestOfDate(ctx: AppContext, date: string): Promise<StoredDigest | undefined> {
  return findDigest(ctx.db, date);
}

export async function newestDigest(ctx: AppContext): Promise<StoredDigest | undefined> {
  return latestDigest(ctx.db);
}

/** No digest has ever been stored: `serve` builds the first one at once. */
export async function noDigestYet(ctx: AppContext): Promise<boolean> {
  return (await listDigests(ctx.db, 1)).length === 0;
}

/** The newest digests for the Atom feed: when each went out, and its papers. */
export async function feedEntries(
  ctx: AppContext,
  limit: number,
): Promise<{ date: string; subject: string; updated: string; papers: Paper[] }[]> {
  const digests = await listDigests(ctx.db, limit);
  return Promise.all(
    digests.map(async (d) => {
      const full = await findDigest(ctx.db, d.date);
      return {
        date: d.date,
        subject: d.subject,
        updated: full?.sentAt ?? full?.createdAt ?? new Date().toISOString(),
        papers: full ? await digestPapers(ctx.db, full.id) : [],
      };
    }),
  );
}

/** The newest digests with their deliveries counted (null when the digest went in between). */
export async function digestsWithCounts(
  ctx: AppContext,
  limit: number,
): Promise<(DigestListing & { counts: DeliveryCounts | null })[]> {
  const out: (DigestListing & { counts: DeliveryCounts | null })[] = [];
  for (const d of await listDigests(ctx.db, limit)) {
    const full = await findDigest(ctx.db, d.date);
    out.push({ ...d, counts: full ? await deliveryCounts(ctx.db, full.id) : null });
  }
  return out;
}

/** The digest of `date`, or EUSAGE for a date that is not one and ENOTFOUND for a date without a digest. */
export async function requireDigest(ctx: AppContext, date: string): Promise<StoredDigest> {
  const problem = dateProblem(date);
  if (problem) throw new PaperboyError('EUSAGE', problem);
  const d = await findDigest(ctx.db, date);
  if (!d) {
    throw new PaperboyError('ENOTFOUND', `no digest for ${date}`, {
      hint: '`paperboy digests list` shows the dates',
    });
  }
  return d;
}

/** A digest's deliveries, papers, shared editions and failed deliveries (`digests show`). */
export async function digestReport(
  ctx: AppContext,
  d: StoredDigest,
): Promise<{
  counts: DeliveryCounts;
  papers: Paper[];
  editions: EditionSummary[];
  failures: { email: string; error: string | null }[];
}> {
  const counts = await deliveryCounts(ctx.db, d.id);
  const papers = await digestPapers(ctx.db, d.id);
  const editions = await editionsOf(ctx.db, d.id);
  const failures = await failedDeliveries(ctx.db, d.id);
  return { counts, papers, editions, failures };
}

/**
 * Deletes the digest of `date` when it went to nobody, with its unsent deliveries and its archive
 * folder; its papers can go out in another digest. A digest that reached anyone stays (EUSAGE), one
 * being sent too (EBUSY).
 */
export async function deleteDigest(
  ctx: AppContext,
  date: string,
): Promise<{ digest: StoredDigest; counts: DeliveryCounts }> {
  const digest = await requireDigest(ctx, date);
  const counts = await deliveryCounts(ctx.db, digest.id);
  const outcome = await deleteUnsentDigest(ctx.db, digest.id);
  if (outcome === 'sent') {
    throw new PaperboyError('EUSAGE', `the digest of ${date} went to readers already: it stays`, {
      hint: 'a digest that reached anyone is kept (its archive, and no reader getting its papers twice, depend on it)',
    });
  }
  if (outcome === 'sending') {
    throw new PaperboyError('EBUSY', `a send of ${date} is running`, { hint: 'pause or cancel it first' });
  }
  await rm(path.join(ctx.config.archiveDir, date), { recursive: true, force: true });
  return { digest, counts };
}
