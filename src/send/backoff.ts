/** Backoff before retry `attempt` (1-based): base, 2×base, 4×base … capped at 5 minutes. */
export function backoffMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** (attempt - 1), 300_000);
}

/**
 * When a delivery deferred past a pass's retries is tried again: doubling from pass to pass, as long
 * again as it has been deferred, a minute at least (a greylisting server wants a few), an hour at most.
 */
export function nextPassDue(now: number, deferredSince: number): number {
  return now + Math.min(3_600_000, Math.max(60_000, now - deferredSince));
}
