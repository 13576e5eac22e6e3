import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { createApp } from '../../src/server/app.js';
import { fileSource } from '../../src/sources/file.js';
import { deliveriesOf } from '../../src/store/deliveries.js';
import { findSubscriberByEmail, setFrequency, upsertSubscriber } from '../../src/store/subscribers.js';
import { listen } from '../helpers/http-server.js';
import { type SmtpSink, startSmtpSink, titlesTo } from '../helpers/smtp-sink.js';
import { countingTemplates } from '../helpers/template-renders.js';
import { hfItem, sourceFile, startTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
afterEach(async () => {
  await app?.close();
  await sink?.close();
  app = sink = undefined;
});

const DAY = [
  hfItem('2511.00001', 'Sparse attention for long context', 50),
  hfItem('2511.00002', 'RL fine-tuning of language models', 40),
  hfItem('2511.00003', 'A world model for robots', 30),
  hfItem('2511.00004', 'Diffusion models for audio', 20),
  {
    ...hfItem('2511.00005', 'Mixture of experts routing', 10),
    summary: 'We route tokens. Unlike sparse attention, routing is learned.',
  },
  hfItem('2511.00006', 'Graph neural networks', 5),
];

/** The app sending to a fresh SMTP sink, the day's papers above as its source, `papers` a digest. */
async function startWithDay(papers: number): Promise<{ app: TestApp; sink: SmtpSink }> {
  const smtp = await startSmtpSink();
  const t = await startTestApp((dir) => ({
    PAPERBOY_SMTP_URL: smtp.url,
    PAPERBOY_SOURCE: sourceFile(dir, DAY),
    PAPERBOY_PAPERS_PER_DIGEST: String(papers),
  }));
  return { app: t, sink: smtp };
}

async function reader(t: TestApp, email: string, topics: string[]) {
  return (await upsertSubscriber(t.ctx.db, { email, name: null, status: 'active', topics })).subscriber;
}

describe('editions', () => {
  it('a topic reader’s View in browser opens their own edition, not the public digest', async () => {
    ({ app, sink } = await startWithDay(3));
    await reader(app, 'a@example.com', ['sparse attention']);
    await runDigest(app.ctx, { date: '2026-11-28' });
    const mail = sink.to('a@example.com')[0]?.mail;
    const href = /<a href="([^"]+)"[^>]*>view in browser<\/a>/.exec(String(mail?.html))?.[1] ?? '';
    expect(href).toMatch(/^https:\/\/papers\.example\.org\/v\/[^/]+$/);
    const http = await listen(createApp(app.ctx, { nextRun: () => null }));
    try {
      const res = await fetch(href.replace('https://papers.example.org', http.url));
      expect(res.status).toBe(200);
      const page = await res.text();
      expect(page).toContain('for your topics: sparse attention');
      expect(page).toContain('Mixture of experts routing');
      // The public digest's other papers are not in the reader's edition.
      expect(page).not.toContain('A world model for robots');
    } finally {
      await http.close();
    }
  });

  it('gives readers with equal selections one edition, each exactly their matching papers, and nobody an empty email', async () => {
    ({ app, sink } = await startWithDay(3));
    await reader(app, 'a@example.com', ['sparse attention']);
    await reader(app, 'e@example.com', ['Sparse Attention']);
    await reader(app, 'b@example.com', ['RL']);
    await reader(app, 'c@example.com', ['quantum chromodynamics']);
    await reader(app, 'd@example.com', []);

    const counting = countingTemplates(app.ctx.templates);
    app.ctx.templates = counting.templates;
    const report = await runDigest(app.ctx, { date: '2026-11-28' });
    // The public digest (email + web version) and three editions: A and E share one.
    expect(counting.mjmlRenders()).toBe(2 + 3);
    expect(report.editions).toBe(3);
    expect({ sent: report.sent, skipped: report.totals.skipped }).toEqual({ sent: 4, skipped: 1 });

    expect(titlesTo(sink, 'a@example.com')).toEqual([
      ['Sparse attention for long context', 'Mixture of experts routing'],
    ]);
    expect(titlesTo(sink, 'e@example.com')).toEqual(titlesTo(sink, 'a@example.com'));
    expect(titlesTo(sink, 'b@example.com')).toEqual([['RL fine-tuning of language models']]);
    expect(titlesTo(sink, 'd@example.com')).toEqual([
      ['Sparse attention for long context', 'RL fine-tuning of language models', 'A world model for robots'],
    ]);
    expect(sink.to('c@example.com')).toHaveLength(0);
    const a = sink.to('a@example.com')[0]?.mail;
    expect(a?.text).toContain('   Matches: sparse attention\n');
    expect(a?.text).toContain("Today's 2 top research papers for your topics: sparse attention.");
    expect(a?.html).toContain('Matches: sparse attention');

    const c = await findSubscriberByEmail(app.ctx.db, 'c@example.com');
    expect((await deliveriesOf(app.ctx.db, c?.id ?? 0)).map((d) => [d.status, d.lastError])).toEqual([
      ['skipped', 'no matching papers'],
    ]);
    const json = JSON.parse(readFileSync(path.join(app.dir, 'digests', '2026-11-28', 'digest.json'), 'utf8'));
    expect(
      json.editions.map((e: { topics: string[]; subscribers: number; papers: { id: string }[] }) => [
        e.topics,
        e.subscribers,
        e.papers.map((p) => p.id),
      ]),
    ).toEqual([
      [['sparse attention'], 2, ['2511.00001', '2511.00005']],
      [['RL'], 1, ['2511.00002']],
      [[], 1, ['2511.00001', '2511.00002', '2511.00003']],
    ]);
  });

  it('sends the top papers to a reader whose topics match nothing when they asked for that', async () => {
    ({ app, sink } = await startWithDay(2));
    const c = await reader(app, 'c@example.com', ['quantum chromodynamics']);
    await setFrequency(app.ctx.db, c.id, { frequency: 'daily', weekday: 1, sendAnyway: true });
    await runDigest(app.ctx, { date: '2026-11-28' });
    expect(titlesTo(sink, 'c@example.com')).toEqual([
      ['Sparse attention for long context', 'RL fine-tuning of language models'],
    ]);
    expect(sink.to('c@example.com')[0]?.mail.text).toContain(
      'Nothing matched your topics today, so here are the top papers',
    );
  });
});

describe('never twice', () => {
  it('leaves out what a reader already got; a new reader still gets it', async () => {
    ({ app, sink } = await startWithDay(3));
    await reader(app, 'early@example.com', []);
    await runDigest(app.ctx, { date: '2026-11-27' });
    await reader(app, 'late@example.com', []);
    await runDigest(app.ctx, { date: '2026-11-28' });
    expect(titlesTo(sink, 'early@example.com')).toEqual([
      ['Sparse attention for long context', 'RL fine-tuning of language models', 'A world model for robots'],
      ['Diffusion models for audio', 'Mixture of experts routing', 'Graph neural networks'],
    ]);
    expect(titlesTo(sink, 'late@example.com')).toEqual([
      ['Sparse attention for long context', 'RL fine-tuning of language models', 'A world model for robots'],
    ]);
  });
});

describe('frequency', () => {
  it('a weekly reader gets nothing on other days and the week’s best on their day; daily readers only on send days', async () => {
    sink = await startSmtpSink();
    const smtp = sink.url;
    let monday = '';
    let tuesday = '';
    app = await startTestApp((dir) => {
      monday = sourceFile(
        dir,
        [hfItem('2511.10001', 'Monday big hit', 300), hfItem('2511.10002', 'Monday filler', 1)],
        'mon.json',
      );
      tuesday = sourceFile(
        dir,
        [
          hfItem('2511.20001', 'Tuesday best', 12),
          hfItem('2511.20002', 'Tuesday second', 11),
          hfItem('2511.20003', 'Tuesday third', 10),
        ],
        'tue.json',
      );
      return { PAPERBOY_SMTP_URL: smtp, PAPERBOY_PAPERS_PER_DIGEST: '2', PAPERBOY_SEND_DAYS: 'mon-fri' };
    });
    const w = await reader(app, 'weekly@example.com', []);
    await setFrequency(app.ctx.db, w.id, { frequency: 'weekly', weekday: 2, sendAnyway: false });
    await reader(app, 'daily@example.com', []);

    app.ctx.source = fileSource(monday.slice(5));
    await runDigest(app.ctx, { date: '2026-11-23' });
    expect(sink.to('weekly@example.com')).toHaveLength(0);
    expect(titlesTo(sink, 'daily@example.com')).toEqual([['Monday big hit', 'Monday filler']]);

    app.ctx.source = fileSource(tuesday.slice(5));
    await runDigest(app.ctx, { date: '2026-11-24' });
    // Each day's best by its own day's upvotes: Monday's 300 does not crowd out Tuesday's best.
    expect(titlesTo(sink, 'weekly@example.com')).toEqual([['Tuesday best', 'Monday big hit']]);
    expect(sink.to('weekly@example.com')[0]?.mail.subject).toBe(
      'Daily Papers weekly · 24 Nov 2026 · Tuesday best + 1 more',
    );

    // Saturday is not a send day: the digest is built (the pool is kept), daily readers get nothing.
    await runDigest(app.ctx, { date: '2026-11-28' });
    expect(sink.to('daily@example.com')).toHaveLength(2);
  });
});
