import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { PaperboyError } from '../errors.js';

/** PostgreSQL SQLSTATEs of a server that is restarting, overloaded or was cut off: worth waiting for. */
const PG_TRANSIENT = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);
const NET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTCONN', 'EHOSTUNREACH', 'ECONNABORTED']);

/**
 * A store error that goes away by itself: SQLite busy or locked (another process holds the write
 * lock longer than the busy timeout), or a PostgreSQL connection lost, refused or restarting.
 */
export function isTransientStoreError(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? '');
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return true;
  if (code.startsWith('08') || PG_TRANSIENT.has(code) || NET.has(code)) return true;
  // pg's own errors when a connection ends under a query carry no code.
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
    (err as Error)?.message ?? '',
  );
}

export interface StoreRetry {
  log: Logger;
  /** What is being written, for the log and the error: "record a sent message". */
  what: string;
  /** Give up once the store has failed for this long (ms). */
  windowMs?: number;
}

/**
 * Runs an idempotent store operation, trying again with backoff (0.1 s doubling to 5 s) while the
 * store fails for a reason that passes (isTransientStoreError), for up to `windowMs` (60 s). Any
 * other error, or one that outlasts the window, is thrown as ESTORE.
 */
export async function withStoreRetry<T>(fn: () => Promise<T>, o: StoreRetry): Promise<T> {
  const windowMs = o.windowMs ?? 60_000;
  let failingSince: number | null = null;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await fn();
      if (failingSince !== null) {
        o.log.warn(
          { event: 'store.recovered', what: o.what, after_ms: Date.now() - failingSince },
          `the store answers again (${o.what})`,
        );
      }
      return result;
    } catch (err) {
      const transient = isTransientStoreError(err);
      failingSince ??= Date.now();
      if (!transient || Date.now() - failingSince >= windowMs) throw storeFailed(err, o.what, transient);
      if (attempt === 1) {
        o.log.warn(
          { event: 'store.retrying', what: o.what, err: (err as Error).message },
          `the store did not answer (${(err as Error).message}): trying again to ${o.what}`,
        );
      }
      await sleep(Math.min(100 * 2 ** (attempt - 1), 5_000));
    }
  }
}

function storeFailed(err: unknown, what: string, transient: boolean): PaperboyError {
  return new PaperboyError('ESTORE', `the store could not ${what}: ${(err as Error).message}`, {
    hint: transient
      ? 'it failed for a minute: check that no other process holds the SQLite file locked, or that PostgreSQL is up; then run the send again (a message whose delivery was not recorded goes again, with the same Message-ID)'
      : 'check the store (disk space, permissions, PostgreSQL), then run the send again',
    cause: err,
  });
}
