import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { findSubscriberByEmail } from '../../src/store/subscribers.js';
import { launchChromium } from '../helpers/browser.js';
import { listen } from '../helpers/http-server.js';
import { type SmtpSink, startSmtpSink, waitForMail } from '../helpers/smtp-sink.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

// The sign-up form's time zone in a real Chromium: filled from the browser's own zone by the
// page's one script (allowed by its hash in the CSP), and still a field one can type into and
// send with JavaScript off. Confirmed, the reader has the zone and hour they sent.

let browser: Browser;
let app: TestApp | undefined;
let sink: SmtpSink | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
let context: BrowserContext | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await context?.close();
  await http?.close();
  await app?.close();
  await sink?.close();
  app = sink = http = context = undefined;
});

async function serve() {
  sink = await startSmtpSink();
  app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_TIMEZONE: 'Europe/Berlin' });
  http = await listen(createApp(app.ctx, { nextRun: () => null }));
  return served();
}

/**
 * Sends the form with `email` and the hour `hour` (the zone as the page has it), checks the answer
 * says when the digest arrives, confirms with the link of the confirmation mail, and returns the
 * reader as stored.
 */
async function subscribe(page: Page, email: string, hour: string, arrives: string) {
  const { t, s, base } = served();
  await page.getByLabel('Email').fill(email);
  await page.locator('select[name="hour"]').selectOption(hour);
  await Promise.all([page.waitForURL(`${base}/subscribe`), page.getByRole('button', { name: 'Subscribe' }).click()]);
  expect(await page.locator('h1').textContent()).toBe('Check your inbox');
  expect(await page.getByText(`Each digest arrives at ${arrives}.`).isVisible()).toBe(true);
  const [mail] = await waitForMail(s, email);
  const link = /https:\/\/papers\.example\.org\/confirm\/\S+/.exec(mail?.mail.text ?? '')?.[0] ?? '';
  const res = await fetch(link.replace('https://papers.example.org', base), { method: 'POST' });
  expect(res.status).toBe(200);
  return findSubscriberByEmail(t.ctx.db, email);
}

const served = () => {
  if (!app || !sink || !http) throw new Error('serve() first');
  return { t: app, s: sink, base: http.url };
};

describe('the sign-up form’s time zone in a browser', () => {
  it('is filled from the browser’s zone (Asia/Tokyo), with no CSP complaint; sent and confirmed, it is stored', async () => {
    const { base } = await serve();
    context = await browser.newContext({ timezoneId: 'Asia/Tokyo' });
    const page = await context.newPage();
    const complaints: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') complaints.push(m.text());
    });
    await page.goto(`${base}/`);
    expect(await page.locator('#timezone').inputValue()).toBe('Asia/Tokyo');
    expect(await page.locator('select[name="hour"]').inputValue()).toBe('7');
    expect(complaints).toEqual([]);

    expect(await subscribe(page, 'tokyo@example.com', '9', '09:00 (Asia/Tokyo)')).toMatchObject({
      status: 'active',
      timezone: 'Asia/Tokyo',
      hour: 9,
    });
  });

  it('without JavaScript shows the list’s zone, takes one typed in any case, and sends it', async () => {
    const { base } = await serve();
    context = await browser.newContext({ timezoneId: 'Asia/Tokyo', javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    const zone = page.locator('#timezone');
    // No script ran: the list's zone, and the field offers every zone to pick from.
    expect(await zone.inputValue()).toBe('Europe/Berlin');
    expect(await zone.getAttribute('list')).toBe('zones');
    expect(await page.locator('datalist#zones option[value="America/New_York"]').count()).toBe(1);

    await zone.fill('');
    await zone.pressSequentially('america/new_york');
    expect(await subscribe(page, 'nyc@example.com', '20', '20:00 (America/New_York)')).toMatchObject({
      status: 'active',
      timezone: 'America/New_York',
      hour: 20,
    });
  });
});
