import { XMLParser } from 'fast-xml-parser';
import type { Paper } from '../domain.js';
import { PaperboyError } from '../errors.js';
import { readableLatex } from '../latex.js';
import { oneLine } from '../text.js';
import { ABS_URL } from './arxiv-id.js';
import type { SkippedItem } from './source.js';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Entries, authors, links and categories are lists even when the feed has one of them.
  isArray: (name) => ['entry', 'author', 'link', 'category'].includes(name),
  processEntities: true,
  htmlEntities: true,
  parseTagValue: false,
  trimValues: true,
});

type Node = Record<string, unknown>;
const text = (v: unknown): string =>
  typeof v === 'string' ? v : v && typeof v === 'object' && '#text' in v ? String((v as Node)['#text']) : '';

export interface ArxivPage {
  papers: Paper[];
  skipped: SkippedItem[];
  /** `opensearch:totalResults`: how many entries the query has in all. */
  total: number;
  /** Entries on this page, good or not (to know where the next page starts). */
  entries: number;
}

/**
 * One page of the arXiv API's Atom answer. arXiv reports a bad query as a feed with a single entry
 * whose id is `…/api/errors#…`: that becomes an ESOURCE error. A malformed entry is skipped.
 */
export function parseArxivFeed(xml: string, offset = 0): ArxivPage {
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (err) {
    throw new PaperboyError('ESOURCE', `arXiv answered something that is not XML: ${(err as Error).message}`);
  }
  const feed = doc.feed as Node | undefined;
  if (!feed) throw new PaperboyError('ESOURCE', 'arXiv answered XML that is not an Atom feed');
  const entries = (feed.entry as Node[] | undefined) ?? [];
  const first = entries[0];
  if (entries.length === 1 && first && /\/api\/errors/.test(text(first.id))) {
    throw new PaperboyError(
      'ESOURCE',
      `arXiv refused the query: ${oneLine(text(first.summary) || text(first.title))}`,
      {
        hint: 'check the categories or query in PAPERBOY_SOURCE',
      },
    );
  }
  const papers: Paper[] = [];
  const skipped: SkippedItem[] = [];
  entries.forEach((e, i) => {
    const index = offset + i;
    const rawId = text(e.id);
    const id = ABS_URL.exec(rawId)?.[1] ?? null;
    const title = readableLatex(oneLine(text(e.title)));
    const published = text(e.published);
    const reason =
      (!id && `id: not an arXiv abstract URL (${JSON.stringify(rawId.slice(0, 80))})`) ||
      (!title && 'title: missing') ||
      (Number.isNaN(Date.parse(published)) && 'published: not a date-time');
    if (reason || !id) {
      skipped.push({ index, id, reason: reason || 'id: missing' });
      return;
    }
    const authors = ((e.author as Node[] | undefined) ?? []).map((a) => oneLine(text(a.name))).filter(Boolean);
    const categories = ((e.category as Node[] | undefined) ?? []).map((c) => String(c['@_term'] ?? '')).filter(Boolean);
    const primary = String((e['arxiv:primary_category'] as Node | undefined)?.['@_term'] ?? '');
    papers.push({
      id,
      title,
      summary: readableLatex(text(e.summary).trim()),
      authors,
      upvotes: 0,
      publishedAt: new Date(published).toISOString(),
      githubRepo: null,
      aiSummary: null,
      aiKeywords: [],
      numComments: 0,
      thumbnail: null,
      categories: primary ? [primary, ...categories.filter((c) => c !== primary)] : categories,
    });
  });
  const total = Number(text(feed['opensearch:totalResults']));
  return { papers, skipped, total: Number.isFinite(total) ? total : entries.length, entries: entries.length };
}
