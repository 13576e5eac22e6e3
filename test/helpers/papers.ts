import type { Paper } from '../../src/domain.js';

/** A paper for pure tests: every field filled with a plain value, `over` replacing any of them. */
export function makePaper(over: Partial<Paper> = {}): Paper {
  return {
    id: '2511.00001',
    title: 'A paper',
    summary: 'An abstract.',
    authors: [],
    upvotes: 0,
    publishedAt: '2026-11-27T10:00:00.000Z',
    githubRepo: null,
    aiSummary: null,
    aiKeywords: [],
    numComments: 0,
    thumbnail: null,
    categories: [],
    ...over,
  };
}
