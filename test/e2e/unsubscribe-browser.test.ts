import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { createApp } from '../../src/server/app.js';
import { findSubscriberByEmail } from '../../src/store/subscribers.js';
import { launchChromium } from '../helpers/browser.js';
import { listen } from '../helpers/http-server.js';
import { rawHeaders, type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, startTestApp, type TestApp } from '../helpers/test-app.js';

let browser: Browser;
let app: TestApp | undefined;
let sink: SmtpSink | undefined;
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
  await sink?.close();
  app = sink = http = undefined;
});

describe('unsubscribing in a browser', () => {
  it('the link in the email opens a page; the button unsubscribes; the next digest does not come', async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url });
    await addActive(app, 'ada@example.com', 'bob@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    http = await listen(createApp(app.ctx, { nextRun: () => null }));

    // The reader clicks "Unsubscribe" in the HTML part of the email they got.
    const mail = sink.to('ada@example.com')[0];
    const href = /<a href="([^"]+)"[^>]*>Unsubscribe<\/a>/.exec(mail?.mail.html || '')?.[1] ?? '';
    const [listUnsubscribe] = rawHeaders(mail?.raw ?? '', 'list-unsubscribe');
    expect(listUnsubscribe).toBe(`<${href}>`);

    const page = await browser.newPage();
    await page.goto(href.replace('https://papers.example.org', http.url));
    expect(await page.locator('h1').textContent()).toBe('Unsubscribe from Daily Papers?');
    expect(await page.locator('p').first().textContent()).toBe('ada@example.com will get no more digests.');
    expect((await findSubscriberByEmail(app.ctx.db, 'ada@example.com'))?.status).toBe('active');

    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.waitForSelector('text=You are unsubscribed');
    expect(await page.locator('p').first().textContent()).toBe(
      'ada@example.com gets no more Daily Papers emails, starting with the next one.',
    );
    expect((await findSubscriberByEmail(app.ctx.db, 'ada@example.com'))?.status).toBe('unsubscribed');

    await runDigest(app.ctx, { date: '2026-11-29' });
    expect(sink.to('ada@example.com')).toHaveLength(1);
    expect(sink.to('bob@example.com')).toHaveLength(2);
    await page.close();
  });

  it('the web version of the digest reads well at phone width', async () => {
    app = await startTestApp();
    await addActive(app, 'ada@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    const page = await browser.newPage({ viewport: { width: 375, height: 800 } });
    await page.goto(`${http.url}/digests/2026-11-28`);
    expect(await page.locator('h1').textContent()).toBe('Daily Papers');
    expect(await page.getByText('Web version · Saturday, 28 November 2026', { exact: true }).count()).toBe(1);
    // Nothing is wider than the phone: no sideways scrolling.
    const scrollWidth = await page.evaluate('document.documentElement.scrollWidth');
    expect(scrollWidth).toBeLessThanOrEqual(375);
    expect(await page.getByRole('link', { name: 'PDF', exact: true }).count()).toBe(10);
    await page.close();
  });
});
