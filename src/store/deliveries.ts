import { sql } from 'kysely';
import type { DeliveryCounts, DeliveryStatus } from '../domain.js';
import { type Db, nowIso } from './db.js';

/** Counting and reading a digest's ledger. */

export type { DeliveryCounts } from '../domain.js';

/** Pending deliveries of a kind that are not due yet: how many, and when the first comes due (ISO). */
export interface Later {
  count: number;
  next: string | null;
}

/**
 * A digest's pending deliveries that are not due now, in one statement: those the receiving server
 * deferred (a 4xx past a send's retries: `deferred_since` set, tried again from `not_before`) and
 * those waiting for their wave (planned for a later hour: `not_before` is their `due_at`).
 */
export async function notDueYet(db: Db, digestId: number): Promise<{ deferred: Later; waiting: Later }> {
  const { rows } = await sql<{ dn: number | string; dnext: string | null; wn: number | string; wnext: string | null }>`
    select count(case when deferred_since is not null then 1 end) as dn,
      min(case when deferred_since is not null then not_before end) as dnext,
      count(case when deferred_since is null then 1 end) as wn,
      min(case when deferred_since is null then not_before end) as wnext
    from deliveries where digest_id = ${digestId} and status = 'pending' and not_before > ${nowIso()}`.execute(db);
  const r = rows[0];
  return {
    deferred: { count: Number(r?.dn ?? 0), next: r?.dnext ?? null },
    waiting: { count: Number(r?.wn ?? 0), next: r?.wnext ?? null },
  };
}

/** A digest's pending deliveries deferred by the receiving server to a later time. */
export async function deferredDeliveries(db: Db, digestId: number): Promise<Later> {
  return (await notDueYet(db, digestId)).deferred;
}

/**
 * `send --all-now`: every pending delivery of the digest that waits for its wave goes now. Its
 * `due_at` stays as planned (the ledger shows the plan); deferred ones keep their retry time.
 */
export async function releaseWaiting(db: Db, digestId: number): Promise<number> {
  const res = await db
    .updateTable('deliveries')
    .set({ not_before: null })
    .where('digest_id', '=', digestId)
    .where('status', '=', 'pending')
    .where('deferred_since', 'is', null)
    .where('not_before', '>', nowIso())
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/**
 * A digest's deliveries by status, in one statement (one snapshot, one round trip) and from
 * indexes only: its rows (the unique index on digest and subscriber), those pending or in flight
 * and those failed or skipped (partial indexes, migration 0009), and feed-only readers' rows (0019:
 * planned, never sent); the rest are sent. No index holds
 * sent rows, so that sending one moves no index entry.
 */
export function deliveryCountsQuery(digestId: number) {
  const of = (status: DeliveryStatus) =>
    sql`(select count(*) from deliveries where digest_id = ${digestId} and status = ${sql.lit(status)})`;
  return sql<Record<'total' | 'pending' | 'sending' | 'failed' | 'skipped' | 'feed', number | string>>`select
    (select count(*) from deliveries where digest_id = ${digestId}) as total,
    ${of('pending')} as pending, ${of('sending')} as sending, ${of('failed')} as failed, ${of('skipped')} as skipped,
    ${of('feed')} as feed`;
}

export async function deliveryCounts(db: Db, digestId: number): Promise<DeliveryCounts> {
  const r = (await deliveryCountsQuery(digestId).execute(db)).rows[0];
  const n = (k: keyof NonNullable<typeof r>) => Number(r?.[k] ?? 0);
  const counts = {
    pending: n('pending'),
    sending: n('sending'),
    failed: n('failed'),
    skipped: n('skipped'),
    feed: n('feed'),
  };
  const sent = n('total') - counts.pending - counts.sending - counts.failed - counts.skipped - counts.feed;
  return { ...counts, sent };
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
