/**
 * Values bound in one `in (…)` list or multi-row insert: well under SQLite's 32,766 and
 * PostgreSQL's 65,535 variables per statement, whatever else the statement binds.
 */
export const CHUNK = 500;

/** `items` in slices of at most `size`. */
export function chunked<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
