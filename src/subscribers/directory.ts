/** Reading subscribers: one by id or address, pages of them, one's history, the export's rows. */
import type { Subscriber, SubscriberStatus } from '../domain.js';
import { PaperboyError } from '../errors.js';
import { bouncesOf, type StoredBounce } from '../store/bounces.js';
import type { Db } from '../store/db.js';
import { type DeliveryHistoryRow, deliveriesOf } from '../store/deliveries.js';
import { findSubscriber, findSubscriberByEmail, subscribersPage } from '../store/subscribers.js';
import { type StoredVote, voteLists, votesOf } from '../store/votes.js';

export type { DeliveryHistoryRow, StoredBounce, StoredVote };

export async function subscriberById(db: Db, id: number): Promise<Subscriber | undefined> {
  return findSubscriber(db, id);
}

export async function subscriberByEmail(db: Db, email: string): Promise<Subscriber | undefined> {
  return findSubscriberByEmail(db, email);
}

/** The subscriber with this (normalized) address, or ENOTFOUND. */
export async function requireSubscriber(db: Db, email: string): Promise<Subscriber> {
  const s = await findSubscriberByEmail(db, email);
  if (!s) throw new PaperboyError('ENOTFOUND', `${email} is not a subscriber`);
  return s;
}

/** Every subscriber matching the filters, a page at a time (keyset pagination: flat memory). */
export async function* subscriberPages(
  db: Db,
  filter: { status?: SubscriberStatus; search?: string } = {},
): AsyncGenerator<Subscriber[]> {
  for (let afterId = 0; ; ) {
    const page = await subscribersPage(db, { afterId, limit: 1000, ...filter });
    if (page.length === 0) return;
    yield page;
    afterId = page.at(-1)?.id ?? afterId;
  }
}

/** The export's rows a page at a time: each subscriber with their votes as `up:PAPER down:PAPER …`. */
export async function* subscriberPagesWithVotes(
  db: Db,
  status?: SubscriberStatus,
): AsyncGenerator<{ subscriber: Subscriber; votes: string }[]> {
  for await (const page of subscriberPages(db, { status })) {
    const votes = await voteLists(
      db,
      page.map((s) => s.id),
    );
    yield page.map((s) => ({ subscriber: s, votes: votes.get(s.id) ?? '' }));
  }
}

/** A subscriber's deliveries (newest digest first), votes and bounces (newest first each). */
export async function subscriberHistory(
  db: Db,
  id: number,
): Promise<{ deliveries: DeliveryHistoryRow[]; votes: StoredVote[]; bounces: StoredBounce[] }> {
  const deliveries = await deliveriesOf(db, id);
  const votes = await votesOf(db, id);
  const bounces = await bouncesOf(db, id);
  return { deliveries, votes, bounces };
}
