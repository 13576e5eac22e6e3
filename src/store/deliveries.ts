import { sql } from 'kysely';
import type { DeliveryCounts, DeliveryStatus } from '../domain.js';
import { mayBeAlive, PROCESS_OWNER } from '../process-owner.js';
import { type Db, dialectOf, nowIso, type SqliteHandle, sqliteHandle } from './db.js';

/** A delivery claimed for sending, with the subscriber it goes to. */
export interface ClaimedDelivery {
  id: number;
  subscriberId: number;
  email: string;
  name: string | null;
  subscriberStatus: string;
  pausedUntil: string | null;
  softBounces: number;
  /** The edition to send (null only for rows from before editions existed: the digest itself). */
  editionId: number | null;
  messageId: string;
  attempts: number;
  /** When the receiving server first deferred it past a send's retries (ISO), or null. */
  deferredSince: string | null;
}

export type { DeliveryCounts } from '../domain.js';

export interface LedgerRow {
  subscriberId: number;
  /** The reader's edition; null for a row that is settled at once (skipped). */
  editionId: number | null;
  status: 'pending' | 'skipped';
  note: string | null;
}

/**
 * Adds ledger rows for subscribers not yet in the digest's ledger. Rows already there (sent,
 * failed, …) are left alone: that is what makes a re-run send nothing twice.
 */
export async function addToLedger(
  db: Db,
  digestId: number,
  rows: readonly LedgerRow[],
  messageIdFor: (subscriberId: number) => string,
): Promise<void> {
  if (rows.length === 0) return;
  const now = nowIso();
  // A page of a million-reader plan is a thousand rows: as one query built by Kysely, ten thousand
  // values become nodes, placeholders and a statement prepared once and thrown away, a few MB of
  // garbage per page. Instead, SQLite runs one cached statement per row in a transaction, and
  // PostgreSQL takes the columns as five arrays in one fixed statement.
  const lite = sqliteHandle(db);
  if (lite && !lite.inTransaction()) {
    const insert = lite.prepare(
      `insert into "deliveries" ("digest_id", "subscriber_id", "edition_id", "status", "attempts", "message_id", "last_error", "created_at", "updated_at", "sent_at")
       values (?, ?, ?, ?, 0, ?, ?, ?, ?, null) on conflict ("digest_id", "subscriber_id") do nothing`,
    );
    lite.transaction(() => {
      for (const r of rows) {
        insert.run(digestId, r.subscriberId, r.editionId, r.status, messageIdFor(r.subscriberId), r.note, now, now);
      }
    });
    return;
  }
  if (dialectOf(db) === 'postgres') {
    await sql`insert into deliveries (digest_id, subscriber_id, edition_id, status, attempts, message_id, last_error, created_at, updated_at, sent_at)
      select ${digestId}, t.s, t.e, t.st, 0, t.m, t.n, ${now}, ${now}, null
      from unnest(${rows.map((r) => r.subscriberId)}::bigint[], ${rows.map((r) => r.editionId)}::bigint[],
        ${rows.map((r) => r.status)}::text[], ${rows.map((r) => messageIdFor(r.subscriberId))}::text[],
        ${rows.map((r) => r.note)}::text[]) as t(s, e, st, m, n)
      order by t.s
      on conflict (digest_id, subscriber_id) do nothing`.execute(db);
    return;
  }
  await db
    .insertInto('deliveries')
    .values(
      rows.map((r) => ({
        digest_id: digestId,
        subscriber_id: r.subscriberId,
        edition_id: r.editionId,
        status: r.status,
        attempts: 0,
        message_id: messageIdFor(r.subscriberId),
        last_error: r.note,
        created_at: now,
        updated_at: now,
        sent_at: null,
      })),
    )
    .onConflict((oc) => oc.columns(['digest_id', 'subscriber_id']).doNothing())
    .execute();
}

/**
 * Deliveries of one range left `sending` by a worker that died (its job expired): they go again,
 * with the same Message-ID.
 */
export async function requeueRange(db: Db, digestId: number, afterId: number, throughId: number): Promise<number> {
  const res = await db
    .updateTable('deliveries')
    .set({ status: 'pending', updated_at: nowIso() })
    .where('digest_id', '=', digestId)
    .where('status', '=', 'sending')
    .where('id', '>', afterId)
    .where('id', '<=', throughId)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** Whether a range of a digest's ledger, (afterId, throughId], still has a pending delivery that is due. */
export async function pendingInRange(db: Db, digestId: number, afterId: number, throughId: number): Promise<boolean> {
  const now = nowIso();
  const row = await db
    .selectFrom('deliveries')
    .select('id')
    .where('digest_id', '=', digestId)
    .where('status', '=', 'pending')
    .where('id', '>', afterId)
    .where('id', '<=', throughId)
    .where((eb) => eb.or([eb('not_before', 'is', null), eb('not_before', '<=', now)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Splits a digest's pending deliveries into keyset ranges of about `size` ids: (afterId, throughId].
 * One index seek per range; nothing is held in memory but the boundaries.
 */
export async function pendingRanges(
  db: Db,
  digestId: number,
  size: number,
): Promise<{ afterId: number; throughId: number }[]> {
  /** The id of the (offset+1)-th pending delivery after `afterId`, if there is one. */
  const nth = async (afterId: number, offset: number) =>
    (
      await db
        .selectFrom('deliveries')
        .select('id')
        .where('digest_id', '=', digestId)
        .where('status', '=', 'pending')
        .where('id', '>', afterId)
        .orderBy('id')
        .offset(offset)
        .limit(1)
        .executeTakeFirst()
    )?.id;
  const ranges: { afterId: number; throughId: number }[] = [];
  for (let afterId = 0; (await nth(afterId, 0)) !== undefined; ) {
    const end = await nth(afterId, size - 1);
    ranges.push({ afterId, throughId: end ?? Number.MAX_SAFE_INTEGER });
    if (end === undefined) break;
    afterId = end;
  }
  return ranges;
}

/**
 * Deliveries left `sending` by a process that died: they go again, with the same Message-ID. With
 * `claimedBefore` (ISO time), only those of processes found dead on this machine and those claimed
 * before that time: on PostgreSQL, workers on other machines may have the others on the wire.
 */
export async function requeueInFlight(db: Db, digestId: number, claimedBefore?: string): Promise<number> {
  let dead: string[] = [];
  if (claimedBefore !== undefined) {
    const owners = await db
      .selectFrom('deliveries')
      .select('claimed_by')
      .distinct()
      .where('digest_id', '=', digestId)
      .where('status', '=', 'sending')
      .execute();
    dead = owners.flatMap((o) => (o.claimed_by !== null && !mayBeAlive(o.claimed_by) ? [o.claimed_by] : []));
  }
  let update = db
    .updateTable('deliveries')
    .set({ status: 'pending', claimed_by: null, updated_at: nowIso() })
    .where('digest_id', '=', digestId)
    .where('status', '=', 'sending');
  if (claimedBefore !== undefined) {
    update = update.where((eb) =>
      eb.or([eb('updated_at', '<', claimedBefore), ...(dead.length > 0 ? [eb('claimed_by', 'in', dead)] : [])]),
    );
  }
  const res = await update.executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/**
 * Claims up to `limit` pending deliveries (lowest id first), marking them `sending`. Never the same
 * row to two processes: SQLite runs one writer at a time; on PostgreSQL the rows are locked as they
 * are read, and rows another transaction is claiming are passed over (`for update skip locked`).
 */
export async function claimBatch(
  db: Db,
  digestId: number,
  limit: number,
  /** Keyset: only rows after this id (the last row of the previous batch). */
  afterId = 0,
  /** …and up to this id (a worker's range); none: to the end. */
  throughId?: number,
): Promise<ClaimedDelivery[]> {
  const lite = sqliteHandle(db);
  if (lite && !lite.inTransaction()) return claimBatchSqlite(lite, digestId, limit, afterId, throughId);
  const postgres = dialectOf(db) === 'postgres';
  const now = nowIso();
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('deliveries')
      .innerJoin('subscribers', 'subscribers.id', 'deliveries.subscriber_id')
      .select([
        'deliveries.id',
        'deliveries.subscriber_id',
        'deliveries.message_id',
        'deliveries.attempts',
        'deliveries.edition_id',
        'subscribers.email',
        'subscribers.name',
        'subscribers.status',
        'subscribers.paused_until',
        'subscribers.soft_bounces',
        'deliveries.deferred_since',
      ])
      .where('deliveries.digest_id', '=', digestId)
      .where('deliveries.status', '=', 'pending')
      .where((eb) => eb.or([eb('deliveries.not_before', 'is', null), eb('deliveries.not_before', '<=', now)]))
      .where('deliveries.id', '>', afterId)
      .$if(throughId !== undefined, (q) => q.where('deliveries.id', '<=', throughId ?? 0))
      .orderBy('deliveries.id')
      .limit(limit)
      .$if(postgres, (q) => q.forUpdate('deliveries').skipLocked())
      .execute();
    if (rows.length === 0) return [];
    await trx
      .updateTable('deliveries')
      .set((eb) => ({
        status: 'sending',
        attempts: eb('attempts', '+', 1),
        claimed_by: PROCESS_OWNER,
        updated_at: nowIso(),
      }))
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    return rows.map(claimed);
  });
}

interface ClaimRow {
  id: number;
  subscriber_id: number;
  message_id: string;
  attempts: number;
  edition_id: number | null;
  email: string;
  name: string | null;
  status: string;
  paused_until: string | null;
  soft_bounces: number;
  deferred_since: string | null;
}

function claimed(r: ClaimRow): ClaimedDelivery {
  return {
    id: r.id,
    subscriberId: r.subscriber_id,
    email: r.email,
    name: r.name,
    subscriberStatus: r.status,
    pausedUntil: r.paused_until,
    softBounces: r.soft_bounces,
    editionId: r.edition_id,
    messageId: r.message_id,
    attempts: r.attempts + 1,
    deferredSince: r.deferred_since,
  };
}

/** Pending rows that are due: not deferred to a later time. */
const DUE = '(not_before is null or not_before <= ?)';

/** A batch on SQLite: digest, after id, through id, now, limit. */
export const CLAIM_SQLITE = `select d.id, d.subscriber_id, d.message_id, d.attempts, d.edition_id,
    s.email, s.name, s.status, s.paused_until, s.soft_bounces, d.deferred_since
  from deliveries d join subscribers s on s.id = d.subscriber_id
  where d.digest_id = ? and d.status = 'pending' and d.id > ? and d.id <= ? and ${DUE.replaceAll('not_before', 'd.not_before')}
  order by d.id limit ?`;

/**
 * The same on SQLite with two prepared statements: the batch is read, then every pending row of
 * the digest from after `afterId` through the batch's last id is marked — exactly the rows read,
 * as nothing else writes between the two (one writer at a time, and both run in one transaction).
 * Kysely built and prepared a new statement with a 200-place `in` list for every batch.
 */
function claimBatchSqlite(
  lite: SqliteHandle,
  digestId: number,
  limit: number,
  afterId: number,
  throughId: number | undefined,
): ClaimedDelivery[] {
  const select = lite.prepare(CLAIM_SQLITE);
  const mark = lite.prepare(
    `update deliveries set status = 'sending', attempts = attempts + 1, claimed_by = ?, updated_at = ?
     where digest_id = ? and status = 'pending' and id > ? and id <= ? and ${DUE}`,
  );
  const now = nowIso();
  let rows: ClaimRow[] = [];
  lite.transaction(() => {
    rows = select.all(digestId, afterId, throughId ?? Number.MAX_SAFE_INTEGER, now, limit) as ClaimRow[];
    const last = rows.at(-1);
    if (last) mark.run(PROCESS_OWNER, now, digestId, afterId, last.id, now);
  });
  return rows.map(claimed);
}

export interface Settlement {
  id: number;
  status: Exclude<DeliveryStatus, 'pending' | 'sending'>;
  error: string | null;
  /** A sent delivery whose subscriber had soft bounces: their count starts again at 0. */
  resetSoftBounces?: number;
}

/**
 * Settles many deliveries in one transaction (one commit instead of one per message: a SQLite
 * commit costs about 140 µs, a PostgreSQL one a round trip). Sent rows without an error share one
 * statement.
 */
export async function settleMany(db: Db, rows: readonly Settlement[]): Promise<void> {
  if (rows.length === 0) return;
  const now = nowIso();
  const lite = sqliteHandle(db);
  if (lite && !lite.inTransaction()) {
    settleManySqlite(lite, rows, now);
    return;
  }
  if (!lite && rows.every((r) => r.status === 'sent' && r.error === null && r.resetSoftBounces === undefined)) {
    // PostgreSQL, the usual case (every message accepted): one statement, one round trip, in its
    // own implicit transaction, whose commit does not wait for the WAL flush (below).
    await sql`with c as (select set_config('synchronous_commit', 'off', true))
      update deliveries set status = 'sent', last_error = null, updated_at = ${now}, sent_at = ${now}
      from c where id = any(${rows.map((r) => r.id)}::bigint[])`.execute(db);
    return;
  }
  await db.transaction().execute(async (trx) => {
    if (!lite) {
      // PostgreSQL: the commit returns without waiting for the WAL to reach the disk. The row is
      // safe from a worker's crash at once (it is the server's); only a crash of the database
      // server itself within a fraction of a second could lose it, and then the message goes again
      // with the same Message-ID. Waiting for the flush made every worker queue on the disk.
      await sql`set local synchronous_commit = off`.execute(trx);
    }
    const plainSent = rows.filter((r) => r.status === 'sent' && r.error === null).map((r) => r.id);
    if (plainSent.length > 0) {
      await trx
        .updateTable('deliveries')
        .set({ status: 'sent', last_error: null, updated_at: now, sent_at: now })
        .where('id', 'in', plainSent)
        .execute();
    }
    for (const r of rows) {
      if (r.status === 'sent' && r.error === null) continue;
      await trx
        .updateTable('deliveries')
        .set({ status: r.status, last_error: r.error, updated_at: now, sent_at: r.status === 'sent' ? now : null })
        .where('id', '=', r.id)
        .execute();
    }
    const reset = rows.flatMap((r) => (r.resetSoftBounces === undefined ? [] : [r.resetSoftBounces]));
    if (reset.length > 0) {
      await trx.updateTable('subscribers').set({ soft_bounces: 0 }).where('id', 'in', reset).execute();
    }
  });
}

/**
 * The same on SQLite with prepared statements and no query building: a settlement costs a few
 * microseconds of SQLite instead of about a hundred of Kysely. The statements are those above.
 */
function settleManySqlite(lite: SqliteHandle, rows: readonly Settlement[], now: string): void {
  const settle = lite.prepare(
    'update "deliveries" set "status" = ?, "last_error" = ?, "updated_at" = ?, "sent_at" = ? where "id" = ?',
  );
  const reset = lite.prepare('update "subscribers" set "soft_bounces" = 0 where "id" = ?');
  lite.transaction(() => {
    for (const r of rows) {
      settle.run(r.status, r.error, now, r.status === 'sent' ? now : null, r.id);
      if (r.resetSoftBounces !== undefined) reset.run(r.resetSoftBounces);
    }
  });
}

/** Cancels what is left of a send: every pending delivery becomes `skipped`. */
export async function skipPending(db: Db, digestId: number, note: string): Promise<number> {
  const res = await db
    .updateTable('deliveries')
    .set({ status: 'skipped', last_error: note, updated_at: nowIso() })
    .where('digest_id', '=', digestId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/**
 * Returns a claimed delivery to `pending`: it was not sent and goes in a later run (not before
 * `notBefore`, when given: a retry that was not yet due).
 */
export async function releaseDelivery(db: Db, id: number, error: string | null, notBefore?: string): Promise<void> {
  await db
    .updateTable('deliveries')
    .set({
      status: 'pending',
      last_error: error,
      updated_at: nowIso(),
      ...(notBefore === undefined ? {} : { not_before: notBefore }),
    })
    .where('id', '=', id)
    .execute();
}

/**
 * Returns a delivery the receiving server deferred past this pass's retries to `pending`, not to be
 * claimed before `notBefore`; the first such deferral's time is kept (`since`).
 */
export async function deferDelivery(
  db: Db,
  id: number,
  error: string,
  notBefore: string,
  since: string,
): Promise<void> {
  await db
    .updateTable('deliveries')
    .set((eb) => ({
      status: 'pending',
      last_error: error,
      not_before: notBefore,
      deferred_since: eb.fn.coalesce('deferred_since', eb.val(since)),
      updated_at: nowIso(),
    }))
    .where('id', '=', id)
    .execute();
}

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

/** Counts a further attempt of a delivery that is being retried within the run. */
export async function recordAttempt(db: Db, id: number, error: string): Promise<void> {
  await db
    .updateTable('deliveries')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: error, updated_at: nowIso() }))
    .where('id', '=', id)
    .execute();
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
