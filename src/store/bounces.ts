import type { Selectable } from 'kysely';
import { storable } from '../text.js';
import type { Db } from './db.js';
import { nowIso } from './db.js';
import { recordEvent } from './events.js';
import type { BouncesTable } from './schema.js';

export interface BounceInput {
  subscriberId: number;
  deliveryId: number | null;
  kind: 'hard' | 'soft';
  source: 'smtp' | 'dsn';
  /** SMTP reply code or RFC 3463 status, e.g. `550` or `5.1.1`. */
  status: string;
  detail: string | null;
  /** The same key is applied once only (a DSN processed twice changes nothing more). */
  dedupeKey: string | null;
}

export type BounceOutcome = 'duplicate' | 'recorded' | 'bounced';

/** A bounce as stored: what a subscriber's history shows. */
export type StoredBounce = Selectable<BouncesTable>;

/**
 * Records a bounce and applies it: a hard bounce makes an active or pending subscriber `bounced`;
 * a soft bounce counts, and `softLimit` in a row make it `bounced`. An unsubscribed address stays so.
 */
export async function recordBounce(db: Db, b: BounceInput, softLimit: number): Promise<BounceOutcome> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('bounces')
      .values({
        subscriber_id: b.subscriberId,
        delivery_id: b.deliveryId,
        kind: b.kind,
        source: b.source,
        status: b.status,
        detail: storable(b.detail),
        dedupe_key: b.dedupeKey,
        created_at: nowIso(),
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) return 'duplicate';
    const sub = await trx
      .updateTable('subscribers')
      .set((eb) => ({ soft_bounces: b.kind === 'soft' ? eb('soft_bounces', '+', 1) : eb.ref('soft_bounces') }))
      .where('id', '=', b.subscriberId)
      .returning(['status', 'soft_bounces'])
      .executeTakeFirst();
    if (!sub || (sub.status !== 'active' && sub.status !== 'pending')) return 'recorded';
    const reason = b.kind === 'hard' ? 'hard-bounce' : sub.soft_bounces >= softLimit ? 'soft-bounces' : null;
    if (!reason) return 'recorded';
    const row = await trx
      .updateTable('subscribers')
      .set({ status: 'bounced', status_reason: reason, updated_at: nowIso() })
      .where('id', '=', b.subscriberId)
      .returning('email')
      .executeTakeFirst();
    await recordEvent(trx, 'subscriber.bounced', {
      id: b.subscriberId,
      email: row?.email ?? null,
      reason,
      kind: b.kind,
      status: b.status,
    });
    return 'bounced';
  });
}

export async function bouncesOf(db: Db, subscriberId: number, limit = 50): Promise<StoredBounce[]> {
  return db
    .selectFrom('bounces')
    .selectAll()
    .where('subscriber_id', '=', subscriberId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
