import type { Subscriber, SubscriberStatus } from '../domain.js';
import { type Db, nowIso } from './db.js';
import type { SubscribersTable } from './schema.js';

type Row = Omit<SubscribersTable, 'id'> & { id: number };

function fromRow(r: Row): Subscriber {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    status: r.status as SubscriberStatus,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export type AddOutcome = 'added' | 'updated' | 'unchanged';

/**
 * Adds a subscriber, or merges into the existing one with the same (normalized) address:
 * a new name replaces the old, the status is never changed here (an unsubscribed address stays so).
 */
export async function upsertSubscriber(
  db: Db,
  input: { email: string; name: string | null; status: SubscriberStatus },
): Promise<{ subscriber: Subscriber; outcome: AddOutcome }> {
  const existing = await findSubscriberByEmail(db, input.email);
  const now = nowIso();
  if (!existing) {
    const row = await db
      .insertInto('subscribers')
      .values({ email: input.email, name: input.name, status: input.status, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { subscriber: fromRow(row), outcome: 'added' };
  }
  if (input.name && input.name !== existing.name) {
    const row = await db
      .updateTable('subscribers')
      .set({ name: input.name, updated_at: now })
      .where('id', '=', existing.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { subscriber: fromRow(row), outcome: 'updated' };
  }
  return { subscriber: existing, outcome: 'unchanged' };
}

export async function findSubscriberByEmail(db: Db, email: string): Promise<Subscriber | undefined> {
  const row = await db.selectFrom('subscribers').selectAll().where('email', '=', email).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

export async function findSubscriber(db: Db, id: number): Promise<Subscriber | undefined> {
  const row = await db.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

export async function setSubscriberStatus(db: Db, id: number, status: SubscriberStatus): Promise<void> {
  await db.updateTable('subscribers').set({ status, updated_at: nowIso() }).where('id', '=', id).execute();
}

/** One page of subscribers in id order (keyset pagination: pass the last id seen). */
export async function subscribersPage(
  db: Db,
  opts: { afterId: number; limit: number; status?: SubscriberStatus },
): Promise<Subscriber[]> {
  let q = db.selectFrom('subscribers').selectAll().where('id', '>', opts.afterId);
  if (opts.status) q = q.where('status', '=', opts.status);
  const rows = await q.orderBy('id').limit(opts.limit).execute();
  return rows.map(fromRow);
}

export async function countSubscribersByStatus(db: Db): Promise<Record<SubscriberStatus, number>> {
  const rows = await db
    .selectFrom('subscribers')
    .select(['status', db.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  const counts: Record<SubscriberStatus, number> = { pending: 0, active: 0, unsubscribed: 0, bounced: 0 };
  for (const r of rows) counts[r.status as SubscriberStatus] = Number(r.n);
  return counts;
}
