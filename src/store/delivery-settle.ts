import { sql } from 'kysely';
import type { DeliveryStatus } from '../domain.js';
import { type Db, nowIso, type SqliteHandle, sqliteHandle } from './db.js';

export interface Settlement {
  id: number;
  status: Exclude<DeliveryStatus, 'pending' | 'sending' | 'feed'>;
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

/** Counts a further attempt of a delivery that is being retried within the run. */
export async function recordAttempt(db: Db, id: number, error: string): Promise<void> {
  await db
    .updateTable('deliveries')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: error, updated_at: nowIso() }))
    .where('id', '=', id)
    .execute();
}
