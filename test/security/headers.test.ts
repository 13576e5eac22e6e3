import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { createApp } from '../../src/server/app.js';
import { findSubscriberByEmail } from '../../src/store/subscribers.js';
import { signToken } from '../../src/subscribers/tokens.js';
import { launchChromium } from '../helpers/browser.js';
import { listen } from '../helpers/http-server.js';
import { rawRequest } from '../helpers/raw-http.js';
import { addActive, startTestApp, type TestApp } from '../helpers/test-app.js';

// Runs inside the browser page (the project's types are Node's, without the DOM).
declare function getComputedStyle(el: unknown): { backgroundColor: string };
declare const document: { body: unknown };

let app: TestApp | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
let other: { url: string; close: () => Promise<void> } | undefined;
let browser: Browser | undefined;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await http?.close();
  await other?.close();
  await app?.close();
  app = http = other = undefined;
});

async function serveWithDigest() {
  app = await startTestApp();
  await addActive(app, 'ada@example.com');
  await runDigest(app.ctx, { date: '2026-11-28' });
  http = await listen(createApp(app.ctx, { nextRun: () => null }));
  return { t: app, base: http.url };
}

const EMAIL =
  "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; font-src https:; base-uri 'none'; form-action 'none'";

describe('security headers', () => {
  it('puts a CSP, nosniff and no-referrer on every response; email HTML gets the email CSP', async () => {
    const { t, base } = await serveWithDigest();
    const ada = await findSubscriberByEmail(t.ctx.db, 'ada@example.com');
    const id = ada?.id ?? 0;
    const home = await rawRequest(base, { path: '/' });
    const style = /<style>([\s\S]*?)<\/style>/.exec(home.body)?.[1] ?? '';
    expect(style.length).toBeGreaterThan(100);
    const hash = createHash('sha256').update(style).digest('base64');
    const pageCsp = `default-src 'none'; style-src 'sha256-${hash}'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;
    // The home page's one script (it fills the sign-up's time zone from the browser's) runs by its hash.
    const scripts = [...home.body.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
    expect(scripts).toHaveLength(1);
    const scriptHash = createHash('sha256')
      .update(scripts[0] ?? '')
      .digest('base64');
    const homeCsp = pageCsp.replace('; style-src', `; script-src 'sha256-${scriptHash}'; style-src`);
    const outboxFile = readdirSync(path.join(t.dir, 'outbox'))[0] ?? '';
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const requests: [string, string, { method?: string; headers?: Record<string, string>; body?: string }, number][] = [
      ['/', homeCsp, {}, 200],
      [
        '/subscribe',
        homeCsp,
        { method: 'POST', headers: form, body: 'email=new%40example.com&timezone=Mars%2FOlympus' },
        400,
      ],
      ['/subscribe', pageCsp, { method: 'POST', headers: form, body: 'email=new%40example.com' }, 200],
      ['/confirm/tampered.token.x', pageCsp, {}, 400],
      [`/u/${signToken(t.ctx.secret, 'unsubscribe', id)}`, pageCsp, {}, 200],
      [`/p/${signToken(t.ctx.secret, 'preferences', id)}`, pageCsp, {}, 200],
      ['/p/tampered.token', pageCsp, {}, 400],
      ['/digests', pageCsp, {}, 200],
      ['/digests/2026-11-28', `${EMAIL}; frame-ancestors 'self'`, {}, 200],
      ['/digests/2026-11-01', pageCsp, {}, 404],
      ['/feed.xml', pageCsp, {}, 200],
      ['/healthz', pageCsp, {}, 200],
      ['/admin', pageCsp, {}, 200],
      ['/admin/preview?date=2026-11-28', pageCsp, {}, 200],
      ['/admin/preview/html?date=2026-11-28', `${EMAIL}; frame-ancestors 'self'`, {}, 200],
      ['/api/digests', pageCsp, {}, 200],
      ['/outbox', pageCsp, {}, 200],
      [`/outbox/${outboxFile}`, pageCsp, {}, 200],
      [`/outbox/${outboxFile}/html`, `${EMAIL}; frame-ancestors 'self'`, {}, 200],
      [`/outbox/${outboxFile}/raw`, pageCsp, {}, 200],
      ['/no/such/page', pageCsp, {}, 404],
      ['/subscribe', pageCsp, { method: 'POST', headers: form, body: 'x'.repeat(70_000) }, 413],
      ['/admin', pageCsp, { headers: { host: 'rebind.attacker.example' } }, 421],
    ];
    for (const [p, csp, opts, status] of requests) {
      const res = await rawRequest(base, { path: p, ...opts });
      expect({
        path: p,
        status: res.status,
        csp: res.headers['content-security-policy'],
        nosniff: res.headers['x-content-type-options'],
        referrer: res.headers['referrer-policy'],
      }).toEqual({ path: p, status, csp, nosniff: 'nosniff', referrer: 'no-referrer' });
    }
  });

  it('the home page and the admin preview still show their frames; another site cannot frame them', async () => {
    const { base } = await serveWithDigest();
    const framing = new Hono().get('/', (c) =>
      c.html(
        `<iframe name="admin" src="${base}/admin"></iframe><iframe name="web" src="${base}/digests/2026-11-28"></iframe>`,
      ),
    );
    other = await listen(framing);
    const page = await (browser as Browser).newPage();
    try {
      await page.goto(`${base}/`);
      await expect
        .poll(() => page.frameLocator('iframe.digest').locator('h1').first().textContent())
        .toBe('Daily Papers');
      // The list's name heads the digest; the date is the line under it.
      expect(
        await page.frameLocator('iframe.digest').getByText('Web version · Saturday, 28 November 2026').count(),
      ).toBe(1);
      // The page's own <style> applies (its hash is in the CSP).
      expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(243, 244, 246)');

      await page.goto(`${base}/admin/preview?date=2026-11-28`);
      await expect
        .poll(() => page.frameLocator('iframe.email').locator('h1').first().textContent())
        .toBe('Daily Papers');
      expect(
        await page.frameLocator('iframe.email').getByText('Saturday, 28 November 2026', { exact: true }).count(),
      ).toBe(1);

      // A page of another origin (localhost, not 127.0.0.1) framing the admin and the web version.
      await page.goto(`${other?.url.replace('127.0.0.1', 'localhost')}/`);
      const frames = page.mainFrame().childFrames();
      expect(frames).toHaveLength(2);
      for (const heading of ['paperboy admin', 'Daily Papers']) {
        let shown = 0;
        for (const f of frames) shown += await f.locator('h1', { hasText: heading }).count();
        expect({ heading, shown }).toEqual({ heading, shown: 0 });
      }
    } finally {
      await page.close();
    }
  });
});
