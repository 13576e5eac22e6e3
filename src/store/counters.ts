import { sql } from 'kysely';
import type { Db } from './db.js';

/**
 * Takes the next number of a named counter shared by every process on the store: 0, 1, 2, … in
 * one atomic statement (an upsert), so two workers starting at once never take the same one.
 */
export async function nextCount(db: Db, name: string): Promise<number> {
  const r = await sql<{ value: number | string }>`
    insert into counters (name, value) values (${name}, 0)
    on conflict (name) do update set value = counters.value + 1
    returning value`.execute(db);
  return Number(r.rows[0]?.value ?? 0);
}
