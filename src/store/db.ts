import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresAdapter, PostgresDialect, SqliteDialect } from 'kysely';
import type pg from 'pg';
import { now } from '../clock.js';
import type { DatabaseConfig } from '../config.js';
import { PaperboyError } from '../errors.js';
import { describeStore } from './describe-store.js';
import { type Dialect, migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export { describeStore };

export type Db = Kysely<Database>;

/**
 * Opens the store the config names — a SQLite file (created when needed) or a PostgreSQL
 * database — and brings its schema up to date. The same queries and migrations serve both.
 */
export async function openStore(database: DatabaseConfig): Promise<Db> {
  const db = database.kind === 'sqlite' ? openSqlite(database.path) : await openPostgres(database);
  const dialect: Dialect = database.kind;
  const migrator = new Migrator({
    db,
    provider: migrationProvider(dialect),
    ...(database.kind === 'postgres' && database.schema ? { migrationTableSchema: database.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
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

function openSqlite(databasePath: string): Db {
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
  const cached = withStatementCache(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cached }) });
  sqliteHandles.set(db, cached);
  return db;
}

export type SqliteHandle = ReturnType<typeof withStatementCache>;
const sqliteHandles = new WeakMap<Db, SqliteHandle>();

/**
 * The SQLite connection under a store, for the few statements run once per message, where Kysely's
 * query building costs more than the query (the send loop's settlements); undefined on PostgreSQL.
 */
export function sqliteHandle(db: Db): SqliteHandle | undefined {
  return sqliteHandles.get(db);
}

/**
 * Kysely prepares every query anew; better-sqlite3 statements can be reused, and preparing costs
 * about as much as a small query. The send path runs the same few statements per message, so the
 * most recent 200 short ones are kept. (Safe because Kysely runs each statement to completion — all() or
 * run() — before the next; nothing here streams rows with iterate().)
 */
/** The statement a rollback outside a transaction becomes: nothing to do. */
const NO_ROLLBACK = { reader: false, run: () => ({ changes: 0, lastInsertRowid: 0 }) } as unknown as SQLite.Statement;

function withStatementCache(sqlite: SQLite.Database, size = 200) {
  const cache = new Map<string, SQLite.Statement>();
  // One wrapper for every call: better-sqlite3 builds four functions per transaction() call, and
  // the send path runs one transaction per group of settlements.
  const inTransaction = sqlite.transaction((fn: () => void) => fn());
  return {
    close: () => sqlite.close(),
    /** Runs a synchronous function between BEGIN and COMMIT (ROLLBACK when it throws). */
    transaction: (fn: () => void): void => inTransaction(fn),
    /** A transaction of Kysely's is open on this connection (then go through Kysely, which waits for it). */
    inTransaction: () => sqlite.inTransaction,
    prepare(sql: string): SQLite.Statement {
      // SQLite has already rolled back a transaction that a full disk or an I/O error ended; the
      // rollback Kysely then asks for would fail ("no transaction is active") and hide why.
      if (!sqlite.inTransaction && /^\s*rollback\s*$/i.test(sql)) return NO_ROLLBACK;
      // Long statements (multi-row inserts, long `in` lists) vary from call to call and hold more
      // memory: prepared fresh each time, never kept.
      if (sql.length > 2000) return sqlite.prepare(sql);
      let st = cache.get(sql);
      if (st) {
        cache.delete(sql);
      } else {
        st = sqlite.prepare(sql);
        if (cache.size >= size) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
      }
      cache.set(sql, st);
      return st;
    },
  };
}

const INT8 = 20;

async function openPostgres(database: Extract<DatabaseConfig, { kind: 'postgres' }>): Promise<Db> {
  // Loaded here: commands on the default SQLite store never pay for it.
  const { default: pg } = await import('pg');
  const { schema } = database;
  // Ids, millisecond timestamps and count(*) are bigint (int8): read them as numbers, as SQLite
  // gives them. Per pool, so that other users of pg in the process (pg-boss) keep the defaults.
  const getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 && format !== 'binary'
      ? Number
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;
  const pool = new pg.Pool({
    connectionString: database.url,
    types: { getTypeParser },
    connectionTimeoutMillis: 10_000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // A connection that drops (a server restart) is replaced on the next query, whose own error says
  // what happened and is ridden out where it matters (store/retry.ts). pg also emits the drop as an
  // 'error' event — on the pool for an idle client, on the client itself while it is checked out —
  // which without a listener would end the process as an uncaught exception.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    const client = await pool.connect();
    try {
      if (schema) await createSchema(client, schema);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => {});
    throw unreachable(database, err);
  }
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

async function createSchema(client: pg.PoolClient, schema: string): Promise<void> {
  try {
    // The name was checked in the config: lower-case letters, digits and _.
    await client.query(`create schema if not exists ${schema}`);
  } catch (err) {
    // Two processes starting at once: the other one created it.
    if ((err as { code?: string }).code !== '23505') throw err;
  }
}

function unreachable(database: Extract<DatabaseConfig, { kind: 'postgres' }>, err: unknown): PaperboyError {
  const where = describeStore(database);
  const code = (err as { code?: string }).code;
  const hint =
    code === '3D000'
      ? `create the database (createdb ${new URL(database.url).pathname.slice(1)}) or correct PAPERBOY_DATABASE_URL`
      : code === '28P01' || code === '28000'
        ? 'check the user and password in PAPERBOY_DATABASE_URL'
        : code === '42501'
          ? 'grant the user CREATE on the database, or create the schema for it'
          : 'start PostgreSQL there (pg_isready -h HOST tells whether it answers) or correct PAPERBOY_DATABASE_URL';
  return new PaperboyError('ESTORE', `cannot reach the PostgreSQL store at ${where}: ${(err as Error).message}`, {
    hint,
    cause: err,
  });
}

/** The store's SQL dialect, for the few queries that must differ. */
export function dialectOf(db: Db): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** The time now, as the command sees it (src/clock.ts: `send --at` shifts it). */
export function nowIso(): string {
  return new Date(now()).toISOString();
}
