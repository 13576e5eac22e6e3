import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { createApp } from '../../src/server/app.js';
import { listen } from '../helpers/http-server.js';
import { rawHeaders, type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A digest carries the marks of a real mailing list (RFC 2369) and `Precedence: bulk`, each field
 * once, its URLs the app's own public pages under PAPERBOY_BASE_URL.
 */

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
afterEach(async () => {
  await app?.close();
  await sink?.close();
  app = sink = undefined;
});

async function sendDigest(baseUrl: string): Promise<string> {
  sink = await startSmtpSink();
  app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_BASE_URL: baseUrl });
  await addActive(app, 'ada@example.com');
  await runDigest(app.ctx, { date: '2026-11-28' });
  const [m] = sink.to('ada@example.com');
  if (!m) throw new Error('no digest arrived');
  return m.raw;
}

const fields = (raw: string) =>
  Object.fromEntries(
    ['Precedence', 'List-Archive', 'List-Help', 'List-Subscribe'].map((name) => [name, rawHeaders(raw, name)]),
  );

describe('list header fields', () => {
  it('names the archive, the home page and the sign-up form, each once, and says bulk', async () => {
    const raw = await sendDigest('https://papers.example.org');
    expect(fields(raw)).toEqual({
      Precedence: ['bulk'],
      'List-Archive': ['<https://papers.example.org/digests>'],
      'List-Help': ['<https://papers.example.org/>'],
      'List-Subscribe': ['<https://papers.example.org/#subscribe>'],
    });
  });

  it('names pages the app serves: the archive lists the digest, the home page has the sign-up form', async () => {
    const raw = await sendDigest('https://papers.example.org');
    const http = await listen(createApp((app as TestApp).ctx, { nextRun: () => null }));
    try {
      const page = async (header: string) => {
        const url = /^<https:\/\/papers\.example\.org(\/[^>#]*)(#\w+)?>$/.exec(rawHeaders(raw, header)[0] ?? '');
        const res = await fetch(`${http.url}${url?.[1]}`);
        return { status: res.status, body: await res.text(), anchor: url?.[2] ?? null };
      };
      const archive = await page('List-Archive');
      expect(archive.status).toBe(200);
      expect(archive.body).toContain('href="/digests/2026-11-28"');
      const help = await page('List-Help');
      expect(help.status).toBe(200);
      const subscribe = await page('List-Subscribe');
      expect([subscribe.status, subscribe.anchor]).toEqual([200, '#subscribe']);
      expect(subscribe.body).toContain('<form method="post" action="/subscribe" class="signup" id="subscribe">');
    } finally {
      await http.close();
    }
  });

  it('keeps a base URL under a path, and a space or angle bracket in it cannot end the field', async () => {
    const raw = await sendDigest('https://example.org/papers x>y');
    expect(fields(raw)).toEqual({
      Precedence: ['bulk'],
      'List-Archive': ['<https://example.org/papers%20x%3Ey/digests>'],
      'List-Help': ['<https://example.org/papers%20x%3Ey/>'],
      'List-Subscribe': ['<https://example.org/papers%20x%3Ey/#subscribe>'],
    });
  });
});
