import { randomBytes } from 'node:crypto';
import { signToken } from '../subscribers/tokens.js';
import { composeSigned } from './composed.js';
import { dkimSigning, type MessageSettings } from './message.js';
import { wireAddress } from './mime-header.js';
import type { OutgoingMessage } from './transport.js';

/**
 * `bounce+TOKEN@bounce-domain` for a subscriber's confirmation emails: the VERP envelope of the
 * digests, with a token of its own purpose (a confirmation has no delivery row). A bounce of it goes
 * to the bounce domain like a digest's, and the bounce processor takes it for no delivery: the
 * sign-up stays pending, gets nothing more and is deleted after PAPERBOY_CONFIRM_TTL_DAYS.
 */
export function confirmationBounceAddress(
  s: Pick<MessageSettings, 'secret' | 'bounceDomain'>,
  subscriberId: number,
): string | null {
  return s.bounceDomain ? `bounce+${signToken(s.secret, 'confirm-bounce', subscriberId)}@${s.bounceDomain}` : null;
}

/**
 * The double opt-in email to a subscriber, ready to send: to the bare address (a name typed in a
 * sign-up form is unverified and never appears in a header), with the digests' Feedback-ID, signed
 * with the digests' DKIM key and h=, its envelope the VERP bounce address when a bounce domain is set.
 */
export async function buildConfirmation(
  c: { subscriberId: number; email: string; subject: string; html: string; text: string },
  s: MessageSettings,
): Promise<OutgoingMessage> {
  const messageId = `<confirm.${c.subscriberId}.${randomBytes(8).toString('hex')}@${s.from.domain}>`;
  const raw = await composeSigned(
    {
      from: { name: s.from.name, address: s.from.address },
      to: c.email,
      subject: c.subject,
      messageId,
      html: c.html,
      text: c.text,
      ...(s.feedbackId ? { headers: { 'Feedback-ID': s.feedbackId } } : {}),
    },
    dkimSigning(s),
  );
  const bounceTo = confirmationBounceAddress(s, c.subscriberId);
  return {
    envelope: { from: bounceTo ?? wireAddress(s.from.address), to: [wireAddress(c.email)] },
    raw,
    messageId,
  };
}
