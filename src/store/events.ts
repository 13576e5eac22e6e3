import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type Db, nowIso } from './db.js';
import type { Database } from './schema.js';

/** The events webhooks carry: what happened to a reader, and a digest that went out. */
export type EventType = 'subscriber.confirmed' | 'subscriber.unsubscribed' | 'subscriber.bounced' | 'digest.sent';

/**
 * Records that something happened, in the caller's transaction when it has one: the webhooks'
 * outbox. Written whether or not webhooks are set (a few rows a day; none per message sent).
 */
export async function recordEvent(db: Kysely<Database>, type: EventType, data: Record<string, unknown>): Promise<void> {
  await db
    .insertInto('events')
    .values({ uid: `msg_${randomUUID().replaceAll('-', '')}`, type, data: JSON.stringify(data), created_at: nowIso() })
    .execute();
}

const cursorName = (url: string) => `webhook:${url}`;

/**
 * Gives every event recorded since a URL's cursor a delivery to that URL, and moves the cursor.
 * A URL seen for the first time starts at the newest event: history is not replayed to it.
 */
export async function fanOutEvents(db: Db, urls: readonly string[], now: Date, limit = 500): Promise<number> {
  let added = 0;
  for (const url of urls) {
    added += await db.transaction().execute(async (trx) => {
      const newest = Number(
        (
          await trx
            .selectFrom('events')
            .select((eb) => eb.fn.max('id').as('n'))
            .executeTakeFirst()
        )?.n ?? 0,
      );
      const cursor = await trx
        .selectFrom('counters')
        .select('value')
        .where('name', '=', cursorName(url))
        .executeTakeFirst();
      if (!cursor) {
        await trx
          .insertInto('counters')
          .values({ name: cursorName(url), value: newest })
          .onConflict((oc) => oc.column('name').doNothing())
          .execute();
        return 0;
      }
      const from = Number(cursor.value);
      if (newest <= from) return 0;
      const events = await trx
        .selectFrom('events')
        .select('id')
        .where('id', '>', from)
        .orderBy('id')
        .limit(limit)
        .execute();
      const at = now.toISOString();
      await trx
        .insertInto('webhook_deliveries')
        .values(
          events.map((e) => ({
            event_id: e.id,
            url,
            status: 'pending' as const,
            next_at: at,
            created_at: at,
            updated_at: at,
          })),
        )
        .onConflict((oc) => oc.columns(['event_id', 'url']).doNothing())
        .execute();
      const last = events.at(-1)?.id ?? from;
      await trx
        .updateTable('counters')
        .set({ value: last })
        .where('name', '=', cursorName(url))
        .where('value', '<', last)
        .execute();
      return events.length;
    });
  }
  return added;
}

export interface DueWebhook {
  id: number;
  url: string;
  attempts: number;
  uid: string;
  type: string;
  data: string;
  createdAt: string;
}

/**
 * Claims webhook deliveries that are due: their next try is moved `leaseMs` ahead in the same
 * statement, so another process does not take them meanwhile (and a process that dies mid-request
 * leaves them to be tried again then).
 */
export async function claimDueWebhooks(db: Db, now: Date, leaseMs: number, limit = 20): Promise<DueWebhook[]> {
  const at = now.toISOString();
  const claimed = await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({ next_at: new Date(now.getTime() + leaseMs).toISOString(), attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_at', '<=', at)
        .orderBy('id')
        .limit(limit),
    )
    .where('status', '=', 'pending')
    .where('next_at', '<=', at)
    .returning(['id', 'url', 'attempts', 'event_id'])
    .execute();
  if (claimed.length === 0) return [];
  const events = await db
    .selectFrom('events')
    .select(['id', 'uid', 'type', 'data', 'created_at'])
    .where(
      'id',
      'in',
      claimed.map((c) => c.event_id),
    )
    .execute();
  const byId = new Map(events.map((e) => [e.id, e]));
  return claimed
    .sort((a, b) => a.id - b.id)
    .flatMap((c) => {
      const e = byId.get(c.event_id);
      return e
        ? [
            {
              id: c.id,
              url: c.url,
              attempts: c.attempts,
              uid: e.uid,
              type: e.type,
              data: e.data,
              createdAt: e.created_at,
            },
          ]
        : [];
    });
}

/** What a try came to: answered 2xx, to be tried again at `nextAt`, or out of tries. */
export type WebhookOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; status: number | null; error: string; nextAt: Date }
  | { kind: 'failed'; status: number | null; error: string };

export async function settleWebhook(db: Db, id: number, o: WebhookOutcome): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({
      status: o.kind === 'retry' ? 'pending' : o.kind,
      last_status: o.status,
      last_error: o.kind === 'delivered' ? null : o.error.slice(0, 500),
      ...(o.kind === 'retry' ? { next_at: o.nextAt.toISOString() } : {}),
      updated_at: nowIso(),
    })
    .where('id', '=', id)
    .execute();
}

export interface WebhookRow {
  url: string;
  type: string;
  uid: string;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAt: string;
  updatedAt: string;
}

/** The newest webhook deliveries, for the admin. */
export async function recentWebhooks(db: Db, limit = 50): Promise<WebhookRow[]> {
  const rows = await db
    .selectFrom('webhook_deliveries as w')
    .innerJoin('events as e', 'e.id', 'w.event_id')
    .select([
      'w.url',
      'e.type',
      'e.uid',
      'w.status',
      'w.attempts',
      'w.last_status',
      'w.last_error',
      'w.next_at',
      'w.updated_at',
    ])
    .orderBy('w.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    url: r.url,
    type: r.type,
    uid: r.uid,
    status: r.status,
    attempts: r.attempts,
    lastStatus: r.last_status,
    lastError: r.last_error,
    nextAt: r.next_at,
    updatedAt: r.updated_at,
  }));
}
