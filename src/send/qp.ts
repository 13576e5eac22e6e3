/**
 * Quoted-printable (RFC 2045 §6.7) for a body assembled from pieces encoded apart: the static
 * parts of a digest once per edition, the personal values once per message.
 *
 * A piece is encoded from column 0 and, unless it is the last of its part, ends at column 0 too —
 * with its own line break, or with a soft line break (`=` CRLF) that decoders remove. So pieces
 * join by concatenation with no state carried across: decoding the joined text gives the joined
 * input. Lines are at most 76 characters, the soft break's `=` included; hard line breaks are CRLF;
 * no line starts with a dot.
 */

const MAX_LINE = 76;
const HEX = Buffer.from('0123456789ABCDEF', 'latin1');

/** 1 for a byte written as itself anywhere on a line: printable ASCII other than `=`. */
const LITERAL = new Uint8Array(256);
for (let b = 0x21; b <= 0x7e; b++) LITERAL[b] = b === 0x3d ? 0 : 1;

/**
 * The piece `s` (line breaks as LF; a CR is normalized away before) as quoted-printable bytes.
 * `last`: the piece ends its part, so no soft break is added and trailing whitespace is encoded.
 */
export function qpEncode(s: string, last: boolean): Buffer {
  const input = Buffer.from(s, 'utf8');
  const n = input.length;
  // Worst case: every byte as =XX, plus a soft break per 25 encoded bytes, plus the closing one.
  const out = Buffer.allocUnsafe(n * 3 + Math.ceil(n / 25) * 3 + 8);
  let pos = 0;
  let col = 0;
  for (let i = 0; i < n; i++) {
    const b = input[i] as number;
    if (b === 0x0a) {
      out[pos++] = 0x0d;
      out[pos++] = 0x0a;
      col = 0;
      continue;
    }
    let literal = LITERAL[b] === 1;
    if (b === 0x20 || b === 0x09) {
      // Whitespace is kept unless it would end a line (transports may strip it there); before the
      // soft break that closes a non-last piece it is fine (RFC 2045 rule 3).
      const next = i + 1 < n ? input[i + 1] : undefined;
      literal = next === undefined ? !last : next !== 0x0a;
    }
    let width = literal ? 1 : 3;
    // Room for the `=` of a soft break must stay on the line.
    if (col + width > MAX_LINE - 1) {
      out[pos++] = 0x3d;
      out[pos++] = 0x0d;
      out[pos++] = 0x0a;
      col = 0;
    }
    if (b === 0x2e && col === 0) {
      // A dot that starts a line is written =2E: SMTP would otherwise have to double it (RFC 5321
      // §4.5.2), and nodemailer does that by copying the whole message into a new buffer, for
      // every message. With none, the assembled bytes go to the socket as they are.
      literal = false;
      width = 3;
    }
    if (literal) out[pos++] = b;
    else {
      out[pos++] = 0x3d;
      out[pos++] = HEX[b >> 4] as number;
      out[pos++] = HEX[b & 15] as number;
    }
    col += width;
  }
  if (!last && col > 0) {
    out[pos++] = 0x3d;
    out[pos++] = 0x0d;
    out[pos++] = 0x0a;
  }
  // A large piece is kept for the whole send: copy it out of its worst-case allocation.
  return n > 4096 ? Buffer.from(out.subarray(0, pos)) : out.subarray(0, pos);
}
