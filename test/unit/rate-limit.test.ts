import { describe, expect, it } from 'vitest';
import { rateLimiter } from '../../src/server/rate-limit.js';

describe('rateLimiter', () => {
  it('allows `limit` hits per key in the window, then refuses until the window slides', () => {
    const allow = rateLimiter(3, 1000);
    expect([allow('a', 0), allow('a', 10), allow('a', 20), allow('a', 30)]).toEqual([true, true, true, false]);
    expect(allow('b', 30)).toBe(true);
    expect(allow('a', 1005)).toBe(true);
    expect(allow('a', 1006)).toBe(false);
  });
});
