import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planStats } from '../../src/pipeline/plan-deliveries.js';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { createApp } from '../../src/server/app.js';
import { upsertPapers } from '../../src/store/papers.js';
import { upsertSubscriber } from '../../src/store/subscribers.js';
import { recordVote } from '../../src/store/votes.js';
import { signFeedToken, signVoteToken } from '../../src/subscribers/tokens.js';
import { listen } from '../helpers/http-server.js';
import { makePaper } from '../helpers/papers.js';
import { type SmtpSink, startSmtpSink, titlesTo } from '../helpers/smtp-sink.js';
import { countingTemplates } from '../helpers/template-renders.js';
import { hfItem, sourceFile, startTestApp, TEST_SECRET, type TestApp } from '../helpers/test-app.js';

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
afterEach(async () => {
  await app?.close();
  await sink?.close();
  app = sink = undefined;
});

const DATE = '2026-11-28';
const GRAPH = ['Graph neural networks at scale', 'Message passing on graphs', 'Graph transformers', 'Graph pooling'];
const AUDIO = [
  'Audio diffusion models',
  'Speech synthesis with audio tokens',
  'Music generation from audio',
  'Audio codecs',
];
const OTHER = ['Protein folding', 'Weather forecasting', 'Robot grasping', 'Tabular learning'];
const DAY = [...GRAPH, ...AUDIO, ...OTHER].map((title, i) =>
  hfItem(`2511.${String(i + 1).padStart(5, '0')}`, title, 100 - i * 5, {
    ai_keywords: [title.split(' ')[0]?.toLowerCase() ?? ''],
  }),
);

describe("readers' own editions, assembled from per-paper parts", () => {
  it('sends each voting reader their own papers and why lines with no MJML compile per reader', async () => {
    sink = await startSmtpSink();
    const smtp = sink.url;
    app = await startTestApp((dir) => ({
      PAPERBOY_SMTP_URL: smtp,
      PAPERBOY_SOURCE: sourceFile(dir, DAY),
      PAPERBOY_PAPERS_PER_DIGEST: '4',
    }));
    const db = app.ctx.db;
    // Papers of earlier days the readers voted on: graph lovers and audio lovers.
    const earlier = [
      makePaper({
        id: '2510.00001',
        title: 'Graph neural networks for molecules',
        summary: 'Graph message passing.',
        aiKeywords: ['graph'],
      }),
      makePaper({
        id: '2510.00002',
        title: 'Audio language models',
        summary: 'Audio tokens and speech.',
        aiKeywords: ['audio'],
      }),
    ];
    await upsertPapers(db, earlier);
    const readers: { id: number; email: string; likes: 'graph' | 'audio' }[] = [];
    for (let i = 0; i < 24; i++) {
      const email = `reader${i}@example.com`;
      const { subscriber } = await upsertSubscriber(db, { email, name: null, status: 'active' });
      const likes = i % 2 === 0 ? 'graph' : 'audio';
      const liked = likes === 'graph' ? '2510.00001' : '2510.00002';
      const disliked = likes === 'graph' ? '2510.00002' : '2510.00001';
      await recordVote(db, { subscriberId: subscriber.id, paperId: liked, vote: 1, digestDate: '2026-11-27' });
      await recordVote(db, { subscriberId: subscriber.id, paperId: disliked, vote: -1, digestDate: '2026-11-27' });
      readers.push({ id: subscriber.id, email, likes });
    }
    await upsertSubscriber(db, { email: 'plain@example.com', name: null, status: 'active' });

    const counting = countingTemplates(app.ctx.templates);
    app.ctx.templates = counting.templates;
    const report = await runDigest(app.ctx, { date: DATE });
    expect(report.sent).toBe(25);
    // The digest (email and web version), the plain reader's edition, then the pool's cards (every
    // pick here has a why line) as top cards and as the others, and one skeleton: the same for 24
    // readers as it would be for 2.
    expect(counting.mjmlRenders()).toBe(2 + 1 + 3);

    const own = await db
      .selectFrom('editions')
      .select(['id', 'html', 'recipe'])
      .where('recipe', 'is not', null)
      .execute();
    // Readers with the same votes read the same email: one edition per field.
    expect(own).toHaveLength(2);
    // digest.json lists the shared editions and counts the readers' own.
    const json = JSON.parse(readFileSync(path.join(app.dir, 'digests', DATE, 'digest.json'), 'utf8'));
    expect(json.personalEditions).toEqual({ editions: 2, readers: 24 });
    expect(json.editions).toHaveLength(1);
    expect(own.every((e) => e.html === '')).toBe(true);
    const parts = await db.selectFrom('edition_parts').select(['kind']).execute();
    expect(parts.map((p) => p.kind).sort()).toEqual([...Array(2 * DAY.length).fill('card'), 'skeleton']);

    for (const r of readers) {
      const [got] = titlesTo(sink, r.email);
      const field = r.likes === 'graph' ? GRAPH : AUDIO;
      // With two votes the model outweighs upvotes by half: their field leads the email.
      expect(got?.[0] && field.includes(got[0])).toBe(true);
      const mail = sink.to(r.email)[0]?.mail;
      const token = signVoteToken(TEST_SECRET, r.id, DATE);
      expect(mail?.text).toContain(`More like this: https://papers.example.org/v/${token}/`);
      expect(String(mail?.html)).toContain(`/v/${token}/`);
      expect(mail?.text).toMatch(/Because you liked “(Graph neural networks for molecules|Audio language models)”/);
      expect(`${mail?.text}${mail?.html}`).not.toMatch(/=pb:/);
      // Its text part is the stored edition's papers in order.
      const edition = await db
        .selectFrom('deliveries')
        .innerJoin('edition_papers', 'edition_papers.edition_id', 'deliveries.edition_id')
        .innerJoin('papers', 'papers.id', 'edition_papers.paper_id')
        .select(['papers.title'])
        .where('deliveries.subscriber_id', '=', r.id)
        .orderBy('edition_papers.position')
        .execute();
      expect(got).toEqual(edition.map((e) => e.title));
    }
    expect(titlesTo(sink, 'plain@example.com')).toEqual([GRAPH.slice(0, 4)]);

    // The web version of an assembled edition ("View in browser") is that reader's email.
    const http = await listen(createApp(app.ctx, { nextRun: () => null }));
    try {
      const r = readers[1] as (typeof readers)[number];
      const res = await fetch(`${http.url}/v/${signVoteToken(TEST_SECRET, r.id, DATE)}`);
      expect(res.status).toBe(200);
      const page = await res.text();
      const html = String(sink.to(r.email)[0]?.mail.html);
      const links = (s: string) => [...s.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
      // Plus, in its head, the reader's private feed, which the email's footer links to as well.
      const feed = `https://papers.example.org/feed/${signFeedToken(TEST_SECRET, r.id, 0)}`;
      const head = `<link rel="alternate" type="application/atom+xml" title="Your private feed" href="${feed}">`;
      expect(page).toContain(`${head}\n</head>`);
      expect(links(html)).toContain(feed);
      expect(links(page.replace(head, ''))).toEqual(links(html));
    } finally {
      await http.close();
    }
  });

  it('lets the event loop run while it plans many readers with votes (timers, the send control, web pages)', async () => {
    sink = await startSmtpSink();
    const smtp = sink.url;
    app = await startTestApp((dir) => ({ PAPERBOY_SMTP_URL: smtp, PAPERBOY_SOURCE: sourceFile(dir, DAY) }));
    const db = app.ctx.db;
    await upsertPapers(db, [
      makePaper({ id: '2510.00001', title: 'Graph neural networks for molecules', aiKeywords: ['graph'] }),
    ]);
    for (let i = 0; i < 100; i++) {
      const { subscriber } = await upsertSubscriber(db, { email: `r${i}@example.com`, name: null, status: 'active' });
      await recordVote(db, { subscriberId: subscriber.id, paperId: '2510.00001', vote: 1, digestDate: '2026-11-27' });
    }
    const before = planStats.turns;
    const report = await runDigest(app.ctx, { date: DATE });
    expect(report.sent).toBe(100);
    // A turn every 32 readers with votes (3 for 100) and one after the page of the ledger.
    expect(planStats.turns - before).toBe(4);
  });
});
