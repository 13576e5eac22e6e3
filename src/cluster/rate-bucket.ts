import { sql } from 'kysely';
import { type Pacer, pacer, unlimited } from '../send/pacer.js';
import type { Db } from '../store/db.js';

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

  const take = async (): Promise<number> => {
    const r = await sql<{ got: number }>`
      with now as (select floor(extract(epoch from clock_timestamp()) * 1000)::bigint as ms),
      b as (
        select least(${capacity}::float8, tokens + greatest(0, (select ms from now) - updated_ms) * ${rate}::float8 / 1000) as avail
        from rate_buckets where name = ${name} for update
      )
      update rate_buckets set
        tokens = b.avail - least(${chunk}::float8, floor(b.avail)),
        updated_ms = (select ms from now)
      from b where rate_buckets.name = ${name}
      returning least(${chunk}::float8, floor(b.avail))::int as got`.execute(db);
    return Number(r.rows[0]?.got ?? 0);
  };

  const refill = async () => {
    created ??= sql`insert into rate_buckets (name, tokens, updated_ms)
      values (${name}, 0, floor(extract(epoch from clock_timestamp()) * 1000)::bigint)
      on conflict (name) do nothing`
      .execute(db)
      .catch((err) => {
        created = null;
        throw err;
      });
    await created;
    for (;;) {
      tokens = await take();
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
