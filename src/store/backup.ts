/**
 * Backups of a SQLite store: an online copy while paperboy serves and sends (SQLite's backup API,
 * page by page, a consistent snapshot), and a restore that refuses a store in use and moves the
 * store it replaces aside rather than deleting it. PostgreSQL is backed up with its own tools.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { PaperboyError } from '../errors.js';
import { migrationProvider } from './migrations/index.js';

/** What a store holds, counted: what a backup or a restore says it copied. */
export interface StoreCounts {
  subscribers: number;
  digests: number;
  deliveries: number;
  votes: number;
  migrations: number;
}

function counts(db: SQLite.Database): StoreCounts {
  const n = (table: string) => (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  return {
    subscribers: n('subscribers'),
    digests: n('digests'),
    deliveries: n('deliveries'),
    votes: n('votes'),
    migrations: n('kysely_migration'),
  };
}

/** Copies the store at `dbPath` to `out` while it is in use; `out` appears only once complete. */
export async function backupSqlite(dbPath: string, out: string): Promise<StoreCounts & { bytes: number }> {
  if (existsSync(out)) {
    throw new PaperboyError('EUSAGE', `${out} exists already`, {
      hint: 'choose another file; a backup never overwrites one',
    });
  }
  if (!existsSync(dbPath)) throw new PaperboyError('ENOTFOUND', `there is no store at ${dbPath}`);
  const partial = `${out}.partial`;
  rmSync(partial, { force: true });
  const source = new SQLite(dbPath, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    await source.backup(partial);
  } catch (err) {
    rmSync(partial, { force: true });
    throw new PaperboyError('ESTORE', `the backup to ${out} failed: ${(err as Error).message}`, {
      hint: 'check that the folder is writable and has room',
      cause: err,
    });
  } finally {
    source.close();
  }
  const copy = new SQLite(partial, { readonly: true });
  let c: StoreCounts;
  try {
    c = counts(copy);
  } finally {
    copy.close();
  }
  renameSync(partial, out);
  return { ...c, bytes: statSync(out).size };
}

/**
 * Whether another connection has the store open: SQLite grants an exclusive lock only to the
 * one connection there is (in WAL mode every open connection holds a share of the -shm file).
 */
export function storeInUse(dbPath: string): boolean {
  if (!existsSync(dbPath)) return false;
  const probe = new SQLite(dbPath, { fileMustExist: true, timeout: 200 });
  try {
    probe.pragma('locking_mode = EXCLUSIVE');
    probe.exec('BEGIN EXCLUSIVE');
    probe.exec('COMMIT');
    return false;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw err;
  } finally {
    probe.close();
  }
}

/** Checks that `file` is a sound paperboy store this version can open, and counts it. */
async function checkBackup(file: string): Promise<StoreCounts> {
  if (!existsSync(file)) throw new PaperboyError('ENOTFOUND', `there is no file ${file}`);
  let db: SQLite.Database;
  try {
    db = new SQLite(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new PaperboyError('EUSAGE', `${file} is not a SQLite file: ${(err as Error).message}`);
  }
  try {
    let integrity: string;
    let names: string[];
    try {
      integrity = String(db.pragma('integrity_check', { simple: true }));
      names = (db.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map(
        (r) => r.name,
      );
    } catch (err) {
      throw new PaperboyError('EUSAGE', `${file} is not a paperboy store: ${(err as Error).message}`);
    }
    if (integrity !== 'ok') throw new PaperboyError('ESTORE', `${file} is damaged: ${integrity}`);
    const known = new Set(Object.keys(await migrationProvider('sqlite').getMigrations()));
    const newer = names.filter((n) => !known.has(n));
    if (newer.length > 0) {
      throw new PaperboyError('ESTORE', `${file} was made by a newer paperboy (migration ${newer.join(', ')})`, {
        hint: 'restore it with that version of paperboy, or upgrade this one first',
      });
    }
    return counts(db);
  } finally {
    db.close();
  }
}

/**
 * Puts the backup `file` in place as the store at `dbPath`. Refused while any process has that
 * store open; a store already there is moved aside (with its -wal and -shm), never deleted.
 * Returns what was restored and where the old store went.
 */
export async function restoreSqlite(
  file: string,
  dbPath: string,
  now = new Date(),
): Promise<StoreCounts & { movedAside: string | null }> {
  const c = await checkBackup(file);
  if (storeInUse(dbPath)) {
    throw new PaperboyError('EBUSY', `the store ${dbPath} is in use: a paperboy serve, send or worker has it open`, {
      hint: 'stop it first (systemctl stop paperboy, or Ctrl-C), then restore again',
    });
  }
  let movedAside: string | null = null;
  if (existsSync(dbPath)) {
    movedAside = `${dbPath}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(dbPath + suffix)) renameSync(dbPath + suffix, movedAside + suffix);
    }
  }
  const partial = `${dbPath}.restoring`;
  mkdirSync(path.dirname(dbPath), { recursive: true });
  copyFileSync(file, partial);
  renameSync(partial, dbPath);
  return { ...c, movedAside };
}
