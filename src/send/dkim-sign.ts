import { createHash, type KeyObject, sign as rsaSign } from 'node:crypto';
import { domainToASCII } from 'node:url';
import MessageParser from 'nodemailer/lib/dkim/message-parser';
import { foldLines } from 'nodemailer/lib/mime-funcs';

/**
 * DKIM signing of the messages paperboy sends (assemble.ts; composed.ts for the confirmation),
 * without nodemailer's signing stream.
 *
 * nodemailer canonicalizes the body byte by byte in JavaScript for every message (about 1 ms for
 * 80 KB). Here the static pieces of a template are canonicalized once; per message only the
 * recipient's few values are, and the pieces are hashed in order. The signature header is made as
 * nodemailer's signer makes it (its relaxed header canonicalization, its tag list and folding,
 * RSA-SHA256), so for the same h= a message signed here carries the signature nodemailer would have
 * written for it, byte for byte (a test holds the two equal), and the RSA step can run off the main
 * thread. h= is where the two differ: nodemailer names each field at most once and cannot
 * oversign; here h= names every occurrence, and the oversigned fields once more (DKIM_OVERSIGNED).
 *
 * Relaxed body canonicalization (RFC 6376 §3.4.4), as nodemailer implements it: whitespace at the
 * end of a line is dropped, a run of spaces and tabs inside a line becomes one space, a bare LF ends
 * a line as CRLF does, a CR not followed by LF is content, empty lines at the end of the body are
 * dropped, and a body that does not end with a line break gets one.
 */

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const TAB = 0x09;
const CRLF = Buffer.from('\r\n', 'latin1');

/**
 * A piece of a body that starts at the beginning of a line, canonicalized. Empty lines before its
 * first content (`lead`) and after its last (`trail`) are counted, not written: whether they count
 * depends on what comes after them in the whole body.
 */
export interface CanonicalPiece {
  lead: number;
  /** From the first content byte to the end of the last line with content (CRLF included unless `open`). */
  bytes: Buffer;
  trail: number;
  /** The piece ends inside a line: the next piece would continue that line. */
  open: boolean;
  hasContent: boolean;
}

/** Canonicalizes one piece of a body, the piece starting at the beginning of a line. */
export function canonicalPiece(input: Buffer): CanonicalPiece {
  // Every byte gives at most itself, a bare LF two, and a pending space one more per content byte.
  const out = Buffer.allocUnsafe(input.length * 2 + 2);
  let pos = 0;
  let lead = 0;
  let empty = 0;
  let hasContent = false;
  let lineHasContent = false;
  let pendingWsp = false;
  let pendingCr = false;
  const content = (c: number) => {
    if (!lineHasContent) {
      if (hasContent) {
        for (; empty > 0; empty--) {
          out[pos++] = CR;
          out[pos++] = LF;
        }
      }
      lineHasContent = true;
      hasContent = true;
    }
    if (pendingWsp) {
      out[pos++] = SP;
      pendingWsp = false;
    }
    out[pos++] = c;
  };
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as number;
    if (c === LF) {
      if (lineHasContent) {
        out[pos++] = CR;
        out[pos++] = LF;
        lineHasContent = false;
      } else if (hasContent) empty++;
      else lead++;
      pendingWsp = false;
      pendingCr = false;
      continue;
    }
    if (pendingCr) {
      content(CR);
      pendingCr = false;
    }
    if (c === CR) pendingCr = true;
    else if (c === SP || c === TAB) pendingWsp = true;
    else content(c);
  }
  if (pendingCr) content(CR);
  return { lead, bytes: Buffer.from(out.subarray(0, pos)), trail: empty, open: lineHasContent, hasContent };
}

/**
 * The base64 SHA-256 of a body given as canonical pieces in order, each starting a line (every
 * piece but the last must end with a line break: `open` only on the last).
 */
export function bodyHash(pieces: readonly CanonicalPiece[]): string {
  const hash = createHash('sha256');
  let pending = 0;
  let open = false;
  for (const [i, p] of pieces.entries()) {
    if (p.open && i < pieces.length - 1) {
      throw new Error('DKIM: a body piece before the last ends inside a line; its canonical form depends on the next');
    }
    if (!p.hasContent) {
      pending += p.lead;
      continue;
    }
    for (let n = pending + p.lead; n > 0; n--) hash.update(CRLF);
    hash.update(p.bytes);
    pending = p.trail;
    open = p.open;
  }
  // Empty lines at the end are dropped; a last line without a break gets one.
  if (open) hash.update(CRLF);
  return hash.digest('base64');
}

export interface DkimSigning {
  domain: string;
  selector: string;
  key: KeyObject;
  /** The fields h= covers, in order (DKIM_HEADERS). */
  headers: readonly string[];
  /** Of those, the ones named once more than they occur (DKIM_OVERSIGNED). */
  oversigned: ReadonlySet<string>;
}

/** Relaxed canonicalization of one field (RFC 6376 §3.4.2), as nodemailer's signer does it. */
function relaxedField(key: string, line: string): string {
  const value = line
    .slice(line.indexOf(':') + 1)
    .replace(/\r?\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
  return `${key}:${value}`;
}

/**
 * The signed fields canonicalized, and h=: for each name, its occurrences from the bottom up (RFC
 * 6376 §5.4.2), then once more for an oversigned one — a name past the last occurrence stands for
 * no field and adds nothing to the signed data.
 */
function relaxedHeaders(
  parsed: ReturnType<MessageParser['parseHeaders']>,
  d: Pick<DkimSigning, 'headers' | 'oversigned'>,
): { headers: string; fieldNames: string } {
  const names: string[] = [];
  let headers = '';
  for (const name of d.headers) {
    const key = name.toLowerCase();
    const found = parsed.filter((h) => h.key === key);
    for (let i = found.length - 1; i >= 0; i--) {
      names.push(key);
      headers += `${relaxedField(key, (found[i] as { line: string }).line)}\r\n`;
    }
    if (d.oversigned.has(name)) names.push(key);
  }
  return { headers, fieldNames: names.join(':') };
}

/** A tag value as nodemailer's signer writes it: no control characters, no `;` or `=`. */
const tagValue = (v: string) => [...v].filter((c) => c > '\x1f' && c !== '\x7f' && c !== ';' && c !== '=').join('');

/**
 * What a DKIM signature of a message signs, as nodemailer's signer (`sign`) makes it: the field up
 * to its empty `b=` (the tag list, folded), and the data the RSA signature is over (the signed
 * fields canonicalized, relaxed, then the field itself). A test holds the result equal to
 * nodemailer's field, byte for byte, for an h= without oversigning.
 */
function signingInput(headers: Buffer, bh: string, d: DkimSigning): { field: string; data: Buffer } {
  // The fields as nodemailer's signer reads them (its own parser; one small object per message).
  const parser = new MessageParser();
  parser.rawHeaders = headers;
  const canonical = relaxedHeaders(parser.parseHeaders(), d);
  const tags = [
    'v=1',
    'a=rsa-sha256',
    'c=relaxed/relaxed',
    `d=${domainToASCII(tagValue(d.domain)) || tagValue(d.domain).toLowerCase()}`,
    'q=dns/txt',
    `s=${tagValue(d.selector)}`,
    `bh=${bh}`,
    `h=${tagValue(canonical.fieldNames)}`,
  ].join('; ');
  const field = `${foldLines(`DKIM-Signature: ${tags}`, 76)};\r\n b=`;
  const relaxed = field
    .slice(field.indexOf(':') + 1)
    .replace(/\r?\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
  return { field, data: Buffer.from(`${canonical.headers}dkim-signature:${relaxed}`, 'latin1') };
}

/** The field with its signature, folded as nodemailer folds it, and its CRLF. */
const signed = (field: string, signature: Buffer) =>
  `${field}${signature
    .toString('base64')
    .replace(/(^.{73}|.{75}(?!\r?\n|\r))/g, '$&\r\n ')
    .trim()}\r\n`;

/**
 * The DKIM-Signature field (with its CRLF) for a message whose header section is `headers` (its
 * bytes through the empty line that ends it) and whose body hashes to `bh`.
 */
export function signatureField(headers: Buffer, bh: string, d: DkimSigning): string {
  const { field, data } = signingInput(headers, bh, d);
  try {
    return signed(field, rsaSign('sha256', data, d.key));
  } catch (err) {
    throw new Error(`DKIM: the key could not sign the message: ${(err as Error).message}`);
  }
}

/**
 * The same field with the RSA signature made in libuv's thread pool (crypto.sign's callback form)
 * instead of on the main thread: an RSA-2048 signature costs about 1 ms of CPU, as much as the rest
 * of a message's work, so the send loop signs the next messages on another core while this one's
 * connection sends.
 */
export function signatureFieldAsync(headers: Buffer, bh: string, d: DkimSigning): Promise<string> {
  const { field, data } = signingInput(headers, bh, d);
  return new Promise((resolve, reject) => {
    rsaSign('sha256', data, d.key, (err, signature) => {
      if (err) reject(new Error(`DKIM: the key could not sign the message: ${err.message}`));
      else resolve(signed(field, signature));
    });
  });
}
