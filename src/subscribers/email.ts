import { oneLine } from '../text.js';

/** An address as stored: trimmed, domain lower-cased (the local part is the mailbox's own business). */
export function normalizeEmail(input: string): string | null {
  const s = input.trim();
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return null;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1).toLowerCase();
  if (s.length > 254 || local.length > 64) return null;
  if (
    !/^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$/.test(local) ||
    local.startsWith('.') ||
    local.endsWith('.') ||
    local.includes('..')
  )
    return null;
  if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(domain) && domain !== 'localhost')
    return null;
  return `${local}@${domain}`;
}

/** A display name safe for a header and a page: one line, no control characters, at most 100 characters. */
export function cleanName(input: string | null | undefined): string | null {
  if (!input) return null;
  const s = oneLine(input).slice(0, 100);
  return s || null;
}
