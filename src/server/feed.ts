import { XMLBuilder } from 'fast-xml-parser';
import type { Paper } from '../domain.js';
import type { FeedPaper, ReaderFeedEntry } from '../pipeline/reader-feed.js';
import { escapeHtml } from '../render/helpers.js';
import { type MessageSettings, voteUrl } from '../send/message.js';
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

const paperUrl = (id: string) => `https://huggingface.co/papers/${id}`;

/** ` — A, B, C et al.`: a paper's first three authors, after its title (empty without authors). */
function authorsLine(authors: readonly string[]): string {
  return authors.length ? ` — ${authors.slice(0, 3).join(', ')}${authors.length > 3 ? ' et al.' : ''}` : '';
}

/** A paper of a feed entry's HTML: its title linked to its page, and its first three authors. */
function paperItem(p: Pick<Paper, 'id' | 'title' | 'authors'>): string {
  return `<a href="${escapeHtml(paperUrl(p.id))}">${escapeHtml(p.title)}</a>${escapeHtml(authorsLine(p.authors))}`;
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

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
/**
 * A character that escaping changes or that XML 1.0 forbids (surrogates are checked by xmlChars):
 * most strings of a feed hold none, and are used as they are.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding the characters XML forbids is the point
const UNSAFE = /[&<>"'`=\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/;

/** Text or an attribute value in XML: escaped, and without the characters XML 1.0 forbids. */
function xml(s: string): string {
  return UNSAFE.test(s) ? xmlChars(s).replace(/[&<>"]/g, (c) => XML_ESCAPES[c] ?? c) : s;
}

/** A string in the HTML of an entry's content: HTML-escaped, without the characters XML 1.0 forbids. */
function html(s: string): string {
  return UNSAFE.test(s) ? escapeHtml(xmlChars(s)) : s;
}

/** Where an entry's content template takes the reader's vote token (a character no string keeps). */
const TOKEN = '\u0001';

/**
 * The HTML of an entry's papers, the same for every reader of the edition but for their vote token:
 * the pieces around its places as UTF-8 (the feed is those bytes with the token's between them, no
 * string made and encoded per request). Each paper's title linked, its first authors, its why line
 * and, when the emails had them, its vote links (the email's URLs). Pure.
 */
export function listTemplate(
  papers: readonly FeedPaper[],
  votes: boolean,
  s: Pick<MessageSettings, 'baseUrl'>,
): readonly Buffer[] {
  const vote = (id: string, dir: 'up' | 'down') =>
    voteUrl(s, TOKEN, id, dir)
      .split(TOKEN)
      .map((part) => html(part))
      .join(TOKEN);
  let list = '<ol>';
  for (const p of papers) {
    list += `<li><a href="${html(paperUrl(p.id))}">${html(p.title)}</a>${html(authorsLine(p.authors))}`;
    if (p.why) list += `<br><em>${html(p.why)}</em>`;
    if (votes) {
      list += `<br><a href="${vote(p.id, 'up')}">More like this</a> · <a href="${vote(p.id, 'down')}">Less like this</a>`;
    }
    list += '</li>';
  }
  return `${list}</ol>`.split(TOKEN).map((piece) => Buffer.from(piece, 'utf8'));
}

/** An entry of a reader's feed, its content as a template (listTemplate) for its vote token. */
export type ReaderAtomEntry = Pick<ReaderFeedEntry, 'date' | 'subject' | 'updated' | 'webUrl' | 'voteToken'> & {
  template: readonly Buffer[];
};

/**
 * One reader's private feed (`/feed/TOKEN`), newest first: an entry per edition they had, its id a
 * tag URI of the reader and the date (the same under a new feed link), linked to their edition on
 * the web, its content their papers in order with their why lines and vote links, as their email
 * had them. Written as bytes, not through XMLBuilder: a month of entries is about 150 KB, which
 * the builder takes several milliseconds to format (issue 22's budget is 5 ms for the whole answer);
 * the entries' contents are their editions' bytes (listTemplate) with the reader's token. Pure.
 */
export function readerAtomFeed(opts: {
  baseUrl: string;
  listName: string;
  readerId: number;
  selfUrl: string;
  updated: string | null;
  entries: readonly ReaderAtomEntry[];
}): Buffer {
  const { baseUrl, listName, readerId, entries } = opts;
  const host = new URL(baseUrl).hostname;
  const out: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n',
    `  <id>tag:${xml(host)},2026:reader/${readerId}</id>\n`,
    `  <title>${xml(`${listName}: your papers`)}</title>\n`,
    '  <subtitle>Your own digest: your papers, why they were chosen, and your votes</subtitle>\n',
    `  <updated>${xml(opts.updated ?? new Date(0).toISOString())}</updated>\n`,
    `  <link rel="self" type="application/atom+xml" href="${xml(opts.selfUrl)}"/>\n`,
    `  <link rel="alternate" type="text/html" href="${xml(entries[0]?.webUrl ?? `${baseUrl}/digests`)}"/>\n`,
    `  <author><name>${xml(listName)}</name></author>\n  <generator>paperboy</generator>\n`,
  ];
  const bytes: Buffer[] = [];
  for (const e of entries) {
    // The content is HTML, in a CDATA section: no second escape of its markup, a quarter fewer
    // bytes. It cannot hold `]]>`: every `>` of the papers' own strings is escaped as `&gt;`.
    out.push(
      '  <entry>\n',
      `    <id>tag:${xml(host)},${xml(e.date)}:reader/${readerId}</id>\n`,
      `    <title>${xml(e.subject)}</title>\n`,
      `    <updated>${xml(e.updated)}</updated>\n`,
      `    <link rel="alternate" type="text/html" href="${xml(e.webUrl)}"/>\n`,
      '    <content type="html"><![CDATA[',
    );
    bytes.push(Buffer.from(out.join(''), 'utf8'));
    out.length = 0;
    const token = Buffer.from(html(e.voteToken), 'utf8');
    e.template.forEach((piece, i) => {
      if (i > 0) bytes.push(token);
      bytes.push(piece);
    });
    out.push(']]></content>\n  </entry>\n');
  }
  out.push('</feed>\n');
  bytes.push(Buffer.from(out.join(''), 'utf8'));
  return Buffer.concat(bytes);
}
