import { XMLBuilder } from 'fast-xml-parser';
import type { Paper } from '../domain.js';
import type { ReaderFeedEntry } from '../pipeline/reader-feed.js';
import { escapeHtml } from '../render/helpers.js';
import { xmlChars } from '../text.js';

export interface FeedDigest {
  date: string;
  subject: string;
  updated: string;
  papers: readonly Paper[];
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  suppressEmptyNode: true,
  processEntities: true,
});

/** A paper of a feed entry's HTML: its title linked to its page, and its first three authors. */
function paperItem(p: Pick<Paper, 'id' | 'title' | 'authors'>): string {
  return (
    `<a href="${escapeHtml(`https://huggingface.co/papers/${p.id}`)}">${escapeHtml(p.title)}</a>` +
    `${p.authors.length ? ` — ${escapeHtml(p.authors.slice(0, 3).join(', '))}${p.authors.length > 3 ? ' et al.' : ''}` : ''}`
  );
}

interface AtomHead {
  id: string;
  title: string;
  subtitle: string;
  updated: string;
  selfUrl: string;
  alternateUrl: string;
  author: string;
}

/**
 * An Atom document (RFC 4287): the feed's head and its entries, without the characters XML 1.0
 * forbids — one of them (U+FFFF in a title) would make the whole feed not well-formed.
 */
function atomDocument(head: AtomHead, entries: readonly object[]): string {
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
    feed: {
      '@_xmlns': 'http://www.w3.org/2005/Atom',
      id: head.id,
      title: head.title,
      subtitle: head.subtitle,
      updated: head.updated,
      link: [
        { '@_rel': 'self', '@_type': 'application/atom+xml', '@_href': head.selfUrl },
        { '@_rel': 'alternate', '@_type': 'text/html', '@_href': head.alternateUrl },
      ],
      author: { name: head.author },
      generator: 'paperboy',
      entry: entries,
    },
  };
  return xmlChars(builder.build(doc) as string);
}

/**
 * The Atom feed of the public digests, newest first: absolute links, one entry per digest with its
 * papers as HTML content. Pure.
 */
export function atomFeed(opts: { baseUrl: string; listName: string; digests: readonly FeedDigest[] }): string {
  const { baseUrl, listName, digests } = opts;
  const entries = digests.map((d) => {
    const url = `${baseUrl}/digests/${d.date}`;
    const list = d.papers.map((p) => `<li>${paperItem(p)}</li>`).join('');
    return {
      id: url,
      title: d.subject,
      updated: d.updated,
      link: { '@_rel': 'alternate', '@_type': 'text/html', '@_href': url },
      summary: `${d.papers.length} papers: ${d.papers.map((p) => p.title).join(' · ')}`.slice(0, 1000),
      content: { '@_type': 'html', '#text': `<ol>${list}</ol>` },
    };
  });
  return atomDocument(
    {
      id: `${baseUrl}/feed.xml`,
      title: listName,
      subtitle: "The day's top research papers",
      updated: digests[0]?.updated ?? new Date(0).toISOString(),
      selfUrl: `${baseUrl}/feed.xml`,
      alternateUrl: `${baseUrl}/digests`,
      author: listName,
    },
    entries,
  );
}

/**
 * One reader's private feed (`/feed/TOKEN`), newest first: an entry per edition they had, its id a
 * tag URI of the reader and the date (the same under a new feed link), linked to their edition on
 * the web, its content their papers in order with their why lines and vote links, as their email
 * had them. Pure.
 */
export function readerAtomFeed(opts: {
  baseUrl: string;
  listName: string;
  readerId: number;
  selfUrl: string;
  updated: string | null;
  entries: readonly ReaderFeedEntry[];
}): string {
  const { baseUrl, listName, readerId, entries } = opts;
  const host = new URL(baseUrl).hostname;
  const items = entries.map((e) => {
    const list = e.papers
      .map(
        (p) =>
          `<li>${paperItem(p)}` +
          (p.why ? `<br><em>${escapeHtml(p.why)}</em>` : '') +
          (p.votes
            ? `<br><a href="${escapeHtml(p.votes.up)}">More like this</a> · <a href="${escapeHtml(p.votes.down)}">Less like this</a>`
            : '') +
          '</li>',
      )
      .join('');
    return {
      id: `tag:${host},${e.date}:reader/${readerId}`,
      title: e.subject,
      updated: e.updated,
      link: { '@_rel': 'alternate', '@_type': 'text/html', '@_href': e.webUrl },
      content: { '@_type': 'html', '#text': `<ol>${list}</ol>` },
    };
  });
  return atomDocument(
    {
      id: `tag:${host},2026:reader/${readerId}`,
      title: `${listName}: your papers`,
      subtitle: 'Your own digest: your papers, why they were chosen, and your votes',
      updated: opts.updated ?? new Date(0).toISOString(),
      selfUrl: opts.selfUrl,
      alternateUrl: entries[0]?.webUrl ?? `${baseUrl}/digests`,
      author: listName,
    },
    items,
  );
}
