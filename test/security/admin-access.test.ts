import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { listDigests } from '../../src/store/digests.js';
import { ADMIN_TOKEN, adminLogin, csrfOf, fromAddress } from '../helpers/admin.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { listen } from '../helpers/http-server.js';
import { rawRequest } from '../helpers/raw-http.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { startTestApp, TEST_SECRET, type TestApp, tempDir, testEnv } from '../helpers/test-app.js';

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
afterEach(async () => {
  await http?.close();
  await app?.close();
  await sink?.close();
  app = sink = http = undefined;
});

async function serveWith(extra: Record<string, string> = {}) {
  sink = await startSmtpSink();
  app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, ...extra });
  http = await listen(createApp(app.ctx, { nextRun: () => null }));
  const base = http.url;
  const port = new URL(base).port;
  const get = (path: string, headers: Record<string, string> = {}) =>
    rawRequest(base, { path, headers: { host: `127.0.0.1:${port}`, ...headers } });
  return { t: app, base, port, get };
}

const NO_TOKEN = 'The admin answers only on this machine until PAPERBOY_ADMIN_TOKEN is set (openssl rand -hex 24).';
const BEHIND_PROXY =
  'Behind a reverse proxy (PAPERBOY_TRUST_PROXY=1) the admin, the API and the outbox need PAPERBOY_ADMIN_TOKEN: set one (openssl rand -hex 24) and restart paperboy.';

describe('the admin without PAPERBOY_ADMIN_TOKEN', () => {
  it('lets in a direct loopback client only: not a request a proxy on this machine forwarded', async () => {
    const { t, port, get } = await serveWith();
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost']) {
      expect({ host, status: (await get('/admin', { host })).status }).toEqual({ host, status: 200 });
    }
    const viaProxy: Record<string, string>[] = [
      { 'x-forwarded-for': '203.0.113.5' },
      { forwarded: 'for=203.0.113.5;proto=https' },
      { 'x-real-ip': '203.0.113.5' },
      { host: 'papers.example.org' },
    ];
    for (const proxied of viaProxy) {
      const page = await get('/admin', proxied);
      expect({ proxied, status: page.status }).toEqual({ proxied, status: 403 });
      expect(page.body).toContain(`<p>${NO_TOKEN}</p>`);
      const api = await get('/api/digests', proxied);
      expect(api.status).toBe(403);
      expect(JSON.parse(api.body)).toEqual({ error: NO_TOKEN });
    }
    // Nothing starts through the proxy.
    const send = await rawRequest(`http://127.0.0.1:${port}`, {
      method: 'POST',
      path: '/api/digests/2026-11-28/send',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.5' },
      body: '{}',
    });
    expect(send.status).toBe(403);
    expect(await listDigests(t.ctx.db)).toEqual([]);
  });

  it('is closed behind a proxy (PAPERBOY_TRUST_PROXY=1), even on loopback, and says to set the token', async () => {
    const { get } = await serveWith({ PAPERBOY_TRUST_PROXY: '1' });
    const page = await get('/admin');
    expect(page.status).toBe(403);
    expect(page.body).toContain(`<p>${BEHIND_PROXY}</p>`);
    const api = await get('/api/digests');
    expect(api.status).toBe(403);
    expect(JSON.parse(api.body)).toEqual({ error: BEHIND_PROXY });
    expect((await get('/outbox')).status).toBe(403);
  });

  it('`serve` warns at start and `doctor` fails the check, with the fix', async () => {
    const { dir, cleanup } = tempDir('paperboy-proxy-');
    try {
      const env = testEnv(dir, { PAPERBOY_TRUST_PROXY: '1', PAPERBOY_PORT: '0' });
      const doctor = await runCli(['doctor'], env, dir);
      expect(doctor.code).toBe(1);
      expect(doctor.stdout).toContain(
        'FAIL  admin     PAPERBOY_TRUST_PROXY=1 and no PAPERBOY_ADMIN_TOKEN: the admin, the API and the outbox are closed\n' +
          '                → set PAPERBOY_ADMIN_TOKEN (openssl rand -hex 24): behind a proxy every request comes from the proxy, so loopback cannot tell the admin apart\n',
      );
      const fine = await runCli(['doctor'], testEnv(dir), dir);
      expect(fine.stdout).toContain(
        'ok    admin     no PAPERBOY_ADMIN_TOKEN: the admin answers direct loopback clients only\n',
      );

      const child = spawnCli(['serve'], env, dir);
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout?.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('stop with Ctrl-C')) resolve(text);
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${text}`)));
      });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      expect(out).toContain(
        '  warning: the admin, the API and the outbox are closed: PAPERBOY_TRUST_PROXY=1 and no PAPERBOY_ADMIN_TOKEN (set one: openssl rand -hex 24)\n',
      );
    } finally {
      cleanup();
    }
  });
});

describe('the Host rule (DNS rebinding)', () => {
  it('answers the admin, the API and the outbox only for a local Host or the base URL’s: 421 otherwise', async () => {
    const { get, port } = await serveWith();
    const rebound = { host: `rebind.attacker.example:${port}` };
    for (const path of ['/admin', '/admin/login', '/api/digests', '/outbox', '/admin/preview?date=2026-11-28']) {
      const res = await get(path, rebound);
      expect({ path, status: res.status }).toEqual({ path, status: 421 });
      expect(res.body).toContain(
        `This server answers its admin at localhost, 127.0.0.1, [::1] or papers.example.org only, not at rebind.attacker.example:${port} (Host header)`,
      );
    }
    // The public pages answer any Host (a proxy may pass its own).
    expect((await get('/', rebound)).status).toBe(200);
    expect((await get('/healthz', rebound)).status).toBe(200);
  });

  it('with a token, the base URL’s host is let in and another host is not, even with the token', async () => {
    const { get, port } = await serveWith({ PAPERBOY_ADMIN_TOKEN: ADMIN_TOKEN });
    const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };
    expect((await get('/api/digests', { ...bearer, host: 'papers.example.org' })).status).toBe(200);
    expect((await get('/api/digests', { ...bearer, host: 'PAPERS.example.org' })).status).toBe(200);
    expect((await get('/api/digests', { ...bearer, host: 'papers.example.org:8443' })).status).toBe(421);
    expect((await get('/api/digests', { ...bearer, host: `evil.example:${port}` })).status).toBe(421);
  });

  it('gives the loopback forms a random CSRF token of this process, not one anyone can compute', async () => {
    const { base, port, get } = await serveWith();
    const csrf = csrfOf((await get('/admin')).body);
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const constant = createHmac('sha256', TEST_SECRET).update('paperboy:csrf:loopback').digest('base64url');
    expect(csrf).not.toBe(constant);
    const post = (token: string) =>
      rawRequest(base, {
        method: 'POST',
        path: '/admin/test',
        headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: token, date: '2026-11-28', to: 'editor@example.org' }).toString(),
      });
    expect((await post(constant)).status).toBe(403);
    expect(sink?.received).toHaveLength(0);
    const sent = await post(csrf);
    expect(sent.status).toBe(200);
    expect(sink?.to('editor@example.org')).toHaveLength(1);
  });
});

/** One message in the outbox (outbox mode: no PAPERBOY_SMTP_URL). */
function oneMessage(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'a.eml'),
    'From: x@example.org\r\nTo: jose@example.com\r\nSubject: Hello\r\nDate: Fri, 27 Nov 2026 07:00:00 +0000\r\n\r\nHi.\r\n',
  );
}

describe('the outbox is admin', () => {
  it('refuses a remote client without the admin token, on every outbox route', async () => {
    app = await startTestApp();
    oneMessage(app.config.outboxDir);
    const web = createApp(app.ctx, { nextRun: () => null });
    for (const p of ['/outbox', '/outbox/a.eml', '/outbox/a.eml/text', '/outbox/a.eml/raw']) {
      const res = await web.request(p, {}, fromAddress('192.0.2.7'));
      expect({ p, status: res.status }).toEqual({ p, status: 403 });
      expect(await res.text()).toContain('The admin answers only on this machine until PAPERBOY_ADMIN_TOKEN is set');
    }
    expect((await web.request('/outbox/a.eml/raw', {}, fromAddress('127.0.0.1'))).status).toBe(200);
  });

  it('with the token: the login form for pages, then the session cookie or a Bearer token lets in', async () => {
    app = await startTestApp({ PAPERBOY_ADMIN_TOKEN: ADMIN_TOKEN });
    oneMessage(app.config.outboxDir);
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    const base = http.url;
    const anonymous = await rawRequest(base, { path: '/outbox/a.eml/raw' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/admin/login?next=%2Foutbox%2Fa.eml%2Fraw');
    const login = await rawRequest(base, {
      method: 'POST',
      path: '/admin/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: ADMIN_TOKEN, next: '/outbox' }).toString(),
    });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/outbox');
    const cookie = await adminLogin(base);
    const list = await rawRequest(base, { path: '/outbox', headers: { cookie } });
    expect(list.status).toBe(200);
    expect(list.body).toContain('<a href="/outbox/a.eml">Hello</a>');
    const raw = await rawRequest(base, {
      path: '/outbox/a.eml/raw',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(raw.status).toBe(200);
    expect(raw.body).toContain('To: jose@example.com\r\n');
  });
});
