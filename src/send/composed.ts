import MailComposer from 'nodemailer/lib/mail-composer';
import { bodyHash, canonicalPiece, type DkimSigning, signatureField } from './dkim-sign.js';
import type { OutgoingMessage } from './transport.js';

/**
 * A message nodemailer composes from its fields (the confirmation email), DKIM-signed by
 * dkim-sign.ts like the digests — the same h=, oversigning included, which nodemailer's own signer
 * cannot write — and sent as these bytes.
 */
export async function composeSigned(message: OutgoingMessage, dkim: DkimSigning | undefined): Promise<Buffer> {
  const raw = await new MailComposer(message).compile().build();
  if (!dkim) return raw;
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error('DKIM: the composed message has no empty line after its headers');
  const head = raw.subarray(0, end + 4);
  const field = signatureField(head, bodyHash([canonicalPiece(raw.subarray(end + 4))]), dkim);
  return Buffer.concat([Buffer.from(field, 'latin1'), raw]);
}
