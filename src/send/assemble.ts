import { randomBytes } from 'node:crypto';
import { escapeHtml } from '../render/helpers.js';
import { MARKERS, type RecipientValues } from '../render/personalize.js';
import {
  bodyHash,
  type CanonicalPiece,
  canonicalPiece,
  type DkimSigning,
  signatureField,
  signatureFieldAsync,
} from './dkim-sign.js';
import { type ListHeaders, PRECEDENCE } from './list-headers.js';
import type { MessageContent } from './message-content.js';
import { dateValue, displayName, headerField, mailbox, messageIdValue, unstructured } from './mime-header.js';
import { qpEncode } from './qp.js';

/**
 * The MIME message of one recipient, assembled from bytes encoded once per content (digest or
 * edition) and the few personal pieces encoded per recipient — instead of nodemailer composing and
 * quoted-printable-encoding 50–90 KB for every message. `test/helpers/standard-message.ts` keeps the composed
 * path, and a test holds the two equal once parsed.
 *
 * The body is split at the personalization markers; each static piece is quoted-printable encoded
 * once, ending at column 0 (qp.ts), so a recipient's message is the static buffers with that
 * recipient's encoded values between them. The multipart boundary starts with `=_`, which never
 * occurs in quoted-printable text, so no content can forge it.
 */

/** The sender-side headers: the same for every message of a run. */
export interface StaticHeaders {
  from: { name: string; address: string };
  listName: string;
  listId: string;
  /** List-Archive, List-Help, List-Subscribe (list-headers.ts). */
  list: ListHeaders;
  feedbackId: string | null;
}

/** What differs per recipient. */
export interface PersonalParts {
  toName: string | null;
  toAddress: string;
  messageId: string;
  date: Date;
  /** The List-Unsubscribe value, e.g. `<https://…/u/TOKEN>`. */
  listUnsubscribe: string;
  /** The marker values, unescaped (escaped here for the HTML part). */
  values: RecipientValues;
}

type Key = keyof typeof MARKERS;
type Kind = 'text' | 'html';

/**
 * A slot filled per recipient: the personal headers, or one marker value of one part (`index`
 * numbers the distinct key and kind pairs, so each is encoded once per message).
 */
type Slot = { slot: 'headers' } | { slot: 'value'; key: Key; kind: Kind; index: number };

export interface MessageTemplate {
  readonly chunks: readonly (Buffer | Slot)[];
  /** How many distinct values the slots name. */
  readonly values: number;
  /** Bytes of the static chunks, to size the message without a second pass. */
  readonly staticBytes: number;
  readonly boundary: string;
}

const KEY_OF = new Map<string, Key>(Object.entries(MARKERS).map(([key, marker]) => [marker, key as Key]));
const MARKER_RE = new RegExp(
  Object.values(MARKERS)
    .map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|'),
  'g',
);

/**
 * A part's body as static encoded pieces and value slots, in order; `last`: it ends the part (else
 * it ends at column 0, for more to follow).
 */
function partChunks(source: string, kind: Kind, last = true): (Buffer | Slot)[] {
  const s = source.replace(/\r\n?/g, '\n');
  const chunks: (Buffer | Slot)[] = [];
  let from = 0;
  for (const m of s.matchAll(MARKER_RE)) {
    const at = m.index;
    if (at > from) chunks.push(qpEncode(s.slice(from, at), false));
    chunks.push({ slot: 'value', key: KEY_OF.get(m[0]) as Key, kind, index: -1 });
    from = at + m[0].length;
  }
  // The last static piece closes the part (possibly empty: then the part ends with a soft break).
  const rest = s.slice(from);
  if (last || rest !== '') chunks.push(qpEncode(rest, last));
  return chunks;
}

/**
 * Pieces seen before (by the string: the same card text of a day is the same string object for
 * every reader whose email has that paper) and their encodings, so a reader's own email costs the
 * encoding of their few values, not of 80 KB. Values (ranks, why lines) are short and not kept.
 */
const PIECE_KEPT = 4096;
const PIECE_MIN = 256;
const encodedPieces = new Map<string, readonly (Buffer | Slot)[]>();

/** A part's body given as pieces whose concatenation is the part: each long piece encoded once. */
function pieceChunks(pieces: readonly string[], kind: Kind): (Buffer | Slot)[] {
  const out: (Buffer | Slot)[] = [];
  const last = pieces.length - 1;
  for (let i = 0; i < last; i++) {
    const piece = pieces[i] as string;
    if (piece === '') continue;
    const long = piece.length >= PIECE_MIN;
    let chunks = long ? encodedPieces.get(piece) : undefined;
    if (!chunks) {
      chunks = partChunks(piece, kind, false);
      if (long) {
        if (encodedPieces.size >= PIECE_KEPT) encodedPieces.clear();
        encodedPieces.set(piece, chunks);
      }
    }
    // Slots are numbered per template: copies, not the kept objects.
    for (const c of chunks) out.push(Buffer.isBuffer(c) ? c : { ...c });
  }
  out.push(...partChunks(pieces[last] ?? '', kind, true));
  return out;
}

function partHeaders(kind: Kind): string {
  return `Content-Type: text/${kind === 'html' ? 'html' : 'plain'}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n`;
}

/** The per-content template: everything but the recipient, encoded once. */
export function messageTemplate(content: MessageContent, head: StaticHeaders): MessageTemplate {
  const boundary = `=_pb_${randomBytes(12).toString('hex')}`;
  const parts: [Kind, string][] = [];
  if (content.text) parts.push(['text', content.text]);
  if (content.html) parts.push(['html', content.html]);
  if (parts.length === 0) parts.push(['text', '']);

  const top =
    headerField('From', mailbox(head.from.name, head.from.address)) +
    // The subject was made one line when rendered; control characters are dropped here anyway.
    headerField('Subject', unstructured(content.subject)) +
    headerField('List-Id', `${displayName(head.listName)} <${head.listId}>`) +
    headerField('List-Unsubscribe-Post', 'List-Unsubscribe=One-Click') +
    headerField('List-Archive', head.list.archive) +
    headerField('List-Help', head.list.help) +
    headerField('List-Subscribe', head.list.subscribe) +
    headerField('Precedence', PRECEDENCE) +
    (head.feedbackId ? headerField('Feedback-ID', head.feedbackId) : '');

  const raw: (string | Buffer | Slot)[] = [top, { slot: 'headers' }, 'MIME-Version: 1.0\r\n'];
  const body = (kind: Kind, source: string) => {
    const pieces = content.pieces?.[kind];
    return pieces ? pieceChunks(pieces, kind) : partChunks(source, kind);
  };
  const [only] = parts;
  if (parts.length === 1 && only) {
    raw.push(`${partHeaders(only[0])}\r\n`, ...body(only[0], only[1]));
  } else {
    raw.push(`Content-Type: multipart/alternative;\r\n boundary="${boundary}"\r\n\r\n`);
    for (const [kind, source] of parts) {
      raw.push(`--${boundary}\r\n${partHeaders(kind)}\r\n`, ...body(kind, source), '\r\n');
    }
    raw.push(`--${boundary}--\r\n`);
  }

  // Adjacent static pieces joined: fewer buffers to copy per message. A content given as pieces
  // keeps its long pieces' buffers as they are: they are shared by many readers' templates, and
  // DKIM canonicalizes each once (canonicalOf).
  const chunks: (Buffer | Slot)[] = [];
  let pending: Buffer[] = [];
  const flush = () => {
    if (pending.length === 1) chunks.push(pending[0] as Buffer);
    else if (pending.length > 1) chunks.push(Buffer.concat(pending));
    pending = [];
  };
  for (const c of raw) {
    if (typeof c === 'string') pending.push(Buffer.from(c, 'utf8'));
    else if (Buffer.isBuffer(c)) {
      // (Only buffers that end a line stand alone: DKIM canonicalizes whole lines.)
      if (content.pieces && c.length >= PIECE_MIN && c[c.length - 1] === 0x0a) {
        flush();
        chunks.push(c);
      } else pending.push(c);
    } else {
      flush();
      chunks.push(c);
    }
  }
  flush();
  const staticBytes = chunks.reduce((n, c) => n + (Buffer.isBuffer(c) ? c.length : 0), 0);
  const index = new Map<string, number>();
  for (const c of chunks) {
    if (Buffer.isBuffer(c) || c.slot !== 'value') continue;
    const id = `${c.kind}:${c.key}`;
    c.index = index.get(id) ?? index.size;
    index.set(id, c.index);
  }
  return { chunks, values: index.size, staticBytes, boundary };
}

let dateCache = { second: -1, value: '' };

/** The Date value, formatted once per second: a send writes thousands of messages a second. */
function cachedDate(d: Date): string {
  const second = Math.floor(d.getTime() / 1000);
  if (second !== dateCache.second) dateCache = { second, value: dateValue(d) };
  return dateCache.value;
}

/**
 * The message buffers of one send loop, used again once a message is done with: a send of a
 * million 80 KB messages would otherwise allocate 80 GB, each buffer outside V8's heap and freed
 * only when a collection finds it, and the process's memory would follow the rate, not the pool.
 */
export class MessageBuffers {
  readonly #free: Buffer[] = [];
  constructor(private readonly keep: number) {}

  /** A buffer of at least `size` bytes (a spare one, or a new one with a little room to grow). */
  take(size: number): Buffer {
    const b = this.#free.pop();
    return b && b.length >= size ? b : Buffer.allocUnsafeSlow(Math.ceil(size * 1.05));
  }

  /** A message's bytes (from `take`) whose sending is over: nothing may read them any more. */
  give(message: Buffer): void {
    if (this.#free.length < this.keep) this.#free.push(Buffer.from(message.buffer, 0, message.buffer.byteLength));
  }
}

/** Where a template's body starts, and its static body pieces canonicalized for DKIM: made once per template. */
interface DkimTemplate {
  /** The chunk holding the empty line that ends the header section, and the offset of the body in it. */
  chunk: number;
  offset: number;
  /** Per chunk from `chunk` on: the canonical form of a static chunk (of its body part for the first). */
  pieces: (CanonicalPiece | undefined)[];
}

const dkimTemplates = new WeakMap<MessageTemplate, DkimTemplate>();
/** Static body buffers canonicalized once, however many templates share them (readers' own editions). */
const canonicals = new WeakMap<Buffer, CanonicalPiece>();
function canonicalOf(b: Buffer): CanonicalPiece {
  let c = canonicals.get(b);
  if (!c) {
    c = canonicalPiece(b);
    canonicals.set(b, c);
  }
  return c;
}

function dkimTemplate(t: MessageTemplate): DkimTemplate {
  let d = dkimTemplates.get(t);
  if (d) return d;
  // The header section ends with the first empty line, in the static chunk after the personal
  // headers (messageTemplate: MIME-Version, Content-Type, then the empty line).
  const after = t.chunks.findIndex((c) => !Buffer.isBuffer(c) && c.slot === 'headers') + 1;
  const first = t.chunks[after];
  const at = Buffer.isBuffer(first) ? first.indexOf('\r\n\r\n') : -1;
  if (at < 0) throw new Error('DKIM: the template has no empty line after its headers');
  const offset = at + 4;
  const pieces = t.chunks.map((c, i) =>
    i < after || !Buffer.isBuffer(c) ? undefined : i === after ? canonicalPiece(c.subarray(offset)) : canonicalOf(c),
  );
  d = { chunk: after, offset, pieces };
  dkimTemplates.set(t, d);
  return d;
}

/**
 * The DKIM-Signature field of a message given as the template's chunks with the recipient's pieces
 * (`list`, one buffer per chunk): the static body pieces come canonical from the template, the
 * recipient's values are canonicalized here. Each piece of a body starts and ends a line
 * (qp.ts), so each is canonical on its own.
 */
function dkimField(t: MessageTemplate, list: readonly Buffer[], signing: DkimSigning): Buffer {
  const { head, bh } = dkimInput(t, list);
  return Buffer.from(signatureField(head, bh, signing), 'latin1');
}

/** What the signature covers: the header section's bytes and the body's hash. */
function dkimInput(t: MessageTemplate, list: readonly Buffer[]): { head: Buffer; bh: string } {
  const d = dkimTemplate(t);
  const pieces: CanonicalPiece[] = [];
  for (let i = d.chunk; i < list.length; i++) pieces.push(d.pieces[i] ?? canonicalPiece(list[i] as Buffer));
  const head = Buffer.concat([...list.slice(0, d.chunk), (list[d.chunk] as Buffer).subarray(0, d.offset)]);
  return { head, bh: bodyHash(pieces) };
}

/**
 * One recipient's message: the template's bytes with the personal headers and values in place,
 * DKIM-signed when `dkim` is given; written into a buffer from `buffers` when given, else into a
 * new one.
 */
export function assembleMessage(
  t: MessageTemplate,
  p: PersonalParts,
  buffers?: MessageBuffers,
  dkim?: DkimSigning,
): Buffer {
  const parts = personalParts(t, p);
  if (dkim) {
    const field = dkimField(t, parts.list, dkim);
    parts.list.unshift(field);
    parts.total += field.length;
  }
  return joined(parts, buffers);
}

/**
 * The same message, DKIM-signed with the RSA step off the main thread (signatureFieldAsync): what
 * the send loop uses when a key is set, so that signing the next messages overlaps sending this one.
 */
export async function assembleMessageSigned(
  t: MessageTemplate,
  p: PersonalParts,
  dkim: DkimSigning,
  buffers?: MessageBuffers,
): Promise<Buffer> {
  const parts = personalParts(t, p);
  const { head, bh } = dkimInput(t, parts.list);
  const field = Buffer.from(await signatureFieldAsync(head, bh, dkim), 'latin1');
  parts.list.unshift(field);
  parts.total += field.length;
  return joined(parts, buffers);
}

/** The template's chunks with the recipient's headers and encoded values in place, and their length. */
function personalParts(t: MessageTemplate, p: PersonalParts): { list: Buffer[]; total: number } {
  const personal = Buffer.from(
    headerField('To', mailbox(p.toName, p.toAddress)) +
      headerField('Date', cachedDate(p.date)) +
      headerField('Message-ID', messageIdValue(p.messageId)) +
      headerField('List-Unsubscribe', p.listUnsubscribe),
    'utf8',
  );
  // Each value encoded at most once per part kind, however often its marker appears.
  const encoded: (Buffer | undefined)[] = new Array(t.values);
  const list: Buffer[] = [];
  let total = t.staticBytes;
  for (const c of t.chunks) {
    if (Buffer.isBuffer(c)) {
      list.push(c);
      continue;
    }
    let b: Buffer;
    if (c.slot === 'headers') b = personal;
    else {
      const known = encoded[c.index];
      if (known) b = known;
      else {
        const value = p.values[c.key];
        if (value === undefined) {
          throw new Error(`no value for the marker ${MARKERS[c.key]}: the message builder must supply it`);
        }
        b = qpEncode(c.kind === 'html' ? escapeHtml(value) : value.replace(/\r\n?/g, '\n'), false);
        encoded[c.index] = b;
      }
    }
    list.push(b);
    total += b.length;
  }
  return { list, total };
}

function joined({ list, total }: { list: Buffer[]; total: number }, buffers?: MessageBuffers): Buffer {
  if (!buffers) return Buffer.concat(list, total);
  const out = buffers.take(total);
  let at = 0;
  for (const b of list) at += b.copy(out, at);
  return out.subarray(0, total);
}
