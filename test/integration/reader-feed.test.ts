import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { readerFeed } from '../../src/pipeline/reader-feed.js';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { createApp } from '../../src/server/app.js';
import { findSubscriberByEmail, upsertSubscriber } from '../../src/store/subscribers.js';
import { signFeedToken, signToken, signVoteToken } from '../../src/subscribers/tokens.js';
import { listen } from '../helpers/http-server.js';
import { type SmtpSink, startSmtpSink, textTitles } from '../helpers/smtp-sink.js';
import { hfItem, sourceFile, startTestApp, TEST_SECRET, type TestApp } from '../helpers/test-app.js';

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
afterEach(async () => {
  await http?.close();
  await app?.close();
  await sink?.close();
  app = sink = http = undefined;
});

const BASE = 'https://papers.example.org';
const HOSTILE = 'Graph </title><script>alert(1)</script> & \uffff "nets"';
const TITLES = [
  HOSTILE,
  'Message passing on graphs',
  'Audio diffusion models',
  'Graph transformers',
  'Speech synthesis with audio tokens',
  'Graph pooling',
  'Protein folding',
  'Weather forecasting',
];
const POOL = TITLES.map((title, i) =>
  hfItem(`2511.${String(i + 1).padStart(5, '0')}`, title, 100 - i * 5, {
    ai_keywords: [/graph/i.test(title) ? 'graph' : (title.split(' ')[0]?.toLowerCase() ?? '')],
  }),
);

async function start(): Promise<{ app: TestApp; sink: SmtpSink; url: string }> {
  sink = await startSmtpSink();
  const smtp = sink.url;
  app = await startTestApp((dir) => ({
    PAPERBOY_SMTP_URL: smtp,
    PAPERBOY_SOURCE: sourceFile(dir, POOL),
    PAPERBOY_PAPERS_PER_DIGEST: '2',
  }));
  http = await listen(createApp(app.ctx, { nextRun: () => null }));
  return { app, sink, url: http.url };
}

async function idOf(t: TestApp, email: string): Promise<number> {
  return (await findSubscriberByEmail(t.ctx.db, email))?.id ?? 0;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'entry' });

interface FeedPaper {
  title: string;
  href: string;
  why: string | null;
  up: string | null;
  down: string | null;
}

/** An entry's HTML content as a reader sees it: per paper its title, link, why line and vote links. */
function papersOf(content: string): FeedPaper[] {
  const unescape = (s: string) =>
    s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return [...content.matchAll(/<li>(.*?)<\/li>/g)].map((m) => {
    const li = m[1] ?? '';
    const link = /^<a href="([^"]*)">(.*?)<\/a>/.exec(li);
    const vote = (dir: string) => new RegExp(`<a href="([^"]*)">${dir} like this</a>`).exec(li)?.[1] ?? null;
    const why = /<em>(.*?)<\/em>/.exec(li)?.[1];
    return {
      title: unescape(link?.[2] ?? ''),
      href: unescape(link?.[1] ?? ''),
      why: why === undefined ? null : unescape(why),
      up: vote('More') && unescape(vote('More') ?? ''),
      down: vote('Less') && unescape(vote('Less') ?? ''),
    };
  });
}

/** The papers of a sent email as its text part lists them: title, why line and vote links. */
function papersOfMail(text: string | undefined): Omit<FeedPaper, 'href'>[] {
  const blocks = (text ?? '').split(/^ ?\d+\. /m).slice(1);
  return textTitles(text).map((title, i) => {
    const block = blocks[i] ?? '';
    return {
      title,
      why: /^ {4}((?:Because you liked|Matches:) .*)$/m.exec(block)?.[1] ?? null,
      up: /More like this: (\S+)/.exec(block)?.[1] ?? null,
      down: /Less like this: (\S+)/.exec(block)?.[1] ?? null,
    };
  });
}

describe("a reader's private feed", () => {
  it('lists their editions newest first: their papers, why lines and vote links as their emails had them, escaped', async () => {
    const { app, sink, url } = await start();
    await upsertSubscriber(app.ctx.db, { email: 'ada@example.com', name: null, status: 'active', topics: ['graph'] });
    await upsertSubscriber(app.ctx.db, { email: 'bob@example.com', name: null, status: 'active' });
    const ada = await idOf(app, 'ada@example.com');
    await runDigest(app.ctx, { date: '2026-11-27' });
    await runDigest(app.ctx, { date: '2026-11-28' });
    const mails = sink.to('ada@example.com');
    expect(mails.map((m) => m.mail.subject)).toEqual([
      'Daily Papers · 27 Nov 2026 · Graph </title><script>alert(1)</script> & \uffff "nets" + 1 more',
      'Daily Papers · 28 Nov 2026 · Graph transformers + 1 more',
    ]);

    // Every email's footer links to the reader's feed, in both parts.
    const feedUrl = `${BASE}/feed/${signFeedToken(TEST_SECRET, ada, 0)}`;
    for (const m of mails) {
      expect(m.mail.text).toContain(`\nYour private feed (Atom): ${feedUrl}\n`);
      expect(String(m.mail.html)).toContain(`<a href="${feedUrl}" style="color:#52606d;">Your private feed</a>`);
    }

    const res = await fetch(feedUrl.replace(BASE, url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('private, max-age=300');
    const xml = await res.text();
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toContain('\uffff');
    expect(xml).not.toContain('<script>');
    const feed = parser.parse(xml).feed;
    expect(feed.id).toBe(`tag:papers.example.org,2026:reader/${ada}`);
    expect(feed.title).toBe('Daily Papers: your papers');
    expect(feed.link).toEqual([
      { rel: 'self', type: 'application/atom+xml', href: feedUrl },
      { rel: 'alternate', type: 'text/html', href: `${BASE}/v/${signVoteToken(TEST_SECRET, ada, '2026-11-28')}` },
    ]);
    const entries = feed.entry as { id: string; title: string; link: { href: string }; content: { '#text': string } }[];
    expect(entries.map((e) => [e.id, e.title, e.link.href])).toEqual([
      [
        `tag:papers.example.org,2026-11-28:reader/${ada}`,
        'Daily Papers · 28 Nov 2026 · Graph transformers + 1 more',
        `${BASE}/v/${signVoteToken(TEST_SECRET, ada, '2026-11-28')}`,
      ],
      [
        `tag:papers.example.org,2026-11-27:reader/${ada}`,
        // U+FFFF, which XML forbids, is left out.
        'Daily Papers · 27 Nov 2026 · Graph </title><script>alert(1)</script> &  "nets" + 1 more',
        `${BASE}/v/${signVoteToken(TEST_SECRET, ada, '2026-11-27')}`,
      ],
    ]);
    const token = (date: string) => signVoteToken(TEST_SECRET, ada, date);
    expect(entries.map((e) => papersOf(e.content['#text']))).toEqual([
      [
        {
          title: 'Graph transformers',
          href: 'https://huggingface.co/papers/2511.00004',
          why: 'Matches: graph',
          up: `${BASE}/v/${token('2026-11-28')}/2511.00004/up`,
          down: `${BASE}/v/${token('2026-11-28')}/2511.00004/down`,
        },
        {
          title: 'Graph pooling',
          href: 'https://huggingface.co/papers/2511.00006',
          why: 'Matches: graph',
          up: `${BASE}/v/${token('2026-11-28')}/2511.00006/up`,
          down: `${BASE}/v/${token('2026-11-28')}/2511.00006/down`,
        },
      ],
      [
        {
          title: 'Graph </title><script>alert(1)</script> &  "nets"',
          href: 'https://huggingface.co/papers/2511.00001',
          why: 'Matches: graph',
          up: `${BASE}/v/${token('2026-11-27')}/2511.00001/up`,
          down: `${BASE}/v/${token('2026-11-27')}/2511.00001/down`,
        },
        {
          title: 'Message passing on graphs',
          href: 'https://huggingface.co/papers/2511.00002',
          why: 'Matches: graph',
          up: `${BASE}/v/${token('2026-11-27')}/2511.00002/up`,
          down: `${BASE}/v/${token('2026-11-27')}/2511.00002/down`,
        },
      ],
    ]);
    // The same as the emails said, paper for paper.
    expect(entries.map((e) => papersOf(e.content['#text']).map(({ href: _, ...p }) => p))).toEqual(
      [...mails].reverse().map((m) => papersOfMail(m.mail.text?.replace('\uffff', ''))),
    );

    // Bob's feed is his: other papers, no why lines, his own vote links.
    const bob = await idOf(app, 'bob@example.com');
    const bobFeed = parser.parse(await (await fetch(`${url}/feed/${signFeedToken(TEST_SECRET, bob, 0)}`)).text()).feed;
    expect(
      (bobFeed.entry as { content: { '#text': string } }[]).map((e) =>
        papersOf(e.content['#text']).map((p) => [p.title, p.why, p.up]),
      ),
    ).toEqual([
      [
        ['Audio diffusion models', null, `${BASE}/v/${signVoteToken(TEST_SECRET, bob, '2026-11-28')}/2511.00003/up`],
        ['Graph transformers', null, `${BASE}/v/${signVoteToken(TEST_SECRET, bob, '2026-11-28')}/2511.00004/up`],
      ],
      [
        [
          'Graph </title><script>alert(1)</script> &  "nets"',
          null,
          `${BASE}/v/${signVoteToken(TEST_SECRET, bob, '2026-11-27')}/2511.00001/up`,
        ],
        ['Message passing on graphs', null, `${BASE}/v/${signVoteToken(TEST_SECRET, bob, '2026-11-27')}/2511.00002/up`],
      ],
    ]);

    // A test copy is nobody's email: its feed link is the sample one.
    await runDigest(app.ctx, { date: '2026-11-28', to: 'ada@example.com' });
    const copy = sink.to('ada@example.com').at(-1)?.mail;
    expect(copy?.subject).toBe('[Test] Daily Papers · 28 Nov 2026 · Audio diffusion models + 1 more');
    expect(copy?.text).toContain(`\nYour private feed (Atom): ${BASE}/feed/preview\n`);
    const sample = await fetch(`${url}/feed/preview`);
    expect([sample.status, await sample.text()]).toEqual([
      200,
      "This link comes from a test copy or a preview. In a Daily Papers email it is the reader's private feed.",
    ]);
  });
});
