import { PaperboyError } from '../errors.js';

/**
 * What a raw error of the store means to an operator, and what to do: a full disk, a read-only or
 * locked file, a damaged one, a database server that does not answer. `where` names the store
 * (its file, or the PostgreSQL URL without its password). Null for an error that is not the store's.
 */
export function storeProblem(err: unknown, where: string): PaperboyError | null {
  const code = String((err as { code?: unknown })?.code ?? '');
  const detail = (err as Error)?.message ?? String(err);
  const problem = (what: string, hint: string) =>
    new PaperboyError('ESTORE', `the store ${where} ${what} (${detail})`, { hint, cause: err });
  if (code === 'SQLITE_FULL' || code === '53100') {
    return problem(
      'is out of disk space',
      'free space on its disk, then run the command again (the write that failed was rolled back)',
    );
  }
  if (code.startsWith('SQLITE_READONLY') || code === '25006') {
    return problem(
      'cannot be written',
      'let the user paperboy runs as write the file and its folder (SQLite keeps -wal and -shm files beside it), or point PAPERBOY_DATABASE_URL at a server that takes writes (not a standby)',
    );
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return problem(
      'is locked by another process',
      'another program holds a write lock on it for longer than 5 s (a backup, a sqlite3 shell, a stuck paperboy): let it finish or stop it, then run the command again',
    );
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return problem(
      'is damaged or not a paperboy store',
      'restore it from a backup, or point PAPERBOY_DATABASE_URL at the right file',
    );
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN') {
    return problem('could not be read or written', 'check the disk and the permissions of its folder');
  }
  if (
    code.startsWith('08') ||
    code.startsWith('57P') ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code)
  ) {
    return problem(
      'did not answer',
      'check that PostgreSQL is up and reachable (pg_isready -h HOST), then run the command again; deliveries not recorded go again with the same Message-ID',
    );
  }
  if (/Connection terminated|connection timeout/i.test(detail)) {
    return problem(
      'closed the connection',
      'PostgreSQL restarted or dropped paperboy: run the command again once it answers',
    );
  }
  return null;
}
