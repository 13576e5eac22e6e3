import type { Subscriber } from '../domain.js';

export const EXPORT_HEADER = 'email,name,topics,status,status_reason,timezone,hour,created_at,votes';

/**
 * A value a spreadsheet would run as a formula: it starts with `=`, `+`, `-`, `@`, a tab or a CR
 * (a name typed into the public sign-up form, say `=HYPERLINK(…)`). Written with a leading
 * apostrophe, as OWASP advises against CSV injection; `subscribers import` takes it off again.
 */
export const FORMULA_START = /^[=+\-@\t\r]/;

/** A CSV field: defused when it would start a formula, quoted when it holds a comma, a quote or a line break (RFC 4180). */
function field(v: string | null): string {
  if (v === null) return '';
  const safe = FORMULA_START.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A field as `export` wrote it, back to the value: the apostrophe before a formula start taken off. */
export function undefuse(v: string | undefined): string | undefined {
  return v?.startsWith("'") && FORMULA_START.test(v.slice(1)) ? v.slice(1) : v;
}

/**
 * One subscriber as a CSV line, in the columns `subscribers import` reads back (it leaves `votes`
 * alone): their zone and hour empty when they follow the list's; their votes as `up:PAPER` (more like this) and `down:PAPER` (less), newest first.
 */
export function exportLine(s: Subscriber, votes = ''): string {
  return [
    s.email,
    s.name,
    s.topics.join(', '),
    s.status,
    s.statusReason,
    s.timezone,
    s.hour === null ? null : String(s.hour),
    s.createdAt,
    votes || null,
  ]
    .map(field)
    .join(',');
}
