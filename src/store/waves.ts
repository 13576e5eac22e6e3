import { sql } from 'kysely';
import type { IsoDate } from '../domain.js';
import type { Db } from './db.js';

/** A digest with deliveries due now. */
export interface DueDigest {
  id: number;
  date: IsoDate;
}

/** A claim older than this whose row is still `sending` was left by a send that died. */
export const STALE_CLAIM_MS = 10 * 60_000;

/**
 * The digests with deliveries due at `now` (ISO), oldest date first: pending rows whose
 * `not_before` is null or has come, and rows a send that died left `sending` (claimed more than
 * STALE_CLAIM_MS ago: a run requeues them). With `since` (ISO), only rows whose wave came at or
 * after it (a row planned before waves, `due_at` null, was due when it was planned) or that a
 * receiving server deferred (they have a limit of their own). Digests an admin paused or cancelled
 * are left to the admin. Per digest, a lookup in the partial index of open rows (migration 0009).
 */
export async function dueDates(db: Db, now: string, since?: string): Promise<DueDigest[]> {
  const rows = await dueDatesQuery(db, now, since).execute();
  return rows.map((r) => ({ id: r.id, date: r.date }));
}

/** The query of `dueDates`, apart for its plan to be read (`EXPLAIN QUERY PLAN`). */
export function dueDatesQuery(db: Db, now: string, since?: string) {
  const stale = new Date(Date.parse(now) - STALE_CLAIM_MS).toISOString();
  return db
    .selectFrom('digests')
    .select(['digests.id', 'digests.date'])
    .where('digests.control', '=', 'run')
    .where((eb) => {
      // One `exists` per status, each on `status = …` alone: SQLite then proves the partial index's
      // condition and searches it by (digest_id, status); an `or` of both statuses scans every row.
      const open = (status: 'pending' | 'sending') =>
        eb.exists(
          eb
            .selectFrom('deliveries')
            .select(sql.lit(1).as('one'))
            .whereRef('deliveries.digest_id', '=', 'digests.id')
            .where('deliveries.status', '=', status)
            .where((d) =>
              status === 'pending'
                ? d.or([d('deliveries.not_before', 'is', null), d('deliveries.not_before', '<=', now)])
                : d('deliveries.updated_at', '<', stale),
            )
            .$if(since !== undefined, (q) =>
              q.where((d) =>
                d.or([
                  d('deliveries.deferred_since', 'is not', null),
                  d(d.fn.coalesce('deliveries.due_at', 'deliveries.created_at'), '>=', since ?? ''),
                ]),
              ),
            ),
        );
      return eb.or([open('pending'), open('sending')]);
    })
    .orderBy('digests.date');
}

/** "6 h", "90 min": a catch-up window as the setting's note says it. */
export function catchUpText(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${Math.round(ms / 60_000)} min`;
}

/**
 * How long after its due time a wave is still sent: PAPERBOY_CATCHUP, but never less than two
 * quarter hours. The scheduler wakes every 15 minutes, so a wave due at 17:10 is sent at 17:15; with
 * PAPERBOY_CATCHUP of 0 or 5 minutes it would otherwise count as missed by a running paperboy.
 */
export function waveWindow(catchUpMs: number): number {
  return Math.max(catchUpMs, 30 * 60_000);
}

/**
 * Marks skipped the deliveries of a digest whose wave was missed by more than `catchUpMs` (pending,
 * `due_at` before `now` - catchUpMs, never deferred: a deferral has its own limit), each with the
 * time its wave was due (the window is at least `waveWindow`). Rows planned before waves (`due_at`
 * null) are left alone. Returns how many.
 */
export async function skipMissedWaves(db: Db, digestId: number, now: number, catchUpMs: number): Promise<number> {
  const cutoff = new Date(now - waveWindow(catchUpMs)).toISOString();
  const tail = ` UTC): paperboy was not running; PAPERBOY_CATCHUP is ${catchUpText(catchUpMs)}`;
  const res = await db
    .updateTable('deliveries')
    .set({
      status: 'skipped',
      claimed_by: null,
      updated_at: new Date(now).toISOString(),
      // "missed its wave (due 2026-12-02 17:00 UTC): …", from the row's own due_at.
      last_error: sql<string>`cast(${'missed its wave (due '} as text) || substr(due_at, 1, 10) || ' ' || substr(due_at, 12, 5) || cast(${tail} as text)`,
    })
    .where('digest_id', '=', digestId)
    .where('status', '=', 'pending')
    .where('due_at', 'is not', null)
    .where('due_at', '<', cutoff)
    .where('deferred_since', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/**
 * How many pending deliveries of a digest wait for their wave at `now` (ISO): due later, never
 * deferred. A send that leaves only these is not unfinished: the scheduler's wake-ups send them.
 */
export async function waitingCount(db: Db, digestId: number, now: string): Promise<number> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('digest_id', '=', digestId)
    .where('status', '=', 'pending')
    .where('due_at', '>', now)
    .where('deferred_since', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** One wave of a digest: the deliveries due within one hour (UTC). */
export interface WaveCount {
  /** The hour, ISO UTC ("2026-12-02T17"). */
  hour: string;
  due: number;
  sent: number;
  /** Pending or in flight. */
  pending: number;
  /** Failed or skipped. */
  failed: number;
}

/**
 * A digest's deliveries by the hour (UTC) their wave is due, in time order; rows planned before
 * waves (`due_at` null) count as due at `release` (ISO). Feed-only rows are no email: left out.
 */
export async function waveCounts(db: Db, digestId: number, release: string): Promise<WaveCount[]> {
  const hour = sql<string>`substr(coalesce(due_at, cast(${release} as text)), 1, 13)`;
  const count = (statuses: string[]) =>
    sql<number | string>`sum(case when status in (${sql.join(statuses.map((s) => sql.lit(s)))}) then 1 else 0 end)`;
  const rows = await db
    .selectFrom('deliveries')
    .select([
      hour.as('hour'),
      (eb) => eb.fn.countAll<number | string>().as('due'),
      count(['sent']).as('sent'),
      count(['pending', 'sending']).as('pending'),
      count(['failed', 'skipped']).as('failed'),
    ])
    .where('digest_id', '=', digestId)
    .where('status', '<>', 'feed')
    // By position: PostgreSQL sees the hour written twice with its parameter as two expressions.
    .groupBy(sql`1`)
    .orderBy(sql`1`)
    .execute();
  return rows.map((r) => ({
    hour: r.hour,
    due: Number(r.due),
    sent: Number(r.sent),
    pending: Number(r.pending),
    failed: Number(r.failed),
  }));
}
