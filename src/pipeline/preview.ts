import nodemailer from 'nodemailer';
import type { IsoDate, Subscriber } from '../domain.js';
import { PaperboyError } from '../errors.js';
import { personalize } from '../render/personalize.js';
import { renderEdition } from '../render/render-digest.js';
import { selectForReader } from '../select/editions.js';
import { editionReader } from '../send/edition-content.js';
import { buildMessage, type MessageContent } from '../send/message.js';
import { plannedEdition } from '../store/deliveries.js';
import { findDigest } from '../store/digests.js';
import { candidatePool, deliveredPapers, storedEdition } from '../store/editions.js';
import { buildDigest } from './build-digest.js';
import type { AppContext } from './context.js';
import { poolDates } from './plan-deliveries.js';
import { viewSettings } from './view-settings.js';

export interface Preview {
  date: IsoDate;
  /** True when this is stored content (sent or being sent); false: rendered now, not stored. */
  stored: boolean;
  /** What is shown: the public digest, or a reader's edition (and whether they would get any). */
  of: 'digest' | 'edition' | 'nothing';
  subject: string;
  html: string;
  text: string;
  eml: string;
  warnings: string[];
}

export const PREVIEW_RECIPIENT = { email: 'reader@example.com', name: null, subscriberId: 0 } as const;

/** A reader's edition for `date`: the planned one when the send has run, else their selection now. */
async function readerContent(ctx: AppContext, date: IsoDate, s: Subscriber): Promise<MessageContent | null> {
  const digest = await findDigest(ctx.db, date);
  if (digest) {
    const planned = await plannedEdition(ctx.db, digest.id, s.id);
    if (planned !== null) return (await editionReader(ctx.db)(planned)) ?? null;
  }
  const pool = digest
    ? await candidatePool(ctx.db, poolDates(date, s.frequency))
    : (await buildDigest(ctx, date)).pool.map((paper) => ({ paper, day: date }));
  const delivered = await deliveredPapers(
    ctx.db,
    [s.id],
    pool.map((c) => c.paper.id),
  );
  const sel = selectForReader(s, pool, delivered.get(s.id) ?? new Set(), ctx.config.papersPerDigest);
  if (!sel) return null;
  return renderEdition(
    ctx.templates,
    sel.papers.map((p) => p.paper),
    date,
    viewSettings(ctx.config),
    {
      matched: sel.papers.map((p) => p.matched),
      topics: sel.topics,
      weekly: sel.frequency === 'weekly',
      anyway: sel.anyway,
    },
  );
}

/**
 * The email as it would go out for `date` — the public digest, or with `subscriber` that reader's
 * edition — through the same render path as a send. A date already stored shows what was (or is
 * being) sent. Filled in with example personal values.
 */
export async function previewDigest(
  ctx: AppContext,
  date: IsoDate,
  subscriber?: Subscriber,
  editionId?: number,
): Promise<Preview> {
  const stored = await findDigest(ctx.db, date);
  let warnings: string[] = [];
  let content: MessageContent | null;
  if (editionId !== undefined) {
    const owned = stored !== undefined && (await storedEdition(ctx.db, editionId))?.digestId === stored.id;
    if (!owned) throw new PaperboyError('ENOTFOUND', `no edition ${editionId} in the digest of ${date}`);
    content = (await editionReader(ctx.db)(editionId)) ?? null;
  } else if (subscriber) content = await readerContent(ctx, date, subscriber);
  else if (stored) content = stored;
  else {
    const built = await buildDigest(ctx, date);
    warnings = built.rendered.warnings;
    content = built.rendered;
  }
  const of = subscriber || editionId !== undefined ? (content ? 'edition' : 'nothing') : 'digest';
  const shown = content ?? { subject: '(no email: nothing matches this reader today)', html: '', text: '' };
  const recipient = subscriber
    ? { email: subscriber.email, name: subscriber.name, subscriberId: 0 }
    : PREVIEW_RECIPIENT;
  const message = buildMessage(
    shown,
    { ...recipient, messageId: `<preview.${date}@${ctx.config.from.domain}>`, digestDate: date, deliveryId: null },
    ctx.messageSettings,
  );
  const composed = await nodemailer
    .createTransport({ streamTransport: true, buffer: true, newline: 'windows' })
    .sendMail(message);
  const values = {
    email: recipient.email,
    unsubscribeUrl: `${ctx.config.baseUrl}/u/preview`,
    preferencesUrl: `${ctx.config.baseUrl}/p/preview`,
    voteToken: 'preview',
    feedUrl: `${ctx.config.baseUrl}/feed/preview`,
  };
  return {
    date,
    stored: stored !== undefined,
    of,
    subject: shown.subject,
    html: personalize(shown.html, values, 'html'),
    text: personalize(shown.text, values, 'text'),
    eml: (composed.message as Buffer).toString('utf8'),
    warnings,
  };
}
