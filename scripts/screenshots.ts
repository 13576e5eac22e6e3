// The pictures of the docs (docs/images/*.png): `npm run screenshots`. Starts paperboy on a temp folder
// with the sample papers (samples/daily-papers.json), in outbox mode, with three subscribers and the
// digest of one fixed date sent, so that every run draws the same pages; then Debian's Chromium
// (playwright-core; CHROMIUM_PATH to use another) photographs the email — a normal day, an edition
// picked for topics and a heavy day of 30 papers — at 600 and 375 px, light and dark
// (prefers-color-scheme emulated), the home page and the admin dashboard. Nothing reaches the network.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { simpleParser } from 'mailparser';
import { pino } from 'pino';
import { chromium, type Page } from 'playwright-core';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/pipeline/context.js';
import { runDigest } from '../src/pipeline/run-digest.js';
import { viewSettings } from '../src/pipeline/view-settings.js';
import { personalize } from '../src/render/personalize.js';
import { renderEdition } from '../src/render/render-digest.js';
import { createApp } from '../src/server/app.js';
import { parseHfItems } from '../src/sources/hf-items.js';
import { upsertSubscriber } from '../src/store/subscribers.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'docs', 'images');
/** The digest shown: a date the sample papers cover. */
const DATE = '2026-11-28';
/** The scheduler's next run as the pages say it (a fixed one: this process runs no scheduler). */
const NEXT_RUN = new Date('2026-11-29T07:00:00Z');
const READERS = [
  { email: 'ada@example.com', name: 'Ada Lovelace', topics: [] },
  { email: 'grace@example.com', name: 'Grace Hopper', topics: ['sparse attention', 'cs.LG'] },
  { email: 'alan@example.com', name: null, topics: ['author:Alan Turing'] },
];

const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-screenshots-'));
const config = loadConfig(
  {
    PAPERBOY_DATABASE_URL: path.join(dir, 'data', 'paperboy.db'),
    PAPERBOY_ARCHIVE_DIR: path.join(dir, 'digests'),
    PAPERBOY_OUTBOX_DIR: path.join(dir, 'outbox'),
    PAPERBOY_SOURCE: `file:${path.join(ROOT, 'samples', 'daily-papers.json')}`,
    PAPERBOY_SECRET: 'screenshots-secret-0123456789abcdef0123456789',
    PAPERBOY_FROM: 'Daily Papers <digest@papers.example.org>',
    PAPERBOY_BASE_URL: 'https://papers.example.org',
    PAPERBOY_TIMEZONE: 'UTC',
    PAPERBOY_ARXIV_CATEGORIES: '0',
    PAPERBOY_LOG_LEVEL: 'silent',
  },
  dir,
);
const ctx = await createContext(config, pino({ level: 'silent' }));
const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const app = createApp(ctx, { nextRun: () => NEXT_RUN });
  const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
});
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

/** A page of `width` × `height` CSS pixels, light or dark, that answers anything not on this server with nothing. */
async function open(width: number, height: number, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme });
  await context.route(
    (url) => url.origin !== base,
    (route) => route.abort(),
  );
  return context.newPage();
}

/** The viewport as `docs/images/NAME.png` (the top of the page: pictures stay small). */
async function shot(page: Page, name: string): Promise<void> {
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled' });
  process.stdout.write(`${path.relative(ROOT, file)} (${Math.round(statSync(file).size / 1024)} KB)\n`);
}

try {
  mkdirSync(OUT, { recursive: true });
  for (const r of READERS) await upsertSubscriber(ctx.db, { ...r, status: 'active' });
  const report = await runDigest(ctx, { date: DATE, force: true }); // forced: a fixed date, whatever today is
  process.stdout.write(`${report.subject}: sent to ${READERS.length} readers (outbox mode)\n`);

  // The emails as Ada (no topics) and Grace (topics) got them, read from the outbox as a mail client
  // reads them (the HTML part alone), and a heavy day of 30 papers rendered as a send renders it
  // (budget, "More today"), at the width mail clients give an email and at a phone's, light and dark.
  const sent = await Promise.all(
    readdirSync(config.outboxDir)
      .filter((f) => f.endsWith('.eml'))
      .map((f) => simpleParser(readFileSync(path.join(config.outboxDir, f)))),
  );
  const htmlTo = (email: string) => String(sent.find((m) => m.to && JSON.stringify(m.to).includes(email))?.html);
  const editions = { normal: htmlTo('ada@example.com'), topics: htmlTo('grace@example.com') };
  const { papers } = parseHfItems(JSON.parse(readFileSync(path.join(ROOT, 'samples', 'daily-papers.json'), 'utf8')));
  papers.sort((a, b) => b.upvotes - a.upvotes || a.id.localeCompare(b.id));
  const heavy = await renderEdition(ctx.templates, papers.slice(0, 30), DATE, viewSettings(config), {});
  const heavyHtml = personalize(
    heavy.html,
    {
      email: 'ada@example.com',
      unsubscribeUrl: 'https://papers.example.org/u/token',
      preferencesUrl: 'https://papers.example.org/p/token',
      voteToken: 'token',
    },
    'html',
  );
  for (const [width, height] of [
    [600, 1100],
    [375, 812],
  ] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      const page = await open(width, height, scheme);
      for (const [name, html] of Object.entries(editions)) {
        await page.setContent(html);
        await shot(page, `email-${name}-${width}-${scheme}`);
      }
      // The heavy day's end: the last cards and the "More today" list of titles.
      await page.setContent(heavyHtml);
      await page.getByText('More today').scrollIntoViewIfNeeded();
      await page.evaluate('window.scrollBy(0, -200)');
      await shot(page, `email-heavy-${width}-${scheme}`);
    }
  }

  const home = await open(1280, 1000);
  await home.goto(`${base}/`);
  await home.frameLocator('iframe.digest').locator('h1').first().waitFor();
  await shot(home, 'home');

  // The dashboard from this machine (loopback: no token). Its date field says today: the digest's date instead.
  const admin = await open(1280, 1000);
  await admin.goto(`${base}/admin`);
  await admin.getByLabel('Date').fill(DATE);
  await admin.getByLabel('Date').blur();
  // Filling the field scrolled to it: the picture is of the top of the page.
  await admin.evaluate('window.scrollTo(0, 0)');
  await shot(admin, 'admin-dashboard');
} finally {
  await browser.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });
}
