import { sql } from 'kysely';
import { type Db, nowIso } from './db.js';

/** A ledger row's statuses that count as the reader having had the edition: mailed, or feed only. */
const IN_FEED = ['sent', 'feed'] as const;

/** What the feed of a reader depends on, besides the rows: who they are and their token's version. */
export interface FeedReaderRow {
  id: number;
  status: string;
  feedVersion: number;
  feedOnly: boolean;
}

export async function feedReader(db: Db, id: number): Promise<FeedReaderRow | undefined> {
  const r = await db
    .selectFrom('subscribers')
    .select(['id', 'status', 'feed_version', 'feed_only'])
    .where('id', '=', id)
    .executeTakeFirst();
  return r && { id: r.id, status: r.status, feedVersion: r.feed_version, feedOnly: r.feed_only === 1 };
}

/** A new version of the reader's feed token (older tokens stop working); the new version, or undefined (no reader). */
export async function bumpFeedVersion(db: Db, id: number): Promise<number | undefined> {
  const r = await db
    .updateTable('subscribers')
    .set((eb) => ({ feed_version: eb('feed_version', '+', 1), updated_at: nowIso() }))
    .where('id', '=', id)
    .returning('feed_version')
    .executeTakeFirst();
  return r?.feed_version;
}

export async function setFeedOnly(db: Db, id: number, on: boolean): Promise<void> {
  await db
    .updateTable('subscribers')
    .set({ feed_only: on ? 1 : 0, updated_at: nowIso() })
    .where('id', '=', id)
    .execute();
}

/**
 * What the reader's feed holds, in one indexed read (deliveries_subscriber) that builds nothing:
 * how many editions, the newest row and when the newest change became visible (a row planned
 * earlier, due later, shows from its due time). The feed's ETag and Last-Modified.
 */
export interface FeedStamp {
  count: number;
  lastId: number;
  /** ISO: the latest of the rows' updated_at and due_at; null with no row. */
  lastChange: string | null;
}

export async function feedStamp(db: Db, subscriberId: number, now: string): Promise<FeedStamp> {
  const r = await db
    .selectFrom('deliveries')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('n'),
      eb.fn.max('id').as('last_id'),
      eb.fn.max('updated_at').as('updated'),
      eb.fn.max('due_at').as('due'),
    ])
    .where('subscriber_id', '=', subscriberId)
    .where('status', 'in', IN_FEED)
    .where((eb) => eb.or([eb('due_at', 'is', null), eb('due_at', '<=', now)]))
    .executeTakeFirst();
  const updated = r?.updated ?? null;
  const due = r?.due ?? null;
  return {
    count: Number(r?.n ?? 0),
    lastId: Number(r?.last_id ?? 0),
    lastChange: due !== null && (updated === null || due > updated) ? due : updated,
  };
}

/** One edition of a reader's feed, newest digest first. */
export interface FeedRow {
  digestId: number;
  date: string;
  /** The reader's subject: their edition's, or the digest's for rows from before editions. */
  subject: string;
  editionId: number | null;
  sentAt: string | null;
  dueAt: string | null;
  updatedAt: string;
}

/** The reader's newest `limit` editions they had (sent, or feed only) that are due by `now`. */
export async function feedRows(db: Db, subscriberId: number, now: string, limit: number): Promise<FeedRow[]> {
  const rows = await db
    .selectFrom('deliveries')
    .innerJoin('digests', 'digests.id', 'deliveries.digest_id')
    .leftJoin('editions', 'editions.id', 'deliveries.edition_id')
    .select([
      'deliveries.digest_id',
      'digests.date',
      'digests.subject as digest_subject',
      'editions.subject as edition_subject',
      'deliveries.edition_id',
      'deliveries.sent_at',
      'deliveries.due_at',
      'deliveries.updated_at',
    ])
    .where('deliveries.subscriber_id', '=', subscriberId)
    .where('deliveries.status', 'in', IN_FEED)
    .where((eb) => eb.or([eb('deliveries.due_at', 'is', null), eb('deliveries.due_at', '<=', now)]))
    .orderBy('digests.date', 'desc')
    .orderBy('deliveries.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    digestId: r.digest_id,
    date: r.date,
    subject: r.edition_subject ?? r.digest_subject,
    editionId: r.edition_id,
    sentAt: r.sent_at,
    dueAt: r.due_at,
    updatedAt: r.updated_at,
  }));
}

/** A paper as a feed entry lists it: what the email's card leads with. */
export interface FeedPaper {
  id: string;
  title: string;
  authors: string[];
  /** The reader's why line, as their email had it (null: none). */
  why: string | null;
}

/** Rows of papers grouped by the list (edition or digest) they belong to, in the rows' order. */
function byList(
  rows: readonly { list: number; id: string; title: string; authors: string; why: string | null }[],
): Map<number, FeedPaper[]> {
  const out = new Map<number, FeedPaper[]>();
  for (const r of rows) {
    const list = out.get(r.list) ?? [];
    list.push({ id: r.id, title: r.title, authors: JSON.parse(r.authors) as string[], why: r.why });
    out.set(r.list, list);
  }
  return out;
}

/** The papers of editions, in order (edition_papers: each with its why line). */
export async function editionFeedPapers(db: Db, editionIds: readonly number[]): Promise<Map<number, FeedPaper[]>> {
  if (editionIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('edition_papers')
    .innerJoin('papers', 'papers.id', 'edition_papers.paper_id')
    .select(['edition_papers.edition_id as list', 'papers.id', 'papers.title', 'papers.authors', 'edition_papers.why'])
    .where('edition_papers.edition_id', 'in', editionIds)
    .orderBy('edition_papers.edition_id')
    .orderBy('edition_papers.position')
    .execute();
  return byList(rows);
}

/** The papers of digests, in order: what readers of rows from before editions got (no why lines). */
export async function digestFeedPapers(db: Db, digestIds: readonly number[]): Promise<Map<number, FeedPaper[]>> {
  if (digestIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('digest_papers')
    .innerJoin('papers', 'papers.id', 'digest_papers.paper_id')
    .select([
      'digest_papers.digest_id as list',
      'papers.id',
      'papers.title',
      'papers.authors',
      sql<string | null>`cast(null as text)`.as('why'),
    ])
    .where('digest_papers.digest_id', 'in', digestIds)
    .orderBy('digest_papers.digest_id')
    .orderBy('digest_papers.position')
    .execute();
  return byList(rows);
}
