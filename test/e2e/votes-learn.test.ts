import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { createApp } from '../../src/server/app.js';
import { findSubscriberByEmail } from '../../src/store/subscribers.js';
import { votesOf } from '../../src/store/votes.js';
import { type ApiServer, startApiServer } from '../helpers/api-server.js';
import { listen } from '../helpers/http-server.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, ROOT, startTestApp, type TestApp } from '../helpers/test-app.js';

// Issue 18, item 8: readers with no topics who vote through the links of each day's email (GET the
// link, submit the page's form) get, within five days, a digest mostly from what they voted up.
// Papers: real arXiv abstracts (bench/data), served HF-shaped per ?date=, without categories: the
// model sees only what the Hugging Face source gives (title, abstract).

type Row = { id: string; title: string; abstract: string; categories: string[] };
const rows: Row[] = readFileSync(path.join(ROOT, 'bench', 'data', 'arxiv-2007-sample.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Row);
const archive = (r: Row) => (r.categories[0] ?? '').split('.')[0] ?? '';
const FIELDS = ['astro-ph', 'math', 'cond-mat'] as const;
const DATES = ['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24'];
const PER_FIELD = 10;

/** Each day's 30 papers: 10 of each field, none twice; upvotes that favour no field. */
const days = new Map<string, Row[]>();
{
  const left = new Map(FIELDS.map((f) => [f, rows.filter((r) => archive(r) === f)]));
  for (const date of DATES) {
    days.set(
      date,
      FIELDS.flatMap((f) => (left.get(f) ?? []).splice(0, PER_FIELD)),
    );
  }
}
const fieldOfTitle = new Map(rows.map((r) => [r.title, archive(r)]));
const hfItems = (date: string) =>
  (days.get(date) ?? []).map((r, i) => ({
    paper: {
      id: r.id,
      title: r.title,
      summary: r.abstract,
      authors: [{ name: 'A. Author' }],
      // Deterministic and blind to the field: most upvoted is no better than chance.
      upvotes: ((i * 37) % 29) + 1,
      publishedAt: `${date}T08:00:00.000Z`,
    },
    title: r.title,
    summary: r.abstract,
    publishedAt: `${date}T08:00:00.000Z`,
    numComments: 0,
  }));

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
let api: ApiServer | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
afterEach(async () => {
  await http?.close();
  await app?.close();
  await sink?.close();
  await api?.close();
  app = sink = api = http = undefined;
});

describe('readers who vote through their emails', () => {
  it('get, within five days, a digest mostly from what they voted up', async () => {
    api = await startApiServer((_n, url) => ({ status: 200, body: hfItems(url.searchParams.get('date') ?? '') }));
    sink = await startSmtpSink();
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_SOURCE: 'hf', PAPERBOY_HF_API_URL: api.url });
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    const readers = FIELDS.map((f) => ({ field: f, email: `${f}@example.com` }));
    await addActive(app, ...readers.map((r) => r.email));
    const base = http.url;
    const local = (url: string) => url.replace('https://papers.example.org', base);

    const share = new Map<string, number[]>(FIELDS.map((f) => [f, []]));
    for (const date of DATES) {
      const report = await runDigest(app.ctx, { date });
      expect(report.sent).toBe(3);
      for (const r of readers) {
        const mail = sink.to(r.email).at(-1);
        const text = mail?.mail.text ?? '';
        const html = String(mail?.mail.html ?? '');
        // Each paper of the text part: its title line, then its two vote links.
        const cards = [
          ...text.matchAll(/^ ?\d+\. (.+)\n(?:[\s\S]*?)^ {4}More like this: (\S+)\n {4}Less like this: (\S+)$/gm),
        ];
        expect(cards).toHaveLength(10);
        // The HTML part carries the same links under every paper, with exactly these texts.
        expect(html.match(/>More like this<\/a>/g)).toHaveLength(10);
        expect(html.match(/>Less like this<\/a>/g)).toHaveLength(10);
        const mine = cards.filter((c) => fieldOfTitle.get(titleOf(c[1] ?? '', text)) === r.field);
        share.get(r.field)?.push(mine.length / cards.length);
        // Up on every paper of their field, down on the first two of others: GET the link, submit its form.
        const others = cards.filter((c) => !mine.includes(c)).slice(0, 2);
        for (const [link] of [...mine.map((c) => [c[2]]), ...others.map((c) => [c[3]])]) {
          const shown = await fetch(local(link ?? ''));
          expect(shown.status).toBe(200);
          const page = await shown.text();
          const action = /<form method="post" action="([^"]+)">/.exec(page)?.[1] ?? '';
          expect(action).toMatch(/^\/v\//);
          const done = await fetch(`${base}${action.replace(/&amp;/g, '&')}`, { method: 'POST' });
          expect(done.status).toBe(200);
          expect(await done.text()).toContain('Noted:');
        }
      }
    }
    for (const r of readers) {
      const s = await findSubscriberByEmail(app.ctx.db, r.email);
      expect((await votesOf(app.ctx.db, s?.id ?? 0)).length).toBeGreaterThan(10);
      // Day 1 is the most upvoted (a third of it theirs, by construction); day 5 mostly theirs.
      expect({ reader: r.field, day5: share.get(r.field)?.[4] }).toEqual({
        reader: r.field,
        day5: expect.toSatisfy((x: number) => x >= 0.6),
      });
    }
  }, 120_000);
});

/** The full title of a card whose first line (wrapped at 72 columns) is `first`. */
function titleOf(first: string, text: string): string {
  const at = text.indexOf(first);
  const lines = text.slice(at).split('\n');
  let title = lines[0] ?? '';
  for (const l of lines.slice(1)) {
    if (!/^ {4}\S/.test(l) || /^ {4}(A\. Author|Because|Matches|TL;DR:|arXiv:)/.test(l) || fieldOfTitle.has(title))
      break;
    title += ` ${l.trim()}`;
  }
  return title.trim();
}
