/**
 * Webhook signatures as the Standard Webhooks specification says (standardwebhooks.com): the
 * secret is `whsec_` and base64 of at least 24 random bytes; a message is signed as
 * `v1,` + base64(HMAC-SHA256(secret, `${id}.${timestamp}.${body}`)), timestamp in Unix seconds.
 */
import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

/** The secret's key bytes, or the reason the text is not one. */
export function parseWebhookSecret(text: string): Buffer | string {
  if (!text.startsWith(PREFIX))
    return `expected whsec_ and base64 (generate one with: echo whsec_$(openssl rand -base64 32))`;
  const b64 = text.slice(PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return 'expected base64 after whsec_';
  const key = Buffer.from(b64, 'base64');
  if (key.length < 24) return `expected at least 24 bytes of key after whsec_ (got ${key.length})`;
  return key;
}

export function newWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

/** The `webhook-signature` value of a message. */
export function signWebhook(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}
