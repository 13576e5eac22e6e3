import { sql } from 'kysely';
import type { Db } from './db.js';

/**
 * The cluster's token buckets (table rate_buckets): one row per name, refilled on the database's
 * clock, so the workers' clocks do not matter.
 */

/** Makes the bucket's row (empty) unless it exists. */
export async function ensureRateBucket(db: Db, name: string): Promise<void> {
  await sql`insert into rate_buckets (name, tokens, updated_ms)
    values (${name}, 0, floor(extract(epoch from clock_timestamp()) * 1000)::bigint)
    on conflict (name) do nothing`.execute(db);
}

export interface BucketShape {
  /** Tokens a second. */
  rate: number;
  /** Tokens the bucket holds at most. */
  capacity: number;
  /** Tokens taken at a time at most. */
  chunk: number;
}

/**
 * Refills the bucket for the time since it was last touched and takes up to a chunk of whole
 * tokens, in one atomic UPDATE: how many were taken (0: wait for the refill).
 */
export async function takeTokens(db: Db, name: string, { rate, capacity, chunk }: BucketShape): Promise<number> {
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
}
