import type { SubscriberStatus } from '../domain.js';
import { type Db, nowIso } from './db.js';

/** One checked row of an imported list: at most one per address in a batch. */
export interface ImportRow {
  email: string;
  name: string | null;
  /** null: the file has no topics column (the stored topics stay). */
  topics: string[] | null;
  status: SubscriberStatus;
  /** The reader's zone and hour: null is the list's default; undefined, no such column (the stored one stays). */
  timezone?: string | null | undefined;
  hour?: number | null | undefined;
}

/** What one batch did to the store, row by row (see ImportReport in subscribers/import-csv.ts). */
export interface ImportBatchCounts {
  added: number;
  updated: number;
  unchanged: number;
  suppressed: number;
  resubscribed: number;
}

/**
 * Writes one batch of an import in one transaction: stored addresses are merged (a new name,
 * topic list, zone or hour replaces the old; an unsubscribed or bounced address listed as active stays so unless
 * `resubscribe`), new ones go in one multi-row insert.
 */
export async function importBatch(
  db: Db,
  rows: readonly ImportRow[],
  opts: { resubscribe: boolean },
): Promise<ImportBatchCounts> {
  const counts: ImportBatchCounts = { added: 0, updated: 0, unchanged: 0, suppressed: 0, resubscribed: 0 };
  if (rows.length === 0) return counts;
  const byEmail = new Map(rows.map((r) => [r.email, r]));
  await db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('subscribers')
      .select(['id', 'email', 'name', 'topics', 'status', 'timezone', 'hour'])
      .where('email', 'in', [...byEmail.keys()])
      .execute();
    const now = nowIso();
    for (const e of existing) {
      const r = byEmail.get(e.email);
      if (!r) continue;
      byEmail.delete(e.email);
      const suppressed = e.status === 'unsubscribed' || e.status === 'bounced';
      const changes: {
        name?: string;
        topics?: string;
        timezone?: string | null;
        hour?: number | null;
        status?: string;
        status_reason?: string | null;
        requested_at?: null;
      } = {};
      if (r.name && r.name !== e.name) changes.name = r.name;
      if (r.topics && JSON.stringify(r.topics) !== e.topics) changes.topics = JSON.stringify(r.topics);
      if (r.timezone !== undefined && r.timezone !== e.timezone) changes.timezone = r.timezone;
      if (r.hour !== undefined && r.hour !== e.hour) changes.hour = r.hour;
      if (suppressed && r.status === 'active') {
        if (!opts.resubscribe) {
          counts.suppressed++;
          continue;
        }
        Object.assign(changes, { status: 'active', status_reason: null });
      } else if (!suppressed && (r.status === 'unsubscribed' || r.status === 'bounced')) {
        Object.assign(changes, { status: r.status, status_reason: 'imported' });
      } else if (e.status === 'pending' && r.status === 'active') {
        changes.status = 'active';
      }
      if (Object.keys(changes).length === 0) {
        counts.unchanged++;
        continue;
      }
      // A new status closes an open sign-up request: its confirmation link confirms nothing now.
      if (changes.status) changes.requested_at = null;
      await trx
        .updateTable('subscribers')
        .set({ ...changes, updated_at: now })
        .where('id', '=', e.id)
        .execute();
      if (suppressed && changes.status === 'active') counts.resubscribed++;
      else counts.updated++;
    }
    const fresh = [...byEmail.values()];
    if (fresh.length > 0) {
      await trx
        .insertInto('subscribers')
        .values(
          fresh.map((r) => ({
            email: r.email,
            name: r.name,
            topics: JSON.stringify(r.topics ?? []),
            timezone: r.timezone ?? null,
            hour: r.hour ?? null,
            status: r.status,
            status_reason: r.status === 'unsubscribed' || r.status === 'bounced' ? 'imported' : null,
            confirmed_at: r.status === 'active' ? now : null,
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
      counts.added += fresh.length;
    }
  });
  return counts;
}
