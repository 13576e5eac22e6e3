import { XMLBuilder } from 'fast-xml-parser';
import type { Paper } from '../domain.js';
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

/**
 * The Atom feed (RFC 4287) of the public digests, newest first: absolute links, one entry per
 * digest with its papers as HTML content, without the characters XML 1.0 forbids. Pure.
 */
export function atomFeed(opts: { baseUrl: string; listName: string; digests: readonly FeedDigest[] }): string {
  const { baseUrl, listName, digests } = opts;
  const updated = digests[0]?.updated ?? new Date(0).toISOString();
  const entries = digests.map((d) => {
    const url = `${baseUrl}/digests/${d.date}`;
    const list = d.papers
      .map(
        (p) =>
          `<li><a href="${escapeHtml(`https://huggingface.co/papers/${p.id}`)}">${escapeHtml(p.title)}</a>` +
          `${p.authors.length ? ` — ${escapeHtml(p.authors.slice(0, 3).join(', '))}${p.authors.length > 3 ? ' et al.' : ''}` : ''}</li>`,
      )
      .join('');
    return {
      id: url,
      title: d.subject,
      updated: d.updated,
      link: { '@_rel': 'alternate', '@_type': 'text/html', '@_href': url },
      summary: `${d.papers.length} papers: ${d.papers.map((p) => p.title).join(' · ')}`.slice(0, 1000),
      content: { '@_type': 'html', '#text': `<ol>${list}</ol>` },
    };
  });
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
    feed: {
      '@_xmlns': 'http://www.w3.org/2005/Atom',
      id: `${baseUrl}/feed.xml`,
      title: listName,
      subtitle: "The day's top research papers",
      updated,
      link: [
        { '@_rel': 'self', '@_type': 'application/atom+xml', '@_href': `${baseUrl}/feed.xml` },
        { '@_rel': 'alternate', '@_type': 'text/html', '@_href': `${baseUrl}/digests` },
      ],
      author: { name: listName },
      generator: 'paperboy',
      entry: entries,
    },
  };
  // One forbidden character (U+FFFF in a title) would make the whole feed not well-formed.
  return xmlChars(builder.build(doc) as string);
}
