import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deliveryMessageId,
  signFeedToken,
  signTimedToken,
  signToken,
  verifyFeedToken,
  verifyTimedToken,
  verifyToken,
} from '../../src/subscribers/tokens.js';

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

  it('refuse another spelling of the same signature bytes (the unused bits of the last character)', () => {
    const s = 'k'.repeat(40);
    for (let n = 1; n <= 200; n++) {
      const token = signToken(s, 'unsubscribe', n);
      const last = token.at(-1) ?? 'A';
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const i = alphabet.indexOf(last);
      const sibling = alphabet[i ^ 1] ?? 'A';
      expect(verifyToken(s, 'unsubscribe', token.slice(0, -1) + sibling)).toBeNull();
    }
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

describe('timed tokens (confirmation links)', () => {
  const day = 86_400;
  const now = 1_795_900_000;

  it('verify within their lifetime, to the id and time they were signed with', () => {
    fc.assert(
      fc.property(secret, id, fc.integer({ min: 0, max: 7 * day }), (s, n, age) => {
        const check = verifyTimedToken(s, 'confirm', signTimedToken(s, 'confirm', n, now - age), 7 * day, now);
        return check.ok && check.id === n && check.issuedAt === now - age;
      }),
    );
  });

  it('expire after their lifetime, and are refused from the future', () => {
    fc.assert(
      fc.property(secret, id, fc.integer({ min: 7 * day + 1, max: 400 * day }), (s, n, age) => {
        const check = verifyTimedToken(s, 'confirm', signTimedToken(s, 'confirm', n, now - age), 7 * day, now);
        return !check.ok && check.reason === 'expired';
      }),
    );
    const future = verifyTimedToken(
      'k'.repeat(32),
      'confirm',
      signTimedToken('k'.repeat(32), 'confirm', 1, now + 3600),
      7 * day,
      now,
    );
    expect(future).toEqual({ ok: false, reason: 'expired' });
  });

  it('are invalid for another purpose, another secret, or with a changed time', () => {
    fc.assert(
      fc.property(secret, id, fc.integer({ min: 1, max: day }), (s, n, shift) => {
        const token = signTimedToken(s, 'confirm', n, now);
        const [idPart, , sig] = token.split('.');
        const moved = `${idPart}.${(now - shift).toString(36)}.${sig}`;
        return (
          verifyTimedToken(s, 'unsubscribe', token, 7 * day, now).ok === false &&
          verifyTimedToken(`${s}x`, 'confirm', token, 7 * day, now).ok === false &&
          verifyTimedToken(s, 'confirm', moved, 7 * day, now).ok === false &&
          verifyToken(s, 'confirm', token) === null
        );
      }),
    );
  });
});

describe('feed tokens', () => {
  const S = 'test-secret-0123456789abcdef0123456789abcdef';
  it('carry the reader and the feed version, and nothing else passes for one', () => {
    expect(verifyFeedToken(S, signFeedToken(S, 17, 0))).toEqual({ id: 17, version: 0 });
    expect(verifyFeedToken(S, signFeedToken(S, 17, 3))).toEqual({ id: 17, version: 3 });
    expect(signFeedToken(S, 17, 3)).toMatch(/^h\.3\.[\w-]{43}$/);
    const [id, , sig] = signFeedToken(S, 17, 3).split('.');
    expect(verifyFeedToken(S, `${id}.4.${sig}`)).toBeNull(); // another version, the same signature
    expect(verifyFeedToken('another-secret-0123456789abcdef0123456789', signFeedToken(S, 17, 0))).toBeNull();
    expect(verifyFeedToken(S, signTimedToken(S, 'vote', 17, 3))).toBeNull();
    expect(verifyFeedToken(S, signToken(S, 'preferences', 17))).toBeNull();
    expect(verifyFeedToken(S, 'preview')).toBeNull();
  });
});
