import type { Db } from './db.js';

/** A digest's figures on the admin's pages and `GET /api/digests/:date`, beside its delivery counts. */

/** How many editions (public and personal) a digest has. */
export async function editionCount(db: Db, digestId: number): Promise<number> {
  const row = await db
    .selectFrom('editions')
    .select(db.fn.countAll<number>().as('n'))
    .where('digest_id', '=', digestId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** How many bounces came back for a digest's deliveries. */
export async function bounceCount(db: Db, digestId: number): Promise<number> {
  const row = await db
    .selectFrom('bounces')
    .innerJoin('deliveries', 'deliveries.id', 'bounces.delivery_id')
    .select(db.fn.countAll<number>().as('n'))
    .where('deliveries.digest_id', '=', digestId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
