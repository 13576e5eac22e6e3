import { arxivPolicy } from './arxiv.js';
import { isArxivId } from './arxiv-id.js';
import { type FetchPolicy, fetchText } from './http.js';

/** Ids the arXiv API takes in one `id_list` request (its page size). */
export const IDS_PER_REQUEST = 100;

export interface CategoryLookup {
  /**
   * The arXiv categories of `ids` (primary first), one `id_list` request per 100 ids, at most one
   * request every interval. Ids arXiv does not know are missing from `found`; when a request
   * fails, what the requests before it found is kept and `error` says why the rest is missing.
   */
  categoriesOf(ids: readonly string[]): Promise<{ found: Map<string, string[]>; error: string | null }>;
}

/** Looks up papers' categories on the arXiv API: what the Hugging Face source does not give. */
export function arxivCategoryLookup(opts: { apiUrl: string; policy: FetchPolicy; intervalMs: number }): CategoryLookup {
  const policy = arxivPolicy(opts.policy, opts.intervalMs, opts.apiUrl);
  return {
    async categoriesOf(ids) {
      const found = new Map<string, string[]>();
      // The XML parser is loaded by the first lookup, not by every command that creates the context.
      const { parseArxivFeed } = await import('./arxiv-feed.js');
      const wanted = [...new Set(ids.filter(isArxivId))];
      for (let i = 0; i < wanted.length; i += IDS_PER_REQUEST) {
        const part = wanted.slice(i, i + IDS_PER_REQUEST);
        const url = new URL(opts.apiUrl);
        url.searchParams.set('id_list', part.join(','));
        url.searchParams.set('max_results', String(part.length));
        try {
          const xml = await fetchText(url.toString(), `arXiv (${opts.apiUrl})`, policy, 'application/atom+xml');
          for (const p of parseArxivFeed(xml, i).papers) if (p.categories.length > 0) found.set(p.id, p.categories);
        } catch (err) {
          // The message alone: the hint of a source's error (PAPERBOY_SOURCE) does not fit a lookup.
          return { found, error: err instanceof Error ? err.message : String(err) };
        }
      }
      return { found, error: null };
    },
  };
}
