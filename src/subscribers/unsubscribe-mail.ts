/**
 * The mailto unsubscribe address of one reader, `unsubscribe+TOKEN@BOUNCE_DOMAIN`, and finding it
 * again in a message that arrived in the bounce Maildir (pure).
 *
 * TOKEN is a short token (tokens.ts `signShortToken`, purpose `unsubscribe-mail`):
 * `<subscriber id in base 36>.<32 hex digits of HMAC-SHA256>`, so the local part is at most
 * 12 + 44 = 56 octets (RFC 5321 allows 64) and one case throughout.
 */
import { signShortToken, verifyShortToken } from './tokens.js';

const PREFIX = 'unsubscribe+';

export function unsubscribeMailAddress(secret: string, subscriberId: number, domain: string): string {
  return `${PREFIX}${signShortToken(secret, 'unsubscribe-mail', subscriberId)}@${domain}`;
}

/** The reader a token found in a message was signed for, or null when it is not authentic. */
export function verifyUnsubscribeMailToken(secret: string, token: string): number | null {
  return verifyShortToken(secret, 'unsubscribe-mail', token);
}

/**
 * The header fields that name where a message was delivered: the envelope recipient as the MTA
 * records it (Postfix: Delivered-To, X-Original-To; Exim: Envelope-To), then the visible To and Cc.
 */
const RECIPIENT_FIELDS = new Set(['delivered-to', 'x-original-to', 'envelope-to', 'to', 'cc']);

/**
 * Anything shaped like an address `unsubscribe+TOKEN@`: the token is checked afterwards, a bad one
 * is reported. Not inside a quoted display name (`"unsubscribe+…@x" <bob@example.org>` is mail to bob).
 */
const ADDRESS = /(?:^|[\s<,:;])unsubscribe\+([0-9a-z]{1,11}\.[0-9a-f]{1,64})@/gi;

/**
 * The tokens of `unsubscribe+TOKEN@…` addresses in a message's own recipient fields (its header
 * only: a bounce report quotes a digest's headers, List-Unsubscribe and all, in its body), each once,
 * lowercased.
 */
export function unsubscribeMailTokens(raw: string): string[] {
  const text = raw.replace(/\r\n/g, '\n');
  const end = text.indexOf('\n\n');
  const head = (end === -1 ? text : text.slice(0, end)).replace(/\n[ \t]+/g, ' ');
  const tokens = new Set<string>();
  for (const line of head.split('\n')) {
    const m = /^([A-Za-z-]+):(.*)$/.exec(line);
    if (!m?.[1] || !RECIPIENT_FIELDS.has(m[1].toLowerCase())) continue;
    for (const a of ` ${m[2]}`.matchAll(ADDRESS)) if (a[1]) tokens.add(a[1].toLowerCase());
  }
  return [...tokens];
}
