import { type Pacer, pacer, unlimited } from '../send/pacer.js';
import type { Db } from '../store/db.js';
import { ensureRateBucket, takeTokens } from '../store/rate-bucket.js';

/**
 * PAPERBOY_RATE_LIMIT for a whole cluster: a token bucket row in PostgreSQL that refills at `rate`
 * tokens a second (on the database's clock, so workers' clocks do not matter) and holds at most a
 * quarter of a second's worth, so an idle spell earns no real burst. Each worker takes a small chunk of
 * tokens in one atomic UPDATE and spends them through its local even-spaced pacer; with no token
 * left it waits for the time the bucket needs to refill a chunk. The sum over workers never
 * exceeds the rate by more than the bucket's capacity.
 */
export function clusterPacer(db: Db, rate: number, name = 'send'): Pacer {
  if (!(rate > 0)) return unlimited;
  const chunk = Math.max(1, Math.floor(rate / 10));
  // What the bucket holds at most: a quarter second's worth, so workers busy spending their chunks
  // lose no tokens, and an idle spell is followed by no more than that.
  const capacity = Math.max(2 * chunk, Math.ceil(rate / 4));
  const local = pacer(rate);
  let tokens = 0;
  let ready: Promise<void> | null = null;
  // The bucket's row, made once per pacer (not on every refill).
  let created: Promise<unknown> | null = null;

  const refill = async () => {
    created ??= ensureRateBucket(db, name).catch((err) => {
      created = null;
      throw err;
    });
    await created;
    for (;;) {
      tokens = await takeTokens(db, name, { rate, capacity, chunk });
      if (tokens > 0) return;
      await new Promise((r) => setTimeout(r, Math.ceil((chunk * 1000) / rate / 2)));
    }
  };

  return {
    rate,
    async acquire() {
      while (tokens <= 0) {
        ready ??= refill().finally(() => {
          ready = null;
        });
        await ready;
      }
      tokens--;
      await local.acquire();
    },
  };
}
