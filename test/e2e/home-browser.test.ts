import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { createApp } from '../../src/server/app.js';
import { launchChromium } from '../helpers/browser.js';
import { listen } from '../helpers/http-server.js';
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

describe('the home page in a browser', () => {
  it('a paper clicked in the latest digest opens in the whole window, not inside the frame', async () => {
    app = await startTestApp({});
    await addActive(app, 'ada@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    const page = await browser.newPage();
    // The paper's page, answered here: tests never reach the internet.
    await page.route('https://huggingface.co/**', (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<title>The paper</title><h1>The paper</h1>' }),
    );
    await page.goto(`${http.url}/`);
    const frame = page.frameLocator('iframe.digest');
    const first = frame.locator('a[href^="https://huggingface.co/papers/"]').first();
    const href = await first.getAttribute('href');
    expect(href).toMatch(/^https:\/\/huggingface\.co\/papers\/\d{4}\.\d{4,5}$/);
    await Promise.all([page.waitForURL(href ?? ''), first.click()]);
    expect(page.url()).toBe(href);
    expect(await page.locator('h1').textContent()).toBe('The paper');
    await page.close();
  });
});
