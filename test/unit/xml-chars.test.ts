import { describe, expect, it } from 'vitest';
import { xmlChars } from '../../src/text.js';

describe('xmlChars', () => {
  it('keeps every character XML 1.0 allows: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF', () => {
    const allowed = 'a\tb\nc\r d \ud7ff \ue000 \ufffd 😀 \u{10ffff} ünï 中文';
    expect(xmlChars(allowed)).toBe(allowed);
  });

  it('drops the others: C0 controls, U+FFFE, U+FFFF and lone surrogates', () => {
    expect(xmlChars('a\u0000b\u0001c\u0008d\u000be\u000cf\u001fg')).toBe('abcdefg');
    expect(xmlChars('x\ufffey\uffffz')).toBe('xyz');
    expect(xmlChars('lone \ud800high, \udfff low, pair \ud83d\ude00 kept')).toBe('lone high,  low, pair 😀 kept');
    expect(xmlChars('\ud83d')).toBe('');
  });
});
