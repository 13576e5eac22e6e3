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
  /** The reader's feed version: their email's private feed link is signed with it. */
  feedVersion: number;
  /** The edition to send (null only for rows from before editions existed: the digest itself). */
  editionId: number | null;
  messageId: string;
  attempts: number;
  /** When the receiving server first deferred it past a send's retries (ISO), or null. */
  deferredSince: string | null;
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
        'subscribers.feed_version',
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
  feed_version: number;
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
    feedVersion: r.feed_version,
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
    s.email, s.name, s.status, s.paused_until, s.soft_bounces, s.feed_version, d.deferred_since
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
