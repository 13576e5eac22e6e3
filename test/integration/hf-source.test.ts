import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { hfSource } from '../../src/sources/hf.js';
import { storedCategories } from '../../src/store/papers.js';
import { upsertSubscriber } from '../../src/store/subscribers.js';
import { type ApiServer, startApiServer } from '../helpers/api-server.js';
import { runCli } from '../helpers/cli.js';
import { type SmtpSink, startSmtpSink, titlesTo } from '../helpers/smtp-sink.js';
import {
  addActive,
  capturingLog,
  hfItem,
  ROOT,
  sourceFile,
  startTestApp,
  type TestApp,
  tempDir,
  testEnv,
} from '../helpers/test-app.js';

const fixture = JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'hf-daily-papers-item.json'), 'utf8'));
const policy = { timeoutMs: 300, retries: 2, retryDelayMs: 10 };

let hf: ApiServer | undefined;
let sink: SmtpSink | undefined;
let app: TestApp | undefined;
afterEach(async () => {
  await hf?.close();
  // The app first: its pooled SMTP connection would hold the sink's close for 30 s.
  await app?.close();
  await sink?.close();
  hf = sink = app = undefined;
});

describe('Hugging Face daily papers source', () => {
  it('asks for the date and reads the recorded item shape', async () => {
    hf = await startApiServer(() => ({ status: 200, body: fixture }));
    const { papers, skipped } = await hfSource(hf.url, policy).fetchPapers('2025-09-08');
    expect(hf.requests).toEqual(['/api/daily_papers?date=2025-09-08']);
    expect(skipped).toEqual([]);
    expect(papers).toHaveLength(1);
    const [p] = papers;
    expect(p?.id).toBe('2509.04664');
    expect(p?.title).toBe('Why Language Models Hallucinate');
    expect(p?.authors).toEqual(['Adam Tauman Kalai', 'Ofir Nachum', 'Santosh S. Vempala', 'Edwin Zhang']);
    expect(p?.upvotes).toBe(26);
    expect(p?.numComments).toBe(3);
    expect(p?.publishedAt).toBe('2025-09-04T21:26:31.000Z');
    expect(p?.aiKeywords).toEqual([
      'hallucinations',
      'binary classification',
      'uncertain responses',
      'trustworthy AI systems',
    ]);
    expect(
      p?.summary.startsWith('Like students facing hard exam questions, large language models sometimes\nguess'),
    ).toBe(true);
  });

  it('retries 503 and a timeout with backoff, then succeeds', async () => {
    hf = await startApiServer((n) =>
      n === 1
        ? { status: 503, body: 'busy' }
        : n === 2
          ? { status: 200, body: fixture, delayMs: 1000 }
          : { status: 200, body: fixture },
    );
    const { papers } = await hfSource(hf.url, policy).fetchPapers('2025-09-08');
    expect(papers.map((p) => p.id)).toEqual(['2509.04664']);
    expect(hf.requests).toHaveLength(3);
  });

  it('gives a clear error after the last retry, and does not retry a 404', async () => {
    hf = await startApiServer(() => ({ status: 503, body: 'busy' }));
    await expect(hfSource(hf.url, policy).fetchPapers('2025-09-08')).rejects.toMatchObject({
      code: 'ESOURCE',
      message: `Hugging Face daily papers (${hf.url}) could not be read: HTTP 503`,
    });
    expect(hf.requests).toHaveLength(3);
    await hf.close();
    hf = await startApiServer(() => ({ status: 404, body: { error: 'not found' } }));
    await expect(hfSource(hf.url, policy).fetchPapers('2025-09-08')).rejects.toMatchObject({ code: 'ESOURCE' });
    expect(hf.requests).toHaveLength(1);
  });

  it('with SMTP configured, a source failure is a clear error and nothing is sent or stored', async () => {
    hf = await startApiServer(() => ({ status: 500, body: 'down' }));
    sink = await startSmtpSink();
    const { dir, cleanup } = tempDir();
    try {
      const e = {
        ...testEnv(dir, {
          PAPERBOY_SMTP_URL: sink.url,
          PAPERBOY_SOURCE: 'hf',
          PAPERBOY_HF_API_URL: hf.url,
          PAPERBOY_SOURCE_RETRIES: '1',
        }),
        PAPERBOY_LOG_LEVEL: 'error',
      };
      await runCli(['subscribers', 'add', 'ada@example.com'], e, dir);
      const r = await runCli(['send', '--date', '2026-11-28'], e, dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`paperboy: Hugging Face daily papers (${hf.url}) could not be read: HTTP 500\n`);
      expect(sink.received).toHaveLength(0);
    } finally {
      cleanup();
    }
  });

  it('in outbox mode, falls back to the sample papers when the live source cannot be reached, and says so', async () => {
    hf = await startApiServer(() => ({ status: 502, body: 'bad gateway' }));
    const url = hf.url;
    app = await startTestApp({ PAPERBOY_SOURCE: 'hf', PAPERBOY_HF_API_URL: url, PAPERBOY_SOURCE_RETRIES: '0' });
    await addActive(app, 'ada@example.com');
    const report = await runDigest(app.ctx, { date: '2026-11-28' });
    expect(report.sourceNote).toBe(
      `Hugging Face daily papers (${url}) could not be read: HTTP 502; outbox mode, so using the sample papers in samples/daily-papers.json instead`,
    );
    expect(report.papers).toBe(10);
    expect(report.sent).toBe(1);
  });

  it('sends the papers the API answered for the date, ranked by upvotes', async () => {
    hf = await startApiServer(() => ({
      status: 200,
      body: [hfItem('2511.00001', 'Low', 1), hfItem('2511.00002v3', 'High', 50), hfItem('2511.00003', 'Mid', 7)],
    }));
    app = await startTestApp({ PAPERBOY_SOURCE: 'hf', PAPERBOY_HF_API_URL: hf.url, PAPERBOY_PAPERS_PER_DIGEST: '2' });
    await addActive(app, 'ada@example.com');
    const report = await runDigest(app.ctx, { date: '2026-11-28' });
    expect(report.subject).toBe('Daily Papers · 28 Nov 2026 · High + 1 more');
    const json = JSON.parse(readFileSync(path.join(app.dir, 'digests', '2026-11-28', 'digest.json'), 'utf8'));
    expect(json.papers.map((p: { id: string; rank: number }) => `${p.rank} ${p.id}`)).toEqual([
      '1 2511.00002',
      '2 2511.00003',
    ]);
  });
});

/** An arXiv API answer (Atom) for `ids`: each with its categories, primary first. */
function arxivEntries(ids: readonly string[], categoriesOf: (id: string) => string[] | null): string {
  const entries = ids.flatMap((id) => {
    const cats = categoriesOf(id);
    if (!cats) return [];
    return [
      `<entry><id>http://arxiv.org/abs/${id}v1</id><published>2026-11-26T18:00:00Z</published><title>Title of ${id}</title><summary>Abstract.</summary><author><name>A. Author</name></author><arxiv:primary_category term="${cats[0]}"/>${cats.map((c) => `<category term="${c}"/>`).join('')}</entry>`,
    ];
  });
  return `<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"><opensearch:totalResults>${entries.length}</opensearch:totalResults>${entries.join('')}</feed>`;
}

describe('arXiv categories of Hugging Face papers', () => {
  // 150 papers, most upvoted first; every third one is cs.LG (primary), the others math.CO; arXiv
  // does not know 2511.00150.
  const ids = Array.from({ length: 150 }, (_, i) => `2511.${String(i + 1).padStart(5, '0')}`);
  const cats = (id: string) =>
    id === '2511.00150' ? null : Number(id.slice(-3)) % 3 === 0 ? ['cs.LG', 'stat.ML'] : ['math.CO'];
  const items = ids.map((id, i) => hfItem(id, `Paper ${id}`, 1000 - i));

  it('looks them up, one request per 100 papers and the interval apart, so a cs.LG topic works with hf; stored, not asked again', async () => {
    hf = await startApiServer(() => ({ status: 200, body: items }));
    const arxiv = await startApiServer((_n, url) => ({
      status: 200,
      body: arxivEntries((url.searchParams.get('id_list') ?? '').split(','), cats),
    }));
    sink = await startSmtpSink();
    app = await startTestApp({
      PAPERBOY_SOURCE: 'hf',
      PAPERBOY_HF_API_URL: hf.url,
      PAPERBOY_SMTP_URL: sink.url,
      PAPERBOY_ARXIV_CATEGORIES: '1',
      PAPERBOY_ARXIV_API_URL: arxiv.url,
      PAPERBOY_ARXIV_INTERVAL_MS: '200',
    });
    try {
      await upsertSubscriber(app.ctx.db, { email: 'ml@example.com', name: null, status: 'active', topics: ['cs.LG'] });
      const report = await runDigest(app.ctx, { date: '2026-11-28' });
      expect(report.sent).toBe(1);
      expect(arxiv.requests).toHaveLength(2);
      const asked = arxiv.requests.map((r) => new URL(r, 'http://x').searchParams);
      expect(asked.map((q) => q.get('id_list')?.split(','))).toEqual([ids.slice(0, 100), ids.slice(100)]);
      expect(asked.map((q) => q.get('max_results'))).toEqual(['100', '50']);
      expect((arxiv.times[1] ?? 0) - (arxiv.times[0] ?? 0)).toBeGreaterThanOrEqual(200);
      // The reader's ten: the ten most upvoted cs.LG papers (every third id).
      const [titles] = titlesTo(sink, 'ml@example.com');
      expect(titles).toEqual(Array.from({ length: 10 }, (_, k) => `Paper ${ids[3 * k + 2]}`));
      const stored = await storedCategories(app.ctx.db, ['2511.00003', '2511.00001', '2511.00150']);
      expect(Object.fromEntries(stored)).toEqual({ '2511.00003': ['cs.LG', 'stat.ML'], '2511.00001': ['math.CO'] });
      // Another day with the same papers: their categories come from the store; only the one arXiv
      // did not know is asked for again.
      await runDigest(app.ctx, { date: '2026-11-29' });
      expect(arxiv.requests).toHaveLength(3);
      expect(new URL(arxiv.requests[2] ?? '', 'http://x').searchParams.get('id_list')).toBe('2511.00150');
    } finally {
      await arxiv.close();
    }
  });

  it('builds and sends the digest without them when arXiv does not answer, and says so', async () => {
    hf = await startApiServer(() => ({ status: 200, body: items.slice(0, 20) }));
    const arxiv = await startApiServer(() => ({ status: 503, body: 'down' }));
    sink = await startSmtpSink();
    const { log, lines } = capturingLog();
    app = await startTestApp(
      {
        PAPERBOY_SOURCE: 'hf',
        PAPERBOY_HF_API_URL: hf.url,
        PAPERBOY_SMTP_URL: sink.url,
        PAPERBOY_ARXIV_CATEGORIES: '1',
        PAPERBOY_ARXIV_API_URL: arxiv.url,
        PAPERBOY_ARXIV_INTERVAL_MS: '0',
        PAPERBOY_SOURCE_RETRIES: '1',
      },
      { log },
    );
    try {
      await addActive(app, 'ada@example.com');
      const report = await runDigest(app.ctx, { date: '2026-11-28' });
      expect([report.papers, report.sent]).toEqual([10, 1]);
      // One request and its one retry.
      expect(arxiv.requests).toHaveLength(2);
      const warned = lines.filter((l) => l.event === 'source.categories.failed');
      expect(warned.map((l) => l.msg)).toEqual([
        `the arXiv categories of 20 of 20 papers could not be looked up; the digest is built without them: arXiv (${arxiv.url}) could not be read: HTTP 503`,
      ]);
      expect((await storedCategories(app.ctx.db, ids.slice(0, 20))).size).toBe(0);
    } finally {
      await arxiv.close();
    }
  });

  it('asks arXiv nothing for a file: source alone, which is read offline on purpose', async () => {
    const arxiv = await startApiServer(() => ({ status: 200, body: arxivEntries([], () => null) }));
    app = await startTestApp((dir) => ({
      PAPERBOY_SOURCE: sourceFile(dir, items.slice(0, 12)),
      PAPERBOY_ARXIV_CATEGORIES: '1',
      PAPERBOY_ARXIV_API_URL: arxiv.url,
    }));
    try {
      await addActive(app, 'ada@example.com');
      const report = await runDigest(app.ctx, { date: '2026-11-28' });
      expect([report.papers, report.sent]).toEqual([10, 1]);
      expect(arxiv.requests).toEqual([]);
    } finally {
      await arxiv.close();
    }
  });
});
