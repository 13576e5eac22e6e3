import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isPaperboyError, PaperboyError } from '../errors.js';
import { recordBounce } from '../store/bounces.js';
import type { Db } from '../store/db.js';
import {
  type ClaimedDelivery,
  claimBatch,
  deferDelivery,
  recordAttempt,
  releaseDelivery,
} from '../store/deliveries.js';
import { withStoreRetry } from '../store/retry.js';
import { sendableAsStored } from '../subscribers/email.js';
import { MessageBuffers } from './assemble.js';
import { ClaimQueue } from './claim-queue.js';
import { ledgerWriter } from './ledger-writer.js';
import { buildMessageOffThread, type MessageContent, type MessageSettings } from './message.js';
import { type Pacer, unlimited } from './pacer.js';
import { backoffMs, classifyFailure, failureText, RejectStreak, refusedHint, softBounceCounts } from './retry.js';
import type { SmtpError, Transport } from './transport.js';

/** Edition contents kept in memory by one send loop. */
const EDITIONS_KEPT = 256;

export interface SendLoopOptions {
  db: Db;
  digestId: number;
  digestDate: string;
  /** The digest's own content: for rows without an edition. */
  content: MessageContent;
  /** An edition's content (loaded once per edition per run). */
  contentFor: (editionId: number) => Promise<MessageContent>;
  settings: MessageSettings;
  transport: Transport;
  log: Logger;
  /** The SMTP pool size: messages on the wire at once. */
  concurrency: number;
  /** Retries of a 4xx or a dropped connection before the delivery is given up. */
  retries: number;
  retryDelayMs: number;
  /**
   * How long a delivery the receiving server keeps deferring stays pending for later passes once a
   * pass's retries are spent (ms since its first such deferral); 0: it fails then.
   */
  deferLimitMs?: number;
  /** Soft bounces in a row that make an address bounced. */
  softBounceLimit: number;
  /** Deliveries claimed at a time: the unit of work (keyset: each batch starts after the last id of the one before). */
  batchSize?: number;
  /** A worker's range of ledger ids: (afterId, throughId]. None: the whole digest. */
  range?: { afterId: number; throughId: number };
  /** No new batch is claimed after this time (ms since the epoch): a worker's job ends in time. */
  claimUntil?: number;
  /** The rate limit (PAPERBOY_RATE_LIMIT): every attempt takes a slot. */
  pacer?: Pacer;
  /** Called after each settled delivery. */
  onProgress?: (outcome: 'sent' | 'failed' | 'skipped') => void;
  /** Checked before each message: true stops the loop, leaving the rest pending (lock lost, shutting down). */
  shouldStop?: () => boolean;
  /** Checked before each message: while true, no message is handed over (the send lock is not safe). */
  shouldWait?: () => boolean;
}

export interface LoopTally {
  sent: number;
  failed: number;
  skipped: number;
  /** The last ledger id claimed (a worker whose time ran out continues after it). */
  lastId?: number;
}

/** Why a send stopped: the relay refused, the ledger could not be written, or a sender failed. */
type Halt = Error;

/**
 * Sends every pending delivery of a digest, batch by batch, from the ledger. The ledger, not this
 * loop, says what is done: a delivery is marked `sending` before it is handed to the transport and
 * `sent` right after the server accepted it, so a crash leaves at most the in-flight ones to go again
 * (with the same Message-ID). Once anything stops the send, no sender hands over another message,
 * and the loop returns (or throws why) only when every sender has finished the one it had.
 */
export async function sendPending(o: SendLoopOptions): Promise<LoopTally> {
  const tally: LoopTally = { sent: 0, failed: 0, skipped: 0 };
  const ledger = ledgerWriter(o.db);
  const slots = semaphore(o.concurrency);
  const debug = o.log.isLevelEnabled('debug');
  // One buffer per sender (twice the connections, below): a message is assembled into a spare one.
  const buffers = new MessageBuffers(o.concurrency * 2);
  const pace = o.pacer ?? unlimited;
  const deferLimitMs = o.deferLimitMs ?? 0;
  /** Store writes ride out a locked or restarting store for a minute (every one of them is idempotent). */
  const store = <T>(what: string, fn: () => Promise<T>) => withStoreRetry(fn, { log: o.log, what });

  let halt: Halt | null = null;
  /** The send stops (the first reason counts): no further message is handed over. */
  const stopSend = (why: Halt) => {
    halt ??= why;
  };
  const stopped = () => halt !== null || o.shouldStop?.() === true;
  /** The relay cannot take this send. */
  const relayStops = (what: string, hint: string) =>
    stopSend(new PaperboyError('ESEND', `${o.transport.description} ${what}`, { hint }));

  const settle = async (d: ClaimedDelivery, outcome: 'sent' | 'failed' | 'skipped', error: string | null) => {
    await store(`record the ${outcome === 'sent' ? 'sent message' : `${outcome} delivery`} to ${d.email}`, () =>
      ledger.settle({
        id: d.id,
        status: outcome,
        error,
        ...(outcome === 'sent' && d.softBounces > 0 ? { resetSoftBounces: d.subscriberId } : {}),
      }),
    );
    tally[outcome]++;
    o.onProgress?.(outcome);
  };
  const release = (d: ClaimedDelivery, error: string | null, due?: number) =>
    store('put back an unsent delivery', () =>
      releaseDelivery(o.db, d.id, error, due === undefined ? undefined : new Date(due).toISOString()),
    );

  /**
   * Records a bounce of the reader's address: `hard` for a 5xx about the address (no such mailbox;
   * classifyFailure tells it from a refusal of the message, which is no bounce), `soft` for a 4xx
   * about the address that outlived the retries.
   */
  const bounce = async (d: ClaimedDelivery, kind: 'hard' | 'soft', err: SmtpError, text: string) => {
    const outcome = await store(`record the bounce of ${d.email}`, () =>
      recordBounce(
        o.db,
        {
          subscriberId: d.subscriberId,
          deliveryId: d.id,
          kind,
          source: 'smtp',
          status: String(err.responseCode ?? ''),
          detail: text,
          // One per delivery: recording it again (a retried write) changes nothing.
          dedupeKey: `smtp:${d.id}`,
        },
        o.softBounceLimit,
      ),
    );
    o.log.warn(
      { event: 'delivery.failed', digest_date: o.digestDate, to: d.email, reply: text, bounce: kind, outcome },
      outcome === 'bounced' ? `${d.email} bounced (${kind}): no further digests` : `${d.email}: ${kind} bounce`,
    );
  };

  /**
   * Refusals (5xx) and deferrals that outlived their retries, both not about the address, in a row:
   * across domains they mean the relay refuses every message. The send stops, and every delivery
   * this run failed so (the first 10,000) goes back to pending with the rest.
   */
  const rejects = new RejectStreak();
  const refusedThisRun: number[] = [];
  const streakTrips = async (d: ClaimedDelivery, what: string, text: string) => {
    if (!rejects.add(d.email)) return;
    relayStops(
      `${what} ${rejects.length} messages in a row: ${text}`,
      "the relay refuses these messages for every reader (relaying, policy or content): check its log and PAPERBOY_SMTP_URL's login; the refused deliveries are pending again and go with the next send",
    );
    const ids = refusedThisRun.splice(0);
    for (const id of ids) await store('put back a refused delivery', () => releaseDelivery(o.db, id, text));
    tally.failed -= ids.length;
  };
  /** A 5xx to this message that is not about the address (policy, content, relaying): no bounce. */
  const rejected = async (d: ClaimedDelivery, text: string) => {
    if (halt) {
      await release(d, text);
      return;
    }
    await settle(d, 'failed', text);
    o.log.warn(
      { event: 'delivery.rejected', digest_date: o.digestDate, to: d.email, reply: text },
      `${d.email}: the relay refused this message (not a bounce)`,
    );
    if (halt) {
      // The streak tripped while this one was being recorded.
      await release(d, text);
      tally.failed--;
      return;
    }
    if (refusedThisRun.length < 10_000) refusedThisRun.push(d.id);
    await streakTrips(d, 'refused', text);
  };

  /** Attempts of a deferred delivery in this pass. */
  const deferrals = new Map<number, number>();
  /**
   * A 4xx to the recipient or the message: the receiving server asks to try again later (greylisting,
   * a full mailbox, a busy system). Within the pass the delivery is parked and tried again with
   * backoff, holding no sender; past the retries it stays pending for a later pass of the send (not
   * claimed before then) until `deferLimitMs` after its first such deferral, and only then fails.
   */
  const deferred = async (d: ClaimedDelivery, err: SmtpError, text: string) => {
    const n = (deferrals.get(d.id) ?? 0) + 1;
    if (n <= o.retries && !halt) {
      deferrals.set(d.id, n);
      await store('count a retry', () => recordAttempt(o.db, d.id, text));
      const wait = backoffMs(n, o.retryDelayMs);
      o.log.info(
        { event: 'delivery.deferred', digest_date: o.digestDate, to: d.email, reply: text, attempt: n },
        `${d.email}: deferred by the receiving server (${text}); tried again in ${wait} ms`,
      );
      queue.park(d, Date.now() + wait);
      return;
    }
    deferrals.delete(d.id);
    const outlived = `${text} (after ${n} attempts)`;
    const aboutAddress = softBounceCounts(err);
    const since = d.deferredSince ?? new Date().toISOString();
    if (halt || Date.now() - Date.parse(since) < deferLimitMs) {
      // Doubling from pass to pass: as long again as it has been deferred, a minute at least (a
      // greylisting server wants a few), an hour at most.
      const due = Date.now() + Math.min(3_600_000, Math.max(60_000, Date.now() - Date.parse(since)));
      await store('defer a delivery', () => deferDelivery(o.db, d.id, outlived, new Date(due).toISOString(), since));
      o.log.warn(
        { event: 'delivery.deferred', digest_date: o.digestDate, to: d.email, reply: text, not_before: due },
        `${d.email}: still deferred by the receiving server (${outlived}); pending, tried again from ${new Date(due).toISOString().slice(11, 19)} UTC`,
      );
      if (!aboutAddress && !halt) await streakTrips(d, 'deferred', outlived);
      return;
    }
    if (aboutAddress) {
      await settle(d, 'failed', outlived);
      await bounce(d, 'soft', err, text);
      return;
    }
    // Deferred for policy or by the system, not for the address: no soft bounce.
    await rejected(d, outlived);
  };

  // Loaded once per edition; readers with their own editions (one each) must not fill the heap, so
  // only the most recent are kept (shared editions come back often and stay).
  const editions = new Map<number, Promise<MessageContent>>();
  const editionContentCached = (id: number) => {
    let c = editions.get(id);
    if (c) {
      editions.delete(id);
      editions.set(id, c);
    } else {
      c = o.contentFor(id);
      editions.set(id, c);
      if (editions.size > EDITIONS_KEPT) editions.delete(editions.keys().next().value as number);
    }
    return c;
  };

  const sendOne = async (d: ClaimedDelivery): Promise<void> => {
    if (d.subscriberStatus !== 'active') {
      await settle(d, 'skipped', `subscriber is ${d.subscriberStatus}`);
      return;
    }
    if (d.pausedUntil && d.pausedUntil > new Date().toISOString()) {
      await settle(d, 'skipped', `subscriber paused until ${d.pausedUntil.slice(0, 10)}`);
      return;
    }
    if (!sendableAsStored(d.email)) {
      await settle(d, 'failed', 'a quoted local part cannot be sent exactly as stored; correct the address');
      return;
    }
    // With a DKIM key, the RSA signature is made in libuv's pool: this sender waits for it while
    // the others' messages go out.
    const message = await buildMessageOffThread(
      d.editionId === null ? o.content : await editionContentCached(d.editionId),
      {
        subscriberId: d.subscriberId,
        email: d.email,
        name: d.name,
        messageId: d.messageId,
        digestDate: o.digestDate,
        deliveryId: d.id,
      },
      o.settings,
      buffers,
    );
    let failure: SmtpError | null;
    try {
      failure = await attempt(d, message);
    } finally {
      // The transport is done with the bytes (sent, failed or given up on): the next message uses them.
      buffers.give(message.raw as Buffer);
    }
    if (failure) await failed(d, failure);
  };

  /**
   * Hands the message over and records the outcome. A connection's slot is held from the hand-over
   * until the ledger has the outcome: at any moment at most `concurrency` messages are on the wire or
   * accepted-but-unrecorded, which is all a crash can send twice. Returns the transport's error, if any.
   */
  const attempt = async (d: ClaimedDelivery, message: Parameters<Transport['send']>[0]) => {
    for (let tries = 1; ; tries++) {
      const give = await slots.acquire();
      let error: SmtpError | null = null;
      try {
        if (!stopped()) await pace.acquire();
        if (stopped()) {
          // The send stopped while this message waited for its connection: it is not tried, and
          // goes in a later run.
          await release(d, null);
          return null;
        }
        try {
          await o.transport.send(message);
        } catch (e) {
          error = e as SmtpError;
        }
        if (!error) {
          await recordSent(d);
          rejects.clear();
          if (debug) o.log.debug({ event: 'delivery.sent', digest_date: o.digestDate, delivery_id: d.id }, 'sent');
          return null;
        }
      } finally {
        give();
      }
      if (classifyFailure(error) !== 'connection') return error;
      if (tries > o.retries) {
        // The relay itself is unreachable: nothing is wrong with this address. Leave it pending for the next run.
        relayStops(
          `${error.responseCode === undefined ? 'is unreachable' : 'did not take the message'}: ${failureText(error)}`,
          'deliveries not yet sent stay pending; run the send again when the server is back',
        );
        await release(d, failureText(error));
        return null;
      }
      await store('count a retry', () => recordAttempt(o.db, d.id, failureText(error as SmtpError)));
      o.log.info(
        { event: 'delivery.retry', digest_date: o.digestDate, to: d.email, reply: failureText(error), attempt: tries },
        'retry',
      );
      await sleep(backoffMs(tries, o.retryDelayMs));
    }
  };

  /**
   * The relay accepted the message: it must never go again in this run. A ledger that cannot take
   * the outcome is tried again for a minute (the outcome kept here meanwhile); then the send stops.
   */
  const recordSent = async (d: ClaimedDelivery) => {
    try {
      await settle(d, 'sent', null);
    } catch (err) {
      tally.sent++;
      stopSend(
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
  };

  /** A reply about this recipient or this message (or the relay's refusal of the whole send). */
  const failed = async (d: ClaimedDelivery, err: SmtpError) => {
    const kind = classifyFailure(err);
    const text = failureText(err);
    if (kind === 'permanent') {
      await settle(d, 'failed', text);
      await bounce(d, 'hard', err, text);
    } else if (kind === 'rejected') {
      await rejected(d, text);
    } else if (kind === 'temporary') {
      await deferred(d, err, text);
    } else {
      // 'refused': a setting is wrong (login, sender, the outbox's disk): every message would be
      // refused alike. Nothing is wrong with this address: it stays pending, and the send stops
      // with what to fix.
      if (isPaperboyError(err)) stopSend(err);
      else relayStops(`refused the send: ${text}`, refusedHint(err));
      await release(d, text);
    }
  };

  const batchSize = o.batchSize ?? 200;
  const queue = new ClaimQueue({
    claim: (afterId) =>
      store('claim deliveries', () => claimBatch(o.db, o.digestId, batchSize, afterId, o.range?.throughId)),
    afterId: o.range?.afterId ?? 0,
    // Twice as many senders as connections (below), two messages each in reserve.
    low: o.concurrency * 4,
    claimUntil: o.claimUntil,
    stopped,
    hold: o.shouldWait,
  });
  // Twice as many senders as connections: while one holds a connection's slot, the next has its
  // message assembled and waits for the slot, so a connection hardly waits for paperboy.
  const sender = async () => {
    try {
      for (let d = await queue.next(); d; d = await queue.next()) await sendOne(d);
    } catch (err) {
      // Whatever failed (a store write that outlasted its retries, a bug): every sender stops.
      stopSend(err as Error);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency * 2 }, sender));
  // Claimed but not sent (the send stopped, or a worker's time ran out): back to pending.
  try {
    for (const { d, due } of await queue.leftovers()) await release(d, null, due ?? undefined);
  } catch (err) {
    // They stay `sending`; the next send puts them back (on SQLite at once, on PostgreSQL after the expiry).
    o.log.error(
      { event: 'digest.send.release_failed', digest_date: o.digestDate, err: (err as Error).message },
      `claimed deliveries could not be put back: ${(err as Error).message}`,
    );
    stopSend(err as Error);
  }
  if (halt) throw halt;
  return { ...tally, lastId: queue.lastId };
}

/** At most `n` holders at once; `acquire` resolves with the function that gives the place back. */
function semaphore(n: number): { acquire(): Promise<() => void> } {
  let free = n;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  return {
    async acquire() {
      if (free > 0) free--;
      else await new Promise<void>((r) => waiting.push(r));
      return release;
    },
  };
}
