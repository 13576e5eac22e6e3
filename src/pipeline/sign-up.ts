import type { Subscriber } from '../domain.js';
import { PaperboyError } from '../errors.js';
import { personalize } from '../render/personalize.js';
import { type RenderedConfirm, renderConfirm } from '../render/render-confirm.js';
import { buildConfirmation } from '../send/confirmation.js';
import { failureText } from '../send/smtp-reply.js';
import { recordEvent } from '../store/events.js';
import { findSubscriber } from '../store/subscribers.js';
import {
  confirm,
  confirmationSent,
  requestSignUp,
  type SignUpInput,
  type SignUpOutcome,
} from '../subscribers/lifecycle.js';
import { signTimedToken, verifyTimedToken } from '../subscribers/tokens.js';
import type { AppContext } from './context.js';

export type { SignUpOutcome };

const confirmCache = new WeakMap<AppContext, Promise<RenderedConfirm>>();

function confirmEmail(ctx: AppContext): Promise<RenderedConfirm> {
  let p = confirmCache.get(ctx);
  if (!p) {
    p = renderConfirm(ctx.templates, {
      listName: ctx.config.listName,
      ttlDays: ctx.config.confirmTtlDays,
      homeUrl: `${ctx.config.baseUrl}/`,
    });
    confirmCache.set(ctx, p);
  }
  return p;
}

export function confirmUrl(ctx: AppContext, subscriberId: number, at = new Date()): string {
  const token = signTimedToken(ctx.secret, 'confirm', subscriberId, Math.floor(at.getTime() / 1000));
  return `${ctx.config.baseUrl}/confirm/${token}`;
}

/**
 * Sends the double opt-in email to a subscriber (send/confirmation.ts: signed like the digests, as
 * Gmail and Yahoo treat unauthenticated mail from a bulk sender as suspect) and notes when its link
 * was issued: only a link issued at or after that time confirms.
 */
export async function sendConfirmation(ctx: AppContext, s: Pick<Subscriber, 'id' | 'email'>): Promise<void> {
  const c = await confirmEmail(ctx);
  const issued = new Date();
  const values = { email: s.email, confirmUrl: confirmUrl(ctx, s.id, issued) };
  const message = await buildConfirmation(
    {
      subscriberId: s.id,
      email: s.email,
      subject: c.subject,
      html: personalize(c.html, values, 'html'),
      text: personalize(c.text, values, 'text'),
    },
    ctx.messageSettings,
  );
  try {
    await ctx.transport.send(message);
  } catch (err) {
    throw new PaperboyError('ESEND', `the confirmation to ${s.email} was not sent: ${failureText(err as Error)}`, {
      hint: `check PAPERBOY_SMTP_URL (${ctx.transport.description})`,
    });
  }
  await confirmationSent(ctx.db, s.id, issued.toISOString());
  ctx.log.info({ event: 'subscriber.confirmation.sent', subscriber_id: s.id }, `confirmation sent to ${s.email}`);
}

/**
 * A sign-up (web form or `subscribers add --pending`). New addresses become pending and get a
 * confirmation; a pending, unsubscribed or bounced address gets a new one (at most every 10
 * minutes) and only becomes active by confirming; an active address is left alone. The name and
 * topics asked for wait beside the request: nothing stored changes until the link is confirmed.
 */
export async function signUp(
  ctx: AppContext,
  input: SignUpInput,
): Promise<{ outcome: SignUpOutcome; subscriber: Subscriber }> {
  const signedUp = await requestSignUp(ctx.db, input);
  if (signedUp.outcome === 'created' || signedUp.outcome === 'confirmation-sent') {
    await sendConfirmation(ctx, signedUp.subscriber);
  }
  return signedUp;
}

export type ConfirmProblem =
  /** Forged, cut or for another purpose. */
  | 'invalid'
  /** Older than PAPERBOY_CONFIRM_TTL_DAYS. */
  | 'expired'
  /** A newer confirmation went to the address since: only the latest link confirms. */
  | 'superseded'
  /** No sign-up is waiting: the address unsubscribed, was removed or bounced since (or the request expired). */
  | 'closed';

export type ConfirmCheck = { ok: true; subscriber: Subscriber } | { ok: false; reason: ConfirmProblem };

/**
 * The subscriber a confirmation link is for, if the link is authentic, not expired, and still
 * confirms: an active address (a second click is harmless), or an open sign-up request whose
 * latest confirmation this link is.
 */
export async function checkConfirmToken(ctx: AppContext, token: string): Promise<ConfirmCheck> {
  const check = verifyTimedToken(ctx.secret, 'confirm', token, ctx.config.confirmTtlDays * 86_400);
  if (!check.ok) return check;
  const subscriber = await findSubscriber(ctx.db, check.id);
  if (!subscriber) return { ok: false, reason: 'invalid' };
  if (subscriber.status === 'active') return { ok: true, subscriber };
  if (!subscriber.request) return { ok: false, reason: 'closed' };
  const latest = subscriber.confirmSentAt ? Math.floor(Date.parse(subscriber.confirmSentAt) / 1000) : 0;
  if (check.issuedAt < latest) return { ok: false, reason: 'superseded' };
  return { ok: true, subscriber };
}

/**
 * Confirms: the open request's address becomes active with the name and topics it asked for.
 * False when it no longer could (already active, or the request closed in between).
 */
export async function confirmSubscriber(ctx: AppContext, s: Subscriber): Promise<boolean> {
  const done = await confirm(ctx.db, s);
  if (done) {
    ctx.log.info({ event: 'subscriber.confirmed', subscriber_id: s.id }, `${s.email} confirmed`);
    await recordEvent(ctx.db, 'subscriber.confirmed', { id: s.id, email: s.email });
  }
  return done;
}
