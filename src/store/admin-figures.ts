import { sql } from 'kysely';
import type { Db } from './db.js';

/** What the admin's pictures are drawn from: counts per day, read in a few grouped queries. */

export interface DayCounts {
  day: string;
  count: number;
}

/**
 * Subscribers who joined (confirmed, or added as active) per day, and those who left per day and
 * how (`unsubscribed`, `bounced`: the day of their last change). Pending sign-ups are not counted.
 */
export async function subscriberMovements(db: Db): Promise<{
  joined: DayCounts[];
  unsubscribed: DayCounts[];
  bounced: DayCounts[];
}> {
  const joined = await db
    .selectFrom('subscribers')
    .select([
      sql<string>`substr(coalesce(confirmed_at, created_at), 1, 10)`.as('day'),
      (eb) => eb.fn.countAll<number>().as('count'),
    ])
    .where('status', '!=', 'pending')
    .groupBy(sql`substr(coalesce(confirmed_at, created_at), 1, 10)`)
    .execute();
  const left = await db
    .selectFrom('subscribers')
    .select(['status', sql<string>`substr(updated_at, 1, 10)`.as('day'), (eb) => eb.fn.countAll<number>().as('count')])
    .where('status', 'in', ['unsubscribed', 'bounced'])
    .groupBy(['status', sql`substr(updated_at, 1, 10)`])
    .execute();
  const of = (status: string) =>
    left.filter((r) => r.status === status).map((r) => ({ day: r.day, count: Number(r.count) }));
  return {
    joined: joined.map((r) => ({ day: r.day, count: Number(r.count) })),
    unsubscribed: of('unsubscribed'),
    bounced: of('bounced'),
  };
}

/** The digests of dates from `since` on, with their deliveries by status and their bounces. */
export async function deliveriesByDigestDate(
  db: Db,
  since: string,
): Promise<{ date: string; sent: number; failed: number; bounced: number }[]> {
  const digests = await db
    .selectFrom('digests')
    .select(['id', 'date'])
    .where('date', '>=', since)
    .orderBy('date')
    .execute();
  if (digests.length === 0) return [];
  const ids = digests.map((d) => d.id);
  const counts = await db
    .selectFrom('deliveries')
    .select(['digest_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('digest_id', 'in', ids)
    .where('status', 'in', ['sent', 'failed'])
    .groupBy(['digest_id', 'status'])
    .execute();
  const bounces = await db
    .selectFrom('bounces')
    .innerJoin('deliveries', 'deliveries.id', 'bounces.delivery_id')
    .select(['deliveries.digest_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('deliveries.digest_id', 'in', ids)
    .groupBy('deliveries.digest_id')
    .execute();
  return digests.map((d) => ({
    date: d.date,
    sent: Number(counts.find((c) => c.digest_id === d.id && c.status === 'sent')?.n ?? 0),
    failed: Number(counts.find((c) => c.digest_id === d.id && c.status === 'failed')?.n ?? 0),
    bounced: Number(bounces.find((b) => b.digest_id === d.id)?.n ?? 0),
  }));
}

/** Messages of a digest accepted per minute (UTC, `YYYY-MM-DDTHH:MM`), in time order. */
export async function sentPerMinute(db: Db, digestId: number): Promise<DayCounts[]> {
  const rows = await db
    .selectFrom('deliveries')
    .select([sql<string>`substr(sent_at, 1, 16)`.as('day'), (eb) => eb.fn.countAll<number>().as('count')])
    .where('digest_id', '=', digestId)
    .where('status', '=', 'sent')
    .where('sent_at', 'is not', null)
    .groupBy(sql`substr(sent_at, 1, 16)`)
    .orderBy(sql`substr(sent_at, 1, 16)`)
    .execute();
  return rows.map((r) => ({ day: r.day, count: Number(r.count) }));
}

/** The latest failed deliveries, newest first, for the dashboard. */
export async function latestFailures(
  db: Db,
  limit = 10,
): Promise<{ date: string; email: string; last_error: string | null; updated_at: string }[]> {
  return db
    .selectFrom('deliveries')
    .innerJoin('subscribers', 'subscribers.id', 'deliveries.subscriber_id')
    .innerJoin('digests', 'digests.id', 'deliveries.digest_id')
    .select(['digests.date', 'subscribers.email', 'deliveries.last_error', 'deliveries.updated_at'])
    .where('deliveries.status', '=', 'failed')
    .orderBy('deliveries.updated_at', 'desc')
    .limit(limit)
    .execute();
}
