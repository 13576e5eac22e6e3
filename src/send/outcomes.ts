import type { Logger } from 'pino';
import { PaperboyError } from '../errors.js';
import { recordBounce } from '../store/bounces.js';
import type { Db } from '../store/db.js';
import type { ClaimedDelivery } from '../store/delivery-claims.js';
import { deferDelivery, recordAttempt, releaseDelivery } from '../store/delivery-settle.js';
import { withStoreRetry } from '../store/retry.js';
import type { DeliveryRef, Outcome, SendEvents } from './events.js';
import type { Decision } from './failure-policy.js';
import { ledgerWriter } from './ledger-writer.js';
import { RejectStreak } from './reject-streak.js';
import type { SmtpError } from './transport.js';

export interface LoopTally {
  sent: number;
  failed: number;
  skipped: number;
  /** The last ledger id claimed (a worker whose time ran out continues after it). */
  lastId?: number;
}

/** Refused deliveries of a run put back to pending when the reject streak trips (the first this many). */
const REFUSED_KEPT = 10_000;

/**
 * What a send loop does with each delivery's outcome: writes it to the ledger (every write rides
 * out a locked or restarting store for a minute; each is idempotent), counts it, tells the event
 * stream, and keeps why the send stopped (the first reason counts).
 */
export class Outcomes {
  readonly tally: LoopTally = { sent: 0, failed: 0, skipped: 0 };
  /** Why the send stopped: the relay refused, the ledger could not be written, or a sender failed. */
  halt: Error | null = null;
  readonly #ledger;
  readonly #rejects = new RejectStreak();
  readonly #refusedThisRun: number[] = [];

  constructor(private readonly o: { db: Db; log: Logger; digestDate: string; events: SendEvents; relay: string }) {
    this.#ledger = ledgerWriter(o.db);
  }

  store<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withStoreRetry(fn, { log: this.o.log, what });
  }

  ref(d: ClaimedDelivery): DeliveryRef {
    return { digestDate: this.o.digestDate, deliveryId: d.id, email: d.email };
  }

  /** The send stops (the first reason counts): no further message is handed over. */
  stop(why: Error): void {
    if (this.halt) return;
    this.halt = why;
    this.o.events.emit({ type: 'send.stopped', digestDate: this.o.digestDate, error: why });
  }

  /** The relay cannot take this send. */
  relayStops(what: string, hint: string): void {
    this.stop(new PaperboyError('ESEND', `${this.o.relay} ${what}`, { hint }));
  }

  async settle(d: ClaimedDelivery, outcome: Outcome, error: string | null): Promise<void> {
    await this.store(`record the ${outcome === 'sent' ? 'sent message' : `${outcome} delivery`} to ${d.email}`, () =>
      this.#ledger.settle({
        id: d.id,
        status: outcome,
        error,
        ...(outcome === 'sent' && d.softBounces > 0 ? { resetSoftBounces: d.subscriberId } : {}),
      }),
    );
    this.tally[outcome]++;
    this.o.events.emit({ type: 'delivery.settled', outcome, error, ...this.ref(d) });
  }

  /**
   * The relay accepted the message: it must never go again in this run. A ledger that cannot take
   * the outcome is tried again for a minute (the outcome kept here meanwhile); then the send stops.
   */
  async sent(d: ClaimedDelivery): Promise<void> {
    try {
      await this.settle(d, 'sent', null);
    } catch (err) {
      this.tally.sent++;
      this.stop(
        new PaperboyError(
          'ESTORE',
          `the relay accepted the message to ${d.email} but the ledger could not record it: ${(err as Error).message}`,
          {
            hint: 'the send stopped so that nothing is sent twice; deliveries not recorded go again with the same Message-ID when the send runs again, once the store answers (SQLite: no other process holding it locked; PostgreSQL: the server up)',
            cause: err,
          },
        ),
      );
    }
    this.#rejects.clear();
  }

  /** Back to pending: not sent, it goes in a later run (not before `due`, ms since the epoch, when given). */
  release(d: ClaimedDelivery, error: string | null, due?: number): Promise<void> {
    return this.store('put back an unsent delivery', () =>
      releaseDelivery(this.o.db, d.id, error, due === undefined ? undefined : new Date(due).toISOString()),
    );
  }

  /** Counts a further attempt of a delivery tried again within the pass. */
  attempted(d: ClaimedDelivery, reply: string): Promise<void> {
    return this.store('count a retry', () => recordAttempt(this.o.db, d.id, reply));
  }

  /**
   * Records a bounce of the reader's address: `hard` for a 5xx about the address (no such mailbox;
   * classifyFailure tells it from a refusal of the message, which is no bounce), `soft` for a 4xx
   * about the address that outlived the retries.
   */
  async bounce(d: ClaimedDelivery, kind: 'hard' | 'soft', err: SmtpError, reply: string, softBounceLimit: number) {
    const outcome = await this.store(`record the bounce of ${d.email}`, () =>
      recordBounce(
        this.o.db,
        {
          subscriberId: d.subscriberId,
          deliveryId: d.id,
          kind,
          source: 'smtp',
          status: String(err.responseCode ?? ''),
          detail: reply,
          // One per delivery: recording it again (a retried write) changes nothing.
          dedupeKey: `smtp:${d.id}`,
        },
        softBounceLimit,
      ),
    );
    this.o.events.emit({ type: 'delivery.bounced', bounce: kind, reply, outcome, ...this.ref(d) });
  }

  /** A 5xx to this message that is not about the address (policy, content, relaying): no bounce. */
  async rejected(d: ClaimedDelivery, reply: string): Promise<void> {
    if (this.halt) {
      await this.release(d, reply);
      return;
    }
    await this.settle(d, 'failed', reply);
    this.o.events.emit({ type: 'delivery.rejected', reply, ...this.ref(d) });
    if (this.halt) {
      // The streak tripped while this one was being recorded.
      await this.release(d, reply);
      this.tally.failed--;
      return;
    }
    if (this.#refusedThisRun.length < REFUSED_KEPT) this.#refusedThisRun.push(d.id);
    await this.streak(d, 'refused', reply);
  }

  /** Pending for a later pass of the send (the decision's `defer`), told to the event stream. */
  async deferred(d: ClaimedDelivery, reply: string, outlived: string, decision: Extract<Decision, { do: 'defer' }>) {
    const { notBefore, since } = decision;
    await this.store('defer a delivery', () =>
      deferDelivery(this.o.db, d.id, outlived, new Date(notBefore).toISOString(), since),
    );
    this.o.events.emit({ type: 'delivery.deferred', reply, outlived, notBefore, ...this.ref(d) });
    if (decision.streak && !this.halt) await this.streak(d, 'deferred', outlived);
  }

  /**
   * Refusals (5xx) and deferrals that outlived their retries, both not about the address, in a row:
   * across domains they mean the relay refuses every message. The send stops, and every delivery
   * this run failed so (the first 10,000) goes back to pending with the rest.
   */
  private async streak(d: ClaimedDelivery, what: string, reply: string): Promise<void> {
    if (!this.#rejects.add(d.email)) return;
    this.relayStops(
      `${what} ${this.#rejects.length} messages in a row: ${reply}`,
      "the relay refuses these messages for every reader (relaying, policy or content): check its log and PAPERBOY_SMTP_URL's login; the refused deliveries are pending again and go with the next send",
    );
    const ids = this.#refusedThisRun.splice(0);
    for (const id of ids) await this.store('put back a refused delivery', () => releaseDelivery(this.o.db, id, reply));
    this.tally.failed -= ids.length;
  }
}
