import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { now } from '../clock.js';
import { isPaperboyError } from '../errors.js';
import type { Db } from '../store/db.js';
import { type ClaimedDelivery, claimBatch } from '../store/delivery-claims.js';
import { sendableAsStored } from '../subscribers/email.js';
import { MessageBuffers } from './assemble.js';
import { ClaimQueue } from './claim-queue.js';
import { editionCache } from './edition-cache.js';
import type { SendEvents } from './events.js';
import { type Decision, decide } from './failure-policy.js';
import { buildMessageOffThread, type MessageSettings } from './message.js';
import type { MessageContent } from './message-content.js';
import { type LoopTally, Outcomes } from './outcomes.js';
import { type Pacer, unlimited } from './pacer.js';
import { semaphore } from './semaphore.js';
import { failureText, refusedHint } from './smtp-reply.js';
import type { SmtpError, Transport } from './transport.js';

export type { LoopTally } from './outcomes.js';

/** How a sender sends, the same for every send of a process (senderOptions builds it from the config). */
export interface SendSettings {
  db: Db;
  log: Logger;
  settings: MessageSettings;
  transport: Transport;
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
}

export interface SendLoopOptions extends SendSettings {
  digestId: number;
  digestDate: string;
  /** The digest's own content: for rows without an edition. */
  content: MessageContent;
  /** An edition's content (loaded once per edition per run). */
  contentFor: (editionId: number) => Promise<MessageContent>;
  /** Where the loop tells what it does (settled, retried, deferred, bounced, stopped …). */
  events: SendEvents;
  /** Deliveries claimed at a time: the unit of work (keyset: each batch starts after the last id of the one before). */
  batchSize?: number;
  /** A worker's range of ledger ids: (afterId, throughId]. None: the whole digest. */
  range?: { afterId: number; throughId: number };
  /** No new batch is claimed after this time (ms since the epoch): a worker's job ends in time. */
  claimUntil?: number;
  /** The rate limit (PAPERBOY_RATE_LIMIT): every attempt takes a slot. */
  pacer?: Pacer;
  /** Checked before each message: true stops the loop, leaving the rest pending (lock lost, shutting down). */
  shouldStop?: () => boolean;
  /** Checked before each message: while true, no message is handed over (the send lock is not safe). */
  shouldWait?: () => boolean;
}

/**
 * Sends every pending delivery of a digest, batch by batch, from the ledger. The ledger, not this
 * loop, says what is done: a delivery is marked `sending` before it is handed to the transport and
 * `sent` right after the server accepted it, so a crash leaves at most the in-flight ones to go again
 * (with the same Message-ID). Once anything stops the send, no sender hands over another message,
 * and the loop returns (or throws why) only when every sender has finished the one it had.
 */
export async function sendPending(o: SendLoopOptions): Promise<LoopTally> {
  const out = new Outcomes({
    db: o.db,
    log: o.log,
    digestDate: o.digestDate,
    events: o.events,
    relay: o.transport.description,
  });
  const slots = semaphore(o.concurrency);
  // One buffer per sender (twice the connections, below): a message is assembled into a spare one.
  const buffers = new MessageBuffers(o.concurrency * 2);
  const pace = o.pacer ?? unlimited;
  const stopped = () => out.halt !== null || o.shouldStop?.() === true;
  const editionContent = editionCache(o.contentFor);
  /** Attempts of a deferred delivery in this pass. */
  const deferrals = new Map<number, number>();
  const decideFor = (d: ClaimedDelivery, err: SmtpError, tries: number) =>
    decide(err, {
      tries,
      deferrals: deferrals.get(d.id) ?? 0,
      deferredSince: d.deferredSince,
      halted: out.halt !== null,
      retries: o.retries,
      retryDelayMs: o.retryDelayMs,
      deferLimitMs: o.deferLimitMs ?? 0,
      now: now(),
    });

  const sendOne = async (d: ClaimedDelivery): Promise<void> => {
    if (d.subscriberStatus !== 'active') {
      await out.settle(d, 'skipped', `subscriber is ${d.subscriberStatus}`);
      return;
    }
    if (d.pausedUntil && d.pausedUntil > new Date(now()).toISOString()) {
      await out.settle(d, 'skipped', `subscriber paused until ${d.pausedUntil.slice(0, 10)}`);
      return;
    }
    if (!sendableAsStored(d.email)) {
      await out.settle(d, 'failed', 'a quoted local part cannot be sent exactly as stored; correct the address');
      return;
    }
    // With a DKIM key, the RSA signature is made in libuv's pool: this sender waits for it while
    // the others' messages go out.
    const message = await buildMessageOffThread(
      d.editionId === null ? o.content : await editionContent(d.editionId),
      {
        subscriberId: d.subscriberId,
        email: d.email,
        name: d.name,
        messageId: d.messageId,
        digestDate: o.digestDate,
        deliveryId: d.id,
        feedVersion: d.feedVersion,
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
          await out.release(d, null);
          return null;
        }
        try {
          await o.transport.send(message);
        } catch (e) {
          error = e as SmtpError;
        }
        if (!error) {
          await out.sent(d);
          return null;
        }
      } finally {
        give();
      }
      const decision = decideFor(d, error, tries);
      if (decision.do === 'stop' && decision.why === 'unreachable') {
        // The relay itself is unreachable: nothing is wrong with this address. Leave it pending for the next run.
        out.relayStops(
          `${error.responseCode === undefined ? 'is unreachable' : 'did not take the message'}: ${failureText(error)}`,
          'deliveries not yet sent stay pending; run the send again when the server is back',
        );
        await out.release(d, failureText(error));
        return null;
      }
      if (decision.do !== 'retry' || decision.cause !== 'connection') return error;
      const reply = failureText(error);
      await out.attempted(d, reply);
      o.events.emit({
        type: 'delivery.retried',
        cause: 'connection',
        reply,
        attempt: tries,
        waitMs: decision.waitMs,
        ...out.ref(d),
      });
      await sleep(decision.waitMs);
    }
  };

  /** A reply about this recipient or this message (or the relay's refusal of the whole send). */
  const failed = async (d: ClaimedDelivery, err: SmtpError) => {
    const decision: Decision = decideFor(d, err, 1);
    const text = failureText(err);
    const outlived =
      decision.do !== 'retry' && 'attempt' in decision ? `${text} (after ${decision.attempt} attempts)` : text;
    if (decision.do !== 'retry') deferrals.delete(d.id);
    switch (decision.do) {
      case 'retry':
        // Deferred by the receiving server: parked and tried again with backoff, holding no sender.
        deferrals.set(d.id, decision.attempt);
        await out.attempted(d, text);
        o.events.emit({
          type: 'delivery.retried',
          cause: 'deferred',
          reply: text,
          attempt: decision.attempt,
          waitMs: decision.waitMs,
          ...out.ref(d),
        });
        queue.park(d, Date.now() + decision.waitMs);
        return;
      case 'defer':
        await out.deferred(d, text, outlived, decision);
        return;
      case 'bounce':
        await out.settle(d, 'failed', outlived);
        await out.bounce(d, decision.bounce, err, text, o.softBounceLimit);
        return;
      case 'reject':
        await out.rejected(d, outlived);
        return;
      case 'stop':
        // A setting is wrong (login, sender, the outbox's disk): every message would be refused
        // alike. Nothing is wrong with this address: it stays pending, and the send stops with what to fix.
        if (isPaperboyError(err)) out.stop(err);
        else out.relayStops(`refused the send: ${text}`, refusedHint(err));
        await out.release(d, text);
    }
  };

  const batchSize = o.batchSize ?? 200;
  const queue = new ClaimQueue({
    claim: (afterId) =>
      out.store('claim deliveries', () => claimBatch(o.db, o.digestId, batchSize, afterId, o.range?.throughId)),
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
      out.stop(err as Error);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency * 2 }, sender));
  // Claimed but not sent (the send stopped, or a worker's time ran out): back to pending.
  try {
    for (const { d, due } of await queue.leftovers()) await out.release(d, null, due ?? undefined);
  } catch (err) {
    // They stay `sending`; the next send puts them back (on SQLite at once, on PostgreSQL after the expiry).
    o.events.emit({ type: 'send.release_failed', digestDate: o.digestDate, error: err as Error });
    out.stop(err as Error);
  }
  if (out.halt) throw out.halt;
  return { ...out.tally, lastId: queue.lastId };
}
