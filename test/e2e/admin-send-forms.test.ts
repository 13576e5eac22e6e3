// The admin's HTML send and control forms as an admin uses them, in Chromium on a real HTTP server
// and a real SMTP relay: review a date and back out, send it after the confirmation step, pause,
// resume and cancel it. Their API twins are in test/integration/admin.test.ts.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { deliveryCounts } from '../../src/store/deliveries.js';
import { digestControl, findDigest } from '../../src/store/digests.js';
import { browserSuite } from '../helpers/browser-suite.js';
import { listen } from '../helpers/http-server.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, startTestApp, type TestApp } from '../helpers/test-app.js';

const DATE = '2026-11-28';
const suite = browserSuite();

/** A loopback admin (no token), a relay that takes `quick` messages at once and then 400 ms each until `hurry()`. */
async function setUp(readers: string[], quick: number) {
  let slow = true;
  const s = await startSmtpSink(() => null, { delayMs: (n) => (n <= quick || !slow ? 5 : 400) });
  suite.sink = s;
  const t = await startTestApp({ PAPERBOY_SMTP_URL: s.url, PAPERBOY_SMTP_POOL: '1' });
  suite.app = t;
  await addActive(t, ...readers);
  suite.http = await listen(createApp(t.ctx, { nextRun: () => null }));
  // Once the admin has stopped the send, the relay takes messages at once again.
  return { t, s, base: suite.http.url, hurry: () => (slow = false) };
}

/** The date's digest as the store has it: its status, what an admin asked of it, its deliveries. */
async function stored(t: TestApp) {
  const digest = await findDigest(t.ctx.db, DATE);
  if (!digest) return null;
  return {
    status: digest.status,
    control: await digestControl(t.ctx.db, digest.id),
    deliveries: await deliveryCounts(t.ctx.db, digest.id),
  };
}

const statusLine = (page: Page) => page.locator('p[role="status"]').textContent();
const buttons = (page: Page) => page.locator('div.controls button').allTextContents();

/**
 * From the dashboard to the confirmation step of DATE. From a running send's page, which refreshes
 * itself every 2 s, the admin takes the nav's Dashboard link: a typed URL (page.goto) can be aborted
 * by that refresh firing before the new page commits (net::ERR_ABORTED), a click cancels the refresh.
 */
async function review(page: Page, base: string) {
  if (page.url().startsWith(`${base}/admin/digests/`)) {
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Dashboard' }).click();
    await page.waitForURL(`${base}/admin`);
  } else {
    await page.goto(`${base}/admin`);
  }
  await page.locator('input[name="date"][type="date"]').fill(DATE);
  await page.getByRole('button', { name: 'Review and send…' }).click();
  await page.waitForURL(`${base}/admin/send?date=${DATE}`);
}

describe('the admin’s send and control forms in a browser', () => {
  it('reviews a date, backs out with nothing sent, sends it after the confirmation, refuses a second send, pauses and resumes it', async () => {
    const readers = Array.from({ length: 30 }, (_, i) => `p${String(i).padStart(2, '0')}@example.com`);
    const { t, s, base, hurry } = await setUp(readers, 5);
    const page = await suite.browser.newPage({ viewport: { width: 1200, height: 900 } });

    await review(page, base);
    expect(await page.locator('h1').textContent()).toBe(`Send the digest of ${DATE}?`);
    expect(await page.locator('main > p').first().textContent()).toMatch(
      /^30 subscribers would receive “Daily Papers · 28 Nov 2026 · .+” \(10 papers in the public digest\)\.$/,
    );
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForURL(`${base}/admin`);
    expect(await page.locator('h1').textContent()).toBe('paperboy admin');
    // The review was a dry run: no delivery planned, nothing at the relay.
    expect((await stored(t))?.deliveries ?? null).toBeNull();
    expect(s.received).toHaveLength(0);

    await review(page, base);
    await page.getByRole('button', { name: 'Send now' }).click();
    await page.waitForURL(`${base}/admin/digests/${DATE}`);
    expect(await page.locator('h1').textContent()).toBe(`Digest of ${DATE}`);
    // The first five messages go at once, then one each 400 ms: the send is surely running.
    await expect.poll(() => s.received.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(5);
    // A second send of the date from the form while this one runs is refused, with the way to watch it.
    await review(page, base);
    await page.getByRole('button', { name: 'Send now' }).click();
    expect(await page.locator('h1').textContent()).toBe(`A send of ${DATE} is already running`);
    await page.getByRole('link', { name: 'Watch it' }).click();
    await page.waitForURL(`${base}/admin/digests/${DATE}`);
    expect(await statusLine(page)).toMatch(/^Sending: \d+ of 30 · [\d.]+ messages\/s( · about \d+ s left)?$/);
    expect(await buttons(page)).toEqual(['Pause', 'Cancel']);

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.waitForURL(`${base}/admin/digests/${DATE}`);
    // The running page refreshes itself every 2 s; Resume shows once the send has stopped.
    await page.getByRole('button', { name: 'Resume' }).waitFor({ timeout: 20_000 });
    expect(await buttons(page)).toEqual(['Resume', 'Cancel']);
    expect(await page.locator('main > p', { hasText: 'An admin asked to' }).textContent()).toBe(
      'An admin asked to pause this send.',
    );
    const paused = await stored(t);
    const sent = s.received.length;
    expect(sent).toBeLessThan(30);
    expect(paused).toEqual({
      status: 'sending',
      control: 'pause',
      deliveries: { pending: 30 - sent, sending: 0, sent, failed: 0, skipped: 0, feed: 0 },
    });
    expect(await statusLine(page)).toBe('Status: sending');
    hurry();

    await page.getByRole('button', { name: 'Resume' }).click();
    await page.waitForURL(`${base}/admin/digests/${DATE}`);
    await page.locator('p[role="status"]', { hasText: 'Status: sent' }).waitFor({ timeout: 30_000 });
    expect(await buttons(page)).toEqual([]);
    expect(
      await page
        .locator('main > p', { hasText: /^Sent \d/ })
        .first()
        .textContent(),
    ).toBe('Sent 30 · failed 0 · skipped 0 · pending 0 · editions 1 · bounced 0');
    expect(await stored(t)).toEqual({
      status: 'sent',
      control: 'run',
      deliveries: { pending: 0, sending: 0, sent: 30, failed: 0, skipped: 0, feed: 0 },
    });
    // Every reader exactly once, across the pause.
    expect(s.received.map((m) => m.rcptTo[0]).sort()).toEqual(readers);
    await page.close();
  }, 90_000);

  it('cancels a running send: what was not sent is skipped, and the page says so', async () => {
    const readers = Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, '0')}@example.com`);
    const { t, s, base } = await setUp(readers, 3);
    const page = await suite.browser.newPage({ viewport: { width: 1200, height: 900 } });
    await review(page, base);
    await page.getByRole('button', { name: 'Send now' }).click();
    await page.waitForURL(`${base}/admin/digests/${DATE}`);
    await expect.poll(() => s.received.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    // No page.reload(): like a typed URL it can be aborted by the page's own 2 s refresh.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(`${base}/admin/digests/${DATE}`);
    await page.getByRole('button', { name: 'Resume' }).waitFor({ timeout: 20_000 });
    const sent = s.received.length;
    expect(sent).toBeGreaterThanOrEqual(3);
    expect(await page.locator('main > p', { hasText: 'An admin asked to' }).textContent()).toBe(
      'An admin asked to cancel this send.',
    );
    expect(
      await page
        .locator('main > p', { hasText: /^Sent \d/ })
        .first()
        .textContent(),
    ).toBe(`Sent ${sent} · failed 0 · skipped ${20 - sent} · pending 0 · editions 1 · bounced 0`);
    expect(await stored(t)).toMatchObject({
      control: 'cancel',
      deliveries: { pending: 0, sending: 0, sent, failed: 0, skipped: 20 - sent, feed: 0 },
    });
    await page.close();
  }, 90_000);
});
