import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The header fields a DKIM signature covers (h=), in order, each named once more than it occurs
 * (oversigning, RFC 6376 §5.4.2 and §8.15): the name past the last occurrence signs "no such
 * field", so a copy added in transit — a second Subject or From above the real one, which many
 * readers show, a Reply-To that sends replies elsewhere, a Content-Type that reads the body another
 * way — breaks the signature instead of riding on it. A field the message lacks is named once: none
 * may be added. Relays add none of these. List-Unsubscribe-Post is among them (RFC 8058 one-click
 * needs it signed; nodemailer's default list lacks it), Feedback-ID (Google asks for it signed),
 * MIME-Version and Content-Type, which say how the body is read.
 */
export const DKIM_HEADERS: readonly string[] = [
  'From',
  'To',
  'Cc',
  'Reply-To',
  'Sender',
  'Subject',
  'Date',
  'Message-ID',
  'In-Reply-To',
  'References',
  'List-Id',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'List-Archive',
  'List-Help',
  'List-Subscribe',
  'Feedback-ID',
  'MIME-Version',
  'Content-Type',
];
export const DKIM_OVERSIGNED: ReadonlySet<string> = new Set(DKIM_HEADERS);

export interface DkimKey {
  domain: string;
  selector: string;
  privateKey: string;
  bits: number;
}

/**
 * Reads PAPERBOY_DKIM_KEY (PEM text, or a path to a PEM file) and checks it: RSA, at least 1024
 * bits. Returns the key, or the reason it is refused.
 */
export function loadDkimKey(domain: string, selector: string, key: string, cwd: string): DkimKey | string {
  let pem = key.replace(/\\n/g, '\n');
  if (!pem.includes('-----BEGIN')) {
    const file = path.resolve(cwd, key);
    if (!existsSync(file)) return `neither a PEM key nor a readable file: ${file}`;
    pem = readFileSync(file, 'utf8');
  }
  try {
    const k = createPrivateKey(pem);
    if (k.asymmetricKeyType !== 'rsa') return `expected an RSA key, got ${k.asymmetricKeyType}`;
    const bits = k.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 1024)
      return `the key has ${bits} bits; receivers ignore DKIM keys under 1024 bits (make one with: paperboy dkim keygen)`;
    return { domain, selector, privateKey: pem, bits };
  } catch (err) {
    return `not a private key: ${(err as Error).message}`;
  }
}

/** A new 2048-bit key and the DNS TXT record that publishes its public half. */
export function makeDkimKey(domain: string, selector: string): { privateKey: string; record: string; name: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKey, ...dkimRecord(domain, selector, publicKey.toString('base64')) };
}

/** The public half of a DKIM private key (PEM) as DNS publishes it: the SPKI DER in base64 (`p=`). */
export function dkimPublicKey(privateKeyPem: string): string {
  return createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' }).toString('base64');
}

/** The TXT record that publishes a DKIM public key, as `paperboy dkim keygen` prints it and doctor suggests. */
export function dkimRecord(domain: string, selector: string, p: string): { name: string; record: string } {
  // DNS strings are at most 255 characters: split the value, the resolver joins them.
  const value = `v=DKIM1; k=rsa; p=${p}`;
  const chunks = value.match(/.{1,250}/g) ?? [value];
  return {
    name: `${selector}._domainkey.${domain}`,
    record: `${selector}._domainkey.${domain}. IN TXT ( ${chunks.map((c) => `"${c}"`).join(' ')} )`,
  };
}
