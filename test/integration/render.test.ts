import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Paper } from '../../src/domain.js';
import { htmlWireBytes } from '../../src/pipeline/view-settings.js';
import { HTML_BUDGET, renderDigest } from '../../src/render/render-digest.js';
import { loadTemplates } from '../../src/render/templates.js';
import { makePaper, sampleTopPapers } from '../helpers/papers.js';
import { ROOT } from '../helpers/test-app.js';

const templates = loadTemplates(path.join(ROOT, 'templates'));
const settings = { listName: 'Daily Papers', baseUrl: 'https://papers.example.org', wireBytes: htmlWireBytes };

const paper = (i: number, over: Partial<Paper> = {}): Paper =>
  makePaper({
    id: `2511.${String(10000 + i)}`,
    title: `Paper number ${i}`,
    summary: `We study thing ${i}. It works well.`,
    authors: ['Ada Lovelace', 'Alan Turing'],
    upvotes: 100 - i,
    githubRepo: i % 2 ? `https://github.com/example/p${i}` : null,
    ...over,
  });

describe('digest templates', () => {
  it('compile with MJML strict validation and meet the email standards', async () => {
    const papers = Array.from({ length: 10 }, (_, i) => paper(i + 1));
    const r = await renderDigest(templates, papers, '2026-11-28', settings);
    expect(r.warnings).toEqual([]);
    expect(r.subject).toBe('Daily Papers · 28 Nov 2026 · Paper number 1 + 9 more');
    expect(r.preheader).toBe("Today's top paper: Paper number 1 — and 9 more papers");
    // Preheader in the HTML, not in the text part.
    expect(r.html).toContain('Today&#x27;s top paper: Paper number 1 — and 9 more papers');
    expect(r.text).not.toContain('top paper:');
    expect(r.html).toMatch(/<html lang="en" dir="ltr"/);
    expect(r.html).toContain('<meta name="color-scheme" content="light dark"');
    expect(r.html).toContain('<meta name="supported-color-schemes" content="light dark"');
    expect(r.html).toContain('@media (prefers-color-scheme: dark)');
    expect(r.html).toContain('<!--[if mso | IE]>');
    // No indentation (a quarter of MJML's bytes): no line starts with a space or a tab.
    expect(r.html).not.toMatch(/^[ \t]/m);
    expect(r.html).toContain('role="presentation"');
    expect(r.html).not.toMatch(/%7B%7B|\{\{/);
    // No web fonts: nothing is fetched from a third party when the email is opened.
    expect(r.html).not.toContain('fonts.googleapis.com');
    expect(r.html).not.toMatch(/<link\b|@import/);
    // The per-recipient markers are there to be filled, once each in the footer.
    expect(r.html.match(/=pb:unsubscribe_url=/g)).toHaveLength(1);
    expect(r.text.match(/=pb:unsubscribe_url=/g)).toHaveLength(1);
    // Every paper: title linked to its page, paper, PDF, and code when there is a repository.
    for (const p of papers) {
      expect(r.html).toContain(`<a href="https://huggingface.co/papers/${p.id}"`);
      expect(r.html).toContain(`<a href="https://arxiv.org/pdf/${p.id}"`);
      expect(r.text).toContain(`\n    PDF:            https://arxiv.org/pdf/${p.id}\n`);
    }
    // The text part: ranks right-aligned so the titles line up, the votes said in words, the link
    // labels padded so the URLs start in one column, and the signature separator with its space.
    expect(r.text).toContain(
      [
        ' 9. Paper number 9',
        '    Ada Lovelace and Alan Turing · ▲ 91 upvotes',
        '    We study thing 9. It works well.',
        '    arXiv:          https://arxiv.org/abs/2511.10009',
        '    PDF:            https://arxiv.org/pdf/2511.10009',
        '    Code:           https://github.com/example/p9',
        '    Hugging Face:   https://huggingface.co/papers/2511.10009',
        '    More like this: https://papers.example.org/v/=pb:vote_token=/2511.10009/up',
        '    Less like this: https://papers.example.org/v/=pb:vote_token=/2511.10009/down',
        '',
        '10. Paper number 10',
        '    Ada Lovelace and Alan Turing · ▲ 90 upvotes',
      ].join('\n'),
    );
    expect(r.text).toContain('\n-- \nYou get this email because');
    // The HTML links say what they are.
    expect(r.html).toContain(
      '<a href="https://arxiv.org/abs/2511.10001" style="display:inline-block;padding:12px 14px 12px 0;color:#0b3d91;font-weight:600;text-decoration:none;">arXiv</a>',
    );
    expect(r.html.match(/>Hugging Face<\/a>/g)).toHaveLength(10);
    expect(r.html.match(/>Code<\/a>/g)).toHaveLength(5);
    // The web version: no markers, no unsubscribe link.
    expect(r.webHtml).not.toContain('=pb:');
    expect(r.webText).not.toContain('=pb:');
    expect(r.webText).toContain('This is the web version of Daily Papers for Saturday, 28 November 2026.');
  });

  it('keeps a heavy day under the 90 KB clipping budget', async () => {
    const papers = Array.from({ length: 10 }, (_, i) =>
      paper(i, {
        title: `${'A very long title about sparse attention in transformers '.repeat(4)}${i}`,
        summary: 'This abstract goes on and on without mercy. '.repeat(120),
        authors: Array.from({ length: 60 }, (_, k) => `Author Number${k} With-A-Long-Name`),
        githubRepo: 'https://github.com/example/a-repository-with-a-long-name',
      }),
    );
    const r = await renderDigest(templates, papers, '2026-11-28', settings);
    expect(htmlWireBytes(r.html)).toBeLessThanOrEqual(HTML_BUDGET);
    expect(r.text).toContain(
      'Author Number0 With-A-Long-Name, Author Number1 With-A-Long-Name, Author Number2 With-A-Long-Name et al.',
    );
  });

  it('keeps a very heavy day under the budget without dropping any paper’s title or link', async () => {
    const papers = Array.from({ length: 40 }, (_, i) =>
      paper(i, {
        title: `${'Scaling sparse attention to very long contexts with learned routing '.repeat(2)}${i}`,
        summary: 'This abstract goes on and on without mercy. '.repeat(120),
        authors: Array.from({ length: 60 }, (_, k) => `Author Number${k} With-A-Long-Name`),
      }),
    );
    const r = await renderDigest(templates, papers, '2026-11-28', settings);
    expect(htmlWireBytes(r.html)).toBeLessThanOrEqual(HTML_BUDGET);
    for (const p of papers) {
      expect(r.html).toContain(`href="https://huggingface.co/papers/${p.id}"`);
      expect(r.text).toContain(`https://huggingface.co/papers/${p.id}`);
    }
    expect(r.html).toContain('<b>More today</b>');
    expect(r.text).toContain('More today (in full in the web version, https://papers.example.org/digests/2026-11-28):');
    // The web version is not squeezed: every paper has its card and abstract.
    expect(r.webHtml).not.toContain('More today');
    expect(r.webHtml.match(/This abstract goes on and on without mercy\./g)?.length).toBeGreaterThanOrEqual(40);
  });

  it('measures the budget on the bytes on the wire: a normal day whole, a day of 20 real papers squeezed', async () => {
    // The hidden preheader's dark span (spam filters: HTML_FONT_LOW_CONTRAST) is 36 of these bytes.
    const normal = await renderDigest(templates, sampleTopPapers(10), '2026-11-28', settings);
    expect([Buffer.byteLength(normal.html), htmlWireBytes(normal.html)]).toEqual([55239, 61793]);
    expect(normal.html).not.toContain('More today');
    const heavy = await renderDigest(templates, sampleTopPapers(20), '2026-11-28', settings);
    expect([Buffer.byteLength(heavy.html), htmlWireBytes(heavy.html)]).toEqual([78300, 87534]);
    expect(heavy.html.match(/<li style/g)).toHaveLength(5);
  });

  it('shows the TL;DR above a shorter abstract, escaped, and goes on after it when the abstract opens with it', async () => {
    const sentence = (k: number) => `Sentence ${k} of a long abstract about sparse attention in big models.`;
    const summary = Array.from({ length: 8 }, (_, k) => sentence(k + 1)).join(' ');
    const r = await renderDigest(
      templates,
      [
        paper(1, { summary, aiSummary: '<b>Sparse</b> & "fast" attention.' }),
        paper(2, { summary: `${sentence(0)} ${summary}`, aiSummary: sentence(0) }),
        paper(3, { summary }),
      ],
      '2026-11-28',
      settings,
    );
    // 200 characters of abstract under a TL;DR (two sentences of 70), 320 without one (four).
    const cut = (n: number) => Array.from({ length: n }, (_, k) => sentence(k + 1)).join(' ');
    expect(r.html).toContain(
      `<div dir="auto" class="pb-tldr" style="text-align:start;margin:0 0 8px 0;"><b>TL;DR</b> &lt;b&gt;Sparse&lt;/b&gt; &amp; &quot;fast&quot; attention.</div>\n<div dir="auto" style="text-align:start;">${cut(2)}</div>`,
    );
    expect(r.text).toContain(
      '\n    TL;DR: <b>Sparse</b> & "fast" attention.\n    Sentence 1 of a long abstract about sparse attention in big models.\n',
    );
    expect(r.html).toContain(
      `<b>TL;DR</b> ${sentence(0)}</div>\n<div dir="auto" style="text-align:start;">${cut(2)}</div>`,
    );
    expect(r.html).toContain(`<div dir="auto" style="text-align:start;">${cut(4)}</div>`);
    expect(r.html.match(/TL;DR/g)).toHaveLength(2);
  });

  it('puts the list name first, with the logo (size and alt set, URL escaped) and the accent on every link', async () => {
    const brand = {
      logo: { url: 'https://papers.example.org/logo.png?v=1&s="2"', width: 120, height: 40 },
      accent: '#b3261e',
      accentDark: '#ce726d',
      thumbnails: false,
    };
    const r = await renderDigest(templates, [paper(1), paper(2)], '2026-11-28', { ...settings, brand });
    expect(r.html).toContain(
      '<img\nalt="Daily Papers" src="https://papers.example.org/logo.png?v&#x3D;1&amp;s&#x3D;&quot;2&quot;" style="border:0;display:block;outline:none;text-decoration:none;height:40px;width:100%;font-size:13px;" width="120" height="40"\n/>',
    );
    expect(r.html).toContain('<h1 style="margin:0;font-size:28px;line-height:1.2;font-weight:700;">Daily Papers</h1>');
    expect(r.html).toContain('>Saturday, 28 November 2026</div>');
    const colours = [...r.html.matchAll(/color:\s*(#[0-9a-f]{6})/g)].map((m) => m[1]);
    // Links: the title, arXiv, PDF, Code (paper 1), Hugging Face, two votes per paper, and the
    // three style rules; dark mode: the links and the header's rule.
    expect(colours.filter((c) => c === '#b3261e')).toHaveLength(3 + 7 + 6);
    expect(r.html).not.toContain('#0b3d91');
    expect(r.html).toContain('.pb-title a, .pb-links a, .pb-votes a, .pb-more a { color: #ce726d !important; }');
    expect(r.html).toContain('.pb-rule p, .pb-top td { border-color: #ce726d !important; }');
    expect(r.html).toContain('border-top:solid 3px #b3261e;');
  });

  it('gives the first three papers a stronger card, and their https thumbnails (escaped) when switched on', async () => {
    const thumb = (i: number) => `https://cdn-thumbnails.huggingface.co/papers/2511.1000${i}.png?a=1&b=<2>`;
    const papers = [
      paper(1, { thumbnail: thumb(1) }),
      paper(2, { thumbnail: 'http://cdn.example.org/insecure.png' }),
      paper(3, { thumbnail: 'javascript:alert(1)' }),
      paper(4, { thumbnail: thumb(4) }),
    ];
    const off = await renderDigest(templates, papers, '2026-11-28', settings);
    expect(off.html.match(/class="pb-card pb-top"/g)).toHaveLength(3);
    expect(off.html.match(/class="pb-card"/g)).toHaveLength(1);
    expect(off.html.match(/border-top:4px solid #0b3d91;/g)).toHaveLength(3);
    expect(off.html.match(/font-size:21px;font-weight:700;/g)).toHaveLength(3);
    expect(off.html.match(/font-size:18px;font-weight:700;/g)).toHaveLength(1);
    expect(off.html).not.toMatch(/<img\b/);
    const brand = { logo: null, accent: '#0b3d91', accentDark: '#8ab4f8', thumbnails: true };
    const on = await renderDigest(templates, papers, '2026-11-28', { ...settings, brand });
    // Only the top card with an https thumbnail shows it; paper 4's is below the top three.
    expect(on.html.match(/<img\b/g)).toHaveLength(1);
    expect(on.html).toContain(
      '<img\nalt="Paper number 1" src="https://cdn-thumbnails.huggingface.co/papers/2511.10001.png?a&#x3D;1&amp;b&#x3D;%3C2%3E" style="border:0;border-radius:6px;display:block;outline:none;text-decoration:none;height:277px;width:100%;font-size:13px;" width="528" height="277"\n/>',
    );
    expect(on.html).not.toMatch(/insecure|javascript:/);
    // A heavy day with thumbnails on still fits the budget on the wire.
    const heavy = await renderDigest(
      templates,
      sampleTopPapers(20).map((p) => ({ ...p, thumbnail: `https://cdn-thumbnails.huggingface.co/papers/${p.id}.png` })),
      '2026-11-28',
      { ...settings, brand },
    );
    expect(heavy.html.match(/<img\b/g)).toHaveLength(3);
    expect(htmlWireBytes(heavy.html)).toBeLessThanOrEqual(HTML_BUDGET);
  });

  it('escapes paper data, MJML and Handlebars syntax included', async () => {
    const r = await renderDigest(
      templates,
      [
        paper(1, {
          title: '<mj-raw><script>alert(1)</script></mj-raw> {{secret}} =pb:email=',
          authors: ['"><img src=x onerror=alert(1)>'],
          githubRepo: 'javascript:alert(1)',
        }),
      ],
      '2026-11-28',
      settings,
    );
    expect(r.html).not.toMatch(/<script|<img src=x|javascript:/);
    expect(r.html).toContain('&lt;mj-raw&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;/mj-raw&gt; {{secret}}');
    // A marker in paper data is not a marker: it is never filled with a reader's address.
    expect(r.html.match(/=pb:email=/g)).toHaveLength(1);
    expect(r.text.match(/=pb:email=/g)).toHaveLength(1);
  });
});
