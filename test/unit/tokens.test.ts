import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deliveryMessageId, signToken, verifyToken } from '../../src/subscribers/tokens.js';

const secret = fc.string({ minLength: 32, maxLength: 64 });
const id = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });

describe('signed tokens', () => {
  it('verify to the id they were signed for', () => {
    fc.assert(fc.property(secret, id, (s, n) => verifyToken(s, 'unsubscribe', signToken(s, 'unsubscribe', n)) === n));
  });

  it('are URL-safe', () => {
    fc.assert(fc.property(secret, id, (s, n) => /^[0-9a-z]+\.[A-Za-z0-9_-]{43}$/.test(signToken(s, 'unsubscribe', n))));
  });

  it('fail under another secret', () => {
    fc.assert(
      fc.property(secret, secret, id, (a, b, n) => {
        fc.pre(a !== b);
        return verifyToken(b, 'unsubscribe', signToken(a, 'unsubscribe', n)) === null;
      }),
    );
  });

  it('fail when any one character is changed', () => {
    fc.assert(
      fc.property(secret, id, fc.nat(), fc.constantFrom(...'0123456789abcdefABCDEF_-.xyz'), (s, n, pos, ch) => {
        const token = signToken(s, 'unsubscribe', n);
        const i = pos % token.length;
        fc.pre(token[i] !== ch);
        const tampered = token.slice(0, i) + ch + token.slice(i + 1);
        return verifyToken(s, 'unsubscribe', tampered) === null;
      }),
    );
  });

  it('reject junk without throwing', () => {
    fc.assert(fc.property(secret, fc.string(), (s, junk) => verifyToken(s, 'unsubscribe', junk) === null));
    expect(verifyToken('x'.repeat(32), 'unsubscribe', '0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toBeNull();
    expect(verifyToken('x'.repeat(32), 'unsubscribe', '01.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toBeNull();
  });

  it('give a Message-ID that is the same for the same delivery and differs between deliveries', () => {
    const s = 'k'.repeat(40);
    const a = deliveryMessageId(s, '2026-11-28', 7, 'papers.example.org');
    expect(a).toMatch(/^<2026-11-28\.7\.[0-9a-f]{16}@papers\.example\.org>$/);
    expect(deliveryMessageId(s, '2026-11-28', 7, 'papers.example.org')).toBe(a);
    expect(deliveryMessageId(s, '2026-11-28', 8, 'papers.example.org')).not.toBe(a);
    expect(deliveryMessageId(s, '2026-11-29', 7, 'papers.example.org')).not.toBe(a);
  });
});
