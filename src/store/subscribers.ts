import { type Selectable, sql } from 'kysely';
import type { Frequency, StatusReason, Subscriber, SubscriberStatus } from '../domain.js';
import { type Db, dialectOf, nowIso } from './db.js';
import { recordEvent } from './events.js';
import type { SubscribersTable } from './schema.js';

type Row = Selectable<SubscribersTable>;

export function fromSubscriberRow(r: Row): Subscriber {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    status: r.status as SubscriberStatus,
    statusReason: r.status_reason as StatusReason | null,
    topics: JSON.parse(r.topics) as string[],
    pausedUntil: r.paused_until,
    timezone: r.timezone,
    hour: r.hour,
    softBounces: r.soft_bounces,
    confirmedAt: r.confirmed_at,
    confirmSentAt: r.confirm_sent_at,
    request: r.requested_at
      ? {
          at: r.requested_at,
          name: r.requested_name,
          topics: r.requested_topics === null ? null : (JSON.parse(r.requested_topics) as string[]),
          timezone: r.requested_timezone,
          hour: r.requested_hour,
        }
      : null,
    frequency: r.frequency === 'weekly' ? 'weekly' : 'daily',
    weekday: r.weekday,
    sendAnyway: r.send_anyway === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export type AddOutcome = 'added' | 'updated' | 'unchanged';

export interface SubscriberInput {
  email: string;
  name: string | null;
  status: SubscriberStatus;
  /** null: leave the stored topics as they are. */
  topics?: string[] | null;
}

/**
 * Adds a subscriber, or merges into the existing one with the same (normalized) address: a new
 * name or topic list replaces the old; the status is never changed here (an unsubscribed address
 * stays so).
 */
export async function upsertSubscriber(
  db: Db,
  input: SubscriberInput,
): Promise<{ subscriber: Subscriber; outcome: AddOutcome }> {
  const existing = await findSubscriberByEmail(db, input.email);
  const now = nowIso();
  if (!existing) {
    const row = await db
      .insertInto('subscribers')
      .values({
        email: input.email,
        name: input.name,
        status: input.status,
        topics: JSON.stringify(input.topics ?? []),
        created_at: now,
        updated_at: now,
        confirmed_at: input.status === 'active' ? now : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { subscriber: fromSubscriberRow(row), outcome: 'added' };
  }
  const changes: Partial<Row> = {};
  if (input.name && input.name !== existing.name) changes.name = input.name;
  if (input.topics && JSON.stringify(input.topics) !== JSON.stringify(existing.topics)) {
    changes.topics = JSON.stringify(input.topics);
  }
  if (Object.keys(changes).length === 0) return { subscriber: existing, outcome: 'unchanged' };
  const row = await db
    .updateTable('subscribers')
    .set({ ...changes, updated_at: now })
    .where('id', '=', existing.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { subscriber: fromSubscriberRow(row), outcome: 'updated' };
}

export async function findSubscriberByEmail(db: Db, email: string): Promise<Subscriber | undefined> {
  const row = await db.selectFrom('subscribers').selectAll().where('email', '=', email).executeTakeFirst();
  return row ? fromSubscriberRow(row) : undefined;
}

export async function findSubscriber(db: Db, id: number): Promise<Subscriber | undefined> {
  const row = await db.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? fromSubscriberRow(row) : undefined;
}

const NO_REQUEST = {
  requested_at: null,
  requested_name: null,
  requested_topics: null,
  requested_timezone: null,
  requested_hour: null,
} as const;

/**
 * Moves a subscriber to `status`. Becoming active clears the reason and the bounce count and
 * stamps the confirmation; leaving records why. Either way an open sign-up request is closed: a
 * confirmation link sent before confirms nothing.
 */
export async function setSubscriberStatus(
  db: Db,
  id: number,
  status: SubscriberStatus,
  reason: StatusReason | null = null,
): Promise<void> {
  const now = nowIso();
  const extra =
    status === 'active' ? { confirmed_at: now, soft_bounces: 0, status_reason: null } : { status_reason: reason };
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('subscribers')
      .set({ status, updated_at: now, ...extra, ...NO_REQUEST })
      .where('id', '=', id)
      .returning('email')
      .executeTakeFirst();
    if (row && status === 'unsubscribed') {
      await recordEvent(trx, 'subscriber.unsubscribed', { id, email: row.email, reason: reason ?? 'unsubscribed' });
    }
  });
}

/** Opens (or renews) a sign-up request: what it asked for waits until the address confirms. */
export async function openSignUpRequest(
  db: Db,
  id: number,
  request: { name: string | null; topics: string[] | null; timezone?: string | null; hour?: number | null },
): Promise<Subscriber> {
  const row = await db
    .updateTable('subscribers')
    .set({
      requested_at: nowIso(),
      requested_name: request.name,
      requested_topics: request.topics === null ? null : JSON.stringify(request.topics),
      requested_timezone: request.timezone ?? null,
      requested_hour: request.hour ?? null,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return fromSubscriberRow(row);
}

/**
 * Confirms an open sign-up request in one statement: the address becomes active with the name,
 * topics, zone and hour the request asked for. False when no request is open any more (confirmed, unsubscribed,
 * removed or bounced since) or the address is already active.
 */
export async function confirmSignUpRequest(db: Db, id: number): Promise<boolean> {
  const now = nowIso();
  const res = await db
    .updateTable('subscribers')
    .set((eb) => ({
      status: 'active',
      status_reason: null,
      soft_bounces: 0,
      confirmed_at: now,
      updated_at: now,
      name: eb.fn.coalesce('requested_name', 'name'),
      topics: eb.fn.coalesce('requested_topics', 'topics'),
      timezone: eb.fn.coalesce('requested_timezone', 'timezone'),
      hour: eb.fn.coalesce('requested_hour', 'hour'),
      ...NO_REQUEST,
    }))
    .where('id', '=', id)
    .where('requested_at', 'is not', null)
    .where('status', '<>', 'active')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function updatePreferences(
  db: Db,
  id: number,
  prefs: {
    name: string | null;
    topics: string[];
    pausedUntil: string | null;
    frequency?: 'daily' | 'weekly';
    weekday?: number;
    sendAnyway?: boolean;
    timezone?: string | null;
    hour?: number | null;
  },
): Promise<void> {
  await db
    .updateTable('subscribers')
    .set({
      ...(prefs.timezone !== undefined ? { timezone: prefs.timezone } : {}),
      ...(prefs.hour !== undefined ? { hour: prefs.hour } : {}),
      name: prefs.name,
      topics: JSON.stringify(prefs.topics),
      paused_until: prefs.pausedUntil,
      ...(prefs.frequency ? { frequency: prefs.frequency } : {}),
      ...(prefs.weekday !== undefined ? { weekday: prefs.weekday } : {}),
      ...(prefs.sendAnyway !== undefined ? { send_anyway: prefs.sendAnyway ? 1 : 0 } : {}),
      updated_at: nowIso(),
    })
    .where('id', '=', id)
    .execute();
}

/** A reader's zone and hour (null: the list's default); a field left out stays as it is. */
export async function setClock(
  db: Db,
  id: number,
  clock: { timezone?: string | null; hour?: number | null },
): Promise<void> {
  const changes = {
    ...(clock.timezone !== undefined ? { timezone: clock.timezone } : {}),
    ...(clock.hour !== undefined ? { hour: clock.hour } : {}),
  };
  if (Object.keys(changes).length === 0) return;
  await db
    .updateTable('subscribers')
    .set({ ...changes, updated_at: nowIso() })
    .where('id', '=', id)
    .execute();
}

/** How often a subscriber gets mail: daily, or weekly on `weekday`; and whether to get the top papers when nothing matches. */
export async function setFrequency(
  db: Db,
  id: number,
  f: { frequency: 'daily' | 'weekly'; weekday: number; sendAnyway: boolean },
): Promise<void> {
  await db
    .updateTable('subscribers')
    .set({ frequency: f.frequency, weekday: f.weekday, send_anyway: f.sendAnyway ? 1 : 0, updated_at: nowIso() })
    .where('id', '=', id)
    .execute();
}

export async function markConfirmationSent(db: Db, id: number, at: string): Promise<void> {
  await db.updateTable('subscribers').set({ confirm_sent_at: at }).where('id', '=', id).execute();
}

/**
 * Deletes pending sign-ups (never confirmed) whose last confirmation went out before `before`
 * (or, with none sent, created before it); returns how many. A link re-sent on day 6 lives its
 * full time.
 */
export async function expirePending(db: Db, before: string): Promise<number> {
  const res = await db
    .deleteFrom('subscribers')
    .where('status', '=', 'pending')
    .where((eb) => eb(eb.fn.coalesce('confirm_sent_at', 'created_at'), '<', before))
    .where((eb) =>
      eb.not(
        eb.exists(eb.selectFrom('deliveries').select('id').whereRef('deliveries.subscriber_id', '=', 'subscribers.id')),
      ),
    )
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** One page of subscribers in id order (keyset pagination: pass the last id seen). */
export async function subscribersPage(
  db: Db,
  opts: { afterId: number; limit: number; status?: SubscriberStatus; search?: string },
): Promise<Subscriber[]> {
  let q = db.selectFrom('subscribers').selectAll().where('id', '>', opts.afterId);
  if (opts.status) q = q.where('status', '=', opts.status);
  if (opts.search) {
    const like = `%${opts.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    // SQLite's like ignores ASCII case, PostgreSQL's does not: ilike there. The escape character
    // goes as a parameter, the same on both whatever standard_conforming_strings says.
    const op = sql.raw(dialectOf(db) === 'postgres' ? 'ilike' : 'like');
    q = q.where(sql<boolean>`(email ${op} ${like} escape ${'\\'} or name ${op} ${like} escape ${'\\'})`);
  }
  const rows = await q.orderBy('id').limit(opts.limit).execute();
  return rows.map(fromSubscriberRow);
}

/**
 * Active, unpaused subscribers who have no ledger row for `digestId` yet, a page at a time: those a
 * send still has to plan for.
 */
export async function unplannedReceivers(
  db: Db,
  digestId: number,
  opts: { afterId: number; limit: number; now: string },
): Promise<Receiver[]> {
  const rows = await db
    .selectFrom('subscribers')
    .select(['id', 'topics', 'frequency', 'weekday', 'send_anyway'])
    .where('id', '>', opts.afterId)
    .where('status', '=', 'active')
    .where((eb) => eb.or([eb('paused_until', 'is', null), eb('paused_until', '<=', opts.now)]))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('deliveries')
            .select('deliveries.id')
            .whereRef('deliveries.subscriber_id', '=', 'subscribers.id')
            .where('deliveries.digest_id', '=', digestId),
        ),
      ),
    )
    .orderBy('id')
    .limit(opts.limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    topicsJson: r.topics,
    frequency: r.frequency === 'weekly' ? 'weekly' : 'daily',
    weekday: r.weekday,
    sendAnyway: r.send_anyway === 1,
  }));
}

/** What planning needs of a subscriber (a million of them are read): the topics still as stored JSON. */
export interface Receiver {
  id: number;
  topicsJson: string;
  frequency: Frequency;
  weekday: number;
  sendAnyway: boolean;
}

/** Active subscribers who are not paused at `now`: those a digest goes to. */
export async function receivingPage(
  db: Db,
  opts: { afterId: number; limit: number; now: string },
): Promise<{ id: number }[]> {
  return db
    .selectFrom('subscribers')
    .select('id')
    .where('id', '>', opts.afterId)
    .where('status', '=', 'active')
    .where((eb) => eb.or([eb('paused_until', 'is', null), eb('paused_until', '<=', opts.now)]))
    .orderBy('id')
    .limit(opts.limit)
    .execute();
}

export async function countSubscribersByStatus(db: Db): Promise<Record<SubscriberStatus, number>> {
  const rows = await db
    .selectFrom('subscribers')
    .select(['status', db.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  const counts: Record<SubscriberStatus, number> = { pending: 0, active: 0, unsubscribed: 0, bounced: 0 };
  for (const r of rows) counts[r.status as SubscriberStatus] = Number(r.n);
  return counts;
}

/**
 * The readers a send of this digest would still mail: active, not paused at `now`, and not settled
 * in its ledger (no row yet, or one pending or on its way). Readers who left after their digest was
 * sent, and rows skipped for readers who had left, are not subtracted from the others.
 */
export async function countStillToReceive(db: Db, digestId: number, now: string): Promise<number> {
  const row = await db
    .selectFrom('subscribers')
    .select(db.fn.countAll<number>().as('n'))
    .where('status', '=', 'active')
    .where((eb) => eb.or([eb('paused_until', 'is', null), eb('paused_until', '<=', now)]))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('deliveries')
            .select('deliveries.id')
            .whereRef('deliveries.subscriber_id', '=', 'subscribers.id')
            .where('deliveries.digest_id', '=', digestId)
            .where('deliveries.status', 'not in', ['pending', 'sending']),
        ),
      ),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
