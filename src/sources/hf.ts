import type { IsoDate } from '../domain.js';
import { parseHfItems } from './hf-items.js';
import { type FetchPolicy, fetchJson } from './http.js';
import type { PaperSource, SourceResult } from './source.js';

/** The Hugging Face daily papers API: `GET {apiUrl}?date=YYYY-MM-DD`. */
export function hfSource(apiUrl: string, policy: FetchPolicy): PaperSource {
  const name = `Hugging Face daily papers (${apiUrl})`;
  return {
    name,
    async fetchPapers(date: IsoDate): Promise<SourceResult> {
      const url = new URL(apiUrl);
      url.searchParams.set('date', date);
      return { ...parseHfItems(await fetchJson(url.toString(), name, policy)), failures: [] };
    },
  };
}
