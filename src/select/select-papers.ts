import type { Paper } from '../domain.js';

/** Most upvoted first, then the most recent, then by id so that equal papers keep one order. */
export function comparePapers(a: Paper, b: Paper): number {
  return b.upvotes - a.upvotes || b.publishedAt.localeCompare(a.publishedAt) || a.id.localeCompare(b.id);
}

/** The day's digest: the top `limit` papers, leaving out those that already went out. */
export function selectPapers(papers: readonly Paper[], alreadySent: ReadonlySet<string>, limit: number): Paper[] {
  return papers
    .filter((p) => !alreadySent.has(p.id))
    .sort(comparePapers)
    .slice(0, limit);
}
