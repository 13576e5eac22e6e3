import type { Paper } from '../domain.js';
import { storable } from '../text.js';
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

/** Stores the papers a source answered; a paper seen again is updated (upvotes change during the day). */
export async function upsertPapers(db: Db, papers: readonly Paper[]): Promise<void> {
  if (papers.length === 0) return;
  const now = nowIso();
  await db.transaction().execute(async (trx) => {
    for (const p of papers) {
      const row = toRow(p, now);
      const { id: _id, ...rest } = row;
      await trx
        .insertInto('papers')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet(rest))
        .execute();
    }
  });
}

/** Ids, among `ids`, of papers that went out in a digest of another date. */
export async function papersInOtherDigests(db: Db, ids: readonly string[], date: string): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('digest_papers')
    .innerJoin('digests', 'digests.id', 'digest_papers.digest_id')
    .select('digest_papers.paper_id')
    .where('digests.date', '!=', date)
    .where('digest_papers.paper_id', 'in', ids)
    .execute();
  return new Set(rows.map((r) => r.paper_id));
}
