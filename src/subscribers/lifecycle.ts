/**
 * A subscriber's life, each move written once: add, sign up, confirm, unsubscribe, remove,
 * resubscribe, bounce, expire. The CLI, the web routes, the admin and bounce processing all come
 * here; sending the confirmation email is the pipeline's (pipeline/sign-up.ts).
 */
import type { Frequency, Subscriber } from '../domain.js';
import { PaperboyError } from '../errors.js';
import { type BounceInput, type BounceOutcome, recordBounce } from '../store/bounces.js';
import type { Db } from '../store/db.js';
import {
  type AddOutcome,
  confirmSignUpRequest,
  expirePending,
  findSubscriberByEmail,
  markConfirmationSent,
  openSignUpRequest,
  setClock,
  setFrequency,
  setSubscriberStatus,
  upsertSubscriber,
} from '../store/subscribers.js';
import { cleanName, normalizeEmail } from './email.js';
import type { ReaderClock } from './reader-clock.js';

export type { AddOutcome, BounceInput, BounceOutcome };

/** A confirmation is not sent to the same address more often than this. */
const RESEND_AFTER_MS = 10 * 60_000;

/** How often a reader gets mail, and whether the top papers come when nothing matches their topics. */
export interface Schedule {
  frequency: Frequency;
  weekday: number;
  sendAnyway: boolean;
}

/**
 * Adds an active subscriber (`subscribers add`), or merges a new name, topics, zone or hour into
 * the stored address: a pending one becomes active, an unsubscribed or bounced one stays so.
 * `subscriber` is as it was stored before it was made active (and before its clock was set).
 */
export async function addSubscriber(
  db: Db,
  input: {
    email: string;
    name?: string | null;
    topics: string[] | null;
    schedule: Schedule | null;
    /** A field left out (undefined) stays as it is; null is the list's default. */
    clock?: Partial<ReaderClock>;
  },
): Promise<{ subscriber: Subscriber; outcome: AddOutcome }> {
  const { subscriber, outcome } = await upsertSubscriber(db, {
    email: input.email,
    name: cleanName(input.name),
    status: 'active',
    topics: input.topics,
  });
  if (subscriber.status === 'pending') await setSubscriberStatus(db, subscriber.id, 'active');
  if (input.schedule) await setSchedule(db, subscriber.id, input.schedule);
  const clock = input.clock ?? {};
  const clockChanged =
    (clock.timezone !== undefined && clock.timezone !== subscriber.timezone) ||
    (clock.hour !== undefined && clock.hour !== subscriber.hour);
  if (!clockChanged) return { subscriber, outcome };
  await setClock(db, subscriber.id, clock);
  return { subscriber, outcome: outcome === 'unchanged' ? 'updated' : outcome };
}

/** Sets how often a subscriber gets mail. */
export async function setSchedule(db: Db, id: number, schedule: Schedule): Promise<void> {
  await setFrequency(db, id, schedule);
}

export type SignUpOutcome =
  /** A new pending subscriber; the confirmation is to go out. */
  | 'created'
  /** Pending, unsubscribed or bounced before: a (new) confirmation is to go out. */
  | 'confirmation-sent'
  /** A confirmation went out less than 10 minutes ago: nothing to send. */
  | 'throttled'
  /** Already active: nothing to send, nothing changed. */
  | 'already-active';

/** What a sign-up asks for; each left out (or null) keeps what is stored. */
export interface SignUpInput {
  email: string;
  name?: string | null;
  topics?: string[];
  timezone?: string | null;
  hour?: number | null;
}

/**
 * Opens a sign-up request: new addresses become pending; a pending, unsubscribed or bounced
 * address keeps its state and only becomes active by confirming; an active address, or one mailed
 * a confirmation less than 10 minutes ago, is left alone. The name, topics, zone and hour asked for
 * wait beside the request: nothing stored changes until the link is confirmed. For `created` and
 * `confirmation-sent` the caller sends the confirmation.
 */
export async function requestSignUp(
  db: Db,
  input: SignUpInput,
  now = Date.now(),
): Promise<{ outcome: SignUpOutcome; subscriber: Subscriber }> {
  const email = normalizeEmail(input.email);
  if (!email) throw new PaperboyError('EUSAGE', `"${input.email.slice(0, 100)}" is not an email address`);
  const existing = await findSubscriberByEmail(db, email);
  if (existing?.status === 'active') return { outcome: 'already-active', subscriber: existing };
  if (existing?.confirmSentAt && now - Date.parse(existing.confirmSentAt) < RESEND_AFTER_MS) {
    return { outcome: 'throttled', subscriber: existing };
  }
  const stored = existing ?? (await upsertSubscriber(db, { email, name: null, status: 'pending' })).subscriber;
  const subscriber = await openSignUpRequest(db, stored.id, {
    name: cleanName(input.name),
    // No topics typed: a returning reader keeps theirs.
    topics: input.topics?.length ? input.topics : null,
    timezone: input.timezone ?? null,
    hour: input.hour ?? null,
  });
  return { outcome: existing ? 'confirmation-sent' : 'created', subscriber };
}

/** Notes when a confirmation link was issued: only a link issued at or after it confirms. */
export async function confirmationSent(db: Db, id: number, at: string): Promise<void> {
  await markConfirmationSent(db, id, at);
}

/**
 * Confirms an open sign-up request: the address becomes active with the name, topics, zone and
 * hour it asked for. False when it no longer could (already active, or the request closed in between).
 */
export async function confirm(db: Db, s: Pick<Subscriber, 'id' | 'status'>): Promise<boolean> {
  if (s.status === 'active') return false;
  return confirmSignUpRequest(db, s.id);
}

/** The reader leaves (one-click link, preferences page): no further digest. Idempotent. */
export async function unsubscribe(db: Db, s: Pick<Subscriber, 'id' | 'status'>): Promise<void> {
  if (s.status !== 'unsubscribed') await setSubscriberStatus(db, s.id, 'unsubscribed', 'unsubscribed');
}

/** An operator suppresses the address: no further digest, and an import does not bring it back. */
export async function remove(db: Db, s: Pick<Subscriber, 'id'>): Promise<void> {
  await setSubscriberStatus(db, s.id, 'unsubscribed', 'removed');
}

/** An operator brings a reader back who asked to (active again, the bounce count reset). */
export async function resubscribe(db: Db, s: Pick<Subscriber, 'id'>): Promise<void> {
  await setSubscriberStatus(db, s.id, 'active');
}

/**
 * Records a bounce and applies it: a hard one makes an active or pending address `bounced`;
 * `softLimit` soft ones in a row do. The same `dedupeKey` counts once.
 */
export async function bounce(db: Db, b: BounceInput, softLimit: number): Promise<BounceOutcome> {
  return recordBounce(db, b, softLimit);
}

/** Deletes the sign-ups never confirmed whose last confirmation went out before `before`; how many. */
export async function expireSignUps(db: Db, before: string): Promise<number> {
  return expirePending(db, before);
}
