import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { hfSource } from '../../src/sources/hf.js';
import { type ApiServer, startApiServer } from '../helpers/api-server.js';
import { runCli } from '../helpers/cli.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, hfItem, ROOT, startTestApp, type TestApp, tempDir, testEnv } from '../helpers/test-app.js';

const fixture = JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'hf-daily-papers-item.json'), 'utf8'));
const policy = { timeoutMs: 300, retries: 2, retryDelayMs: 10 };

let hf: ApiServer | undefined;
let sink: SmtpSink | undefined;
let app: TestApp | undefined;
afterEach(async () => {
  await hf?.close();
  await sink?.close();
  await app?.close();
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
    expect(report.subject).toBe('Daily Papers · 28 Nov 2026 · High');
    const json = JSON.parse(readFileSync(path.join(app.dir, 'digests', '2026-11-28', 'digest.json'), 'utf8'));
    expect(json.papers.map((p: { id: string; rank: number }) => `${p.rank} ${p.id}`)).toEqual([
      '1 2511.00002',
      '2 2511.00003',
    ]);
  });
});
