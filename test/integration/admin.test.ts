import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { listen } from '../helpers/http-server.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, startTestApp, type TestApp } from '../helpers/test-app.js';

const TOKEN = 'admin-token-0123456789abcdef';
let app: TestApp | undefined;
let sink: SmtpSink | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
afterEach(async () => {
  await http?.close();
  await app?.close();
  await sink?.close();
  app = sink = http = undefined;
});

async function setUp(extra: Record<string, string> = {}, delayMs: number | ((n: number) => number) = 0) {
  sink = await startSmtpSink(() => null, { delayMs });
  app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_ADMIN_TOKEN: TOKEN, ...extra });
  http = await listen(createApp(app.ctx, { nextRun: () => new Date('2026-11-29T07:00:00Z') }));
  return { t: app, s: sink, base: http.url };
}
const bearer = { authorization: `Bearer ${TOKEN}` };

async function login(base: string): Promise<string> {
  const res = await fetch(`${base}/admin/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: TOKEN, next: '/admin' }).toString(),
    redirect: 'manual',
  });
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie') ?? '';
  // Secure because PAPERBOY_BASE_URL is https in the tests.
  expect(cookie).toMatch(/^pb_admin=[^;]+; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
  return cookie.split(';')[0] ?? '';
}

describe('admin authentication', () => {
  it('without PAPERBOY_ADMIN_TOKEN answers on loopback only, and says how to set a token', async () => {
    app = await startTestApp();
    const web = createApp(app.ctx, { nextRun: () => null });
    // The app called directly with the connection a remote client would have.
    const from = (address: string) => ({
      incoming: { socket: { remoteAddress: address, remotePort: 50000, remoteFamily: 'IPv4' } },
    });
    const remote = await web.request('/admin', {}, from('192.0.2.7'));
    expect(remote.status).toBe(403);
    expect(await remote.text()).toContain('The admin answers only on this machine until PAPERBOY_ADMIN_TOKEN is set');
    const api = await web.request('/api/digests', {}, from('192.0.2.7'));
    expect(api.status).toBe(403);
    expect((await web.request('/admin', {}, from('127.0.0.1'))).status).toBe(200);
    expect((await web.request('/api/digests', {}, from('::1'))).status).toBe(200);
  });

  it('asks for the token: 303 to the login form for pages, 401 for the API, and rate-limits wrong tokens', async () => {
    const { base } = await setUp();
    const page = await fetch(`${base}/admin`, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/admin/login?next=%2Fadmin');
    expect((await fetch(`${base}/api/digests`)).status).toBe(401);
    expect((await fetch(`${base}/api/digests`, { headers: bearer })).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      expect(
        (await fetch(`${base}/api/digests`, { headers: { authorization: 'Bearer wrong-token-xxxxxxxx' } })).status,
      ).toBe(401);
    }
    // Blocked now, even with the right token, so guessing stops.
    expect((await fetch(`${base}/api/digests`, { headers: bearer })).status).toBe(429);
  });

  it('logs in with a session cookie, shows the dashboard, and refuses a form without its CSRF token', async () => {
    const { t, base } = await setUp();
    await addActive(t, 'ada@example.com');
    const wrong = await fetch(`${base}/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=nope',
    });
    expect(wrong.status).toBe(401);
    const cookie = await login(base);
    const dash = await fetch(`${base}/admin`, { headers: { cookie } });
    expect(dash.status).toBe(200);
    const text = await dash.text();
    expect(text).toContain('Next scheduled run: <b>Sunday, 29 November 2026 at 07:00 (UTC)</b>');
    expect(text.replace(/<[^>]+>/g, '')).toContain('Subscribers: 1 active · 0 pending · 0 unsubscribed · 0 bounced');
    const csrf = /name="csrf" value="([^"]+)"/.exec(text)?.[1] ?? '';
    expect(csrf).not.toBe('');

    const forged = await fetch(`${base}/admin/send`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'date=2026-11-28',
      redirect: 'manual',
    });
    expect(forged.status).toBe(403);
    const ok = await fetch(`${base}/admin/send`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ date: '2026-11-28', csrf }).toString(),
      redirect: 'manual',
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/admin/digests/2026-11-28');
  });
});

type Status = {
  running: boolean;
  control: string;
  stopped: { code: string; message: string; hint: string | null; at: string } | null;
  deliveries: { sent: number; pending: number; skipped: number } | null;
  progress: { done: number; total: number } | null;
};
async function waitFor(base: string, date: string, until: (s: Status) => boolean): Promise<Status> {
  for (let i = 0; i < 400; i++) {
    const s = (await (await fetch(`${base}/api/digests/${date}`, { headers: bearer })).json()) as Status;
    if (until(s)) return s;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${date}: condition not reached`);
}

describe('admin API', () => {
  it('shows why a send stopped — the relay’s reply, escaped, and what to fix — until the next send of the date', async () => {
    let refusing = true;
    sink = await startSmtpSink((address) =>
      refusing ? { code: 554, message: `5.7.1 <${address}>: Relay access denied` } : null,
    );
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_ADMIN_TOKEN: TOKEN });
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    const base = http.url;
    await addActive(app, ...Array.from({ length: 12 }, (_, i) => `r${i}@d${i % 4}.example`));
    const json = { ...bearer, 'content-type': 'application/json' };

    const started = await fetch(`${base}/api/digests/2026-11-28/send`, { method: 'POST', headers: json, body: '{}' });
    expect(started.status).toBe(202);
    const s = await waitFor(base, '2026-11-28', (x) => !x.running && x.stopped !== null);
    expect(s.stopped).toMatchObject({ code: 'ESEND' });
    expect(s.stopped?.message).toMatch(
      new RegExp(
        `^SMTP 127\\.0\\.0\\.1:${sink.port} refused 10 messages in a row: 554 5\\.7\\.1 <r\\d+@d\\d\\.example>: Relay access denied$`,
      ),
    );
    expect(s.stopped?.hint).toBe(
      "the relay refuses these messages for every reader (relaying, policy or content): check its log and PAPERBOY_SMTP_URL's login; the refused deliveries are pending again and go with the next send",
    );
    expect(s.deliveries).toMatchObject({ sent: 0, pending: 12 });

    const cookie = await login(base);
    const page = await (await fetch(`${base}/admin/digests/2026-11-28`, { headers: { cookie } })).text();
    const alert = /<p role="alert" class="stopped">([\s\S]*?)<\/p>/.exec(page)?.[1] ?? '';
    expect(alert).toMatch(
      /^The last send stopped at \d\d:\d\d:\d\d UTC: SMTP 127\.0\.0\.1:\d+ refused 10 messages in a row: 554 5\.7\.1 &lt;r\d+@d\d\.example&gt;: Relay access denied<br>→ the relay refuses/,
    );
    expect(page).not.toContain('<r');

    // The next send of the date clears it (here: the relay now takes everything).
    refusing = false;
    const again = await fetch(`${base}/api/digests/2026-11-28/send`, { method: 'POST', headers: json, body: '{}' });
    expect(again.status).toBe(202);
    const done = await waitFor(base, '2026-11-28', (x) => !x.running && (x.deliveries?.sent ?? 0) === 12);
    expect(done.stopped).toBeNull();
  });

  it('starts a send (202), refuses a second while it runs (409), reports progress, and mails everyone once', async () => {
    // The first messages take a second each: the send is surely still running when we look.
    const { t, s, base } = await setUp({ PAPERBOY_SMTP_POOL: '2' }, (n) => (n <= 2 ? 1000 : 5));
    const emails = Array.from({ length: 20 }, (_, i) => `r${i}@example.com`);
    await addActive(t, ...emails);
    const json = { ...bearer, 'content-type': 'application/json' };

    const dry = await fetch(`${base}/api/digests/2026-11-28/send`, {
      method: 'POST',
      headers: json,
      body: '{"dryRun": true}',
    });
    expect(dry.status).toBe(200);
    expect(await dry.json()).toMatchObject({ mode: 'dry-run', recipients: 20, papers: 10 });

    const first = await fetch(`${base}/api/digests/2026-11-28/send`, { method: 'POST', headers: json, body: '{}' });
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ date: '2026-11-28', started: true, status: '/api/digests/2026-11-28' });
    const second = await fetch(`${base}/api/digests/2026-11-28/send`, { method: 'POST', headers: json, body: '{}' });
    expect(second.status).toBe(409);

    // Planning the ledger comes first (total 0); then the first two messages take a second each.
    const during = await waitFor(base, '2026-11-28', (st) => st.running && st.progress?.total === 20);
    expect(during.progress?.done).toBeLessThan(20);
    const status = await waitFor(base, '2026-11-28', (st) => !st.running);
    expect(status.deliveries).toEqual({ pending: 0, sending: 0, sent: 20, failed: 0, skipped: 0, feed: 0 });
    expect(s.received.map((m) => m.rcptTo[0]).sort()).toEqual([...emails].sort());

    const test = await fetch(`${base}/api/digests/2026-11-28/send`, {
      method: 'POST',
      headers: json,
      body: '{"to": "editor@example.org"}',
    });
    expect(await test.json()).toMatchObject({ mode: 'test', sent: 1 });
    expect(s.to('editor@example.org')).toHaveLength(1);
    expect((await fetch(`${base}/api/digests/2026-13-01`, { headers: bearer })).status).toBe(400);
    expect((await fetch(`${base}/api/digests/2026-11-01`, { headers: bearer })).status).toBe(404);
  });
});

describe('pause, resume, cancel', () => {
  it('pauses a running send, resumes it from the ledger, and every reader is mailed exactly once', async () => {
    // Quick at first, then slow: the pause surely lands while messages remain.
    const { t, s, base } = await setUp({ PAPERBOY_SMTP_POOL: '1' }, (n) => (n <= 5 ? 5 : 150));
    const emails = Array.from({ length: 30 }, (_, i) => `p${String(i).padStart(2, '0')}@example.com`);
    await addActive(t, ...emails);
    const json = { ...bearer, 'content-type': 'application/json' };
    expect(
      (await fetch(`${base}/api/digests/2026-11-28/send`, { method: 'POST', headers: json, body: '{}' })).status,
    ).toBe(202);
    await waitFor(base, '2026-11-28', (st) => (st.deliveries?.sent ?? 0) >= 5);
    const paused = await fetch(`${base}/api/digests/2026-11-28/pause`, { method: 'POST', headers: json });
    expect(await paused.json()).toEqual({ date: '2026-11-28', control: 'pause' });
    const stopped = await waitFor(base, '2026-11-28', (st) => !st.running);
    expect(stopped.control).toBe('pause');
    expect(stopped.deliveries?.sent).toBeLessThan(30);
    expect(stopped.deliveries?.pending).toBe(30 - (stopped.deliveries?.sent ?? 0));
    // The send has ended (not running): the relay got exactly what the ledger says was sent.
    const afterPause = s.received.length;
    expect(afterPause).toBe(stopped.deliveries?.sent);

    // A plain send of a paused date is refused with the way out.
    const plain = await fetch(`${base}/api/digests/2026-11-28/send`, { method: 'POST', headers: json, body: '{}' });
    expect(plain.status).toBe(202);
    const refused = await waitFor(base, '2026-11-28', (st) => !st.running);
    expect(refused.deliveries?.sent).toBe(stopped.deliveries?.sent);
    // Nothing reached the relay between the pause and the refused send's end.
    expect(s.received.length).toBe(afterPause);

    expect((await fetch(`${base}/api/digests/2026-11-28/resume`, { method: 'POST', headers: json })).status).toBe(200);
    const done = await waitFor(
      base,
      '2026-11-28',
      (st) => !st.running && st.control === 'run' && st.deliveries?.pending === 0,
    );
    expect(done.deliveries).toEqual({ pending: 0, sending: 0, sent: 30, failed: 0, skipped: 0, feed: 0 });
    expect(s.received.map((m) => m.rcptTo[0]).sort()).toEqual(emails);
  });

  it('cancels a send: what was not sent is skipped and stays so', async () => {
    const { t, s, base } = await setUp({ PAPERBOY_SMTP_POOL: '1' }, (n) => (n <= 3 ? 5 : 150));
    await addActive(t, ...Array.from({ length: 20 }, (_, i) => `c${i}@example.com`));
    const json = { ...bearer, 'content-type': 'application/json' };
    await fetch(`${base}/api/digests/2026-11-28/send`, { method: 'POST', headers: json, body: '{}' });
    await waitFor(base, '2026-11-28', (st) => (st.deliveries?.sent ?? 0) >= 3);
    await fetch(`${base}/api/digests/2026-11-28/cancel`, { method: 'POST', headers: json });
    const st = await waitFor(base, '2026-11-28', (x) => !x.running);
    // What the relay got is sent, the rest skipped: nothing pending, failed or in flight.
    const sent = s.received.length;
    expect(sent).toBeGreaterThanOrEqual(3);
    expect(st.deliveries).toEqual({ pending: 0, sending: 0, sent, failed: 0, skipped: 20 - sent, feed: 0 });
  });
});

describe('admin preview', () => {
  it('shows the email as text, headers, desktop and dark, with its size against Gmail’s clipping limit', async () => {
    const { base } = await setUp();
    const cookie = await login(base);
    const get = async (q: string) => (await fetch(`${base}${q}`, { headers: { cookie } })).text();
    const desktop = await get('/admin/preview?date=2026-11-28');
    expect(desktop).toContain('Rendered now: this date has not been sent.');
    expect(desktop).toMatch(/HTML size: <b>\d+\.\d KB<\/b> — under Gmail&#39;s 102 KB clipping limit/);
    expect(desktop).toContain('<iframe class="email desktop"');
    const text = await get('/admin/preview?date=2026-11-28&view=text');
    expect(text).toContain('Unsubscribe: https://papers.example.org/u/preview');
    const headers = await get('/admin/preview?date=2026-11-28&view=headers');
    expect(headers).toContain('<tr><td>List-Unsubscribe-Post</td><td>List-Unsubscribe=One-Click</td></tr>');
    // The subject as a mail program shows it: decoded, not =?UTF-8?…?=.
    expect(headers).toMatch(/<tr><td>Subject<\/td><td>Daily Papers · 28 Nov 2026 · [^<=]+<\/td><\/tr>/);
    const dark = await get('/admin/preview/html?date=2026-11-28&dark=1');
    expect(dark).toContain('@media all');
    expect(dark).not.toContain('prefers-color-scheme: dark');
  });

  it('shows a sent edition as it was stored, and a reader’s own edition', async () => {
    const { t, base } = await setUp();
    const { upsertSubscriber } = await import('../../src/store/subscribers.js');
    const { editionsOf } = await import('../../src/store/editions.js');
    const { findDigest } = await import('../../src/store/digests.js');
    const { runDigest } = await import('../../src/pipeline/run-digest.js');
    await upsertSubscriber(t.ctx.db, { email: 'topic@example.com', name: null, status: 'active', topics: ['pruning'] });
    await runDigest(t.ctx, { date: '2026-11-28' });
    const digest = await findDigest(t.ctx.db, '2026-11-28');
    const [edition] = await editionsOf(t.ctx.db, digest?.id ?? 0);
    const cookie = await login(base);
    const get = async (q: string) => fetch(`${base}${q}`, { headers: { cookie } });
    const byEdition = await (await get(`/admin/preview?date=2026-11-28&edition=${edition?.id}&view=text`)).text();
    expect(byEdition).toContain('As stored for this date (what was or is being sent).');
    expect(byEdition).toContain('Matches: pruning');
    const byReader = await (await get('/admin/preview?date=2026-11-28&subscriber=topic@example.com&view=text')).text();
    expect(byReader).toContain('Matches: pruning');
    const missing = await get('/admin/preview?date=2026-11-28&edition=999');
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('no edition 999 in the digest of 2026-11-28');
  });
});
