/**
 * What a reader sees: a digest with hostile-looking but real data (Chinese, Arabic, math, emoji, a
 * 300-character word, a 2,000-character title, 50 authors, a "More today" list) in chromium at
 * 600 and 375 px, light and dark. Screenshots go to test-results/screenshots/ for humans.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Paper } from '../../src/domain.js';
import { personalize } from '../../src/render/personalize.js';
import { renderEdition } from '../../src/render/render-digest.js';
import { loadTemplates } from '../../src/render/templates.js';
import { launchChromium } from '../helpers/browser.js';
import { makePaper } from '../helpers/papers.js';
import { ROOT } from '../helpers/test-app.js';

// The few DOM shapes the in-page code uses (the project's types are Node's, without the DOM).
interface Rect {
  left: number;
  right: number;
  top: number;
  bottom: number;
  width: number;
  height: number;
}
interface El {
  tagName: string;
  className: string;
  textContent: string | null;
  parentElement: El | null;
  childNodes: ArrayLike<{ nodeType: number; textContent: string | null }>;
  getBoundingClientRect(): Rect;
  getClientRects(): ArrayLike<Rect>;
  closest(selector: string): El | null;
}
interface Style {
  color: string;
  backgroundColor: string;
  direction: string;
  overflowX: string;
  visibility: string;
  fontSize: string;
  fontWeight: string;
}
declare const document: {
  documentElement: El & { scrollWidth: number };
  body: El;
  querySelectorAll(selector: string): ArrayLike<El>;
  createRange(): { selectNodeContents(el: El): void; getBoundingClientRect(): Rect };
};
declare const window: { innerWidth: number };
declare function getComputedStyle(el: El): Style;

const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
const templates = loadTemplates(path.join(ROOT, 'templates'));

const ARABIC_TITLE = 'نماذج اللغة الكبيرة والانتباه المتناثر للسياقات الطويلة';
const LONG_WORD = `https://example.org/${'a1b2c3d4e5'.repeat(28)}`; // 300 characters, no space
const HUGE_TITLE = 'Scaling laws for very long titles '.repeat(59).slice(0, 2000);

const paper = (i: number, over: Partial<Paper>): Paper =>
  makePaper({ id: `2511.${String(30000 + i)}`, upvotes: 100 - i, authors: ['Ada Lovelace', 'Alan Turing'], ...over });

const PAPERS: Paper[] = [
  paper(1, {
    title: '大型语言模型中的稀疏注意力机制：一种高效的长上下文方法',
    summary: '我们提出了一种新的稀疏注意力方法，在长上下文任务上显著提高了效率，同时保持了模型的准确性。',
    authors: ['王小明', '李华', '张伟'],
  }),
  paper(2, {
    title: ARABIC_TITLE,
    summary: 'نقترح طريقة جديدة للانتباه المتناثر تحسن الكفاءة بشكل كبير في مهام السياق الطويل مع الحفاظ على الدقة.',
    authors: ['أحمد علي', 'فاطمة حسن'],
  }),
  paper(3, {
    title: 'Tight bounds in ell_infty: O(n log n) sorting when x^2 + y_i ≤ ∑ a_i 🚀🧠',
    summary: 'We show ‖x‖_∞ ≤ ∑_i |x_i| and an O(n log n) algorithm for x^2 + y_i ≤ ∑ a_i. It works 🎉 well.',
  }),
  paper(4, {
    title: `Tokenizing ${LONG_WORD}`,
    summary: `We study ${'Pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(7)} and other long words.`,
    githubRepo: 'https://github.com/example/long-words',
  }),
  paper(5, {
    title: HUGE_TITLE,
    summary: 'A paper with a very long title and fifty authors.',
    authors: Array.from({ length: 50 }, (_, k) => `Author Number${k} Surname`),
  }),
  // Listed under "More today" (the email has 5 cards).
  paper(6, { title: 'تعلم معزز للنماذج اللغوية', summary: 'ملخص.' }),
  paper(7, { title: `More: ${LONG_WORD}`, summary: 'x.' }),
];

let browser: Browser;
let html: string;

beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
  const r = await renderEdition(
    templates,
    PAPERS,
    '2026-11-28',
    { listName: 'Daily Papers', baseUrl: 'https://papers.example.org', cards: 5 },
    {},
  );
  html = personalize(
    r.html,
    {
      email: 'ada@example.com',
      unsubscribeUrl: 'https://papers.example.org/u/token',
      preferencesUrl: 'https://papers.example.org/p/token',
      voteToken: 'vote-token',
      feedUrl: 'https://papers.example.org/feed/t',
    },
    'html',
  );
});
afterAll(async () => {
  await browser?.close();
});

/** Relative luminance (WCAG) of a computed `rgb(…)`/`rgba(…)` colour, and its alpha. */
function parseColor(css: string): { lum: number; alpha: number } {
  const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(css);
  if (!m) throw new Error(`not an rgb colour: ${css}`);
  const [r, g, b] = [m[1], m[2], m[3]].map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return { lum: 0.2126 * r + 0.7152 * g + 0.0722 * b, alpha: m[4] === undefined ? 1 : Number(m[4]) };
}
const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);

/** Measured in the page: overflow, where each title is and whether something clips it, colours of all text. */
function measure(titles: string[]) {
  const bg = (el: El | null): string => {
    for (let e = el; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c;
    }
    return 'rgb(255, 255, 255)';
  };
  const clippedBy = (el: El): string | null => {
    const r = el.getBoundingClientRect();
    for (let a = el.parentElement; a; a = a.parentElement) {
      if (getComputedStyle(a).overflowX === 'visible') continue;
      const c = a.getBoundingClientRect();
      if (r.left < c.left - 1 || r.right > c.right + 1) return `${a.tagName.toLowerCase()}.${a.className}`;
    }
    return null;
  };
  const anchors = Array.from(document.querySelectorAll('a'));
  const found = titles.map((title) => {
    const a = anchors.find((x) => (x.textContent ?? '').trim() === title);
    if (!a) return { title: title.slice(0, 60), found: false };
    const r = a.getBoundingClientRect();
    const block = a.closest('[dir="auto"]') ?? a;
    const text = document.createRange();
    text.selectNodeContents(a);
    const t = text.getBoundingClientRect();
    const b = block.getBoundingClientRect();
    return {
      title: title.slice(0, 60),
      found: true,
      visible: r.width > 0 && r.height > 0 && getComputedStyle(a).visibility === 'visible',
      insideViewport: r.left >= 0 && r.right <= window.innerWidth + 0.5,
      clippedBy: clippedBy(a),
      direction: getComputedStyle(block).direction,
      // Where the text sits in its block: flush right (rtl) or flush left (ltr).
      gapLeft: t.left - b.left,
      gapRight: b.right - t.right,
    };
  });
  // Every element with its own visible text: its colour against the background behind it.
  const texts: { text: string; color: string; background: string; large: boolean }[] = [];
  for (const el of Array.from(document.querySelectorAll('body *'))) {
    const own = Array.from(el.childNodes)
      .filter((n) => n.nodeType === 3)
      .map((n) => n.textContent ?? '')
      .join('')
      .trim();
    if (!own || el.getClientRects().length === 0) continue;
    const s = getComputedStyle(el);
    if (s.visibility !== 'visible') continue;
    const px = Number.parseFloat(s.fontSize);
    texts.push({
      text: own.slice(0, 40),
      color: s.color,
      background: bg(el),
      large: px >= 24 || (px >= 18.5 && Number(s.fontWeight) >= 700),
    });
  }
  // The direction of the block holding the Arabic abstract (its first word).
  const abstractDirs = Array.from(document.querySelectorAll('.pb-card [dir="auto"]'))
    .filter((e) => (e.textContent ?? '').startsWith('نقترح'))
    .map((e) => getComputedStyle(e).direction);
  return {
    scrollWidth: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    bodyBackground: bg(document.body),
    titles: found,
    texts,
    abstractDirs,
  };
}

const VIEWS = [
  { width: 600, scheme: 'light' },
  { width: 600, scheme: 'dark' },
  { width: 375, scheme: 'light' },
  { width: 375, scheme: 'dark' },
] as const;

describe('the digest as a reader sees it (chromium)', () => {
  for (const { width, scheme } of VIEWS) {
    it(`at ${width} px, ${scheme}: nothing overflows, every title shows, Arabic reads right to left, text contrasts`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.emulateMedia({ colorScheme: scheme });
      await page.setContent(html, { waitUntil: 'load' });
      await page.screenshot({ path: path.join(SHOTS, `digest-looks-${width}-${scheme}.png`), fullPage: true });
      const m = await page.evaluate(
        measure,
        PAPERS.map((p) => p.title),
      );
      await page.close();

      expect(m.scrollWidth).toBeLessThanOrEqual(m.viewport);
      for (const t of m.titles) {
        expect(t, t.title).toMatchObject({ found: true, visible: true, insideViewport: true, clippedBy: null });
      }
      // Right-to-left text is laid out right to left, flush right; the others left to right.
      const [chinese, arabic, math, , , moreArabic] = m.titles;
      expect(arabic?.direction).toBe('rtl');
      expect(arabic?.gapRight).toBeLessThan(2);
      // (A top card: its 21 px title fills more of the line; a left-aligned one would leave 0 px.)
      expect(arabic?.gapLeft).toBeGreaterThan(5);
      expect(m.abstractDirs).toEqual(['rtl']);
      expect(moreArabic?.direction).toBe('rtl');
      expect(chinese?.direction).toBe('ltr');
      expect(math?.direction).toBe('ltr');
      expect(math?.gapLeft).toBeLessThan(2);

      const page0 = parseColor(m.bodyBackground).lum;
      if (scheme === 'dark') expect(page0).toBeLessThan(0.05);
      else expect(page0).toBeGreaterThan(0.8);
      expect(m.texts.length).toBeGreaterThan(20);
      const poor = m.texts
        .map((t) => {
          const fg = parseColor(t.color);
          const back = parseColor(t.background).lum;
          return { ...t, ratio: Math.round(contrast(fg.lum, back) * 10) / 10, lighter: fg.lum > back };
        })
        .filter((t) => t.ratio < (t.large ? 3 : 4.5) || t.lighter !== (scheme === 'dark'));
      // In dark mode every text is lighter than its background; in light mode darker; contrast per WCAG AA.
      expect(poor).toEqual([]);
    });
  }
});
