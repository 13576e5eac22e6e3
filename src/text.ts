/** Collapses every run of whitespace and control characters (CR, LF, NUL …) into one space. */
export function oneLine(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return s.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
}

/**
 * Text as a database can keep it: PostgreSQL refuses NUL in text (SQLite keeps it), so a NUL a
 * source or a bounce report carried is dropped before it is stored, on both stores alike.
 */
export function storable(s: string): string;
export function storable(s: string | null): string | null;
export function storable(s: string | null): string | null {
  return s === null ? null : s.replaceAll('\u0000', '');
}
