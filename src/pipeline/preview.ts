import nodemailer from 'nodemailer';
import type { IsoDate } from '../domain.js';
import { personalize } from '../render/personalize.js';
import { buildMessage } from '../send/message.js';
import { findDigest } from '../store/digests.js';
import { buildDigest } from './build-digest.js';
import type { AppContext } from './context.js';

export interface Preview {
  date: IsoDate;
  /** True when this is the digest as stored (sent or being sent); false: rendered now, not stored. */
  stored: boolean;
  subject: string;
  html: string;
  text: string;
  eml: string;
}

export const PREVIEW_RECIPIENT = { email: 'reader@example.com', name: null, subscriberId: 0 } as const;

/**
 * The email as it would go out for `date`, filled in for an example reader, through the same
 * render path as a send. A date already stored shows what was (or is being) sent.
 */
export async function previewDigest(ctx: AppContext, date: IsoDate): Promise<Preview> {
  const stored = await findDigest(ctx.db, date);
  const content = stored ?? (await buildDigest(ctx, date)).rendered;
  const message = buildMessage(
    content,
    { ...PREVIEW_RECIPIENT, messageId: `<preview.${date}@${ctx.config.from.domain}>`, deliveryId: null },
    ctx.messageSettings,
  );
  const composed = await nodemailer
    .createTransport({ streamTransport: true, buffer: true, newline: 'windows' })
    .sendMail(message);
  const values = {
    email: PREVIEW_RECIPIENT.email,
    unsubscribeUrl: `${ctx.config.baseUrl}/u/preview`,
    preferencesUrl: `${ctx.config.baseUrl}/p/preview`,
  };
  return {
    date,
    stored: stored !== undefined,
    subject: content.subject,
    html: personalize(content.html, values, 'html'),
    text: personalize(content.text, values, 'text'),
    eml: (composed.message as Buffer).toString('utf8'),
  };
}
