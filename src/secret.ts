import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import { PaperboyError } from './errors.js';
import type { Logger } from './log.js';

const MIN_LENGTH = 32;

/**
 * PAPERBOY_SECRET, or when unset a key generated once and kept in `secret` beside the SQLite file,
 * so that links in mail already sent keep working across restarts. Only a missing file makes a new
 * key: a file that cannot be read or is cut short is an error, never silently replaced (every link
 * already sent would stop working). (A PostgreSQL store requires PAPERBOY_SECRET: see the config.)
 */
export function resolveSecret(config: Config, log: Logger): string {
  if (config.secret) return config.secret;
  const { database } = config;
  const dir =
    database.kind === 'sqlite' && database.path !== ':memory:' ? path.dirname(database.path) : path.resolve('data');
  const file = path.join(dir, 'secret');
  const kept = readKept(file);
  if (kept !== null) return kept;
  const secret = randomBytes(32).toString('hex');
  mkdirSync(dir, { recursive: true });
  try {
    // 'wx': two processes starting at once on a new store must not each keep a key of their own.
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readKept(file) ?? secret;
    throw new PaperboyError('ECONFIG', `cannot write the signing key ${file}: ${(err as Error).message}`, {
      hint: 'let the user paperboy runs as write to that folder, or set PAPERBOY_SECRET',
      cause: err,
    });
  }
  log.warn(
    { event: 'config.secret.generated', file },
    `PAPERBOY_SECRET is not set: generated a signing key in ${file}. Keep that file (links in sent mail depend on it) or set PAPERBOY_SECRET.`,
  );
  return secret;
}

/** The key in `file`; null when there is no such file. */
function readKept(file: string): string | null {
  let kept: string;
  try {
    kept = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new PaperboyError('ECONFIG', `cannot read the signing key ${file}: ${(err as Error).message}`, {
      hint: 'let the user paperboy runs as read it (links in mail already sent depend on this key), or set PAPERBOY_SECRET to its value',
      cause: err,
    });
  }
  if (kept.length < MIN_LENGTH) {
    throw new PaperboyError(
      'ECONFIG',
      `the signing key in ${file} is ${kept.length} characters long; a key has at least ${MIN_LENGTH}`,
      {
        hint: 'restore the file from a backup (links in mail already sent depend on it), or delete it to have a new key generated (those links then stop working)',
      },
    );
  }
  return kept;
}
