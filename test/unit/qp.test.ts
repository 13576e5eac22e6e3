import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { qpEncode } from '../../src/send/qp.js';

/** RFC 2045 decoding: soft breaks removed, =XX to bytes, CRLF to LF. */
function decode(qp: string): string {
  const bytes: number[] = [];
  const s = qp.replace(/=\r\n/g, '');
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=') {
      bytes.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (s[i] === '\r' && s[i + 1] === '\n') {
      bytes.push(0x0a);
      i++;
    } else bytes.push(s.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Pieces encoded apart and joined, as assemble.ts joins them. */
function encodeJoined(pieces: string[]): string {
  return Buffer.concat(pieces.map((p, i) => qpEncode(p, i === pieces.length - 1))).toString('latin1');
}

const text = fc.string({ unit: fc.constantFrom('a', 'é', ' ', '\t', '=', '\n', '😀', '日', '.', 'z', '~', '\u0001') });

describe('quoted-printable pieces', () => {
  it('decode, once joined, to the joined input; lines within 76, CRLF only, no line ending in whitespace', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 6 }), (pieces) => {
        const qp = encodeJoined(pieces);
        expect(decode(qp)).toBe(pieces.join(''));
        expect(qp.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
        for (const line of qp.split('\r\n')) {
          expect(line.length).toBeLessThanOrEqual(76);
          expect(line).not.toMatch(/[ \t]$/);
          expect(line).toMatch(/^[\x20-\x7e\t]*$/);
          expect(line.startsWith('.')).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('ends a piece at column 0, with a soft break when the piece does not end with a line break', () => {
    expect(qpEncode('Hi, caf\u00e9 ', false).toString()).toBe('Hi, caf=C3=A9 =\r\n');
    expect(qpEncode('line \n', false).toString()).toBe('line=20\r\n');
    expect(qpEncode('the end ', true).toString()).toBe('the end=20');
    expect(qpEncode('', true).length).toBe(0);
    expect(qpEncode('a=b', true).toString()).toBe('a=3Db');
    expect(qpEncode('x'.repeat(80), true).toString()).toBe(`${'x'.repeat(75)}=\r\nxxxxx`);
  });

  it('writes a dot that would start a line as =2E, so that SMTP has nothing to escape', () => {
    expect(qpEncode('.mj-column { width: 100% }\n.x', true).toString()).toBe('=2Emj-column { width: 100% }\r\n=2Ex');
    expect(qpEncode('a.b ...\n', false).toString()).toBe('a.b ...\r\n');
    // A dot pushed to the start of a line by a soft break.
    expect(qpEncode(`${'x'.repeat(75)}.y`, true).toString()).toBe(`${'x'.repeat(75)}=\r\n=2Ey`);
  });
});
