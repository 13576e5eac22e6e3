import { randomBytes } from 'node:crypto';
import type { IsoDate } from '../domain.js';
import { PaperboyError } from '../errors.js';
import { buildMessage, type MessageContent } from '../send/message.js';
import { failureText } from '../send/smtp-reply.js';
import { findSubscriberByEmail } from '../store/subscribers.js';
import { normalizeEmail } from '../subscribers/email.js';
import type { AppContext } from './context.js';

/** `send --to`: one test copy of the date's digest to one address; no delivery is marked done. */
export async function sendTestCopy(ctx: AppContext, content: MessageContent, to: string, date: IsoDate): Promise<void> {
  const email = normalizeEmail(to);
  if (!email) throw new PaperboyError('EUSAGE', `--to: "${to}" is not an email address`);
  const subscriber = await findSubscriberByEmail(ctx.db, email);
  const message = buildMessage(
    { ...content, subject: `[Test] ${content.subject}` },
    {
      subscriberId: subscriber?.id ?? 0,
      email,
      name: subscriber?.name ?? null,
      messageId: `<test.${date}.${randomBytes(8).toString('hex')}@${ctx.config.from.domain}>`,
      digestDate: date,
      deliveryId: null,
    },
    ctx.messageSettings,
  );
  try {
    await ctx.transport.send(message);
  } catch (err) {
    throw new PaperboyError('ESEND', `the test copy to ${email} was not sent: ${failureText(err as Error)}`, {
      hint: `check PAPERBOY_SMTP_URL (${ctx.transport.description})`,
    });
  }
  ctx.log.info({ event: 'digest.test.sent', digest_date: date, to: email }, `test copy sent to ${email}`);
}
