import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Paper } from '../../src/domain.js';
import { parseHfItems } from '../../src/sources/hf-items.js';
import { SAMPLE } from './test-app.js';

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

/** The top `n` sample papers (samples/daily-papers.json), ranked as sampleTopTitles ranks them. */
export function sampleTopPapers(n: number): Paper[] {
  const { papers } = parseHfItems(JSON.parse(readFileSync(SAMPLE, 'utf8')));
  return papers
    .sort((a, b) => b.upvotes - a.upvotes || b.publishedAt.localeCompare(a.publishedAt) || a.id.localeCompare(b.id))
    .slice(0, n);
}

/**
 * The titles of the top 10 sample papers, ranked here independently of the code under test:
 * most upvoted first, then the newer, then the lower id — what a reader without topics gets.
 */
export function sampleTopTitles(): string[] {
  const { papers } = parseHfItems(JSON.parse(readFileSync(SAMPLE, 'utf8')));
  return papers
    .sort((a, b) => b.upvotes - a.upvotes || b.publishedAt.localeCompare(a.publishedAt) || a.id.localeCompare(b.id))
    .slice(0, 10)
    .map((p) => p.title);
}

/** A paper of bench/data/arxiv-2007-sample.jsonl (1,000 real arXiv papers, CC0). */
export type ArxivRow = { id: string; title: string; abstract: string; categories: string[] };

/** The rows of bench/data/arxiv-2007-sample.jsonl, in file order. */
export function arxivSample(): ArxivRow[] {
  return readFileSync(path.resolve(import.meta.dirname, '../../bench/data/arxiv-2007-sample.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ArxivRow);
}

/** A row's arXiv archive: `astro-ph` of `astro-ph.GA`. */
export const archiveOf = (r: ArxivRow): string => (r.categories[0] ?? '').split('.')[0] ?? '';
