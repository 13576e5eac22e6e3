import { describe, expect, it } from 'vitest';
import { signShortToken, signToken, verifyShortToken } from '../../src/subscribers/tokens.js';
import {
  unsubscribeMailAddress,
  unsubscribeMailTokens,
  verifyUnsubscribeMailToken,
} from '../../src/subscribers/unsubscribe-mail.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';

describe('the mailto unsubscribe address', () => {
  it('is unsubscribe+<id base 36>.<32 hex>, within 64 octets of local part for the largest id', () => {
    const a = unsubscribeMailAddress(SECRET, Number.MAX_SAFE_INTEGER, 'bounces.example.org');
    const local = a.slice(0, a.indexOf('@'));
    expect(local).toMatch(/^unsubscribe\+2gosa7pa2gv\.[0-9a-f]{32}$/);
    expect(local.length).toBe(56);
    expect(unsubscribeMailAddress(SECRET, 42, 'b.example.org')).toMatch(
      /^unsubscribe\+16\.[0-9a-f]{32}@b\.example\.org$/,
    );
  });

  it('verifies in any case, and refuses another purpose, another secret, a changed digit or id', () => {
    const t = signShortToken(SECRET, 'unsubscribe-mail', 42);
    expect(verifyUnsubscribeMailToken(SECRET, t)).toBe(42);
    expect(verifyUnsubscribeMailToken(SECRET, t.toUpperCase())).toBe(42);
    expect(verifyUnsubscribeMailToken(SECRET, signShortToken(SECRET, 'unsubscribe', 42))).toBeNull();
    expect(verifyUnsubscribeMailToken('another-secret-of-at-least-32-characters', t)).toBeNull();
    const last = t.at(-1) === '0' ? '1' : '0';
    expect(verifyUnsubscribeMailToken(SECRET, `${t.slice(0, -1)}${last}`)).toBeNull();
    expect(verifyUnsubscribeMailToken(SECRET, t.replace(/^16\./, '17.'))).toBeNull();
    expect(verifyUnsubscribeMailToken(SECRET, t.slice(0, -1))).toBeNull();
    expect(verifyShortToken(SECRET, 'unsubscribe', signToken(SECRET, 'unsubscribe', 42))).toBeNull();
  });
});

describe('finding the address in a delivered message', () => {
  const t = signShortToken(SECRET, 'unsubscribe-mail', 42);
  it('reads Delivered-To, X-Original-To, Envelope-To, To and Cc of the header, folded or not, each token once', () => {
    const raw = [
      `Delivered-To: UNSUBSCRIBE+${t.toUpperCase()}@bounces.example.org`,
      `X-Original-To: unsubscribe+${t}@bounces.example.org`,
      'To: "Reader" <reader@example.com>,',
      ` <unsubscribe+7.${'a'.repeat(32)}@bounces.example.org>`,
      'Subject: unsubscribe+1.00@x',
      '',
      `List-Unsubscribe: <mailto:unsubscribe+9.${'b'.repeat(32)}@bounces.example.org>`,
    ].join('\r\n');
    expect(unsubscribeMailTokens(raw)).toEqual([t, `7.${'a'.repeat(32)}`]);
  });

  it('finds none in a bounce report that quotes a digest in its body', () => {
    const raw = `To: bounce+1.x@b.example.org\n\nTo: ada@example.com\nList-Unsubscribe: <mailto:unsubscribe+${t}@b.example.org>\n`;
    expect(unsubscribeMailTokens(raw)).toEqual([]);
  });

  it('finds none in a display name: that mail is to the address in angle brackets', () => {
    expect(unsubscribeMailTokens(`To: "unsubscribe+${t}@b.example.org" <bob@example.org>\n\nhi\n`)).toEqual([]);
    expect(unsubscribeMailTokens(`To: "Bob" <unsubscribe+${t}@b.example.org>\n\nhi\n`)).toEqual([t]);
  });
});
