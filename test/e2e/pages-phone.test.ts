/**
 * Every page a person sees, at phone width (375 px), light and dark: a reader's whole path through
 * the site (the home page, signing up, confirming, the archive, a digest, the links of the email:
 * preferences, a vote, unsubscribing) and the editor's (the admin, its preview, the outbox and a
 * message). No page is wider than the phone. Screenshots go to test-results/screenshots/ for humans.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { createApp } from '../../src/server/app.js';
import { findSubscriberByEmail } from '../../src/store/subscribers.js';
import { launchChromium } from '../helpers/browser.js';
import { listen } from '../helpers/http-server.js';
import { addActive, ROOT, startTestApp, type TestApp } from '../helpers/test-app.js';

const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
const WIDTH = 375;
const BASE_URL = 'https://papers.example.org';
const DATE = '2026-11-28';

let browser: Browser;
let app: TestApp | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;

beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await http?.close();
  await app?.close();
  app = http = undefined;
});

describe('every page at phone width', () => {
  it.each(['light', 'dark'] as const)(
    '%s: no page is wider than the phone',
    async (scheme) => {
      app = await startTestApp();
      const t = app;
      await addActive(t, 'ada@example.com');
      const nextRun = new Date('2026-11-28T07:00:00Z');
      http = await listen(createApp(t.ctx, { nextRun: () => nextRun }));
      const base = http.url;
      const local = (href: string | null) => (href ?? '').replace(BASE_URL, base);
      const context = await browser.newContext({ viewport: { width: WIDTH, height: 800 }, colorScheme: scheme });
      const page = await context.newPage();
      const seen: string[] = [];

      /** The page on screen fits the phone; its picture is kept for a human to look at. */
      const fits = async (name: string, heading: string) => {
        expect(await page.locator('h1').first().textContent()).toBe(heading);
        const width = await page.evaluate('document.documentElement.scrollWidth');
        expect(width, `${name}: document width at ${WIDTH} px`).toBeLessThanOrEqual(WIDTH);
        await page.screenshot({ path: path.join(SHOTS, `phone-${scheme}-${name}.png`) });
        seen.push(name);
      };

      await page.goto(`${base}/`);
      await fits('home-before', 'Daily Papers');
      await page.goto(`${base}/digests`);
      await fits('archive-empty', 'Daily Papers archive');

      // Signing up from the home page: the answer, then the confirmation email's link.
      await page.goto(`${base}/`);
      await page.getByLabel('Email').fill('new.reader@example.com');
      await page.getByLabel('Topics').fill('sparse attention, author:Ada Lovelace');
      await page.getByRole('button', { name: 'Subscribe' }).click();
      await page.waitForSelector('h1:text-is("Check your inbox")');
      await fits('check-your-inbox', 'Check your inbox');
      // The confirmation is sent after the answer: wait for it (its first render compiles MJML).
      await expect
        .poll(async () => (await findSubscriberByEmail(t.ctx.db, 'new.reader@example.com'))?.confirmSentAt ?? null, {
          timeout: 20_000,
        })
        .not.toBeNull();

      await page.goto(`${base}/outbox`);
      await fits('outbox', 'Outbox');
      await page.getByRole('link', { name: 'Confirm your subscription to Daily Papers' }).click();
      await page.waitForURL(/\/outbox\/[^/]+\.eml$/);
      await fits('outbox-confirmation', 'Confirm your subscription to Daily Papers');
      const confirmHref = await page
        .frameLocator('iframe.email')
        .getByRole('link', { name: 'Yes, subscribe me' })
        .getAttribute('href');
      await page.goto(local(confirmHref));
      await fits('confirm', 'Confirm your subscription');
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.waitForSelector('h1:text-is("Welcome to Daily Papers")');
      await fits('welcome', 'Welcome to Daily Papers');

      // A digest goes out: the home page, the archive, the web version.
      await runDigest(t.ctx, { date: DATE });
      await page.goto(`${base}/`);
      await fits('home-after', 'Daily Papers');
      await page.goto(`${base}/digests`);
      await fits('archive', 'Daily Papers archive');
      await page.goto(`${base}/digests/${DATE}`);
      await fits('digest-web', 'Daily Papers');

      // Ada's email, opened from the outbox, and the pages its links open.
      await page.goto(`${base}/outbox`);
      await page
        .locator('tr', { hasText: 'ada@example.com' })
        .getByRole('link', { name: /^Daily Papers · / })
        .click();
      await page.waitForURL(/\/outbox\/[^/]+\.eml$/);
      // The message's page (From, To, Subject, the email framed), then the email itself at that width.
      await fits('outbox-message', (await page.locator('h1').first().textContent()) ?? '');
      expect(await page.locator('h1').first().textContent()).toMatch(/^Daily Papers · 28 Nov 2026 · /);
      await page.goto(`${page.url()}/html`);
      await fits('outbox-message-email', 'Daily Papers');
      const prefsHref = await page.getByRole('link', { name: 'Preferences', exact: true }).getAttribute('href');
      const unsubscribeHref = await page.getByRole('link', { name: 'Unsubscribe', exact: true }).getAttribute('href');
      const voteHref = await page
        .getByRole('link', { name: /More like this/ })
        .first()
        .getAttribute('href');

      await page.goto(local(prefsHref));
      await fits('preferences', 'Daily Papers preferences');
      await page.goto(local(voteHref));
      await fits('vote', 'More like this?');
      await page.getByRole('button', { name: 'More like this' }).click();
      await page.waitForSelector('h1:text-is("Noted: more papers like this")');
      await fits('vote-noted', 'Noted: more papers like this');
      await page.goto(local(unsubscribeHref));
      await fits('unsubscribe', 'Unsubscribe from Daily Papers?');
      await page.getByRole('button', { name: 'Unsubscribe' }).click();
      await page.waitForSelector('h1:text-is("You are unsubscribed")');
      await fits('unsubscribed', 'You are unsubscribed');

      // The editor's pages (loopback needs no token).
      await page.goto(`${base}/admin`);
      await fits('admin', 'paperboy admin');
      await page.goto(`${base}/admin/preview?date=${DATE}`);
      await fits('admin-preview', `Preview of ${DATE}`);

      expect(seen).toHaveLength(19);
      await context.close();
    },
    120_000,
  ); // seventeen pages and a digest: a minute on a busy two-core machine
});
