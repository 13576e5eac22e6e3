import type { IsoDate } from '../../src/domain.js';
import type { Db } from '../../src/store/db.js';
import { insertDigest } from '../../src/store/digests.js';
import { upsertSubscriber } from '../../src/store/subscribers.js';

/** A ledger row as planning in waves writes it (`notBefore` defaults to `dueAt`). */
export interface PlantedRow {
  email: string;
  dueAt: string | null;
  notBefore?: string | null;
  deferredSince?: string | null;
  /** Defaults to `dueAt` (or 2026-01-01). */
  createdAt?: string;
  status?: string;
}

/** A stored digest of `date` with no papers (for the scheduler's side), in the status given. */
export async function bareDigest(db: Db, date: IsoDate, status = 'sending', control = 'run'): Promise<number> {
  const d = await insertDigest(db, {
    date,
    subject: `Papers of ${date}`,
    preheader: '',
    html: '<p>papers</p>',
    text: 'papers',
    webHtml: '<p>papers</p>',
    webText: 'papers',
    paperIds: [],
    candidateIds: [],
  });
  await db.updateTable('digests').set({ status, control }).where('id', '=', d.id).execute();
  return d.id;
}

/** Active readers and their ledger rows in a digest, pending unless said, as planning would leave them. */
export async function plantDeliveries(db: Db, digestId: number, rows: readonly PlantedRow[]): Promise<void> {
  for (const r of rows) {
    const { subscriber } = await upsertSubscriber(db, { email: r.email, name: null, status: 'active' });
    const created = r.createdAt ?? r.dueAt ?? '2026-01-01T00:00:00.000Z';
    await db
      .insertInto('deliveries')
      .values({
        digest_id: digestId,
        subscriber_id: subscriber.id,
        status: r.status ?? 'pending',
        attempts: 0,
        message_id: `<${digestId}.${subscriber.id}@papers.example.org>`,
        last_error: null,
        created_at: created,
        updated_at: created,
        sent_at: null,
        edition_id: null,
        claimed_by: null,
        not_before: r.notBefore === undefined ? r.dueAt : r.notBefore,
        deferred_since: r.deferredSince ?? null,
        due_at: r.dueAt,
      })
      .execute();
  }
}

/** Each reader's delivery status and error in a digest, by address. */
export async function ledgerOf(db: Db, digestId: number) {
  const rows = await db
    .selectFrom('deliveries')
    .innerJoin('subscribers', 'subscribers.id', 'deliveries.subscriber_id')
    .select(['subscribers.email', 'deliveries.status', 'deliveries.last_error'])
    .where('deliveries.digest_id', '=', digestId)
    .orderBy('subscribers.email')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.email, r.last_error ? `${r.status}: ${r.last_error}` : r.status]));
}
