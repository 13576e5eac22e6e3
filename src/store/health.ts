import { sql } from 'kysely';
import type { Db } from './db.js';
import { dialectOf } from './db.js';
import { migrationProvider } from './migrations/index.js';

/** The migrations this paperboy knows that the store has not applied (none: the schema is current). */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  const done = new Set(applied.rows.map((r) => r.name));
  const known = Object.keys(await migrationProvider(dialectOf(db)).getMigrations());
  return known.filter((n) => !done.has(n));
}

/**
 * On PostgreSQL: whether pg-boss's queue answers in `schema` (its version row): `absent` before the
 * first send made it (`to_regclass` finds no table); a store that does not answer throws.
 */
export async function queueState(db: Db, schema: string): Promise<'ok' | 'absent'> {
  const found = await sql<{ t: string | null }>`select to_regclass(${`${schema}.version`})::text as t`.execute(db);
  if (!found.rows[0]?.t) return 'absent';
  await sql`select count(*) from ${sql.table(`${schema}.version`)}`.execute(db);
  return 'ok';
}
