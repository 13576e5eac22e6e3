import type { Paper } from '../domain.js';
import { storable } from '../text.js';
import { chunked } from './chunks.js';
import { type Db, nowIso } from './db.js';
import type { PapersTable } from './schema.js';

function toRow(p: Paper, now: string): PapersTable {
  return {
    id: p.id,
    title: storable(p.title),
    summary: storable(p.summary),
    authors: JSON.stringify(p.authors),
    upvotes: p.upvotes,
    published_at: storable(p.publishedAt),
    github_repo: storable(p.githubRepo),
    ai_summary: storable(p.aiSummary),
    ai_keywords: JSON.stringify(p.aiKeywords),
    num_comments: p.numComments,
    thumbnail: storable(p.thumbnail),
    categories: JSON.stringify(p.categories),
    updated_at: now,
  };
}

export function fromPaperRow(r: PapersTable): Paper {
  return {
    id: r.id,
    title: r.title,
    summary: r.summary,
    authors: JSON.parse(r.authors) as string[],
    upvotes: r.upvotes,
    publishedAt: r.published_at,
    githubRepo: r.github_repo,
    aiSummary: r.ai_summary,
    aiKeywords: JSON.parse(r.ai_keywords) as string[],
    numComments: r.num_comments,
    thumbnail: r.thumbnail,
    categories: JSON.parse(r.categories) as string[],
  };
}

/** Every column but the id: what a paper seen again updates. */
const UPDATED = [
  'title',
  'summary',
  'authors',
  'upvotes',
  'published_at',
  'github_repo',
  'ai_summary',
  'ai_keywords',
  'num_comments',
  'thumbnail',
  'categories',
  'updated_at',
] as const satisfies readonly (keyof PapersTable)[];

/** Stores the papers a source answered; a paper seen again is updated (upvotes change during the day). */
export async function upsertPapers(db: Db, papers: readonly Paper[]): Promise<void> {
  if (papers.length === 0) return;
  const now = nowIso();
  // A source may repeat an id; one statement must not name a row twice (PostgreSQL refuses it).
  const rows = [...new Map(papers.map((p) => [p.id, toRow(p, now)])).values()];
  await db.transaction().execute(async (trx) => {
    // 100 rows of 13 values a statement: far from either store's limit on bound values.
    for (const part of chunked(rows, 100)) {
      await trx
        .insertInto('papers')
        .values(part)
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => Object.fromEntries(UPDATED.map((c) => [c, eb.ref(`excluded.${c}`)]))),
        )
        .execute();
    }
  });
}

/** The arXiv categories stored for those of `ids` that have some (looked up once, kept with the paper). */
export async function storedCategories(db: Db, ids: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const part of chunked(ids)) {
    const rows = await db
      .selectFrom('papers')
      .select(['id', 'categories'])
      .where('id', 'in', part)
      .where('categories', '!=', '[]')
      .execute();
    for (const r of rows) out.set(r.id, JSON.parse(r.categories) as string[]);
  }
  return out;
}

/** The `limit` papers the store heard of most recently: what a reader's features are learned from. */
export async function recentPapers(db: Db, limit: number): Promise<Paper[]> {
  const rows = await db
    .selectFrom('papers')
    .selectAll()
    .orderBy('updated_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(fromPaperRow);
}

/** Ids, among `ids`, of papers that went out in a digest of another date. */
export async function papersInOtherDigests(db: Db, ids: readonly string[], date: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunked(ids)) {
    const rows = await db
      .selectFrom('digest_papers')
      .innerJoin('digests', 'digests.id', 'digest_papers.digest_id')
      .select('digest_papers.paper_id')
      .where('digests.date', '!=', date)
      .where('digest_papers.paper_id', 'in', part)
      .execute();
    for (const r of rows) out.add(r.paper_id);
  }
  return out;
}
