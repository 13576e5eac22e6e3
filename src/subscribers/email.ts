import { isIP } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';
import { oneLine } from '../text.js';

// RFC 5322 atext, plus any non-ASCII character (RFC 6532: internationalized addresses).
const ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\u{10FFFF}-]+$/u;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function dotAtom(local: string): boolean {
  return local.length > 0 && Buffer.byteLength(local) <= 64 && local.split('.').every((atom) => ATOM.test(atom));
}

/**
 * The local part as stored: a dot-atom. A quoted one that holds a dot-atom (`"ada"`) is the same
 * mailbox unquoted (RFC 5321 4.1.2 asks for the simplest form). Any other quoted local part is
 * refused: mail libraries and relays rewrite them (nodemailer drops backslashes and unquotes
 * spaces), so the mail would go to another address than the one stored.
 */
function storedLocal(local: string): string | null {
  if (dotAtom(local)) return local;
  const inner = /^"(.*)"$/su.exec(local)?.[1];
  return inner !== undefined && dotAtom(inner) ? inner : null;
}

/** The domain as stored (lower case, Unicode form), or null when it is no mail domain. */
function normalizeDomain(domain: string): string | null {
  const literal = /^\[(?:IPv6:)?([^\]]+)\]$/i.exec(domain);
  if (literal?.[1]) {
    const v = isIP(literal[1]);
    if (v === 4 && !/^ipv6:/i.test(domain.slice(1))) return domain;
    if (v === 6 && /^\[ipv6:/i.test(domain)) return `[IPv6:${literal[1].toLowerCase()}]`;
    return null;
  }
  const ascii = domainToASCII(domain.toLowerCase());
  if (!ascii || ascii.length > 253) return null;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null;
  // The top-level label is never all digits (that would be an IP address without brackets).
  if (/^\d+$/.test(labels.at(-1) ?? '')) return null;
  return domainToUnicode(ascii);
}

/**
 * The one address rule of paperboy (sign-up form, CLI, import): one address, a dot-atom local part
 * (a quoted one only when it unquotes to one), a domain with a dot or an IP literal, at most 254 octets; internationalized addresses
 * accepted. Returns the address as stored — trimmed, domain lower-cased (local parts are the
 * mailbox's own business) — or null.
 */
export function normalizeEmail(input: string): string | null {
  const s = input.trim();
  // Control characters never: WHATWG's domainToASCII would silently drop a tab or line break.
  if (s.length === 0 || [...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\u007f')) return null;
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return null;
  const local = storedLocal(s.slice(0, at));
  const domain = normalizeDomain(s.slice(at + 1));
  if (!domain || local === null) return null;
  const address = `${local}@${domain}`;
  return Buffer.byteLength(address) <= 254 ? address : null;
}

/**
 * Why an address is refused, in a few words for a person (`bob@example`: `the domain "example" has
 * no dot (e.g. example.com)`); null when normalizeEmail takes it.
 */
export function emailProblem(input: string): string | null {
  if (normalizeEmail(input) !== null) return null;
  const s = input.trim();
  if (s.length === 0) return 'it is empty';
  if ([...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\u007f')) return 'it holds a control character';
  const at = s.lastIndexOf('@');
  if (at < 0) return 'it has no @';
  if (at === 0) return 'nothing comes before the @';
  if (at === s.length - 1) return 'nothing comes after the @';
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  if (storedLocal(local) === null) {
    if (Buffer.byteLength(local) > 64) return 'the part before the @ is longer than 64 bytes';
    if (local.startsWith('"'))
      return 'a quoted part before the @ is refused: mail programs rewrite quoted addresses, so the mail would go elsewhere';
    return `the part before the @ ("${local}") holds spaces, commas, brackets or dots in the wrong place`;
  }
  if (normalizeDomain(domain) === null) {
    const ascii = domainToASCII(domain.toLowerCase());
    if (ascii && !ascii.includes('.') && !domain.startsWith('['))
      return `the domain "${domain}" has no dot (e.g. example.com)`;
    return `"${domain}" is not a mail domain`;
  }
  return 'it is longer than 254 bytes';
}

/** A display name safe for a header and a page: one line, no control characters, at most 100 characters. */
export function cleanName(input: string | null | undefined): string | null {
  if (!input) return null;
  const s = oneLine(input).slice(0, 100);
  return s || null;
}

/**
 * Whether a stored address goes out exactly as stored. Addresses stored before quoted local parts
 * were refused may still hold one; a send fails such a delivery instead of mailing another address.
 */
export function sendableAsStored(address: string): boolean {
  return !address.startsWith('"');
}
