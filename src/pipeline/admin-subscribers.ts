import type { Subscriber, SubscriberStatus } from '../domain.js';
import { bouncesOf } from '../store/bounces.js';
import { type DeliveryHistoryRow, deliveriesOf } from '../store/deliveries.js';
import {
  countSubscribersByStatus,
  findSubscriber,
  setSubscriberStatus,
  subscribersPage,
} from '../store/subscribers.js';
import { type StoredVote, voteLists, votesOf } from '../store/votes.js';
import type { AppContext } from './context.js';

export type { DeliveryHistoryRow, StoredVote };

/** One page of the admin's subscriber list (keyset: the last id seen) and the counts by status. */
export async function subscriberList(
  ctx: AppContext,
  opts: { afterId: number; limit: number; status?: SubscriberStatus; search?: string },
) {
  const rows = await subscribersPage(ctx.db, opts);
  const counts = await countSubscribersByStatus(ctx.db);
  return { rows, counts };
}

/** Subscribers a page at a time with each one's votes as the export's `votes` column. */
export async function* subscribersWithVotes(
  ctx: AppContext,
  status: SubscriberStatus | undefined,
  pageSize = 1000,
): AsyncGenerator<{ subscriber: Subscriber; votes: string }[]> {
  for (let afterId = 0; ; ) {
    const page = await subscribersPage(ctx.db, { afterId, limit: pageSize, status });
    if (page.length === 0) return;
    const votes = await voteLists(
      ctx.db,
      page.map((s) => s.id),
    );
    yield page.map((s) => ({ subscriber: s, votes: votes.get(s.id) ?? '' }));
    afterId = page.at(-1)?.id ?? afterId;
  }
}

/** A subscriber, or undefined. */
export async function subscriberById(ctx: AppContext, id: number): Promise<Subscriber | undefined> {
  return findSubscriber(ctx.db, id);
}

/** A subscriber's page: deliveries, bounces and votes, newest first. */
export async function subscriberHistory(ctx: AppContext, id: number) {
  const [deliveries, bounces, votes] = await Promise.all([
    deliveriesOf(ctx.db, id),
    bouncesOf(ctx.db, id),
    votesOf(ctx.db, id, 50),
  ]);
  return { deliveries, bounces, votes };
}

/** An admin's Remove (suppressed: no further digest, an import does not bring it back) or Resubscribe. */
export async function changeSubscriber(ctx: AppContext, id: number, what: 'remove' | 'resubscribe'): Promise<void> {
  if (what === 'remove') await setSubscriberStatus(ctx.db, id, 'unsubscribed', 'removed');
  else await setSubscriberStatus(ctx.db, id, 'active');
}
