import type { Config } from '../config.js';
import { DKIM_HEADERS } from '../dkim.js';
import { personalize } from '../render/personalize.js';
import { cleanName } from '../subscribers/email.js';
import { signToken } from '../subscribers/tokens.js';
import type { OutgoingMessage } from './transport.js';

export interface MessageContent {
  subject: string;
  html: string;
  text: string;
}

export interface Recipient {
  subscriberId: number;
  email: string;
  name: string | null;
  messageId: string;
  /** The ledger row, for the VERP bounce address; null for test copies and previews. */
  deliveryId: number | null;
}

export type MessageSettings = Pick<
  Config,
  'from' | 'listId' | 'listName' | 'baseUrl' | 'unsubscribeMailto' | 'bounceDomain' | 'dkim' | 'feedbackId'
> & {
  secret: string;
};

export function unsubscribeUrl(s: Pick<MessageSettings, 'baseUrl' | 'secret'>, subscriberId: number): string {
  return `${s.baseUrl}/u/${signToken(s.secret, 'unsubscribe', subscriberId)}`;
}

export function preferencesUrl(s: Pick<MessageSettings, 'baseUrl' | 'secret'>, subscriberId: number): string {
  return `${s.baseUrl}/p/${signToken(s.secret, 'preferences', subscriberId)}`;
}

/** `bounce+TOKEN@bounce-domain`: a bounce sent there names its delivery (VERP). */
export function verpAddress(s: Pick<MessageSettings, 'secret' | 'bounceDomain'>, deliveryId: number): string | null {
  return s.bounceDomain ? `bounce+${signToken(s.secret, 'bounce', deliveryId)}@${s.bounceDomain}` : null;
}

/** `<https://…/u/TOKEN>` first (RFC 8058 one-click), then the mailto when one is configured. */
export function listUnsubscribeHeader(url: string, mailto: string | null): string {
  return mailto ? `<${url}>, <mailto:${mailto}?subject=unsubscribe>` : `<${url}>`;
}

/** One recipient's message of a digest: personal values filled in, list headers set. */
export function buildMessage(digest: MessageContent, r: Recipient, s: MessageSettings): OutgoingMessage {
  const url = unsubscribeUrl(s, r.subscriberId);
  const values = { unsubscribeUrl: url, preferencesUrl: preferencesUrl(s, r.subscriberId), email: r.email };
  const name = cleanName(r.name);
  const bounceTo = r.deliveryId === null ? null : verpAddress(s, r.deliveryId);
  return {
    ...(bounceTo ? { envelope: { from: bounceTo, to: r.email } } : {}),
    from: { name: s.from.name, address: s.from.address },
    to: name ? { name, address: r.email } : r.email,
    // The subject was made one line when rendered; this keeps any stray CR/LF out of the header anyway.
    subject: digest.subject.replace(/[\r\n]+/g, ' '),
    messageId: r.messageId,
    text: personalize(digest.text, values, 'text'),
    html: personalize(digest.html, values, 'html'),
    headers: {
      'List-Unsubscribe': listUnsubscribeHeader(url, s.unsubscribeMailto),
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': `${s.listName} <${s.listId}>`,
      ...(s.feedbackId ? { 'Feedback-ID': s.feedbackId } : {}),
    },
    ...(s.dkim
      ? {
          dkim: {
            domainName: s.dkim.domain,
            keySelector: s.dkim.selector,
            privateKey: s.dkim.privateKey,
            headerFieldNames: DKIM_HEADERS,
          },
        }
      : {}),
  };
}
