/**
 * No dead ends (issue 19, item 13), in Chromium: the sign-up answer and the welcome page say what
 * was chosen and what comes next, and link on; the archive lists each digest once, its subject the
 * link; the web version of a digest is a page of the site, with a bar to the home page, the archive
 * and Subscribe.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { preferencesUrl } from '../../src/send/message.js';
import { createApp } from '../../src/server/app.js';
import { withSiteBar } from '../../src/server/digest-pages.js';
import { listDigests } from '../../src/store/digests.js';
import { findSubscriberByEmail } from '../../src/store/subscribers.js';
import { launchChromium } from '../helpers/browser.js';
import { listen } from '../helpers/http-server.js';
import { addActive, startTestApp, type TestApp } from '../helpers/test-app.js';

// Runs inside the browser page (the project's types are Node's, without the DOM).
declare function getComputedStyle(el: unknown): { backgroundColor: string };

const BASE_URL = 'https://papers.example.org';
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

/** Each paragraph of the page's main box, as the reader sees it. */
const paragraphs = (page: Page) => page.locator('main > p').allInnerTexts();
/** The links of a navigation bar: text and where they go. */
const links = (page: Page, selector: string) =>
  page
    .locator(`${selector} a`)
    .evaluateAll((as) =>
      as.map((a) => [(a as unknown as { textContent: string }).textContent.trim(), a.getAttribute('href')]),
    );

/**
 * Waits until the confirmation email to `email` is written (it goes out after the page's answer),
 * opens it in the outbox, follows its link and confirms: on the welcome page. Returns the link.
 */
async function confirmFromOutbox(page: Page, t: TestApp, base: string, email: string): Promise<string> {
  await expect
    .poll(async () => (await findSubscriberByEmail(t.ctx.db, email))?.confirmSentAt ?? null, { timeout: 20_000 })
    .not.toBeNull();
  await page.goto(`${base}/outbox`);
  await page.getByRole('link', { name: 'Confirm your subscription to Daily Papers' }).click();
  await page.waitForURL(/\/outbox\/[^/]+\.eml$/);
  const confirm = await page
    .frameLocator('iframe.email')
    .getByRole('link', { name: 'Yes, subscribe me' })
    .getAttribute('href');
  await page.goto((confirm ?? '').replace(BASE_URL, base));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.waitForSelector('h1:text-is("Welcome to Daily Papers")');
  return confirm ?? '';
}

describe('no dead ends', () => {
  it('the sign-up answer names the address, the topics and the expiry, and links on; the welcome page the topics, the first digest and the preferences', async () => {
    // Paris: 07:00 there is 06:00 UTC in November.
    app = await startTestApp({ PAPERBOY_TIMEZONE: 'Europe/Paris' });
    const t = app;
    const nextRun = new Date('2026-11-29T06:00:00Z');
    http = await listen(createApp(t.ctx, { nextRun: () => nextRun }));
    const base = http.url;
    // A reader in the list's zone: the form's zone, filled from the browser's, is the list's.
    const page = await browser.newPage({ timezoneId: 'Europe/Paris' });

    await page.goto(`${base}/`);
    await page.getByLabel('Email').fill('new.reader@example.com');
    await page.getByLabel('Topics').fill('sparse attention; author:Ada Lovelace');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForSelector('h1:text-is("Check your inbox")');
    expect(await paragraphs(page)).toEqual([
      'If new.reader@example.com can receive mail, a link to confirm your subscription to Daily Papers is on its way. Nothing else is sent until you click it.',
      'Once you confirm, your digest follows your topics: sparse attention, author:Ada Lovelace.',
      'Each digest arrives at 07:00 (Europe/Paris).',
      'The link expires in 7 days. Already subscribed? Then nothing changes.',
    ]);
    expect(await links(page, 'main nav')).toEqual([
      ['Home', '/'],
      ['Past digests', '/digests'],
    ]);
    await page.getByRole('link', { name: 'Past digests' }).click();
    await page.waitForURL(`${base}/digests`);
    expect(await page.locator('h1').textContent()).toBe('Daily Papers archive');

    // The confirmation goes out after the answer: wait for it, then follow its link from the outbox.
    await confirmFromOutbox(page, t, base, 'new.reader@example.com');
    expect(await paragraphs(page)).toEqual([
      'new.reader@example.com is confirmed.',
      'Your topics: sparse attention, author:Ada Lovelace.',
      'Your first digest arrives on Sunday, 29 November 2026 at 07:00 (Europe/Paris).',
      'Change your topics, how often the digest comes, or pause it on your preferences page: its link is at the bottom of every digest.',
    ]);
    const reader = await findSubscriberByEmail(t.ctx.db, 'new.reader@example.com');
    expect(await links(page, 'main nav')).toEqual([
      ['Your preferences', preferencesUrl({ baseUrl: '', secret: t.ctx.secret }, reader?.id ?? 0)],
      ['Past digests', '/digests'],
      ['Home', '/'],
    ]);
    await page.getByRole('link', { name: 'Your preferences' }).click();
    await page.waitForSelector('h1:text-is("Daily Papers preferences")');
    expect(await page.locator('p.muted').first().textContent()).toBe('For new.reader@example.com.');
    expect(await page.getByRole('textbox', { name: /^Topics/ }).inputValue()).toBe(
      'sparse attention, author:Ada Lovelace',
    );
    await page.close();
  });

  it('a sign-up without topics says the digest brings the top papers; a welcome without a scheduler says nothing of a time', async () => {
    app = await startTestApp({ PAPERBOY_CONFIRM_TTL_DAYS: '1' });
    const t = app;
    http = await listen(createApp(t.ctx, { nextRun: () => null }));
    const base = http.url;
    const page = await browser.newPage({ timezoneId: 'UTC' });
    await page.goto(`${base}/`);
    await page.getByLabel('Email').fill('plain@example.com');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForSelector('h1:text-is("Check your inbox")');
    expect((await paragraphs(page)).slice(1)).toEqual([
      "You chose no topics: your digest brings the day's top papers. You can add topics later on your preferences page.",
      'Each digest arrives at 07:00 (UTC).',
      'The link expires in 1 day. Already subscribed? Then nothing changes.',
    ]);
    const confirm = await confirmFromOutbox(page, t, base, 'plain@example.com');
    expect((await paragraphs(page)).slice(0, 3)).toEqual([
      'plain@example.com is confirmed.',
      "You chose no topics: you get the day's top papers.",
      'The next digest is yours.',
    ]);
    // The link again (a second click): the reader is subscribed, and the page links on as well.
    await page.goto(confirm.replace(BASE_URL, base));
    expect(await page.locator('h1').textContent()).toBe('You are subscribed');
    expect((await links(page, 'main nav')).map(([text]) => text)).toEqual(['Your preferences', 'Past digests', 'Home']);
    await page.close();
  });

  it('the archive lists each digest once: its subject the link, its date as text', async () => {
    app = await startTestApp();
    await addActive(app, 'ada@example.com');
    await runDigest(app.ctx, { date: '2026-11-27' });
    await runDigest(app.ctx, { date: '2026-11-28' });
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    const subjects = Object.fromEntries((await listDigests(app.ctx.db)).map((d) => [d.date, d.subject]));
    const page = await browser.newPage();
    await page.goto(`${http.url}/digests`);

    // The subject without "Daily Papers · 28 Nov 2026 · ": the page is the list's, the date follows.
    const headline28 = subjects['2026-11-28']?.replace('Daily Papers · 28 Nov 2026 · ', '') ?? '';
    const headline27 = subjects['2026-11-27']?.replace('Daily Papers · 27 Nov 2026 · ', '') ?? '';
    expect(headline28).not.toBe(subjects['2026-11-28']);
    expect(await page.locator('ul.archive li').allInnerTexts()).toEqual([
      `${headline28}\nSaturday, 28 November 2026`,
      `${headline27}\nFriday, 27 November 2026`,
    ]);
    expect(await links(page, 'ul.archive')).toEqual([
      [headline28, '/digests/2026-11-28'],
      [headline27, '/digests/2026-11-27'],
    ]);
    await page.getByRole('link', { name: headline27 }).click();
    await page.waitForURL(`${http.url}/digests/2026-11-27`);
    // The email's heading is the list's name; the date line under it says which day.
    expect(await page.locator('h1').textContent()).toBe('Daily Papers');
    expect(await page.getByText('Web version · Friday, 27 November 2026').isVisible()).toBe(true);
    await page.close();
  });

  it('the web version of a digest has a bar: the list home, the archive, Subscribe; the home page frames it without', async () => {
    app = await startTestApp();
    await addActive(app, 'ada@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    const page = await browser.newPage();
    await page.goto(`${http.url}/digests/2026-11-28`);
    expect(await links(page, 'nav.pb-site')).toEqual([
      ['Daily Papers', '/'],
      ['Archive', '/digests'],
      ['Subscribe', '/#subscribe'],
    ]);
    // Styled under the page's CSP (inline styles only, no script): Subscribe is a blue button.
    expect(
      await page.getByRole('link', { name: 'Subscribe' }).evaluate((el) => getComputedStyle(el).backgroundColor),
    ).toBe('rgb(11, 61, 145)');
    expect(await page.locator('h1').textContent()).toBe('Daily Papers');
    expect(await page.getByText('Web version · Saturday, 28 November 2026').isVisible()).toBe(true);
    expect(await page.locator('script').count()).toBe(0);

    await page.getByRole('link', { name: 'Archive' }).click();
    await page.waitForURL(`${http.url}/digests`);
    await page.goBack();
    await page.getByRole('link', { name: 'Subscribe' }).click();
    await page.waitForURL(`${http.url}/#subscribe`);
    expect(await page.locator('form#subscribe').getByRole('button', { name: 'Subscribe' }).isVisible()).toBe(true);

    // On the home page the digest sits in a frame under the form: no second bar in there.
    const frame = page.frameLocator('iframe.digest');
    await expect.poll(() => frame.locator('h1').first().textContent()).toBe('Daily Papers');
    expect(await frame.getByText('Web version · Saturday, 28 November 2026').isVisible()).toBe(true);
    expect(await frame.locator('nav.pb-site').count()).toBe(0);
    await page.close();
  });

  it("the bar escapes the list's name and goes right after <body>", () => {
    const page = withSiteBar(
      '<!doctype html><html><head><title>x</title></head><body style="margin:0"><h1>Day</h1></body></html>',
      `Q&A 'Papers'`,
    );
    expect(page).toContain('<a class="pb-site-name" href="/">Q&amp;A &#x27;Papers&#x27;</a>');
    expect(page).toMatch(/<style>[\s\S]*<\/style><\/head><body style="margin:0"><nav class="pb-site" /);
    expect(page).toMatch(/<\/nav><h1>Day<\/h1><\/body><\/html>$/);
  });
});
