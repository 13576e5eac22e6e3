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
  const unescaped = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  return [...content.matchAll(/<li>(.*?)<\/li>/g)].map((m) => {
    const li = m[1] ?? '';
    const link = /^<a href="([^"]*)">(.*?)<\/a>/.exec(li);
    const vote = (dir: string) => new RegExp(`<a href="([^"]*)">${dir} like this</a>`).exec(li)?.[1] ?? null;
    const why = /<em>(.*?)<\/em>/.exec(li)?.[1];
    return {
      title: unescaped(link?.[2] ?? ''),
      href: unescaped(link?.[1] ?? ''),
      why: why === undefined ? null : unescaped(why),
      up: vote('More') && unescaped(vote('More') ?? ''),
      down: vote('Less') && unescaped(vote('Less') ?? ''),
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

    // The reader's own pages name their feed for feed readers: their web edition, a vote's page.
    const head = `<link rel="alternate" type="application/atom+xml" title="Your private feed" href="${feedUrl}">`;
    const web = await (await fetch(`${url}/v/${token('2026-11-28')}`)).text();
    expect(web).toContain(`${head}\n</head>`);
    const votePage = await (await fetch(`${url}/v/${token('2026-11-28')}/2511.00004/up`)).text();
    expect(votePage).toContain(`<title>More like this</title>\n${head}\n`);
    // Public pages do not.
    for (const path of ['/', '/digests', '/digests/2026-11-28']) {
      expect(await (await fetch(`${url}${path}`)).text()).not.toContain('/feed/');
    }

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

  it('answers a poll with 304 on If-None-Match or If-Modified-Since, and 200 again once a new edition is sent', async () => {
    const { app, url } = await start();
    await upsertSubscriber(app.ctx.db, { email: 'ada@example.com', name: null, status: 'active' });
    const feedUrl = `${url}/feed/${signFeedToken(TEST_SECRET, await idOf(app, 'ada@example.com'), 0)}`;
    await runDigest(app.ctx, { date: '2026-11-27' });
    // Sent a minute ago: a Last-Modified is given for a second that is over (none for the current one).
    const aMinuteAgo = new Date(Date.now() - 60_000).toISOString();
    await app.ctx.db
      .updateTable('deliveries')
      .set({ updated_at: aMinuteAgo, sent_at: aMinuteAgo, due_at: aMinuteAgo })
      .execute();

    const first = await fetch(feedUrl);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag') ?? '';
    const lastModified = first.headers.get('last-modified') ?? '';
    expect(etag).toMatch(/^W\/"[\w-]{27}"$/);
    const sent = await app.ctx.db.selectFrom('deliveries').select('updated_at').executeTakeFirstOrThrow();
    expect(lastModified).toBe(new Date(sent.updated_at).toUTCString());
    expect(parser.parse(await first.text()).feed.entry).toHaveLength(1);

    for (const headers of [{ 'if-none-match': etag }, { 'if-modified-since': lastModified }] as Record<
      string,
      string
    >[]) {
      const again = await fetch(feedUrl, { headers });
      expect([again.status, await again.text()]).toEqual([304, '']);
      expect([again.headers.get('etag'), again.headers.get('cache-control')]).toEqual([etag, 'private, max-age=300']);
    }
    // Another tag, or a list holding this one.
    expect((await fetch(feedUrl, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    expect((await fetch(feedUrl, { headers: { 'if-none-match': `"other", ${etag}` } })).status).toBe(304);

    await runDigest(app.ctx, { date: '2026-11-28' });
    // The new edition changed the feed: a 200 with another tag, for either validator.
    for (const headers of [{ 'if-none-match': etag }, { 'if-modified-since': lastModified }] as Record<
      string,
      string
    >[]) {
      const fresh = await fetch(feedUrl, { headers });
      expect(fresh.status).toBe(200);
      expect(fresh.headers.get('etag')).not.toBe(etag);
      expect(parser.parse(await fresh.text()).feed.entry).toHaveLength(2);
    }
  });

  it('refuses forged and retired links (404), renews the link from the preferences page, and ends at unsubscribe (410)', async () => {
    const { app, sink, url } = await start();
    await upsertSubscriber(app.ctx.db, { email: 'ada@example.com', name: null, status: 'active' });
    const ada = await idOf(app, 'ada@example.com');
    await runDigest(app.ctx, { date: '2026-11-27' });
    const v0 = `${BASE}/feed/${signFeedToken(TEST_SECRET, ada, 0)}`;
    const get = (u: string) => fetch(u.replace(BASE, url));
    expect((await get(v0)).status).toBe(200);

    const notFound = async (u: string) => {
      const res = await get(u);
      return [res.status, res.headers.get('content-type'), await res.text()];
    };
    const NOT_FOUND = [404, 'text/plain; charset=UTF-8', 'Not found\n'];
    const other = signFeedToken('another-secret-of-at-least-32-characters', ada, 0);
    const token0 = signFeedToken(TEST_SECRET, ada, 0);
    for (const bad of [
      `${BASE}/feed/${other}`,
      `${BASE}/feed/${token0.slice(0, -1)}${token0.endsWith('A') ? 'B' : 'A'}`,
      `${BASE}/feed/${signFeedToken(TEST_SECRET, ada, 1)}`, // a version not issued yet
      `${BASE}/feed/${signFeedToken(TEST_SECRET, 999, 0)}`, // nobody
      `${BASE}/feed/${signVoteToken(TEST_SECRET, ada, '2026-11-27')}`, // another purpose
      `${BASE}/feed/${signToken(TEST_SECRET, 'preferences', ada)}`,
      `${BASE}/feed/nonsense`,
    ]) {
      expect(await notFound(bad)).toEqual(NOT_FOUND);
    }

    // The preferences page shows the link, names it for feed readers, and makes a new one.
    const prefs = `${url}/p/${signToken(TEST_SECRET, 'preferences', ada)}`;
    const page = await (await fetch(prefs)).text();
    expect(page).toContain(
      `<link rel="alternate" type="application/atom+xml" title="Your private feed" href="${v0}">\n<link rel="alternate" type="application/atom+xml" title="Digests" href="/feed.xml">`,
    );
    expect(page).toContain(
      `<input type="text" readonly value="${v0}" class="feed-url" aria-label="Your private feed URL">`,
    );
    expect(page).toContain('<button type="submit" class="secondary">New feed link</button>');
    const renewed = await fetch(`${prefs}/feed`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=new-link',
    });
    expect(renewed.status).toBe(200);
    const v1 = `${BASE}/feed/${signFeedToken(TEST_SECRET, ada, 1)}`;
    const answer = await renewed.text();
    expect(answer).toContain(
      '<p class="notice" role="status">Your old feed link no longer works. Give your feed reader this one:</p>',
    );
    expect(answer).toContain(`value="${v1}"`);
    expect(await notFound(v0)).toEqual(NOT_FOUND);
    expect((await get(v1)).status).toBe(200);
    expect(await (await fetch(prefs)).text()).toContain(`value="${v1}"`);
    // The next email carries the new link.
    await runDigest(app.ctx, { date: '2026-11-28' });
    expect(sink.to('ada@example.com').at(-1)?.mail.text).toContain(`\nYour private feed (Atom): ${v1}\n`);

    // The page's other forms' rule: a forged preferences token changes nothing.
    const forged = await fetch(`${url}/p/${signToken(TEST_SECRET, 'unsubscribe', ada)}/feed`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=new-link',
    });
    expect(forged.status).toBe(400);
    expect((await get(v1)).status).toBe(200);

    await fetch(prefs, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=unsubscribe',
    });
    const gone = await get(v1);
    expect([gone.status, await gone.text()]).toEqual([410, 'This feed has ended: its reader unsubscribed.\n']);
  });

  it('feed only: the preferences page sets it; a feed row (no email) is in the feed once it is due', async () => {
    const { app, sink, url } = await start();
    await upsertSubscriber(app.ctx.db, { email: 'bob@example.com', name: null, status: 'active' });
    await runDigest(app.ctx, { date: '2026-11-27' });
    await upsertSubscriber(app.ctx.db, { email: 'ada@example.com', name: null, status: 'active' });
    const ada = await idOf(app, 'ada@example.com');
    const prefs = `${url}/p/${signToken(TEST_SECRET, 'preferences', ada)}`;
    expect(await (await fetch(prefs)).text()).toContain(
      '<button type="submit" class="secondary">Feed only (no email)</button>',
    );
    const chosen = await fetch(`${prefs}/feed`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=feed-only&feed_only=1',
    });
    expect(await chosen.text()).toContain(
      '<p class="notice" role="status">You get no more Daily Papers emails, starting with the next digest. Your feed keeps coming, with the same papers an email would have had.</p>',
    );
    const flag = async () =>
      (await app.ctx.db.selectFrom('subscribers').select('feed_only').where('id', '=', ada).executeTakeFirstOrThrow())
        .feed_only;
    expect(await flag()).toBe(1);
    expect(await (await fetch(prefs)).text()).toContain(
      '<p><b>Feed only:</b> you get no email; your feed keeps coming.</p>',
    );

    // What planning writes for a feed-only reader (helper B1's part): a `feed` row with their edition,
    // due at their hour. Here: the 27th's edition, due already, and a later one not due yet.
    const bobRow = await app.ctx.db
      .selectFrom('deliveries')
      .select(['digest_id', 'edition_id'])
      .executeTakeFirstOrThrow();
    const now = new Date();
    const row = (digestId: number, editionId: number | null, due: Date, n: number) => ({
      digest_id: digestId,
      subscriber_id: ada,
      status: 'feed',
      attempts: 0,
      message_id: `<feed.${n}@papers.example.org>`,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      edition_id: editionId,
      due_at: due.toISOString(),
    });
    await app.ctx.db
      .insertInto('deliveries')
      .values(row(bobRow.digest_id, bobRow.edition_id, new Date(now.getTime() - 60_000), 1))
      .execute();
    // Bob's feed first: the server keeps the edition's HTML, and Ada's (the same edition) has her own links.
    const bob = await idOf(app, 'bob@example.com');
    expect((await fetch(`${url}/feed/${signFeedToken(TEST_SECRET, bob, 0)}`)).status).toBe(200);
    const feedUrl = `${url}/feed/${signFeedToken(TEST_SECRET, ada, 0)}`;
    const res = await fetch(feedUrl);
    const entries = parser.parse(await res.text()).feed.entry as { title: string; content: { '#text': string } }[];
    const mine = `${BASE}/v/${signVoteToken(TEST_SECRET, ada, '2026-11-27')}`;
    expect(entries.map((e) => [e.title, papersOf(e.content['#text']).map((p) => [p.title, p.up])])).toEqual([
      [
        'Daily Papers · 27 Nov 2026 · Graph </title><script>alert(1)</script> &  "nets" + 1 more',
        [
          ['Graph </title><script>alert(1)</script> &  "nets"', `${mine}/2511.00001/up`],
          ['Message passing on graphs', `${mine}/2511.00002/up`],
        ],
      ],
    ]);
    expect(sink.to('ada@example.com')).toEqual([]);

    // A row due in an hour (one from before editions: the digest's subject) is not in the feed yet, and does not change its validators; it is at its time.
    const later = await app.ctx.db
      .insertInto('digests')
      .values({
        date: '2026-11-28',
        subject: 'Daily Papers · 28 Nov 2026',
        preheader: '',
        html: '',
        text: '',
        web_html: '',
        web_text: '',
        status: 'sent',
        created_at: now.toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await app.ctx.db
      .insertInto('deliveries')
      .values(row(later.id, null, new Date(now.getTime() + 3_600_000), 2))
      .execute();
    expect((await fetch(feedUrl, { headers: { 'if-none-match': res.headers.get('etag') ?? '' } })).status).toBe(304);
    const token = signFeedToken(TEST_SECRET, ada, 0);
    const inAnHour = await readerFeed(app.ctx, token, new Date(now.getTime() + 3_600_000));
    if (inAnHour.kind !== 'feed') throw new Error(inAnHour.kind);
    expect(inAnHour.etag).not.toBe(res.headers.get('etag'));
    expect((await inAnHour.entries()).map((e) => [e.date, e.subject, e.papers?.length ?? 0])).toEqual([
      ['2026-11-28', 'Daily Papers · 28 Nov 2026', 0],
      [
        '2026-11-27',
        'Daily Papers · 27 Nov 2026 · Graph </title><script>alert(1)</script> & \uffff "nets" + 1 more',
        2,
      ],
    ]);

    await fetch(`${prefs}/feed`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=feed-only&feed_only=0',
    });
    expect(await flag()).toBe(0);
  });
});
