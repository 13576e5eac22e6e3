import { domainToASCII } from 'node:url';
import { encodeWord, quoteString } from 'nodemailer/lib/mime-funcs';

/**
 * Header fields for messages paperboy assembles itself (see assemble.ts), written the way
 * nodemailer writes them for the same values: RFC 2047 encoded-words for non-ASCII text, display
 * names quoted when they hold specials, domains in punycode unless the local part needs SMTPUTF8.
 * No value can break out of its field: CR, LF and other control characters never reach the output.
 */

const PREFERRED_LINE = 78;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const CONTROLS = /[\u0000-\u001f\u007f]+/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above
const HAS_CONTROL = /[\u0000-\u001f\u007f]/;

/** Q for mostly-Latin text, B otherwise (nodemailer's rule, so both paths read alike). */
function wordEncoding(s: string): 'Q' | 'B' {
  let latin = 0;
  let other = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f) other++;
    else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) latin++;
  }
  return other < latin ? 'Q' : 'B';
}

/**
 * Text that must become encoded-words: anything beyond printable ASCII, and `=?`, which a reader
 * would otherwise decode as an encoded-word the sender never wrote.
 */
function needsWords(s: string): boolean {
  return /[^\x20-\x7e]/.test(s) || s.includes('=?');
}

/** An unstructured value (Subject): one line, encoded-words when needed. */
export function unstructured(value: string): string {
  const s = value.replace(CONTROLS, ' ');
  return needsWords(s) ? encodeWord(s, wordEncoding(s), 52) : s;
}

/** A display name: as it is when it is only words, quoted when it holds specials, else encoded-words. */
export function displayName(name: string): string {
  const s = name.replace(CONTROLS, ' ');
  if (/^[\w ]*$/.test(s)) return s;
  if (!needsWords(s)) return quoteString(s);
  return encodeWord(s, wordEncoding(s), 52);
}

/**
 * An address as it goes into a header and the envelope: the domain in punycode when the local part
 * is ASCII (an internationalized local part needs SMTPUTF8 anyway, so the domain stays Unicode).
 * Stored addresses are valid already (subscribers/email.ts); this only strips what could never be
 * part of one.
 */
export function wireAddress(address: string): string {
  const a = address.replace(CONTROLS, ' ').replace(/[<>]+/g, ' ').trim();
  if (/^[\x21-\x7e]*$/.test(a)) return a;
  const at = a.lastIndexOf('@');
  if (at < 0) return a;
  const local = a.slice(0, at);
  const domain = a.slice(at + 1);
  if (/[\u0080-\uffff]/.test(local) || domain.startsWith('[')) return a;
  return `${local}@${domainToASCII(domain) || domain}`;
}

/** A plain dot-atom address can stand alone; anything else goes in angle brackets. */
const PLAIN_ADDRESS = /^[\w.!#$%&'*+/=?^`{|}~-]+@[\w.-]+$/;

/** `Name <address>` or the bare address. */
export function mailbox(name: string | null, address: string): string {
  const a = wireAddress(address);
  if (!name) return PLAIN_ADDRESS.test(a) ? a : `<${a}>`;
  return `${displayName(name)} <${a}>`;
}

/** `<id@domain>` with no whitespace or control characters. */
export function messageIdValue(id: string): string {
  const s = id.replace(CONTROLS, '').replace(/\s+/g, '');
  return `${s.startsWith('<') ? '' : '<'}${s}${s.endsWith('>') ? '' : '>'}`;
}

/** RFC 5322 date as nodemailer writes it: `Sat, 28 Nov 2026 15:16:04 +0000`. */
export function dateValue(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

/**
 * `Name: value` CRLF, folded at spaces so lines stay within 78 characters where the words allow
 * (a single word longer than that keeps its own line; header values here never come near 998).
 */
export function headerField(name: string, value: string): string {
  const clean = HAS_CONTROL.test(value) ? value.replace(CONTROLS, ' ') : value;
  if (name.length + 2 + clean.length <= PREFERRED_LINE) return `${name}: ${clean}\r\n`;
  const words = clean.split(' ');
  let line = `${name}:`;
  let out = '';
  for (const word of words) {
    // Break only before a non-empty word, so no line is whitespace alone.
    if (word !== '' && line.length + 1 + word.length > PREFERRED_LINE) {
      out += `${line}\r\n`;
      line = ` ${word}`;
    } else line += ` ${word}`;
  }
  return `${out}${line}\r\n`;
}

/**
 * A header block as a person reads it: fields unfolded, RFC 2047 encoded words (`=?UTF-8?Q?…?=`,
 * `=?UTF-8?B?…?=`) decoded, the blanks between two adjacent encoded words dropped (RFC 2047 §6.2).
 * Charsets other than UTF-8 and US-ASCII are decoded as Latin-1 (what paperboy never writes).
 */
export function readableHeaders(block: string): { name: string; value: string }[] {
  const fields: { name: string; value: string }[] = [];
  for (const line of block.split(/\r?\n/)) {
    const last = fields.at(-1);
    if (/^[ \t]/.test(line) && last) last.value += ` ${line.trim()}`;
    else {
      const colon = line.indexOf(':');
      if (colon > 0) fields.push({ name: line.slice(0, colon), value: line.slice(colon + 1).trim() });
    }
  }
  return fields.map((f) => ({ name: f.name, value: decodeWords(f.value) }));
}

const ENCODED_WORD = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;

export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(ENCODED_WORD, (_m, charset: string, enc: string, text: string) => {
      const bytes =
        enc.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : Buffer.from(
              text
                .replace(/_/g, ' ')
                .replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
              'latin1',
            );
      return /^(utf-?8|us-ascii)$/i.test(charset) ? bytes.toString('utf8') : bytes.toString('latin1');
    });
}
