import { sql } from 'kysely';
import type { DeliveryCounts, DeliveryStatus } from '../domain.js';
import { type Db, nowIso } from './db.js';

/** Counting and reading a digest's ledger. */

export type { DeliveryCounts } from '../domain.js';

/** A digest's pending deliveries deferred to a later time: how many, and when the first is due. */
export async function deferredDeliveries(db: Db, digestId: number): Promise<{ count: number; next: string | null }> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('not_before').as('next')])
    .where('digest_id', '=', digestId)
    .where('status', '=', 'pending')
    .where('not_before', '>', nowIso())
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), next: row.next ?? null };
}

/**
 * A digest's deliveries by status, in one statement (one snapshot, one round trip) and from
 * indexes only: its rows (the unique index on digest and subscriber), those pending or in flight
 * and those failed or skipped (partial indexes, migration 0009); the rest are sent. No index holds
 * sent rows, so that sending one moves no index entry.
 */
export function deliveryCountsQuery(digestId: number) {
  const of = (status: DeliveryStatus) =>
    sql`(select count(*) from deliveries where digest_id = ${digestId} and status = ${sql.lit(status)})`;
  return sql<Record<'total' | 'pending' | 'sending' | 'failed' | 'skipped', number | string>>`select
    (select count(*) from deliveries where digest_id = ${digestId}) as total,
    ${of('pending')} as pending, ${of('sending')} as sending, ${of('failed')} as failed, ${of('skipped')} as skipped`;
}

export async function deliveryCounts(db: Db, digestId: number): Promise<DeliveryCounts> {
  const r = (await deliveryCountsQuery(digestId).execute(db)).rows[0];
  const n = (k: keyof NonNullable<typeof r>) => Number(r?.[k] ?? 0);
  const counts = { pending: n('pending'), sending: n('sending'), failed: n('failed'), skipped: n('skipped') };
  return { ...counts, sent: n('total') - counts.pending - counts.sending - counts.failed - counts.skipped };
}

export async function failedDeliveries(
  db: Db,
  digestId: number,
  limit = 20,
): Promise<{ email: string; error: string | null }[]> {
  const rows = await db
    .selectFrom('deliveries')
    .innerJoin('subscribers', 'subscribers.id', 'deliveries.subscriber_id')
    .select(['subscribers.email', 'deliveries.last_error'])
    .where('deliveries.digest_id', '=', digestId)
    .where('deliveries.status', '=', 'failed')
    .orderBy('deliveries.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ email: r.email, error: r.last_error }));
}

export interface DeliveryHistoryRow {
  date: string;
  status: string;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
}

/** A subscriber's deliveries, newest digest first. */
export async function deliveriesOf(db: Db, subscriberId: number, limit = 30): Promise<DeliveryHistoryRow[]> {
  const rows = await db
    .selectFrom('deliveries')
    .innerJoin('digests', 'digests.id', 'deliveries.digest_id')
    .select(['digests.date', 'deliveries.status', 'deliveries.attempts', 'deliveries.last_error', 'deliveries.sent_at'])
    .where('deliveries.subscriber_id', '=', subscriberId)
    .orderBy('digests.date', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    date: r.date,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    sentAt: r.sent_at,
  }));
}

/** The delivery a Message-ID belongs to (for bounce reports that echo it). */
export async function deliveryByMessageId(
  db: Db,
  messageId: string,
): Promise<{ id: number; subscriberId: number } | undefined> {
  const row = await db
    .selectFrom('deliveries')
    .select(['id', 'subscriber_id'])
    .where('message_id', '=', messageId)
    .executeTakeFirst();
  return row ? { id: row.id, subscriberId: row.subscriber_id } : undefined;
}

export async function deliveryById(db: Db, id: number): Promise<{ id: number; subscriberId: number } | undefined> {
  const row = await db.selectFrom('deliveries').select(['id', 'subscriber_id']).where('id', '=', id).executeTakeFirst();
  return row ? { id: row.id, subscriberId: row.subscriber_id } : undefined;
}

/** The edition planned for a reader in a digest (null: none planned, or skipped). */
export async function plannedEdition(db: Db, digestId: number, subscriberId: number): Promise<number | null> {
  const row = await db
    .selectFrom('deliveries')
    .select('edition_id')
    .where('digest_id', '=', digestId)
    .where('subscriber_id', '=', subscriberId)
    .executeTakeFirst();
  return row?.edition_id ?? null;
}
