import { setTimeout as sleep } from 'node:timers/promises';
import { addDays, format, parseISO } from 'date-fns';
import type { IsoDate, Paper } from '../domain.js';
import { type FetchPolicy, fetchText } from './http.js';
import type { PaperSource, SkippedItem, SourceResult } from './source.js';

export interface ArxivQuery {
  /** arXiv categories such as cs.LG (any of them matches). */
  categories: string[];
  /** A raw arXiv `search_query` (e.g. `abs:"sparse attention"`), instead of or with categories. */
  query: string | null;
}

export interface ArxivOptions {
  apiUrl: string;
  policy: FetchPolicy;
  /** Stop after this many entries. */
  maxResults: number;
  pageSize?: number;
  /** arXiv asks for at most one request every 3 seconds; tests pass less. */
  intervalMs?: number;
}

/** The arXiv `search_query` for the papers submitted in the two days before `date` (UTC). */
export function arxivSearchQuery(q: ArxivQuery, date: IsoDate): string {
  const from = format(addDays(parseISO(date), -2), 'yyyyMMdd');
  const to = format(addDays(parseISO(date), -1), 'yyyyMMdd');
  const parts = [
    q.categories.length ? `(${q.categories.map((c) => `cat:${c}`).join(' OR ')})` : null,
    q.query ? `(${q.query})` : null,
  ].filter(Boolean);
  return `${parts.join(' AND ')} AND submittedDate:[${from}0000 TO ${to}2359]`;
}

/** When each arXiv API (by URL origin) may be asked next: one clock for the source and the category lookup. */
const nextAllowed = new Map<string, number>();

/**
 * `policy` with arXiv's rate rule: `interval` ms from the end of one answer to the next request to
 * the same API, whichever part of paperboy asks (the arXiv source, the category lookup).
 */
export function arxivPolicy(policy: FetchPolicy, interval: number, apiUrl: string): FetchPolicy {
  const origin = new URL(apiUrl).origin;
  return {
    ...policy,
    beforeRequest: async () => {
      const wait = (nextAllowed.get(origin) ?? 0) - Date.now();
      if (wait > 0) await sleep(wait);
    },
    afterRequest: () => {
      nextAllowed.set(origin, Date.now() + interval);
    },
  };
}

/**
 * The arXiv API (Atom), by categories or query: the papers submitted in the two days before the
 * digest date, newest first, in pages, one request per 3 seconds at most, with retries on 429/503.
 */
export function arxivSource(q: ArxivQuery, opts: ArxivOptions): PaperSource {
  const name = `arXiv ${[...q.categories, ...(q.query ? [q.query] : [])].join(', ')} (${opts.apiUrl})`;
  const pageSize = opts.pageSize ?? 100;
  const policy = arxivPolicy(opts.policy, opts.intervalMs ?? 3000, opts.apiUrl);
  return {
    name,
    async fetchPapers(date: IsoDate): Promise<SourceResult> {
      const papers: Paper[] = [];
      const skipped: SkippedItem[] = [];
      // The XML parser is loaded by the first arXiv fetch, not by every command that creates the source.
      const { parseArxivFeed } = await import('./arxiv-feed.js');
      for (let start = 0; start < opts.maxResults; start += pageSize) {
        const url = new URL(opts.apiUrl);
        url.searchParams.set('search_query', arxivSearchQuery(q, date));
        url.searchParams.set('sortBy', 'submittedDate');
        url.searchParams.set('sortOrder', 'descending');
        url.searchParams.set('start', String(start));
        url.searchParams.set('max_results', String(Math.min(pageSize, opts.maxResults - start)));
        const page = parseArxivFeed(await fetchText(url.toString(), name, policy, 'application/atom+xml'), start);
        papers.push(...page.papers);
        skipped.push(...page.skipped);
        if (page.entries < pageSize || start + page.entries >= page.total) break;
      }
      return { papers, skipped, failures: [] };
    },
  };
}
