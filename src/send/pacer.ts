/**
 * The send rate limit (PAPERBOY_RATE_LIMIT messages per second): each message is given the next
 * slot of an even schedule, one every 1/rate seconds, so the relay sees a steady stream, never a
 * burst. A slot missed because a timer woke late may be caught up (one slot at most), so timer
 * lateness does not lower the rate; an idle spell earns no credit, so it is not followed by a burst.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export interface Pacer {
  /** Resolves when the caller may send its next message. */
  acquire(): Promise<void>;
  readonly rate: number;
}

/** No limit: `acquire` returns at once. */
export const unlimited: Pacer = { acquire: async () => {}, rate: 0 };

export function pacer(ratePerSecond: number, clock: Clock = realClock): Pacer {
  if (!(ratePerSecond > 0)) return unlimited;
  const interval = 1000 / ratePerSecond;
  let next = Number.NEGATIVE_INFINITY;
  return {
    rate: ratePerSecond,
    async acquire() {
      const now = clock.now();
      const slot = Math.max(next, now - interval);
      next = slot + interval;
      if (slot > now) await clock.sleep(slot - now);
    },
  };
}
