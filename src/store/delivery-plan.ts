import { sql } from 'kysely';
import { type Db, dialectOf, nowIso, sqliteHandle } from './db.js';

/** Planning a send: the ledger rows of a digest's readers. */

export interface LedgerRow {
  subscriberId: number;
  /** The reader's edition; null for a row that is settled at once (skipped). */
  editionId: number | null;
  /** `feed`: a feed-only reader's selection, never sent. */
  status: 'pending' | 'skipped' | 'feed';
  note: string | null;
  /** When the reader's wave is due (ISO): their hour on their local day, or the planning time if that has passed. */
  dueAt?: string | null;
  /** Not claimed before (ISO): `dueAt` while it is in the future, else null. */
  notBefore?: string | null;
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
      `insert into "deliveries" ("digest_id", "subscriber_id", "edition_id", "status", "attempts", "message_id", "last_error", "created_at", "updated_at", "sent_at", "due_at", "not_before")
       values (?, ?, ?, ?, 0, ?, ?, ?, ?, null, ?, ?) on conflict ("digest_id", "subscriber_id") do nothing`,
    );
    lite.transaction(() => {
      for (const r of rows) {
        const m = messageIdFor(r.subscriberId);
        insert.run(
          digestId,
          r.subscriberId,
          r.editionId,
          r.status,
          m,
          r.note,
          now,
          now,
          r.dueAt ?? null,
          r.notBefore ?? null,
        );
      }
    });
    return;
  }
  if (dialectOf(db) === 'postgres') {
    await sql`insert into deliveries (digest_id, subscriber_id, edition_id, status, attempts, message_id, last_error, created_at, updated_at, sent_at, due_at, not_before)
      select ${digestId}, t.s, t.e, t.st, 0, t.m, t.n, ${now}, ${now}, null, t.due, t.nb
      from unnest(${rows.map((r) => r.subscriberId)}::bigint[], ${rows.map((r) => r.editionId)}::bigint[],
        ${rows.map((r) => r.status)}::text[], ${rows.map((r) => messageIdFor(r.subscriberId))}::text[],
        ${rows.map((r) => r.note)}::text[], ${rows.map((r) => r.dueAt ?? null)}::text[],
        ${rows.map((r) => r.notBefore ?? null)}::text[]) as t(s, e, st, m, n, due, nb)
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
        due_at: r.dueAt ?? null,
        not_before: r.notBefore ?? null,
      })),
    )
    .onConflict((oc) => oc.columns(['digest_id', 'subscriber_id']).doNothing())
    .execute();
}
