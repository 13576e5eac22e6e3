/**
 * At most `limit` hits per key in a sliding `windowMs`, in memory: enough to stop one client
 * from using the sign-up form to mail-bomb an address or fill the list.
 */
export function rateLimiter(limit: number, windowMs: number) {
  const hits = new Map<string, number[]>();
  return (key: string, now = Date.now()): boolean => {
    const recent = (hits.get(key) ?? []).filter((t) => now - t < windowMs);
    if (recent.length >= limit) {
      hits.set(key, recent);
      return false;
    }
    recent.push(now);
    hits.set(key, recent);
    if (hits.size > 10_000) {
      for (const [k, v] of hits) if (v.every((t) => now - t >= windowMs)) hits.delete(k);
    }
    return true;
  };
}

/**
 * Counts failures per key (wrong tokens): after `limit` in `windowMs` the key is blocked, and a
 * blocked client is refused before its next attempt is even checked.
 */
export function failureLimiter(limit: number, windowMs: number) {
  const fails = new Map<string, number[]>();
  const recent = (key: string, now: number) => (fails.get(key) ?? []).filter((t) => now - t < windowMs);
  return {
    blocked: (key: string, now = Date.now()) => recent(key, now).length >= limit,
    fail: (key: string, now = Date.now()) => {
      fails.set(key, [...recent(key, now), now]);
    },
  };
}
