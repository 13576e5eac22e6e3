import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a token lets its holder do. A token signed for one purpose never passes as another. */
export type TokenPurpose = 'unsubscribe';

function mac(secret: string, purpose: TokenPurpose, subscriberId: number): Buffer {
  return createHmac('sha256', secret).update(`paperboy:${purpose}:${subscriberId}`).digest();
}

/** `<id>.<base64url HMAC-SHA256(purpose, id)>`: URL-safe, no state kept. */
export function signToken(secret: string, purpose: TokenPurpose, subscriberId: number): string {
  return `${subscriberId.toString(36)}.${mac(secret, purpose, subscriberId).toString('base64url')}`;
}

/** The subscriber id a token was signed for, or null when it is malformed, tampered or for another purpose. */
export function verifyToken(secret: string, purpose: TokenPurpose, token: string): number | null {
  const m = /^([0-9a-z]{1,11})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m?.[1] || !m[2]) return null;
  const id = Number.parseInt(m[1], 36);
  if (!Number.isSafeInteger(id) || id <= 0 || id.toString(36) !== m[1]) return null;
  const given = Buffer.from(m[2], 'base64url');
  const expected = mac(secret, purpose, id);
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
}

/** A Message-ID that is the same every time this delivery is tried: `<date.id.hash@domain>`. */
export function deliveryMessageId(secret: string, date: string, subscriberId: number, domain: string): string {
  const h = createHmac('sha256', secret).update(`paperboy:message-id:${date}:${subscriberId}`).digest('hex');
  return `<${date}.${subscriberId}.${h.slice(0, 16)}@${domain}>`;
}
