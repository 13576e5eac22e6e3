/**
 * The links under every paper in chromium on a 375 px phone: each says what it is and is a tap
 * target at least 44 px high (Apple's and WCAG 2.5.5's minimum), on a normal day of real sample papers.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { htmlWireBytes } from '../../src/pipeline/view-settings.js';
import { personalize } from '../../src/render/personalize.js';
import { renderEdition } from '../../src/render/render-digest.js';
import { loadTemplates } from '../../src/render/templates.js';
import { launchChromium } from '../helpers/browser.js';
import { sampleTopPapers } from '../helpers/papers.js';
import { ROOT } from '../helpers/test-app.js';

interface Rect {
  top: number;
  bottom: number;
  left: number;
  right: number;
  height: number;
}
interface Anchor {
  textContent: string | null;
  getBoundingClientRect(): Rect;
}
declare const document: {
  querySelectorAll(selector: string): ArrayLike<{ querySelectorAll(selector: string): ArrayLike<Anchor> }>;
};

let browser: Browser;
let html: string;
const papers = sampleTopPapers(10);

beforeAll(async () => {
  browser = await launchChromium();
  const templates = loadTemplates(`${ROOT}/templates`);
  const settings = { listName: 'Daily Papers', baseUrl: 'https://papers.example.org', wireBytes: htmlWireBytes };
  const r = await renderEdition(templates, papers, '2026-11-28', settings, {});
  html = personalize(
    r.html,
    {
      email: 'ada@example.com',
      unsubscribeUrl: 'https://papers.example.org/u/t',
      preferencesUrl: 'https://papers.example.org/p/t',
      voteToken: 'v',
      feedUrl: 'https://papers.example.org/feed/t',
    },
    'html',
  );
});
afterAll(async () => {
  await browser?.close();
});

describe('the links under each paper at 375 px', () => {
  it('say what they are and are at least 44 px high, side by side without overlapping', async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 800 } });
    await page.setContent(html);
    const cards = await page.evaluate(() =>
      Array.from(document.querySelectorAll('.pb-go, .pb-votes')).map((box) =>
        Array.from(box.querySelectorAll('a')).map((a) => {
          const r = a.getBoundingClientRect();
          return {
            text: (a.textContent ?? '').trim(),
            top: r.top,
            bottom: r.bottom,
            left: r.left,
            right: r.right,
            height: r.height,
          };
        }),
      ),
    );
    await page.close();
    // A row of paper links and a row of vote links per paper.
    expect(cards).toHaveLength(20);
    const labels = cards.map((row) => row.map((a) => a.text).join(' | '));
    papers.forEach((p, i) => {
      expect(labels[2 * i]).toBe(p.githubRepo ? 'arXiv | PDF | Code | Hugging Face' : 'arXiv | PDF | Hugging Face');
      expect(labels[2 * i + 1]).toBe('More like this | Less like this');
    });
    const heights = new Set(cards.flat().map((a) => a.height));
    expect([...heights]).toEqual([44]);
    for (const row of cards) {
      for (let k = 1; k < row.length; k++) {
        const [a, b] = [row[k - 1], row[k]];
        // The next link is to the right on the same line, or on a line below: never on top of it.
        expect(b && a && (b.left >= a.right || b.top >= a.bottom)).toBe(true);
        expect(b && a ? b.right : 0).toBeLessThanOrEqual(375);
      }
    }
  });
});
