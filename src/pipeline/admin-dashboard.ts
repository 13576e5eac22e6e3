import type { IsoDate } from '../domain.js';
import {
  type DayCounts,
  deliveriesByDigestDate,
  latestFailures,
  sentPerMinute,
  subscriberMovements,
} from '../store/admin-figures.js';
import { findDigest } from '../store/digests.js';
import { type EditionSummary, editionsOf } from '../store/editions.js';
import { countSubscribersByStatus } from '../store/subscribers.js';
import { voteTally } from '../store/votes.js';
import { type DigestStatus, digestStatus, recentDigestStatuses } from './admin-status.js';
import { latestWaves } from './admin-waves.js';
import type { AppContext } from './context.js';
import type { SendRegistry } from './sends.js';

export type { DayCounts, EditionSummary };

/**
 * What the admin's dashboard shows: subscribers, the latest digests and errors, its two charts'
 * figures and the waves of the latest released digest.
 */
export async function dashboardFigures(ctx: AppContext, sends: SendRegistry, since: IsoDate) {
  const subscribers = await countSubscribersByStatus(ctx.db);
  const digests = await recentDigestStatuses(ctx, sends, 14);
  const errors = await latestFailures(ctx.db);
  const [perDigest, movements, waves] = await Promise.all([
    deliveriesByDigestDate(ctx.db, since),
    subscriberMovements(ctx.db),
    latestWaves(ctx),
  ]);
  return { subscribers, digests, errors, perDigest, movements, waves };
}

export interface DigestDetail {
  status: DigestStatus;
  editions: EditionSummary[];
  votes: { paperId: string; title: string; up: number; down: number }[];
  /** Messages accepted per minute, in time order. */
  minutes: DayCounts[];
}

/** One digest's page: its status, editions, votes (counts only) and messages sent per minute. */
export async function digestDetail(ctx: AppContext, sends: SendRegistry, date: IsoDate): Promise<DigestDetail> {
  const status = await digestStatus(ctx, sends, date);
  const digest = await findDigest(ctx.db, date);
  if (!digest) return { status, editions: [], votes: [], minutes: [] };
  return {
    status,
    editions: await editionsOf(ctx.db, digest.id),
    votes: await voteTally(ctx.db, date),
    minutes: await sentPerMinute(ctx.db, digest.id),
  };
}
