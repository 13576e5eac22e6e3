import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { Config } from '../config.js';
import { DKIM_HEADERS, DKIM_OVERSIGNED } from '../dkim.js';
import type { RecipientValues } from '../render/personalize.js';
import { cleanName } from '../subscribers/email.js';
import { feedUrl } from '../subscribers/feed.js';
import { signToken, signVoteToken } from '../subscribers/tokens.js';
import { unsubscribeMailAddress } from '../subscribers/unsubscribe-mail.js';
import {
  assembleMessage,
  assembleMessageSigned,
  type MessageBuffers,
  type MessageTemplate,
  messageTemplate,
} from './assemble.js';
import type { DkimSigning } from './dkim-sign.js';
import { listHeaders } from './list-headers.js';
import type { MessageContent } from './message-content.js';
import { wireAddress } from './mime-header.js';
import type { OutgoingMessage } from './transport.js';

export type { MessageContent } from './message-content.js';

export interface Recipient {
  subscriberId: number;
  email: string;
  name: string | null;
  messageId: string;
  /** The digest's date: the vote links' token is for this reader and date. */
  digestDate: string;
  /** The ledger row, for the VERP bounce address; null for test copies and previews. */
  deliveryId: number | null;
  /**
   * The reader's feed version, for their private feed link; absent for a message that is no
   * reader's (a test copy, a preview): its link is the sample `/feed/preview`.
   */
  feedVersion?: number;
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

/** A vote link of an email (templates/partials/paper.mjml.hbs): this token, this paper, this way. */
export function voteUrl(s: Pick<MessageSettings, 'baseUrl'>, voteToken: string, paperId: string, dir: 'up' | 'down') {
  return `${s.baseUrl}/v/${voteToken}/${encodeURIComponent(paperId)}/${dir}`;
}

type DigestValues = Required<
  Pick<RecipientValues, 'unsubscribeUrl' | 'preferencesUrl' | 'email' | 'voteToken' | 'feedUrl'>
>;

/** What one recipient's message fills in: their links, their address, their vote token, their feed. */
export function recipientValues(s: Pick<MessageSettings, 'baseUrl' | 'secret'>, r: Recipient): DigestValues {
  return {
    unsubscribeUrl: unsubscribeUrl(s, r.subscriberId),
    preferencesUrl: preferencesUrl(s, r.subscriberId),
    email: r.email,
    voteToken: signVoteToken(s.secret, r.subscriberId, r.digestDate),
    feedUrl: r.feedVersion === undefined ? `${s.baseUrl}/feed/preview` : feedUrl(s, r.subscriberId, r.feedVersion),
  };
}

/** `bounce+TOKEN@bounce-domain`: a bounce sent there names its delivery (VERP). */
export function verpAddress(s: Pick<MessageSettings, 'secret' | 'bounceDomain'>, deliveryId: number): string | null {
  return s.bounceDomain ? `bounce+${signToken(s.secret, 'bounce', deliveryId)}@${s.bounceDomain}` : null;
}

/**
 * `<https://…/u/TOKEN>` first (RFC 8058 one-click), then a mailto: with a bounce domain the reader's
 * own `unsubscribe+TOKEN@bounce-domain` (read back from the bounce Maildir, whoever sends it), else
 * the fixed PAPERBOY_UNSUBSCRIBE_MAILTO when set, else none.
 */
export function listUnsubscribeHeader(
  s: Pick<MessageSettings, 'secret' | 'bounceDomain' | 'unsubscribeMailto'>,
  subscriberId: number,
  url: string,
): string {
  const mailto = s.bounceDomain ? unsubscribeMailAddress(s.secret, subscriberId, s.bounceDomain) : s.unsubscribeMailto;
  return mailto ? `<${url}>, <mailto:${mailto}?subject=unsubscribe>` : `<${url}>`;
}

/** The templates of the contents seen, per settings: one content object per edition per run. */
const templates = new WeakMap<MessageSettings, WeakMap<MessageContent, MessageTemplate>>();

/**
 * The template of a content, made on first use. Keyed by the object: a content must not be changed
 * once a message was built from it (the send loop and the pipeline never do).
 */
function templateFor(content: MessageContent, s: MessageSettings): MessageTemplate {
  let bySettings = templates.get(s);
  if (!bySettings) {
    bySettings = new WeakMap();
    templates.set(s, bySettings);
  }
  let t = bySettings.get(content);
  if (!t) {
    t = messageTemplate(content, {
      from: { name: s.from.name, address: s.from.address },
      listName: s.listName,
      listId: s.listId,
      list: listHeaders(s.baseUrl),
      feedbackId: s.feedbackId,
    });
    bySettings.set(content, t);
  }
  return t;
}

const parsedKeys = new Map<string, KeyObject>();
function parsedKey(pem: string): KeyObject {
  let k = parsedKeys.get(pem);
  if (!k) {
    k = createPrivateKey(pem);
    parsedKeys.set(pem, k);
  }
  return k;
}

const signings = new WeakMap<MessageSettings, DkimSigning>();

/**
 * The DKIM signing of every message paperboy sends (dkim-sign.ts: digests assembled here, the
 * confirmation composed by nodemailer and signed after), with the key parsed once per settings.
 */
export function dkimSigning(s: MessageSettings): DkimSigning | undefined {
  if (!s.dkim) return undefined;
  let d = signings.get(s);
  if (!d) {
    d = {
      domain: s.dkim.domain,
      selector: s.dkim.selector,
      key: parsedKey(s.dkim.privateKey),
      headers: DKIM_HEADERS,
      oversigned: DKIM_OVERSIGNED,
    };
    signings.set(s, d);
  }
  return d;
}

/**
 * One recipient's message of a digest, ready to send: the MIME bytes assembled from the content's
 * template and this recipient's values (assemble.ts), DKIM-signed when a key is set (the signature
 * nodemailer would write, made without its per-message signing stream), with the envelope — the
 * VERP bounce address when a bounce domain is set, else From.
 */
export function buildMessage(
  digest: MessageContent,
  r: Recipient,
  s: MessageSettings,
  /** Where the send loop's message bytes come from (reused once a message is sent). */
  buffers?: MessageBuffers,
): OutgoingMessage {
  const { parts, envelope } = recipientParts(r, s);
  const raw = assembleMessage(templateFor(digest, s), parts, buffers, dkimSigning(s));
  // The messageId is not written again (raw is the message); it names the message for the outbox file and the logs.
  return { envelope, raw, messageId: r.messageId };
}

/**
 * The same message, with a DKIM key's RSA signature made off the main thread (assembleMessageSigned):
 * the send loop's path. Without a key it is buildMessage.
 */
export async function buildMessageOffThread(
  digest: MessageContent,
  r: Recipient,
  s: MessageSettings,
  buffers?: MessageBuffers,
): Promise<OutgoingMessage> {
  const dkim = dkimSigning(s);
  if (!dkim) return buildMessage(digest, r, s, buffers);
  const { parts, envelope } = recipientParts(r, s);
  const raw = await assembleMessageSigned(templateFor(digest, s), parts, dkim, buffers);
  return { envelope, raw, messageId: r.messageId };
}

/** A recipient's personal headers and values, and the envelope (VERP bounce address when set). */
function recipientParts(r: Recipient, s: MessageSettings) {
  const values = recipientValues(s, r);
  const bounceTo = r.deliveryId === null ? null : verpAddress(s, r.deliveryId);
  return {
    parts: {
      toName: cleanName(r.name),
      toAddress: r.email,
      messageId: r.messageId,
      date: new Date(),
      listUnsubscribe: listUnsubscribeHeader(s, r.subscriberId, values.unsubscribeUrl),
      values,
    },
    envelope: { from: bounceTo ?? wireAddress(s.from.address), to: [wireAddress(r.email)] },
  };
}
