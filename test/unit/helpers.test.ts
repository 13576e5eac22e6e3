import { describe, expect, it } from 'vitest';
import { cutAtWord, escapeHtml, safeUrl, shortAbstract, shortAuthors, wrap } from '../../src/render/helpers.js';
import { personalize } from '../../src/render/personalize.js';
import { digestSubject } from '../../src/render/subject.js';
import { oneLine } from '../../src/text.js';

describe('text helpers', () => {
  it('shortens author lists', () => {
    expect(shortAuthors([])).toBe('');
    expect(shortAuthors(['A'])).toBe('A');
    expect(shortAuthors(['A', 'B'])).toBe('A and B');
    expect(shortAuthors(['A', 'B', 'C'])).toBe('A, B and C');
    expect(shortAuthors(['A', 'B', 'C', 'D'])).toBe('A, B, C et al.');
  });

  it('cuts an abstract at a sentence boundary within the limit', () => {
    const text = 'First sentence here. Second one, e.g. with an example, is longer.\nThird sentence never fits.';
    expect(shortAbstract(text, 70)).toBe('First sentence here. Second one, e.g. with an example, is longer.');
    expect(shortAbstract(text, 30)).toBe('First sentence here.');
    expect(shortAbstract('Short.', 30)).toBe('Short.');
    expect(shortAbstract('One very long sentence without any end in sight at all', 30)).toBe('One very long sentence…');
  });

  it('cuts at a word boundary with an ellipsis', () => {
    expect(cutAtWord('abc def ghi', 20)).toBe('abc def ghi');
    expect(cutAtWord('abcdef ghijkl mnopqr', 15)).toBe('abcdef ghijkl…');
    // Never half of a character outside the BMP: the cut falls before the emoji, not inside it.
    expect(cutAtWord(`${'A'.repeat(10)}😀😀😀`, 12)).toBe(`${'A'.repeat(10)}…`);
    expect(cutAtWord(`${'A'.repeat(9)}😀😀😀`, 12)).toBe(`${'A'.repeat(9)}😀…`);
  });

  it('lets only absolute http(s) links through', () => {
    expect(safeUrl('https://github.com/a/b')).toBe('https://github.com/a/b');
    expect(safeUrl('http://x.example/')).toBe('http://x.example/');
    expect(safeUrl('javascript:alert(1)')).toBeNull();
    expect(safeUrl('JaVaScRiPt:alert(1)')).toBeNull();
    expect(safeUrl('data:text/html,<b>x</b>')).toBeNull();
    expect(safeUrl('/relative')).toBeNull();
    expect(safeUrl(null)).toBeNull();
  });

  it('collapses CR, LF, tabs and control characters into single spaces', () => {
    expect(oneLine(' a\r\nBcc: x\t\u0000y  ')).toBe('a Bcc: x y');
    // Each blank but a lone space changes the text, alone or among lone spaces (the quick path must not miss one).
    for (const c of ['\u00a0', '\u2028', '\u3000', '\ufeff', '\u001f', '\u007f', '  ']) {
      expect(oneLine(`a b${c}c d`)).toBe('a b c d');
    }
    expect(oneLine(' Already one line, kept. ')).toBe('Already one line, kept.');
  });

  it('wraps text for the plain-text part', () => {
    expect(wrap('aaa bbb ccc ddd', 8, '  ')).toBe('aaa\n  bbb\n  ccc\n  ddd');
  });

  it('escapes HTML like Handlebars does', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&=\``)).toBe(
      '&lt;a href&#x3D;&quot;x&quot; onclick&#x3D;&#x27;y&#x27;&gt;&amp;&#x3D;&#x60;',
    );
  });

  it('builds a one-line subject of at most 120 characters that ends with the count, never the title', () => {
    expect(digestSubject('Daily Papers', '2026-11-28', 'Why Language Models Hallucinate', false, 10)).toBe(
      'Daily Papers · 28 Nov 2026 · Why Language Models Hallucinate + 9 more',
    );
    expect(digestSubject('Daily Papers', '2026-11-28', 'Do Models Hallucinate?', false, 1)).toBe(
      'Daily Papers · 28 Nov 2026 · Do Models Hallucinate? (1 paper)',
    );
    expect(digestSubject('Daily Papers', '2026-11-28', 'Do Models Hallucinate?', true, 2)).toBe(
      'Daily Papers weekly · 28 Nov 2026 · Do Models Hallucinate? + 1 more',
    );
    expect(digestSubject('Daily Papers', '2026-11-28', '')).toBe('Daily Papers · 28 Nov 2026 · ');
    const long = digestSubject(
      'Daily Papers',
      '2026-11-28',
      `A\r\nBcc: evil@example.com ${'word '.repeat(60)}`,
      false,
      10,
    );
    expect(long).not.toMatch(/[\r\n]/);
    expect(long).toBe(
      'Daily Papers · 28 Nov 2026 · A Bcc: evil@example.com word word word word word word word word word word word… + 9 more',
    );
    expect(long.length).toBe(117);
    // A title of emoji is cut between them; a list name past its 60 characters is cut too: 120 at most.
    const emoji = digestSubject('Daily Papers', '2026-11-28', `${'A'.repeat(60)}${'😀'.repeat(40)}`, false, 10);
    expect(emoji).toBe(`Daily Papers · 28 Nov 2026 · ${'A'.repeat(60)}${'😀'.repeat(10)}… + 9 more`);
    expect(emoji).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    const named = digestSubject('N'.repeat(150), '2026-11-28', 'word '.repeat(40), false, 10);
    expect(named.length).toBeLessThanOrEqual(120);
    expect(named).toBe(`${'N'.repeat(59)}… · 28 Nov 2026 · ${'word '.repeat(5)}word… + 9 more`);
  });

  it('fills per-recipient markers, escaping them in HTML only', () => {
    const values = {
      unsubscribeUrl: 'https://x.example/u/1.abc?a=1&b=2',
      preferencesUrl: 'https://x.example/p/1.abc',
      email: "o'neil@example.com",
    };
    expect(personalize('<a href="=pb:unsubscribe_url=">=pb:email=</a>', values, 'html')).toBe(
      '<a href="https://x.example/u/1.abc?a&#x3D;1&amp;b&#x3D;2">o&#x27;neil@example.com</a>',
    );
    expect(personalize('Unsubscribe: =pb:unsubscribe_url= (=pb:email=)', values, 'text')).toBe(
      "Unsubscribe: https://x.example/u/1.abc?a=1&b=2 (o'neil@example.com)",
    );
  });
});
