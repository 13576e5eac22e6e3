import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { simpleParser } from 'mailparser';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { createApp } from '../../src/server/app.js';
import { launchChromium } from '../helpers/browser.js';
import { listen } from '../helpers/http-server.js';
import { addActive, hfItem, sourceFile, startTestApp, type TestApp } from '../helpers/test-app.js';

// Runs inside the browser page (the project's types are Node's, without the DOM).
declare class DOMParser {
  parseFromString(s: string, type: string): { getElementsByTagName(n: string): { length: number } };
}

let app: TestApp | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
let browser: Browser | undefined;
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

describe('characters XML 1.0 forbids', () => {
  it('a paper title holding U+FFFF and U+0001 leaves the feed well-formed and the email without them', async () => {
    app = await startTestApp((dir) => ({
      PAPERBOY_SOURCE: sourceFile(dir, [
        hfItem('2511.00001', 'Sparse\uffff attention\u0001 model', 9),
        hfItem('2511.00002', 'Second \ufffepaper', 3),
      ]),
    }));
    await addActive(app, 'ada@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    const xml = await (await fetch(`${http.url}/feed.xml`)).text();

    expect(XMLValidator.validate(xml)).toBe(true);
    // fast-xml-parser does not check characters; chromium's XML parser (libxml2) does.
    const page = await (browser as Browser).newPage();
    const errors = await page.evaluate(
      (s) => new DOMParser().parseFromString(s, 'application/xml').getElementsByTagName('parsererror').length,
      xml,
    );
    await page.close();
    expect(errors).toBe(0);

    const entry = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml).feed.entry;
    expect(entry.title).toBe('Daily Papers · 28 Nov 2026 · Sparse attention model + 1 more');
    expect(entry.summary).toBe('2 papers: Sparse attention model · Second paper');
    expect(entry.content['#text']).toContain('">Sparse attention model</a>');

    const [file] = readdirSync(path.join(app.dir, 'outbox'));
    const mail = await simpleParser(readFileSync(path.join(app.dir, 'outbox', file ?? '')));
    const html = mail.html || '';
    expect(html).toContain('Sparse attention model');
    expect(html).toContain('Second paper');
    expect(['\u0001', '\ufffe', '\uffff'].filter((ch) => html.includes(ch))).toEqual([]);
  });
});
