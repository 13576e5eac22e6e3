/**
 * What the doors tell a person about the store: where it is, what a raw error of it means, and
 * whether it is one that passes by itself. Light on purpose: every command loads it.
 */
import type { Config } from '../config.js';
import type { PaperboyError } from '../errors.js';
import { describeStore } from '../store/describe-store.js';
import { isTransientStoreError } from '../store/retry.js';
import { storeProblem } from '../store/store-errors.js';

/** The store's file, or its PostgreSQL URL without the password. */
export function storeLocation(config: Config): string {
  return describeStore(config.database);
}

/** A raw store error said for an operator (a full disk, a locked file, a server down); null when it is not the store's. */
export function explainStoreError(err: unknown, config: Config): PaperboyError | null {
  return storeProblem(err, describeStore(config.database));
}

/** A store error that goes away by itself (SQLite busy, PostgreSQL restarting or cut off). */
export function isStoreHiccup(err: unknown): boolean {
  return isTransientStoreError(err);
}
