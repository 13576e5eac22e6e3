import { createPrivateKey } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import { DKIM_HEADERS } from '../../src/dkim.js';
import { personalize } from '../../src/render/personalize.js';
import { listHeaders, PRECEDENCE } from '../../src/send/list-headers.js';
import {
  listUnsubscribeHeader,
  type MessageContent,
  type MessageSettings,
  type Recipient,
  recipientValues,
  verpAddress,
} from '../../src/send/message.js';
import type { OutgoingMessage } from '../../src/send/transport.js';
import { cleanName } from '../../src/subscribers/email.js';

/**
 * The standard path: nodemailer composes the whole message from its fields. paperboy sends what
 * `buildMessage` assembles instead (much cheaper per recipient); this stays as the reference the
 * equivalence test and the render benchmark compare it with.
 */
export function standardOptions(digest: MessageContent, r: Recipient, s: MessageSettings): OutgoingMessage {
  const values = recipientValues(s, r);
  const url = values.unsubscribeUrl;
  const name = cleanName(r.name);
  const list = listHeaders(s.baseUrl);
  const bounceTo = r.deliveryId === null ? null : verpAddress(s, r.deliveryId);
  return {
    ...(bounceTo ? { envelope: { from: bounceTo, to: r.email } } : {}),
    from: { name: s.from.name, address: s.from.address },
    to: name ? { name, address: r.email } : r.email,
    subject: digest.subject.replace(/[\r\n]+/g, ' '),
    messageId: r.messageId,
    text: personalize(digest.text, values, 'text'),
    html: personalize(digest.html, values, 'html'),
    headers: {
      'List-Unsubscribe': listUnsubscribeHeader(s, r.subscriberId, url),
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': `${s.listName} <${s.listId}>`,
      'List-Archive': list.archive,
      'List-Help': list.help,
      'List-Subscribe': list.subscribe,
      Precedence: PRECEDENCE,
      ...(s.feedbackId ? { 'Feedback-ID': s.feedbackId } : {}),
    },
    ...dkimOptions(s),
  };
}

/**
 * nodemailer's own DKIM signing, for the messages it composes here: the reference paperboy's signer
 * (src/send/dkim-sign.ts) is held to. Its h= names each field of DKIM_HEADERS at most once: nodemailer
 * cannot oversign, which paperboy does (DKIM_OVERSIGNED).
 */
export function dkimOptions(s: Pick<MessageSettings, 'dkim'>): Pick<OutgoingMessage, 'dkim'> {
  return s.dkim
    ? {
        dkim: {
          domainName: s.dkim.domain,
          keySelector: s.dkim.selector,
          privateKey: createPrivateKey(s.dkim.privateKey) as unknown as string,
          headerFieldNames: DKIM_HEADERS.join(':'),
        },
      }
    : {};
}

let composer: Transporter | null = null;

/**
 * Any message options (the standard fields, or a `raw` message) as nodemailer writes them out —
 * DKIM-signed when the options say so — with the envelope it would use.
 */
export async function composeMessage(
  message: OutgoingMessage,
): Promise<{ message: Buffer; envelope: { from: string; to: string[] }; messageId: string }> {
  composer ??= nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = await composer.sendMail(message);
  const envelope = info.envelope as { from: string | false; to: string[] };
  return {
    message: info.message as unknown as Buffer,
    envelope: { from: envelope.from || '', to: envelope.to },
    messageId: String(info.messageId),
  };
}

/** The standard path's message for a recipient, composed by nodemailer. */
export function standardMessage(digest: MessageContent, r: Recipient, s: MessageSettings) {
  return composeMessage(standardOptions(digest, r, s));
}
