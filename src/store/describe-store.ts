import type { DatabaseConfig } from '../config.js';

/** Where the store is, for people: the file, or the PostgreSQL URL without its password. */
export function describeStore(database: DatabaseConfig): string {
  if (database.kind === 'sqlite') return database.path;
  let shown: string;
  try {
    const u = new URL(database.url);
    u.password = '';
    u.searchParams.delete('password');
    shown = u.toString();
  } catch {
    shown = 'postgres://…';
  }
  return database.schema ? `${shown} (schema ${database.schema})` : shown;
}
