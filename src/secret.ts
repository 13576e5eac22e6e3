import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import type { Logger } from './log.js';

/**
 * PAPERBOY_SECRET, or when unset a key generated once and kept in `secret` beside the SQLite file,
 * so that links in mail already sent keep working across restarts. (A PostgreSQL store requires
 * PAPERBOY_SECRET: see the config.)
 */
export function resolveSecret(config: Config, log: Logger): string {
  if (config.secret) return config.secret;
  const { database } = config;
  const dir =
    database.kind === 'sqlite' && database.path !== ':memory:' ? path.dirname(database.path) : path.resolve('data');
  const file = path.join(dir, 'secret');
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length >= 32) return kept;
  } catch {}
  const secret = randomBytes(32).toString('hex');
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  log.warn(
    { event: 'config.secret.generated', file },
    `PAPERBOY_SECRET is not set: generated a signing key in ${file}. Keep that file (links in sent mail depend on it) or set PAPERBOY_SECRET.`,
  );
  return secret;
}
