import { type Db, nowIso } from './db.js';

/** A digest's ledger in keyset ranges of ids, (afterId, throughId]: the cluster's batch jobs. */

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
 * Splits a digest's pending deliveries that are due now into keyset ranges of about `size` ids:
 * (afterId, throughId]. Those waiting for their wave or deferred to later make no job (a worker
 * would find nothing to claim); a later pass ranges them once they are due. One index seek per
 * range; nothing is held in memory but the boundaries.
 */
export async function pendingRanges(
  db: Db,
  digestId: number,
  size: number,
): Promise<{ afterId: number; throughId: number }[]> {
  const now = nowIso();
  /** The id of the (offset+1)-th due pending delivery after `afterId`, if there is one. */
  const nth = async (afterId: number, offset: number) =>
    (
      await db
        .selectFrom('deliveries')
        .select('id')
        .where('digest_id', '=', digestId)
        .where('status', '=', 'pending')
        .where('id', '>', afterId)
        .where((eb) => eb.or([eb('not_before', 'is', null), eb('not_before', '<=', now)]))
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
