/**
 * The HTML part of a raw message as it went over the wire: the bytes between the part's header
 * block and the next boundary line (quoted-printable, CRLF), the size the clipping budget counts.
 */
export function wireHtmlBytes(raw: string): number {
  const boundary = /boundary="([^"]+)"/.exec(raw)?.[1];
  if (!boundary) throw new Error('not a multipart message');
  const part = raw.split(`\r\n--${boundary}`).find((p) => /^\r\nContent-Type: text\/html/i.test(p));
  if (part === undefined) throw new Error('no text/html part');
  const body = part.slice(part.indexOf('\r\n\r\n') + 4);
  return Buffer.byteLength(body.replace(/\r\n$/, ''));
}
