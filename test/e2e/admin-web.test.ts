// The web admin as an admin uses it, in Chromium: navigation on every page, subscribers (search,
// filter, keyset pages, one subscriber's page, remove and resubscribe, CSV import and export), the
// dashboard's pictures, a digest's progress, the preview's text, headers and desktop width.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { createApp } from '../../src/server/app.js';
import { findSubscriberByEmail, setSubscriberStatus } from '../../src/store/subscribers.js';
import { fromAddress } from '../helpers/admin.js';
import { launchChromium } from '../helpers/browser.js';
import { listen } from '../helpers/http-server.js';
import { rawRequest } from '../helpers/raw-http.js';
import { addActive, startTestApp, type TestApp } from '../helpers/test-app.js';

let browser: Browser;
let app: TestApp | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await http?.close();
  await app?.close();
  app = http = undefined;
});

const NAV = ['Dashboard', 'Digests', 'Subscribers', 'Preview', 'Outbox'];
const navOf = (page: Page) => page.locator('nav.admin a').allTextContents();
const cells = (page: Page, column: number) => page.locator(`table tbody tr td:nth-child(${column})`).allTextContents();

describe('the web admin in a browser', () => {
  it('manages subscribers: search, filter, pages, one subscriber, remove and resubscribe, import and export', async () => {
    app = await startTestApp();
    const emails = Array.from({ length: 120 }, (_, i) => `reader${String(i).padStart(3, '0')}@example.com`);
    await addActive(app, ...emails, 'ada@lovelace.example');
    await runDigest(app.ctx, { date: '2026-11-28' });
    const bounced = await findSubscriberByEmail(app.ctx.db, 'reader007@example.com');
    await setSubscriberStatus(app.ctx.db, bounced?.id ?? 0, 'bounced', 'hard-bounce');
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });

    await page.goto(`${http.url}/admin`);
    expect(await navOf(page)).toEqual(NAV);
    await page.locator('nav.admin').getByRole('link', { name: 'Subscribers' }).click();
    await page.waitForURL(`${http.url}/admin/subscribers`);
    expect(await navOf(page)).toEqual(NAV);
    expect(await page.locator('nav.admin a[aria-current="page"]').textContent()).toBe('Subscribers');
    expect(await page.locator('main > p').first().textContent()).toBe(
      '121 subscribers: 120 active · 0 pending · 0 unsubscribed · 1 bounced',
    );

    // Pages of 50 by keyset: 121 rows are three pages, every address once.
    const seen: string[] = [];
    for (;;) {
      seen.push(...(await cells(page, 1)));
      const next = page.getByRole('link', { name: 'Next 50 →' });
      if ((await next.count()) === 0) break;
      await next.click();
      await page.waitForLoadState();
    }
    expect(seen).toEqual([...emails, 'ada@lovelace.example']);

    // Search and filter.
    await page.goto(`${http.url}/admin/subscribers`);
    await page.getByLabel('Search', { exact: true }).fill('LOVELACE');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/q=LOVELACE/);
    expect(await cells(page, 1)).toEqual(['ada@lovelace.example']);
    await page.getByLabel('Search', { exact: true }).fill('');
    await page.locator('select[name="status"]').selectOption('bounced');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/status=bounced/);
    expect(await cells(page, 1)).toEqual(['reader007@example.com']);

    // One subscriber: state, deliveries, and Resubscribe; then Remove.
    await page.getByRole('link', { name: 'reader007@example.com' }).click();
    expect(await page.locator('h1').textContent()).toBe('reader007@example.com');
    expect(await page.locator('table.headers tr', { hasText: 'Status' }).locator('td').nth(1).textContent()).toBe(
      'bounced (hard-bounce)',
    );
    expect(await page.locator('h2:has-text("Deliveries") + div table tbody tr td').first().textContent()).toBe(
      '2026-11-28',
    );
    await page.getByRole('button', { name: 'Resubscribe' }).click();
    await page.waitForSelector('text=Active again: the next digest goes to this address.');
    expect((await findSubscriberByEmail(app.ctx.db, 'reader007@example.com'))?.status).toBe('active');
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.waitForSelector('text=Removed: no further digests; the history is kept.');
    const removed = await findSubscriberByEmail(app.ctx.db, 'reader007@example.com');
    expect([removed?.status, removed?.statusReason]).toEqual(['unsubscribed', 'removed']);

    // Import: good rows in, bad rows reported by line, as the CLI does.
    const csv = path.join(app.dir, 'upload.csv');
    writeFileSync(
      csv,
      'email,name,topics\nnew1@example.com,New One,cs.LG\nnot-an-address,Bad,\nnew2@example.com,,\nbob@example,Bob,\n',
    );
    await page.goto(`${http.url}/admin/subscribers`);
    await page.setInputFiles('input[type="file"]', csv);
    await page.getByRole('button', { name: 'Import' }).click();
    await page.waitForSelector('text=Imported upload.csv');
    expect(await page.locator('p[role="status"]').textContent()).toBe(
      'Imported upload.csv: 4 rows · 2 added, 0 updated, 0 unchanged, 0 repeated in the file, 0 left suppressed, 0 resubscribed, 2 bad rows skipped.',
    );
    expect(await page.locator('table tbody tr').allTextContents()).toEqual([
      expect.stringMatching(/^3.*not-an-address/),
      expect.stringMatching(/^5.*bob@example/),
    ]);
    expect((await findSubscriberByEmail(app.ctx.db, 'new1@example.com'))?.topics).toEqual(['cs.LG']);

    // Export: the download is the CLI's CSV.
    await page.goto(`${http.url}/admin/subscribers?status=unsubscribed`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the unsubscribed subscribers as CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('subscribers-unsubscribed.csv');
    const exported = readFileSync((await download.path()) ?? '', 'utf8')
      .trim()
      .split('\n');
    expect(exported[0]).toBe('email,name,topics,status,status_reason,timezone,hour,created_at,votes');
    expect(exported.slice(1).map((l) => l.split(',').slice(0, 5).join(','))).toEqual([
      'reader007@example.com,,,unsubscribed,removed',
    ]);
    await page.close();
  }, 90_000);

  it('draws the dashboard’s deliveries and subscribers, and a digest’s progress, as SVG with the figures', async () => {
    app = await startTestApp();
    await addActive(app, 'a@example.com', 'b@example.com', 'c@example.com');
    const today = new Date().toISOString().slice(0, 10);
    await runDigest(app.ctx, { date: today });
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, colorScheme: 'dark' });
    await page.goto(`${http.url}/admin`);
    const bars = page.locator('figure.chart').first();
    expect(await bars.locator('svg title').first().textContent()).toBe(
      'Deliveries per day, last 30 days: 3 sent, 0 failed, 0 bounced over 30 days',
    );
    expect(await bars.locator('rect.c-sent title').allTextContents()).toEqual([`${today}: 3 sent`]);
    const people = page.locator('figure.chart').nth(1);
    expect(await people.locator('svg title').first().textContent()).toBe(
      'Subscribers over time, last 30 days: 3 active, 0 unsubscribed, 0 bounced at the end',
    );
    // Readable in dark mode: the bars are a light green on the dark page, not the light page's dark green.
    expect(
      await bars
        .locator('rect.c-sent')
        .first()
        .evaluate((el) => getComputedStyle(el).fill),
    ).toBe('rgb(72, 187, 120)');
    await page.goto(`${http.url}/admin/digests`);
    expect(await navOf(page)).toEqual(NAV);
    expect(await cells(page, 1)).toEqual([today]);
    await page.close();
  });

  it('preview: the text part unwrapped at full width, the headers decoded, the desktop email 680 px wide', async () => {
    app = await startTestApp();
    await addActive(app, 'ada@example.com');
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${http.url}/admin/preview?date=2026-11-28`);
    expect(await navOf(page)).toEqual(NAV);
    expect(await page.locator('iframe.email').evaluate((el) => el.clientWidth)).toBe(680);

    await page.getByRole('link', { name: 'text', exact: true }).click();
    const pre = page.locator('pre.email-text');
    const text = (await pre.textContent()) ?? '';
    const lines = text.split('\n').length;
    // Every line of the 72-column text on one line of the page: the box is as tall as its lines.
    const { height, lineHeight } = await pre.evaluate((el) => {
      const s = getComputedStyle(el);
      return {
        height: el.clientHeight - Number.parseFloat(s.paddingTop) - Number.parseFloat(s.paddingBottom),
        lineHeight: Number.parseFloat(s.lineHeight) || Number.parseFloat(s.fontSize) * 1.2,
      };
    });
    expect(Math.round(height / lineHeight)).toBeLessThanOrEqual(lines);
    expect(await pre.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);

    await page.getByRole('link', { name: 'headers' }).click();
    const subject = page
      .locator('table.headers tr', { hasText: /^Subject/ })
      .locator('td')
      .nth(1);
    expect(await subject.textContent()).toMatch(/^Daily Papers · 28 Nov 2026 · .+/);
    expect(await subject.textContent()).not.toContain('=?');
    await page.close();
  });

  it('is behind the admin rule, and its forms need the CSRF token', async () => {
    app = await startTestApp();
    await addActive(app, 'ada@example.com');
    const ada = await findSubscriberByEmail(app.ctx.db, 'ada@example.com');
    const web = createApp(app.ctx, { nextRun: () => null });
    for (const p of [
      '/admin/subscribers',
      `/admin/subscribers/${ada?.id}`,
      '/admin/subscribers/export.csv',
      '/admin/digests',
    ]) {
      expect({ p, status: (await web.request(p, {}, fromAddress('192.0.2.7'))).status }).toEqual({ p, status: 403 });
    }
    http = await listen(web);
    for (const p of [`/admin/subscribers/${ada?.id}/remove`, '/admin/subscribers/import']) {
      const res = await rawRequest(http.url, {
        method: 'POST',
        path: p,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      });
      expect({ p, status: res.status }).toEqual({ p, status: 403 });
    }
    expect((await findSubscriberByEmail(app.ctx.db, 'ada@example.com'))?.status).toBe('active');
  });
});

// Runs inside the browser page (the project's types are Node's, without the DOM).
declare function getComputedStyle(el: unknown): {
  fill: string;
  paddingTop: string;
  paddingBottom: string;
  lineHeight: string;
  fontSize: string;
};
