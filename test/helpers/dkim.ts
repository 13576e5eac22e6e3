import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { rawHeaders } from './smtp-sink.js';

/** The headers a digest's DKIM signature must cover (EMAIL-STANDARDS.md), List-Unsubscribe-Post included. */
export const MUST_SIGN = [
  'from',
  'to',
  'subject',
  'date',
  'message-id',
  'list-id',
  'list-unsubscribe',
  'list-unsubscribe-post',
];

/**
 * A stub DNS holding the TXT record `paperboy dkim keygen` prints for `key`, and mailauth's
 * verification of a raw message against it, offline.
 */
export function dkimChecker(key: { name: string; record: string }) {
  const txt = [...key.record.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? '');
  const resolver = async (name: string, rr: string) => {
    if (rr === 'TXT' && name === key.name) return [txt];
    throw Object.assign(new Error(`no ${rr} for ${name}`), { code: 'ENOTFOUND' });
  };
  return (raw: string | Buffer) => dkimVerify(Buffer.from(raw), { resolver });
}

/** The header names a message's (first) DKIM signature covers, lower-case. */
export function signedHeaders(raw: string | Buffer): string[] {
  const signed = (rawHeaders(raw.toString(), 'dkim-signature')[0] ?? '').replace(/\s+/g, '');
  return /(?:^|;)h=([^;]+)/.exec(signed)?.[1]?.toLowerCase().split(':') ?? [];
}
