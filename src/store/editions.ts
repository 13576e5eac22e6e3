import type { EditionSummary, Paper } from '../domain.js';
import { chunked } from './chunks.js';
import { type Db, nowIso } from './db.js';
import { fromPaperRow } from './papers.js';

export type { EditionSummary } from '../domain.js';

/** Records the day's pool: every paper the sources answered for the digest's date. */
export async function insertCandidates(db: Db, digestId: number, paperIds: readonly string[]): Promise<void> {
  for (const part of chunked(paperIds)) {
    await db
      .insertInto('digest_candidates')
      .values(part.map((paper_id) => ({ digest_id: digestId, paper_id })))
      .onConflict((oc) => oc.columns(['digest_id', 'paper_id']).doNothing())
      .execute();
  }
}

/** The pools of the digests of `dates`, each paper with the day it was listed on (its latest). */
export async function candidatePool(db: Db, dates: readonly string[]): Promise<{ paper: Paper; day: string }[]> {
  if (dates.length === 0) return [];
  const rows = await db
    .selectFrom('digest_candidates')
    .innerJoin('digests', 'digests.id', 'digest_candidates.digest_id')
    .innerJoin('papers', 'papers.id', 'digest_candidates.paper_id')
    .selectAll('papers')
    .select('digests.date as day')
    .where('digests.date', 'in', dates)
    .orderBy('digests.date')
    .execute();
  const byId = new Map<string, { paper: Paper; day: string }>();
  for (const { day, ...r } of rows) byId.set(r.id, { paper: fromPaperRow(r), day });
  return [...byId.values()];
}

/** For each subscriber, which of `paperIds` already went to them (sent, in flight, or into their feed: feed only). */
export async function deliveredPapers(
  db: Db,
  subscriberIds: readonly number[],
  paperIds: readonly string[],
): Promise<Map<number, Set<string>>> {
  const out = new Map<number, Set<string>>();
  if (subscriberIds.length === 0 || paperIds.length === 0) return out;
  for (const readers of chunked(subscriberIds)) {
    for (const papers of chunked(paperIds)) {
      const rows = await db
        .selectFrom('deliveries')
        .innerJoin('edition_papers', 'edition_papers.edition_id', 'deliveries.edition_id')
        .select(['deliveries.subscriber_id', 'edition_papers.paper_id'])
        .where('deliveries.subscriber_id', 'in', readers)
        .where('deliveries.status', 'in', ['sent', 'sending', 'feed'])
        .where('edition_papers.paper_id', 'in', papers)
        .execute();
      for (const r of rows) {
        const set = out.get(r.subscriber_id) ?? new Set<string>();
        set.add(r.paper_id);
        out.set(r.subscriber_id, set);
      }
    }
  }
  return out;
}

export interface NewEdition {
  digestId: number;
  key: string;
  topics: readonly string[];
  frequency: string;
  subject: string;
  html: string;
  text: string;
  /** Set for an edition assembled from the digest's parts (html and text then empty). */
  recipe?: string | null;
  papers: readonly { id: string; matched: readonly string[]; why?: string | null }[];
}

export async function findEditionId(db: Db, digestId: number, key: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('editions')
    .select('id')
    .where('digest_id', '=', digestId)
    .where('key', '=', key)
    .executeTakeFirst();
  return row?.id;
}

/** Stores an edition with its papers; the (digest, key) pair is unique, so a race keeps the first. */
export async function insertEdition(db: Db, e: NewEdition): Promise<number> {
  const inserted = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('editions')
      .values({
        digest_id: e.digestId,
        key: e.key,
        topics: JSON.stringify(e.topics),
        frequency: e.frequency,
        subject: e.subject,
        html: e.html,
        text: e.text,
        recipe: e.recipe ?? null,
        created_at: nowIso(),
      })
      .onConflict((oc) => oc.columns(['digest_id', 'key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) return undefined;
    await trx
      .insertInto('edition_papers')
      .values(
        e.papers.map((p, position) => ({
          edition_id: row.id,
          paper_id: p.id,
          position,
          matched: JSON.stringify(p.matched),
          why: p.why ?? null,
        })),
      )
      .execute();
    return row.id;
  });
  if (inserted !== undefined) return inserted;
  const id = await findEditionId(db, e.digestId, e.key);
  if (id === undefined) throw new Error(`edition ${e.key} vanished after insert`);
  return id;
}

export interface StoredEdition {
  digestId: number;
  subject: string;
  html: string;
  text: string;
  /** Null for an edition stored compiled; else how to assemble it, with its papers in order. */
  recipe: string | null;
  papers: { paperId: string; why: string | null }[];
}

/** An edition as stored: compiled, or its recipe and papers (the parts are read with editionParts). */
export async function storedEdition(db: Db, id: number): Promise<StoredEdition | undefined> {
  const e = await db
    .selectFrom('editions')
    .select(['digest_id', 'subject', 'html', 'text', 'recipe'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!e) return undefined;
  const papers =
    e.recipe === null
      ? []
      : await db
          .selectFrom('edition_papers')
          .select(['paper_id', 'why'])
          .where('edition_id', '=', id)
          .orderBy('position')
          .execute();
  return {
    digestId: e.digest_id,
    subject: e.subject,
    html: e.html,
    text: e.text,
    recipe: e.recipe,
    papers: papers.map((p) => ({ paperId: p.paper_id, why: p.why })),
  };
}

export interface EditionPart {
  kind: 'card' | 'skeleton';
  key: string;
  html: string;
  text: string;
}

/** Stores a digest's rendered parts; a part already there (another planner's) is kept. */
export async function addEditionParts(db: Db, digestId: number, parts: readonly EditionPart[]): Promise<void> {
  for (const part of chunked(parts, 100)) {
    await db
      .insertInto('edition_parts')
      .values(part.map((p) => ({ digest_id: digestId, kind: p.kind, key: p.key, html: p.html, text: p.text })))
      .onConflict((oc) => oc.columns(['digest_id', 'kind', 'key']).doNothing())
      .execute();
  }
}

/** The named parts of a digest (those missing are left out). */
export async function editionParts(
  db: Db,
  digestId: number,
  kind: EditionPart['kind'],
  keys: readonly string[],
): Promise<EditionPart[]> {
  const out: EditionPart[] = [];
  for (const part of chunked(keys)) {
    const rows = await db
      .selectFrom('edition_parts')
      .select(['kind', 'key', 'html', 'text'])
      .where('digest_id', '=', digestId)
      .where('kind', '=', kind)
      .where('key', 'in', part)
      .execute();
    for (const r of rows) out.push({ kind: r.kind as EditionPart['kind'], key: r.key, html: r.html, text: r.text });
  }
  return out;
}

/**
 * The shared editions of a digest for digest.json: papers, size, and how many readers each went to.
 * Readers' own (assembled) editions are one per reader and counted by personalEditionCounts.
 */
export async function editionsOf(db: Db, digestId: number): Promise<EditionSummary[]> {
  const editions = await db
    .selectFrom('editions')
    .select(['id', 'topics', 'frequency', 'subject', 'html'])
    .where('digest_id', '=', digestId)
    .where('recipe', 'is', null)
    .orderBy('id')
    .execute();
  const out: EditionSummary[] = [];
  for (const e of editions) {
    const papers = await db
      .selectFrom('edition_papers')
      .select(['paper_id', 'matched'])
      .where('edition_id', '=', e.id)
      .orderBy('position')
      .execute();
    const count = await db
      .selectFrom('deliveries')
      .select(db.fn.countAll<number>().as('n'))
      .where('edition_id', '=', e.id)
      .executeTakeFirst();
    out.push({
      id: e.id,
      topics: JSON.parse(e.topics) as string[],
      frequency: e.frequency,
      subject: e.subject,
      htmlBytes: Buffer.byteLength(e.html),
      papers: papers.map((p) => ({ id: p.paper_id, matched: JSON.parse(p.matched) as string[] })),
      subscribers: Number(count?.n ?? 0),
    });
  }
  return out;
}

/** How many editions of a digest were its readers' own (assembled, from their votes), and for how many readers. */
export async function personalEditionCounts(db: Db, digestId: number): Promise<{ editions: number; readers: number }> {
  const e = await db
    .selectFrom('editions')
    .select(db.fn.countAll<number>().as('n'))
    .where('digest_id', '=', digestId)
    .where('recipe', 'is not', null)
    .executeTakeFirst();
  const r = await db
    .selectFrom('deliveries')
    .innerJoin('editions', 'editions.id', 'deliveries.edition_id')
    .select(db.fn.countAll<number>().as('n'))
    .where('deliveries.digest_id', '=', digestId)
    .where('editions.recipe', 'is not', null)
    .executeTakeFirst();
  return { editions: Number(e?.n ?? 0), readers: Number(r?.n ?? 0) };
}
