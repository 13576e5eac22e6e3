import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { PaperboyError } from '../errors.js';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

/** Opens (creating when needed) the SQLite store and brings its schema up to date. */
export async function openStore(databasePath: string): Promise<Db> {
  let sqlite: SQLite.Database;
  try {
    if (databasePath !== ':memory:') mkdirSync(path.dirname(databasePath), { recursive: true });
    sqlite = new SQLite(databasePath);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
  } catch (err) {
    throw new PaperboyError('ESTORE', `cannot open the store at ${databasePath}: ${(err as Error).message}`, {
      hint: 'check PAPERBOY_DATABASE_URL and that its folder is writable',
      cause: err,
    });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new PaperboyError('ESTORE', `migration ${failed} failed: ${(error as Error).message}`, {
      hint: 'the store was left as it was; restore a backup or report this',
      cause: error,
    });
  }
  return db;
}

export function nowIso(): string {
  return new Date().toISOString();
}
