import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { deliveryById, deliveryByMessageId } from '../store/deliveries.js';
import { subscriberById } from '../subscribers/directory.js';
import { bounceKind, parseDsn } from '../subscribers/dsn.js';
import { bounce, unsubscribe } from '../subscribers/lifecycle.js';
import { verifyToken } from '../subscribers/tokens.js';
import { unsubscribeMailTokens, verifyUnsubscribeMailToken } from '../subscribers/unsubscribe-mail.js';
import type { AppContext } from './context.js';

export interface BounceRunReport {
  /** Message files read from `new/`: bounce reports and unsubscribe mails. */
  files: number;
  /** Bounces recorded. */
  applied: number;
  /** Subscribers that became `bounced` through them. */
  bounced: number;
  /** Reports already applied before (the same DSN delivered twice). */
  duplicates: number;
  /** Reports that name no delivery of ours, or are not bounces. */
  ignored: number;
  /**
   * Failures about the message, not the address (policy, content, size: 5.7.1, 5.7.26, 5.3.4):
   * logged, not applied — a sender setting gone wrong must not mark a provider's readers bounced.
   */
  refused: number;
  /** Mails to a reader's `unsubscribe+TOKEN@…` address that unsubscribed them. */
  unsubscribed: number;
  /** Authentic unsubscribe mails that changed nothing: the reader had left already (a repeat) or is gone. */
  unsubscribeUnchanged: number;
  /** Mails to an `unsubscribe+TOKEN@…` address whose token is forged or damaged: nobody is unsubscribed. */
  unsubscribeRefused: number;
}

/** A bounce Maildir run's report with nothing counted yet. */
export function emptyBounceRunReport(): BounceRunReport {
  return {
    files: 0,
    applied: 0,
    bounced: 0,
    duplicates: 0,
    ignored: 0,
    refused: 0,
    unsubscribed: 0,
    unsubscribeUnchanged: 0,
    unsubscribeRefused: 0,
  };
}

/**
 * Applies the messages in the Maildir `dir`: each file in `new/` is read and then moved to `cur/`.
 * A mail delivered to a reader's `unsubscribe+TOKEN@…` address (Delivered-To, X-Original-To,
 * Envelope-To, To or Cc) unsubscribes that reader when the token is authentic. Any other is read as
 * an RFC 3464 report: its failed recipients matched to a delivery (by the VERP token of the envelope
 * sender, else by the echoed Message-ID) and recorded as hard or soft bounces. Each report counts
 * once, even when the same file turns up again.
 */
export async function processBounceMaildir(ctx: AppContext, dir: string): Promise<BounceRunReport> {
  const report = emptyBounceRunReport();
  const newDir = path.join(dir, 'new');
  const curDir = path.join(dir, 'cur');
  await mkdir(curDir, { recursive: true });
  const names = (await readdir(newDir).catch(() => [] as string[])).filter((n) => !n.startsWith('.')).sort();
  for (const name of names) {
    const file = path.join(newDir, name);
    const raw = await readFile(file, 'utf8');
    report.files++;
    const unsubscribeTokens = unsubscribeMailTokens(raw);
    if (unsubscribeTokens.length > 0) {
      await applyUnsubscribeMail(ctx, name, unsubscribeTokens, report);
      await markSeen(file, curDir, name);
      continue;
    }
    const dsn = parseDsn(raw);
    const reportKey = dsn.messageId ?? createHash('sha256').update(raw).digest('hex');
    let delivery: { id: number; subscriberId: number } | undefined;
    for (const token of dsn.verpTokens) {
      const id = verifyToken(ctx.secret, 'bounce', token);
      if (id !== null) delivery = await deliveryById(ctx.db, id);
      if (delivery) break;
    }
    if (!delivery && dsn.originalMessageId) delivery = await deliveryByMessageId(ctx.db, dsn.originalMessageId);

    // Each failed recipient once: a bounce (hard or soft) or a refusal of the message itself.
    const failures = delivery
      ? dsn.recipients.flatMap((r) => {
          const kind = bounceKind(r);
          return kind ? [{ r, kind }] : [];
        })
      : [];
    if (failures.length === 0) {
      report.ignored++;
      ctx.log.info({ event: 'bounce.report.ignored', file: name }, `${name}: no bounce of a delivery of ours`);
    }
    for (const { r, kind } of failures) {
      if (!delivery) break;
      if (kind === 'refused') {
        report.refused++;
        ctx.log.warn(
          { event: 'bounce.refused', file: name, status: r.status, detail: r.diagnostic },
          `${r.recipient}: the message was refused (${r.status}), not the address: not a bounce; check the sender's SPF, DKIM and DMARC`,
        );
        continue;
      }
      const outcome = await bounce(
        ctx.db,
        {
          subscriberId: delivery.subscriberId,
          deliveryId: delivery.id,
          kind,
          source: 'dsn',
          status: r.status,
          detail: r.diagnostic,
          dedupeKey: `dsn:${reportKey}:${r.recipient.toLowerCase()}`,
        },
        ctx.config.softBounceLimit,
      );
      if (outcome === 'duplicate') report.duplicates++;
      else report.applied++;
      if (outcome === 'bounced') report.bounced++;
      ctx.log.info(
        { event: 'bounce.applied', file: name, subscriber_id: delivery.subscriberId, kind, status: r.status, outcome },
        `${r.recipient}: ${kind} bounce (${r.status}) ${outcome}`,
      );
    }
    await markSeen(file, curDir, name);
  }
  return report;
}

/** Maildir: a message that has been seen moves to cur/ with the S (seen) flag. */
async function markSeen(file: string, curDir: string, name: string): Promise<void> {
  await rename(file, path.join(curDir, name.includes(':2,') ? name : `${name}:2,S`));
}

/**
 * A mail to `unsubscribe+TOKEN@…` (a reader's List-Unsubscribe mailto): the token, not the sender,
 * says who leaves — the same proof as the https link's. Unsubscribed through the lifecycle, so a
 * repeated message changes nothing.
 */
async function applyUnsubscribeMail(
  ctx: AppContext,
  file: string,
  tokens: string[],
  report: BounceRunReport,
): Promise<void> {
  for (const token of tokens) {
    const id = verifyUnsubscribeMailToken(ctx.secret, token);
    if (id === null) {
      report.unsubscribeRefused++;
      ctx.log.warn(
        { event: 'unsubscribe.mail.refused', file },
        `${file}: a mail to unsubscribe+${token}@… whose token is not ours (forged or damaged): nobody unsubscribed`,
      );
      continue;
    }
    const reader = await subscriberById(ctx.db, id);
    if (!reader || reader.status === 'unsubscribed') {
      report.unsubscribeUnchanged++;
      ctx.log.info(
        { event: 'unsubscribe.mail.unchanged', file, subscriber_id: id },
        `${file}: unsubscribe mail for subscriber ${id}, ${reader ? 'unsubscribed already' : 'who is gone'}`,
      );
      continue;
    }
    await unsubscribe(ctx.db, reader);
    report.unsubscribed++;
    ctx.log.info(
      { event: 'unsubscribe.mail', file, subscriber_id: id },
      `${reader.email}: unsubscribed by mail (${file})`,
    );
  }
}
