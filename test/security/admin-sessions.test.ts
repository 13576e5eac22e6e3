import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { ADMIN_TOKEN, adminLogin, csrfOf } from '../helpers/admin.js';
import { listen } from '../helpers/http-server.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
afterEach(async () => {
  await http?.close();
  await app?.close();
  app = http = undefined;
});

async function serveWith(extra: Record<string, string> = {}) {
  app = await startTestApp({ PAPERBOY_ADMIN_TOKEN: ADMIN_TOKEN, ...extra });
  http = await listen(createApp(app.ctx, { nextRun: () => null }));
  const base = http.url;
  const get = (path: string, headers: Record<string, string> = {}) => rawRequest(base, { path, headers });
  return { t: app, base, get };
}

describe('admin sessions', () => {
  it('offers no Log out without a token: there is no login to end', async () => {
    app = await startTestApp({});
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    const dash = await rawRequest(http.url, { path: '/admin' });
    expect(dash.status).toBe(200);
    expect(dash.body).not.toContain('Log out');
    expect(dash.body).toContain('Open to this machine only (no PAPERBOY_ADMIN_TOKEN set).');
  });

  it('logs out only with the CSRF token', async () => {
    const { base, get } = await serveWith();
    const cookie = await adminLogin(base);
    const dash = await get('/admin', { cookie });
    expect(dash.status).toBe(200);
    const logout = (fields: Record<string, string>) =>
      rawRequest(base, {
        method: 'POST',
        path: '/admin/logout',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
    const forged = await logout({});
    expect(forged.status).toBe(403);
    expect(forged.headers['set-cookie']).toBeUndefined();
    expect((await get('/admin', { cookie })).status).toBe(200);
    expect(dash.body).toContain('<button type="submit" class="secondary">Log out</button>');
    const real = await logout({ csrf: csrfOf(dash.body) });
    expect(real.status).toBe(303);
    expect(real.headers.location).toBe('/admin/login');
    expect(String(real.headers['set-cookie'])).toMatch(/^pb_admin=; Max-Age=0; Path=\//);
  });

  it('ends every session when the admin token changes, and keeps them over a restart with the same token', async () => {
    const { t, base } = await serveWith();
    const cookie = await adminLogin(base);
    const reopen = async (token: string) => {
      await http?.close();
      await t.restart({ PAPERBOY_ADMIN_TOKEN: token });
      http = await listen(createApp(t.ctx, { nextRun: () => null }));
      return rawRequest(http.url, { path: '/admin', headers: { cookie } });
    };
    expect((await reopen(ADMIN_TOKEN)).status).toBe(200);
    const rotated = await reopen('another-admin-token-9876543210');
    expect(rotated.status).toBe(303);
    expect(rotated.headers.location).toBe('/admin/login?next=%2Fadmin');
  });
});

describe('wrong admin tokens behind a proxy', () => {
  it('block the client that sent them (the last X-Forwarded-For entry), not everyone behind the proxy', async () => {
    const { base } = await serveWith({ PAPERBOY_TRUST_PROXY: '1' });
    const attacker = { 'x-forwarded-for': '10.9.9.9, 203.0.113.9' };
    const admin = { 'x-forwarded-for': '198.51.100.4' };
    const tryLogin = (token: string, headers: Record<string, string>) =>
      rawRequest(base, {
        method: 'POST',
        path: '/admin/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ token, next: '/admin' }).toString(),
      });
    for (let i = 0; i < 5; i++) expect((await tryLogin('wrong-token-xxxxxxxxxx', attacker)).status).toBe(401);
    expect((await tryLogin(ADMIN_TOKEN, attacker)).status).toBe(429);
    // The same first hop, another client: a forged first entry does not pick the bucket.
    expect((await tryLogin(ADMIN_TOKEN, { 'x-forwarded-for': '203.0.113.9, 198.51.100.4' })).status).toBe(303);
    expect((await tryLogin(ADMIN_TOKEN, admin)).status).toBe(303);
    const api = (headers: Record<string, string>) =>
      rawRequest(base, { path: '/api/digests', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers } });
    expect((await api(attacker)).status).toBe(429);
    expect((await api(admin)).status).toBe(200);
  });
});
