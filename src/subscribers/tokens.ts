import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';

/**
 * What a token lets its holder do. A token signed for one purpose never passes as another:
 * the purpose is inside the MAC.
 * - `unsubscribe`, `preferences`: links in every digest; they do not expire.
 * - `confirm`: the double opt-in link; carries its issue time and expires.
 * - `bounce`: the VERP envelope sender of one delivery (`bounce+TOKEN@domain`).
 * - `confirm-bounce`: the VERP envelope sender of a subscriber's confirmation emails (they have no
 *   delivery): never taken for a delivery's, so a bounce of a confirmation records nothing.
 * - `unsubscribe-mail`: the reader's mailto unsubscribe address (`unsubscribe+TOKEN@domain`, a short
 *   token: signShortToken).
 * - `vote`: "More like this" / "Less like this" in one reader's digest of one date (the paper and
 *   the direction are in the link; the server checks the paper was in that digest).
 * - `feed`: the reader's private Atom feed (`/feed/TOKEN`); it signs the reader's feed version too,
 *   so "New feed link" (the next version) retires every older token at once.
 */
export type TokenPurpose =
  | 'unsubscribe'
  | 'unsubscribe-mail'
  | 'preferences'
  | 'confirm'
  | 'bounce'
  | 'confirm-bounce'
  | 'admin-session'
  | 'vote'
  | 'feed';

const SIG = /^[A-Za-z0-9_-]{43}$/;
const B36 = /^[0-9a-z]{1,11}$/;

/** The secret as a key object, made once: a send signs two or three links per message. */
let keyOf: { secret: string; key: KeyObject } | null = null;
function hmacKey(secret: string): KeyObject {
  if (keyOf?.secret !== secret) keyOf = { secret, key: createSecretKey(Buffer.from(secret, 'utf8')) };
  return keyOf.key;
}

function mac(secret: string, purpose: TokenPurpose, id: number, issuedAt: number | null): Buffer {
  const time = issuedAt === null ? '' : `:${issuedAt}`;
  return createHmac('sha256', hmacKey(secret)).update(`paperboy:${purpose}:${id}${time}`).digest();
}

function parseB36(s: string | undefined): number | null {
  if (!s || !B36.test(s)) return null;
  const n = Number.parseInt(s, 36);
  return Number.isSafeInteger(n) && n.toString(36) === s ? n : null;
}

/**
 * Compares the signature as text, in constant time. Comparing decoded bytes would accept other
 * spellings of the same bytes (the last base64 character carries 2 unused bits).
 */
function sigMatches(given: string, expected: Buffer): boolean {
  if (!SIG.test(given)) return false;
  const a = Buffer.from(given, 'ascii');
  const b = Buffer.from(expected.toString('base64url'), 'ascii');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `<id>.<base64url HMAC-SHA256(purpose, id)>`: URL-safe, no state kept. */
export function signToken(secret: string, purpose: TokenPurpose, subscriberId: number): string {
  return `${subscriberId.toString(36)}.${mac(secret, purpose, subscriberId, null).toString('base64url')}`;
}

/** The id a token was signed for, or null when it is malformed, tampered or for another purpose. */
export function verifyToken(secret: string, purpose: TokenPurpose, token: string): number | null {
  const parts = token.split('.');
  if (parts.length !== 2) return null;
  const id = parseB36(parts[0]);
  if (id === null || id <= 0) return null;
  return sigMatches(parts[1] ?? '', mac(secret, purpose, id, null)) ? id : null;
}

const SHORT_SIG = /^[0-9a-f]{32}$/;

/**
 * `<id in base 36>.<first 128 bits of HMAC-SHA256(purpose, id), 32 hex digits>`: at most 44
 * characters in one case, for an address's local part (≤ 64 octets with a prefix such as
 * `unsubscribe+`, and unharmed by a mail server that lowercases it).
 */
export function signShortToken(secret: string, purpose: TokenPurpose, id: number): string {
  return `${id.toString(36)}.${mac(secret, purpose, id, null).subarray(0, 16).toString('hex')}`;
}

/** The id of a short token (any case), or null when it is malformed, tampered or for another purpose. */
export function verifyShortToken(secret: string, purpose: TokenPurpose, token: string): number | null {
  const parts = token.toLowerCase().split('.');
  if (parts.length !== 2) return null;
  const id = parseB36(parts[0]);
  const sig = parts[1] ?? '';
  if (id === null || id <= 0 || !SHORT_SIG.test(sig)) return null;
  const expected = Buffer.from(mac(secret, purpose, id, null).subarray(0, 16).toString('hex'), 'ascii');
  return timingSafeEqual(Buffer.from(sig, 'ascii'), expected) ? id : null;
}

/** `<id>.<issued at, seconds>.<MAC over purpose, id and time>`: a token that expires. */
export function signTimedToken(secret: string, purpose: TokenPurpose, id: number, issuedAtSec: number): string {
  return `${id.toString(36)}.${issuedAtSec.toString(36)}.${mac(secret, purpose, id, issuedAtSec).toString('base64url')}`;
}

export type TimedTokenCheck = { ok: true; id: number; issuedAt: number } | { ok: false; reason: 'invalid' | 'expired' };

/** Checks a timed token: `expired` only for an authentic token older than `maxAgeSec`. */
export function verifyTimedToken(
  secret: string,
  purpose: TokenPurpose,
  token: string,
  maxAgeSec: number,
  nowSec: number = Math.floor(Date.now() / 1000),
): TimedTokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'invalid' };
  const id = parseB36(parts[0]);
  const issuedAt = parseB36(parts[1]);
  if (id === null || id <= 0 || issuedAt === null) return { ok: false, reason: 'invalid' };
  if (!sigMatches(parts[2] ?? '', mac(secret, purpose, id, issuedAt))) return { ok: false, reason: 'invalid' };
  // A token from the future (beyond a minute of clock skew) is as suspect as an old one.
  if (nowSec - issuedAt > maxAgeSec || issuedAt - nowSec > 60) return { ok: false, reason: 'expired' };
  return { ok: true, id, issuedAt };
}

/** A Message-ID that is the same every time this delivery is tried: `<date.id.hash@domain>`. */
export function deliveryMessageId(secret: string, date: string, subscriberId: number, domain: string): string {
  const h = createHmac('sha256', hmacKey(secret)).update(`paperboy:message-id:${date}:${subscriberId}`).digest('hex');
  return `<${date}.${subscriberId}.${h.slice(0, 16)}@${domain}>`;
}

const DAY_MS = 86_400_000;

/** `<id>.<day number>.<MAC>`: one HMAC per message, for every vote link of one reader's digest of `date`. */
export function signVoteToken(secret: string, subscriberId: number, date: string): string {
  return signTimedToken(secret, 'vote', subscriberId, Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS));
}

/** The reader and digest date of a vote token, or null when it is malformed, tampered or for another purpose. */
export function verifyVoteToken(secret: string, token: string): { id: number; date: string } | null {
  // Vote links do not expire: a vote from last month's email still says what the reader wants.
  const check = verifyTimedToken(secret, 'vote', token, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER / 2);
  if (!check.ok) return null;
  const date = new Date(check.issuedAt * DAY_MS);
  if (Number.isNaN(date.getTime())) return null;
  return { id: check.id, date: date.toISOString().slice(0, 10) };
}

/** `<id>.<feed version>.<MAC>`: a reader's private feed, until they ask for a new link (the next version). */
export function signFeedToken(secret: string, subscriberId: number, version: number): string {
  return signTimedToken(secret, 'feed', subscriberId, version);
}

/**
 * The reader and feed version of a feed token, or null when it is malformed, tampered or for another
 * purpose. Whether the version is still the reader's is the caller's to check.
 */
export function verifyFeedToken(secret: string, token: string): { id: number; version: number } | null {
  // The "issue time" slot carries the version: never expired, never from the future.
  const check = verifyTimedToken(secret, 'feed', token, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER / 2);
  return check.ok ? { id: check.id, version: check.issuedAt } : null;
}
