/** Collapses every run of whitespace and control characters (CR, LF, NUL …) into one space. */
export function oneLine(s: string): string {
  // Most text is one line already (titles in every personal edition's key): only trim it.
  if (!NEEDS_ONE_LINE.test(s)) return s.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return s.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
}

/** What oneLine changes besides the ends: any blank but a lone space, or a control character. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const NEEDS_ONE_LINE = /[^\S ]| {2}|[\u0000-\u001f\u007f]/;

/**
 * Text as a database can keep it: PostgreSQL refuses NUL in text (SQLite keeps it), so a NUL a
 * source or a bounce report carried is dropped before it is stored, on both stores alike.
 */
export function storable(s: string): string;
export function storable(s: string | null): string | null;
export function storable(s: string | null): string | null {
  return s === null ? null : s.replaceAll('\u0000', '');
}

// XML 1.0's Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
const NOT_XML_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/**
 * Text without the characters XML 1.0 forbids (C0 controls but tab, LF and CR; U+FFFE, U+FFFF;
 * lone surrogates): one such character in a paper's title makes a whole feed or MJML document
 * not well-formed. Example: `xmlChars('a\uffffb\u0001c')` → `'abc'`.
 */
export function xmlChars(s: string): string {
  return s.replace(NOT_XML_CHAR, '');
}

/** Plain code-unit order, deterministic and fast (localeCompare costs about a microsecond a call): for ids, ISO dates, tie-breaks. */
export function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `1 paper`, `2 papers`, `1 bad row`: a count and its noun, plural when it is not 1. */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? singular : plural}`;
}
