import type { Paper } from '../domain.js';

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

/** Two records of one paper from different sources, as one: each field from the source that has it. */
export function mergePaper(a: Paper, b: Paper): Paper {
  return {
    id: a.id,
    title: a.title || b.title,
    summary: a.summary.length >= b.summary.length ? a.summary : b.summary,
    authors: a.authors.length >= b.authors.length ? a.authors : b.authors,
    // Upvotes and comments exist on Hugging Face only; categories on arXiv only.
    upvotes: Math.max(a.upvotes, b.upvotes),
    numComments: Math.max(a.numComments, b.numComments),
    publishedAt: a.publishedAt.localeCompare(b.publishedAt) <= 0 ? a.publishedAt : b.publishedAt,
    githubRepo: a.githubRepo ?? b.githubRepo,
    aiSummary: a.aiSummary ?? b.aiSummary,
    aiKeywords: union(a.aiKeywords, b.aiKeywords),
    thumbnail: a.thumbnail ?? b.thumbnail,
    categories: a.categories.length ? union(a.categories, b.categories) : b.categories,
  };
}

/**
 * Papers from several sources, one per arXiv id (the ids are already without version), in the
 * order first seen. Pure.
 */
export function mergePapers(lists: readonly (readonly Paper[])[]): Paper[] {
  const byId = new Map<string, Paper>();
  for (const list of lists) {
    for (const p of list) {
      const seen = byId.get(p.id);
      byId.set(p.id, seen ? mergePaper(seen, p) : p);
    }
  }
  return [...byId.values()];
}
