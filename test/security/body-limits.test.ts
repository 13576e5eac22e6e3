import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { countSubscribersByStatus, findSubscriberByEmail } from '../../src/store/subscribers.js';
import { signToken } from '../../src/subscribers/tokens.js';
import { ADMIN_TOKEN } from '../helpers/admin.js';
import { listen } from '../helpers/http-server.js';
import { rawRequest } from '../helpers/raw-http.js';
import { addActive, startTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
afterEach(async () => {
  await http?.close();
  await app?.close();
  app = http = undefined;
});

async function serve() {
  app = await startTestApp({ PAPERBOY_ADMIN_TOKEN: ADMIN_TOKEN });
  http = await listen(createApp(app.ctx, { nextRun: () => null }));
  return { t: app, base: http.url };
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const TOO_BIG_FORM = 'The request is too large: a form here takes at most 64 KB.';
const MB = 1024 * 1024;

/** `size` bytes of a sign-up form, in 64 KB chunks, sent without a Content-Length (chunked). */
function chunkedForm(size: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent === 0) {
        sent += 20;
        this.push('email=big%40example.');
        return;
      }
      if (sent >= size) return void this.push(null);
      const n = Math.min(64 * 1024, size - sent);
      sent += n;
      this.push('x'.repeat(n));
    },
  });
}

describe('request body limits', () => {
  it('refuses a 20 MB sign-up with 413 at once and creates nobody; a normal sign-up still works', async () => {
    const { t, base } = await serve();
    const big = await rawRequest(base, {
      method: 'POST',
      path: '/subscribe',
      headers: FORM,
      body: `email=big%40example.com&name=${'x'.repeat(20 * MB)}`,
    });
    expect(big.status).toBe(413);
    expect(big.body).toContain(`<p>${TOO_BIG_FORM}</p>`);

    const chunked = await rawRequest(base, {
      method: 'POST',
      path: '/subscribe',
      headers: FORM,
      body: chunkedForm(20 * MB),
    });
    expect(chunked.status).toBe(413);

    const normal = await rawRequest(base, {
      method: 'POST',
      path: '/subscribe',
      headers: FORM,
      body: new URLSearchParams({ email: 'small@example.com', name: 'x'.repeat(60 * 1024) }).toString(),
    });
    expect(normal.status).toBe(200);
    expect(normal.body).toContain('<h1>Check your inbox</h1>');
    // The normal sign-up is stored after its answer: wait for it, then nothing else is there.
    for (let i = 0; i < 200 && !(await findSubscriberByEmail(t.ctx.db, 'small@example.com')); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await countSubscribersByStatus(t.ctx.db)).toEqual({ pending: 1, active: 0, unsubscribed: 0, bounced: 0 });
  });

  it('caps the unsubscribe, preferences and admin forms at 64 KB too', async () => {
    const { t, base } = await serve();
    await addActive(t, 'ada@example.com');
    const ada = await findSubscriberByEmail(t.ctx.db, 'ada@example.com');
    const id = ada?.id ?? 0;
    const body = `List-Unsubscribe=One-Click&pad=${'x'.repeat(65 * 1024)}`;
    for (const path of [
      `/u/${signToken(t.ctx.secret, 'unsubscribe', id)}`,
      `/p/${signToken(t.ctx.secret, 'preferences', id)}`,
      `/confirm/${signToken(t.ctx.secret, 'confirm', id)}`,
      '/admin/login',
    ]) {
      const res = await rawRequest(base, { method: 'POST', path, headers: FORM, body });
      expect({ path, status: res.status }).toEqual({ path, status: 413 });
    }
    expect((await findSubscriberByEmail(t.ctx.db, 'ada@example.com'))?.status).toBe('active');
  });

  it('takes JSON up to 1 MB on /api and refuses more with 413', async () => {
    const { base } = await serve();
    const json = { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` };
    const send = (body: string) =>
      rawRequest(base, { method: 'POST', path: '/api/digests/2026-11-28/send', headers: json, body });
    // 200 KB: over the form limit, under the JSON one.
    const padded = await send(`{"dryRun": true${' '.repeat(200 * 1024)}}`);
    expect(padded.status).toBe(200);
    expect(JSON.parse(padded.body)).toMatchObject({ mode: 'dry-run', recipients: 0 });
    const big = await send(`{"dryRun": true${' '.repeat(2 * MB)}}`);
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toEqual({ error: 'the request is too large: the API takes at most 1 MB of JSON' });
  });
});
