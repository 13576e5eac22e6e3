import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { launchChromium } from '../helpers/browser.js';
import { listen } from '../helpers/http-server.js';
import { type SmtpSink, startSmtpSink, waitForMail } from '../helpers/smtp-sink.js';
import { addActive, ROOT, startTestApp, type TestApp } from '../helpers/test-app.js';

// Runs inside the browser page (the project's types are Node's, without the DOM).
declare function getComputedStyle(el: unknown): { backgroundColor: string };

const TOKEN = 'admin-token-0123456789abcdef';
const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
let browser: Browser;
let app: TestApp | undefined;
let sink: SmtpSink | undefined;
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
  await sink?.close();
  app = sink = http = undefined;
});

describe('the admin UI in a browser', () => {
  it('logs in, previews the email at desktop and mobile width, in dark mode and as text, and sends a test copy', async () => {
    sink = await startSmtpSink();
    // http base URL here so that the session cookie (Secure only on https) is kept by the browser.
    app = await startTestApp({
      PAPERBOY_SMTP_URL: sink.url,
      PAPERBOY_ADMIN_TOKEN: TOKEN,
      PAPERBOY_BASE_URL: 'http://127.0.0.1',
    });
    await addActive(app, 'ada@example.com');
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });

    await page.goto(`${http.url}/admin`);
    expect(page.url()).toBe(`${http.url}/admin/login?next=%2Fadmin`);
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${http.url}/admin`);
    expect(await page.locator('h1').textContent()).toBe('paperboy admin');

    await page.goto(`${http.url}/admin/preview?date=2026-11-28`);
    const frame = page.frameLocator('iframe.email');
    await expect.poll(async () => frame.locator('h1').textContent()).toBe('Daily Papers');
    await page.screenshot({ path: path.join(SHOTS, 'admin-preview-desktop.png'), fullPage: true });

    await page.getByRole('link', { name: 'mobile' }).click();
    const mobile = page.locator('iframe.email.mobile');
    expect(await mobile.evaluate((el) => el.clientWidth)).toBe(375);
    await expect
      .poll(async () => page.frameLocator('iframe.email.mobile').locator('h1').textContent())
      .toBe('Daily Papers');
    await page.screenshot({ path: path.join(SHOTS, 'admin-preview-mobile.png'), fullPage: true });

    await page.getByRole('link', { name: 'dark' }).click();
    const darkBody = page.frameLocator('iframe.email.dark').locator('.pb-card').first();
    await expect
      .poll(async () => darkBody.evaluate((el) => getComputedStyle(el).backgroundColor))
      .toBe('rgb(27, 31, 36)');
    await page.screenshot({ path: path.join(SHOTS, 'admin-preview-dark.png'), fullPage: true });

    await page.getByRole('link', { name: 'text' }).click();
    expect(await page.locator('pre.email-text').textContent()).toContain('Daily Papers — Saturday, 28 November 2026');

    await page.goto(`${http.url}/admin`);
    await page.getByLabel("Send a test copy of today's email to").fill('editor@example.org');
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.waitForSelector('text=Test copy sent');
    const [copy] = await waitForMail(sink, 'editor@example.org');
    expect(copy?.mail.subject).toMatch(/^\[Test\] Daily Papers · /);
    await page.close();
  });
});
