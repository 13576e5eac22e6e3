import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { createApp } from '../../src/server/app.js';
import { findSubscriberByEmail } from '../../src/store/subscribers.js';
import { listen } from '../helpers/http-server.js';
import { rawHeaders, type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, startTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;

afterEach(async () => {
  await http?.close();
  await app?.close();
  await sink?.close();
  app = sink = http = undefined;
});

/** Sends 2026-11-28 to ada and bob; returns ada's List-Unsubscribe URL, pointed at the local server. */
async function setUp(): Promise<{ t: TestApp; s: SmtpSink; url: string; base: string }> {
  sink = await startSmtpSink();
  app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url });
  await addActive(app, 'ada@example.com', 'bob@example.com');
  await runDigest(app.ctx, { date: '2026-11-28' });
  http = await listen(createApp(app.ctx, { nextRun: () => null }));
  const [header] = rawHeaders(sink.to('ada@example.com')[0]?.raw ?? '', 'list-unsubscribe');
  const https = /^<(https:\/\/[^>]+)>/.exec(header ?? '')?.[1] ?? '';
  expect(https).toMatch(/^https:\/\/papers\.example\.org\/u\//);
  return { t: app, s: sink, url: https.replace('https://papers.example.org', http.url), base: http.url };
}

const status = async (t: TestApp, email: string) => (await findSubscriberByEmail(t.ctx.db, email))?.status;

describe('one-click unsubscribe', () => {
  it('GET shows a button and unsubscribes nobody; the RFC 8058 POST unsubscribes and the next send skips them', async () => {
    const { t, s, url } = await setUp();

    const get = await fetch(url);
    expect(get.status).toBe(200);
    const page = await get.text();
    expect(page).toContain('Unsubscribe from Daily Papers?');
    expect(page).toContain('<button type="submit">Unsubscribe</button>');
    expect(await status(t, 'ada@example.com')).toBe('active');

    const post = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
      redirect: 'manual',
    });
    expect(post.status).toBe(200);
    expect(await post.text()).toContain('You are unsubscribed');
    expect(await status(t, 'ada@example.com')).toBe('unsubscribed');

    const next = await runDigest(t.ctx, { date: '2026-11-29' });
    expect(next.sent).toBe(1);
    expect(s.to('ada@example.com')).toHaveLength(1);
    expect(s.to('bob@example.com')).toHaveLength(2);
  });

  it('accepts the one-click POST as multipart too, and a repeated POST is harmless', async () => {
    const { t, url } = await setUp();
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    const first = await fetch(url, { method: 'POST', body: form, redirect: 'manual' });
    expect(first.status).toBe(200);
    const again = await fetch(url, { method: 'POST', body: form, redirect: 'manual' });
    expect(again.status).toBe(200);
    expect(await status(t, 'ada@example.com')).toBe('unsubscribed');
    expect(await status(t, 'bob@example.com')).toBe('active');
  });

  it('answers a tampered token with 400 and changes nothing', async () => {
    const { t, url } = await setUp();
    const last = url.at(-1) === 'A' ? 'B' : 'A';
    const tampered = url.slice(0, -1) + last;
    const res = await fetch(tampered, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('This unsubscribe link is not valid');
    // Another subscriber's id with ada's signature is refused as well.
    const bob = await findSubscriberByEmail(t.ctx.db, 'bob@example.com');
    const forged = url.replace(/\/u\/[0-9a-z]+\./, `/u/${bob?.id.toString(36)}.`);
    expect((await fetch(forged, { method: 'POST' })).status).toBe(400);
    expect(await status(t, 'ada@example.com')).toBe('active');
    expect(await status(t, 'bob@example.com')).toBe('active');
  });
});
