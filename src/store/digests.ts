import type { Selectable } from 'kysely';
import type { DigestContent, Paper, StoredDigest } from '../domain.js';
import { type Db, nowIso } from './db.js';
import { insertCandidates } from './editions.js';
import { recordEvent } from './events.js';
import { fromPaperRow } from './papers.js';
import type { DigestsTable } from './schema.js';

export type { DigestContent, StoredDigest } from '../domain.js';

export interface NewDigest extends DigestContent {
  paperIds: readonly string[];
  /** The day's pool: every paper the sources answered (readers' selections draw from it). */
  candidateIds: readonly string[];
}

const columns = [
  'id',
  'date',
  'subject',
  'preheader',
  'html',
  'text',
  'web_html',
  'web_text',
  'status',
  'created_at',
  'sent_at',
] as const;

type Row = Pick<Selectable<DigestsTable>, (typeof columns)[number]>;

function fromRow(r: Row): StoredDigest {
  return {
    id: r.id,
    date: r.date,
    subject: r.subject,
    preheader: r.preheader,
    html: r.html,
    text: r.text,
    webHtml: r.web_html,
    webText: r.web_text,
    status: r.status as StoredDigest['status'],
    createdAt: r.created_at,
    sentAt: r.sent_at,
  };
}

export async function findDigest(db: Db, date: string): Promise<StoredDigest | undefined> {
  const row = await db.selectFrom('digests').select(columns).where('date', '=', date).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

export async function latestDigest(db: Db): Promise<StoredDigest | undefined> {
  const row = await db.selectFrom('digests').select(columns).orderBy('date', 'desc').limit(1).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

export async function listDigests(db: Db, limit = 100): Promise<Pick<StoredDigest, 'date' | 'subject' | 'status'>[]> {
  const rows = await db
    .selectFrom('digests')
    .select(['date', 'subject', 'status'])
    .orderBy('date', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ date: r.date, subject: r.subject, status: r.status as StoredDigest['status'] }));
}

/**
 * Stores a built digest with its papers and pool, in one transaction: a process that finds the
 * digest finds its pool too (else it could plan every reader an empty selection). The date is
 * unique: when another process stored the same date first, that digest is returned and this one
 * dropped, so every reader gets one content.
 */
export async function insertDigest(db: Db, d: NewDigest): Promise<StoredDigest> {
  await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('digests')
      .values({
        date: d.date,
        subject: d.subject,
        preheader: d.preheader,
        html: d.html,
        text: d.text,
        web_html: d.webHtml,
        web_text: d.webText,
        status: 'ready',
        created_at: nowIso(),
        sent_at: null,
        lock_owner: null,
        lock_expires_at: null,
      })
      .onConflict((oc) => oc.column('date').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) return;
    if (d.paperIds.length > 0) {
      await trx
        .insertInto('digest_papers')
        .values(d.paperIds.map((paper_id, position) => ({ digest_id: inserted.id, paper_id, position })))
        .execute();
    }
    await insertCandidates(trx, inserted.id, d.candidateIds);
  });
  const stored = await findDigest(db, d.date);
  if (!stored) throw new Error(`digest ${d.date} vanished after insert`);
  return stored;
}

export async function digestPapers(db: Db, digestId: number): Promise<Paper[]> {
  const rows = await db
    .selectFrom('digest_papers')
    .innerJoin('papers', 'papers.id', 'digest_papers.paper_id')
    .selectAll('papers')
    .where('digest_papers.digest_id', '=', digestId)
    .orderBy('digest_papers.position')
    .execute();
  return rows.map(fromPaperRow);
}

export async function setDigestStatus(db: Db, id: number, status: StoredDigest['status']): Promise<void> {
  await db
    .updateTable('digests')
    .set({ status, sent_at: status === 'sent' ? nowIso() : null })
    .where('id', '=', id)
    .execute();
}

/**
 * Marks a digest sent once nothing is pending; the first time (the change from sending), in the
 * same transaction, records the `digest.sent` event with its counts (the webhooks' outbox).
 */
export async function markDigestSent(
  db: Db,
  id: number,
  counts: { sent: number; failed: number; skipped: number; feed: number },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('digests')
      .set({ status: 'sent', sent_at: nowIso() })
      .where('id', '=', id)
      .where('status', '<>', 'sent')
      .returning('date')
      .executeTakeFirst();
    if (row) await recordEvent(trx, 'digest.sent', { date: row.date, ...counts });
  });
}

/**
 * Takes the digest's send lock for `owner` until `ttlMs` from now. Succeeds when the lock is free,
 * expired, already ours, or held by `staleOwner` (a process known to be dead).
 */
export async function acquireDigestLock(
  db: Db,
  id: number,
  owner: string,
  ttlMs: number,
  staleOwner?: string,
): Promise<boolean> {
  const now = Date.now();
  const res = await db
    .updateTable('digests')
    .set({ lock_owner: owner, lock_expires_at: now + ttlMs })
    .where('id', '=', id)
    .where((eb) => {
      const free = [eb('lock_owner', 'is', null), eb('lock_expires_at', '<', now), eb('lock_owner', '=', owner)];
      if (staleOwner) free.push(eb('lock_owner', '=', staleOwner));
      return eb.or(free);
    })
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function digestLockOwner(db: Db, id: number): Promise<{ owner: string | null; expiresAt: number | null }> {
  const row = await db
    .selectFrom('digests')
    .select(['lock_owner', 'lock_expires_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  return { owner: row?.lock_owner ?? null, expiresAt: row?.lock_expires_at ?? null };
}

export async function releaseDigestLock(db: Db, id: number, owner: string): Promise<void> {
  await db
    .updateTable('digests')
    .set({ lock_owner: null, lock_expires_at: null })
    .where('id', '=', id)
    .where('lock_owner', '=', owner)
    .execute();
}

export type SendControl = 'run' | 'pause' | 'cancel';

export async function digestControl(db: Db, id: number): Promise<SendControl> {
  const row = await db.selectFrom('digests').select('control').where('id', '=', id).executeTakeFirst();
  return (row?.control as SendControl | undefined) ?? 'run';
}

export async function setDigestControl(db: Db, id: number, control: SendControl): Promise<void> {
  await db.updateTable('digests').set({ control }).where('id', '=', id).execute();
}

/**
 * Deletes a digest that went to nobody — no delivery sent or in flight, no send holding its lock —
 * with its ledger, editions and lists of papers (they cascade), in one statement, so a send cannot
 * start in between. Its papers may then go out in another digest. Says why it did not when it did not.
 */
export async function deleteUnsentDigest(db: Db, id: number): Promise<'deleted' | 'sent' | 'sending'> {
  return db.transaction().execute(async (trx) => {
    const reached = await trx
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('digest_id', '=', id)
      .where('status', 'in', ['sent', 'sending'])
      .executeTakeFirstOrThrow();
    if (Number(reached.n) > 0) return 'sent';
    const now = Date.now();
    const res = await trx
      .deleteFrom('digests')
      .where('id', '=', id)
      .where((eb) => eb.or([eb('lock_owner', 'is', null), eb('lock_expires_at', '<', now)]))
      .executeTakeFirst();
    return Number(res.numDeletedRows) === 1 ? 'deleted' : 'sending';
  });
}
