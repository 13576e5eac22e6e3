import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { arxivSource } from '../../src/sources/arxiv.js';
import { type ApiServer, startApiServer } from '../helpers/api-server.js';
import { addActive, ROOT, startTestApp, type TestApp } from '../helpers/test-app.js';

const fixture = (name: string) => readFileSync(path.join(ROOT, 'test', 'fixtures', name), 'utf8');
const policy = { timeoutMs: 1000, retries: 2, retryDelayMs: 10 };

let arxiv: ApiServer | undefined;
let hf: ApiServer | undefined;
let app: TestApp | undefined;
afterEach(async () => {
  await arxiv?.close();
  await hf?.close();
  await app?.close();
  arxiv = hf = app = undefined;
});

describe('arXiv source', () => {
  it('pages through the answer, one request per interval at most, asking for the date window', async () => {
    const feed = fixture('arxiv-feed.xml');
    arxiv = await startApiServer((n) => ({
      status: 200,
      // Page 1: the first two entries; page 2: the third (malformed) one.
      body:
        n === 1
          ? feed.replace(/<entry>\s*<id>http:\/\/example\.org[\s\S]*?<\/entry>/, '')
          : feed.replace(/<entry>[\s\S]*<entry>\s*<id>http:\/\/example/, '<entry><id>http://example'),
    }));
    const source = arxivSource(
      { categories: ['cs.LG', 'cs.CL'], query: null },
      { apiUrl: arxiv.url, policy, maxResults: 50, pageSize: 2, intervalMs: 150 },
    );
    const r = await source.fetchPapers('2025-09-07');
    expect(r.papers.map((p) => p.id)).toEqual(['2509.04664', '2509.05001']);
    expect(r.skipped).toEqual([
      { index: 2, id: null, reason: 'id: not an arXiv abstract URL ("http://example.org/not-an-arxiv-entry")' },
    ]);
    expect(arxiv.requests).toHaveLength(2);
    const first = new URL(arxiv.requests[0] ?? '', 'http://x').searchParams;
    expect(first.get('search_query')).toBe('(cat:cs.LG OR cat:cs.CL) AND submittedDate:[202509050000 TO 202509062359]');
    expect([first.get('start'), first.get('max_results'), first.get('sortBy')]).toEqual(['0', '2', 'submittedDate']);
    expect(new URL(arxiv.requests[1] ?? '', 'http://x').searchParams.get('start')).toBe('2');
    expect((arxiv.times[1] ?? 0) - (arxiv.times[0] ?? 0)).toBeGreaterThanOrEqual(150);
  });

  it('retries a 503 and uses the answer; reads an empty feed as no papers; reports the error feed as arXiv’s own message', async () => {
    arxiv = await startApiServer((n) =>
      n === 1 ? { status: 503, body: 'busy' } : { status: 200, body: fixture('arxiv-feed.xml') },
    );
    const opts = { apiUrl: arxiv.url, policy, maxResults: 100, intervalMs: 0 };
    const r = await arxivSource({ categories: ['cs.LG'], query: null }, opts).fetchPapers('2025-09-07');
    expect(r.papers).toHaveLength(2);
    expect(arxiv.requests).toHaveLength(2);

    await arxiv.close();
    const empty = fixture('arxiv-feed.xml')
      .replace(/<entry>[\s\S]*<\/entry>/, '')
      .replace('>3<', '>0<');
    arxiv = await startApiServer(() => ({ status: 200, body: empty }));
    const none = await arxivSource({ categories: ['cs.LG'], query: null }, { ...opts, apiUrl: arxiv.url }).fetchPapers(
      '2025-09-07',
    );
    expect(none).toEqual({ papers: [], skipped: [], failures: [] });
    expect(arxiv.requests).toHaveLength(1);

    await arxiv.close();
    arxiv = await startApiServer(() => ({ status: 200, body: fixture('arxiv-error.xml') }));
    await expect(
      arxivSource({ categories: ['cs.LG'], query: null }, { ...opts, apiUrl: arxiv.url }).fetchPapers('2025-09-07'),
    ).rejects.toMatchObject({
      code: 'ESOURCE',
      message: 'arXiv refused the query: incorrect id format for 1234.12345',
    });
  });
});

describe('several sources at once', () => {
  it('merges Hugging Face and arXiv by arXiv id, each field from the side that has it', async () => {
    const hfItem = JSON.parse(fixture('hf-daily-papers-item.json'));
    hf = await startApiServer(() => ({ status: 200, body: hfItem }));
    arxiv = await startApiServer(() => ({ status: 200, body: fixture('arxiv-feed.xml') }));
    const [hfUrl, arxivUrl] = [hf.url, arxiv.url];
    app = await startTestApp({
      PAPERBOY_SOURCE: 'hf,arxiv:cs.LG,cs.CL',
      PAPERBOY_HF_API_URL: hfUrl,
      PAPERBOY_ARXIV_API_URL: arxivUrl,
    });
    await addActive(app, 'ada@example.com');
    const report = await runDigest(app.ctx, { date: '2025-09-08' });
    expect(report.sourceFailures).toEqual([]);
    expect(report.papers).toBe(2);
    const json = JSON.parse(readFileSync(path.join(app.dir, 'digests', '2025-09-08', 'digest.json'), 'utf8'));
    expect(json.papers.map((p: Record<string, unknown>) => [p.id, p.upvotes, p.numComments, p.categories])).toEqual([
      ['2509.04664', 26, 3, ['cs.CL', 'cs.AI']],
      ['2509.05001', 0, 0, ['cs.LG']],
    ]);
    expect(json.papers[0].aiKeywords).toEqual([
      'hallucinations',
      'binary classification',
      'uncertain responses',
      'trustworthy AI systems',
    ]);
  });

  it('goes on without a source that fails, names it in the report, and claims nothing of it', async () => {
    hf = await startApiServer(() => ({ status: 200, body: JSON.parse(fixture('hf-daily-papers-item.json')) }));
    arxiv = await startApiServer(() => ({ status: 503, body: 'down' }));
    const [hfUrl, arxivUrl] = [hf.url, arxiv.url];
    app = await startTestApp({
      PAPERBOY_SOURCE: 'hf,arxiv:cs.LG',
      PAPERBOY_HF_API_URL: hfUrl,
      PAPERBOY_ARXIV_API_URL: arxivUrl,
      PAPERBOY_SOURCE_RETRIES: '0',
    });
    await addActive(app, 'ada@example.com');
    const report = await runDigest(app.ctx, { date: '2025-09-08' });
    expect(report.sourceFailures).toEqual([
      {
        source: `arXiv cs.LG (${arxivUrl})`,
        error: `arXiv cs.LG (${arxivUrl}) could not be read: HTTP 503 (check the network and the source URL, or set PAPERBOY_SOURCE=file:PATH)`,
      },
    ]);
    expect(report.sent).toBe(1);
    expect(report.subject).toBe('Daily Papers · 8 Sep 2025 · Why Language Models Hallucinate (1 paper)');
  });
});
