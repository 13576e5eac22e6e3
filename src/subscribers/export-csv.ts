import type { Subscriber } from '../domain.js';

export const EXPORT_HEADER = 'email,name,topics,status,status_reason,created_at';

/** A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
function field(v: string | null): string {
  if (v === null) return '';
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** One subscriber as a CSV line, in the columns `subscribers import` reads back. */
export function exportLine(s: Subscriber): string {
  return [s.email, s.name, s.topics.join(', '), s.status, s.statusReason, s.createdAt].map(field).join(',');
}
