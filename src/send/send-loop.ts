import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { PaperboyError } from '../errors.js';
import { recordBounce } from '../store/bounces.js';
import type { Db } from '../store/db.js';
import { type ClaimedDelivery, claimBatch, recordAttempt, releaseDelivery } from '../store/deliveries.js';
import { MessageBuffers } from './assemble.js';
import { ledgerWriter } from './ledger-writer.js';
import { buildMessage, type MessageContent, type MessageSettings } from './message.js';
import { type Pacer, unlimited } from './pacer.js';
import { backoffMs, classifyFailure, failureText, RejectStreak, refusedHint, softBounceCounts } from './retry.js';
import type { OutgoingMessage, SmtpError, Transport } from './transport.js';

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
}

export interface LoopTally {
  sent: number;
  failed: number;
  skipped: number;
  /** The last ledger id claimed (a worker whose time ran out continues after it). */
  lastId?: number;
}

/**
 * Sends every pending delivery of a digest, batch by batch, from the ledger. The ledger, not this
 * loop, says what is done: a delivery is marked `sending` before it is handed to the transport and
 * `sent` right after the server accepted it, so a crash leaves at most the in-flight ones to go again
 * (with the same Message-ID).
 */
export async function sendPending(o: SendLoopOptions): Promise<LoopTally> {
  const tally: LoopTally = { sent: 0, failed: 0, skipped: 0 };
  const ledger = ledgerWriter(o.db);
  const slots = semaphore(o.concurrency);
  const debug = o.log.isLevelEnabled('debug');
  // One buffer per sender (twice the connections, below): a message is assembled into a spare one.
  const buffers = new MessageBuffers(o.concurrency * 2);
  const pace = o.pacer ?? unlimited;
  const settle = async (d: ClaimedDelivery, outcome: 'sent' | 'failed' | 'skipped', error: string | null) => {
    await ledger.settle({
      id: d.id,
      status: outcome,
      error,
      ...(outcome === 'sent' && d.softBounces > 0 ? { resetSoftBounces: d.subscriberId } : {}),
    });
    tally[outcome]++;
    o.onProgress?.(outcome);
  };

  /** A 5xx is a hard bounce, a 4xx that outlived the retries a soft one. */
  const bounce = async (d: ClaimedDelivery, kind: 'hard' | 'soft', err: SmtpError, text: string) => {
    const outcome = await recordBounce(
      o.db,
      {
        subscriberId: d.subscriberId,
        deliveryId: d.id,
        kind,
        source: 'smtp',
        status: String(err.responseCode ?? ''),
        detail: text,
        dedupeKey: null,
      },
      o.softBounceLimit,
    );
    o.log.warn(
      { event: 'delivery.failed', digest_date: o.digestDate, to: d.email, reply: text, bounce: kind, outcome },
      outcome === 'bounced' ? `${d.email} bounced (${kind}): no further digests` : `${d.email}: ${kind} bounce`,
    );
  };

  /**
   * A 5xx to this message that is not about the address (policy, content, relaying): the delivery
   * fails and the reader is not bounced. Many in a row across domains mean the relay refuses every
   * message: the send stops, and every delivery this run saw refused so (the streak, and those
   * refused before the last message that got through) goes back to pending with the rest.
   */
  const rejects = new RejectStreak();
  /** This run's refused deliveries (the first 10,000): pending again if the streak trips. */
  const refusedThisRun: number[] = [];
  const rejected = async (d: ClaimedDelivery, text: string) => {
    if (relayDown) {
      await releaseDelivery(o.db, d.id, text);
      return;
    }
    await settle(d, 'failed', text);
    o.log.warn(
      { event: 'delivery.rejected', digest_date: o.digestDate, to: d.email, reply: text },
      `${d.email}: the relay refused this message (not a bounce)`,
    );
    if (relayDown) {
      // The streak tripped while this one was being recorded.
      await releaseDelivery(o.db, d.id, text);
      tally.failed--;
      return;
    }
    if (refusedThisRun.length < 10_000) refusedThisRun.push(d.id);
    if (!rejects.add(d.email)) return;
    stopSend(
      `refused ${rejects.length} messages in a row: ${text}`,
      "the relay refuses these messages for every reader (relaying, policy or content): check its log and PAPERBOY_SMTP_URL's login; the refused deliveries are pending again and go with the next send",
    );
    const ids = refusedThisRun.splice(0);
    for (const id of ids) await releaseDelivery(o.db, id, text);
    tally.failed -= ids.length;
  };

  const editions = new Map<number, Promise<MessageContent>>();
  const editionContentCached = (id: number) => {
    let c = editions.get(id);
    if (!c) {
      c = o.contentFor(id);
      editions.set(id, c);
    }
    return c;
  };

  let relayDown: PaperboyError | null = null;
  /** The relay cannot take this send (the first reason counts): no further message is tried. */
  const stopSend = (what: string, hint: string) => {
    relayDown ??= new PaperboyError('ESEND', `${o.transport.description} ${what}`, { hint });
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
    const message = buildMessage(
      d.editionId === null ? o.content : await editionContentCached(d.editionId),
      { subscriberId: d.subscriberId, email: d.email, name: d.name, messageId: d.messageId, deliveryId: d.id },
      o.settings,
      buffers,
    );
    try {
      await deliver(d, message);
    } finally {
      // The transport is done with the bytes (sent, failed or given up on): the next message uses them.
      buffers.give(message.raw as Buffer);
    }
  };

  const deliver = async (d: ClaimedDelivery, message: OutgoingMessage): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        // A connection's slot is held from the hand-over until the ledger has the outcome: at any
        // moment at most `concurrency` messages are on the wire or accepted-but-unrecorded, which
        // is all a crash can send twice.
        const release = await slots.acquire();
        if (stopped()) {
          // The relay refused or went away (or the send was stopped) while this message waited
          // for its connection: it is not tried, and goes in a later run.
          release();
          await releaseDelivery(o.db, d.id, null);
          return;
        }
        try {
          await pace.acquire();
          await o.transport.send(message);
          await settle(d, 'sent', null);
          rejects.clear();
        } finally {
          release();
        }
        if (debug) o.log.debug({ event: 'delivery.sent', digest_date: o.digestDate, delivery_id: d.id }, 'sent');
        return;
      } catch (e) {
        const err = e as SmtpError;
        const kind = classifyFailure(err);
        const text = failureText(err);
        if (kind === 'permanent') {
          await settle(d, 'failed', text);
          await bounce(d, 'hard', err, text);
          return;
        }
        if (kind === 'rejected') {
          await rejected(d, text);
          return;
        }
        if (kind === 'refused') {
          // A setting is wrong (login, sender): every message would be refused alike. Nothing is
          // wrong with this address: it stays pending, and the send stops with what to fix.
          // (Stopped before the first await: the senders waiting for this connection see it.)
          stopSend(`refused the send: ${text}`, refusedHint(err));
          await releaseDelivery(o.db, d.id, text);
          return;
        }
        if (attempt > o.retries) {
          if (kind === 'temporary') {
            if (!softBounceCounts(err)) {
              // Deferred for policy or by the system, not for the address: no soft bounce.
              await rejected(d, `${text} (after ${attempt} attempts)`);
              return;
            }
            await settle(d, 'failed', `${text} (after ${attempt} attempts)`);
            await bounce(d, 'soft', err, text);
            return;
          }
          // The relay itself is unreachable: nothing is wrong with this address. Leave it pending for the next run.
          stopSend(
            `${err.responseCode === undefined ? 'is unreachable' : 'did not take the message'}: ${text}`,
            'deliveries not yet sent stay pending; run the send again when the server is back',
          );
          await releaseDelivery(o.db, d.id, text);
          return;
        }
        await recordAttempt(o.db, d.id, text);
        o.log.info({ event: 'delivery.retry', digest_date: o.digestDate, to: d.email, reply: text, attempt }, 'retry');
        await sleep(backoffMs(attempt, o.retryDelayMs));
      }
    }
  };

  // Batches are claimed by keyset (each after the last id of the one before). The next batch is
  // claimed while the current one is still sending, so the pipeline never drains at a batch edge.
  const batchSize = o.batchSize ?? 200;
  const stopped = () => relayDown !== null || o.shouldStop?.() === true;
  const queue: ClaimedDelivery[] = [];
  let afterId = o.range?.afterId ?? 0;
  let exhausted = false;
  let claiming: Promise<void> | null = null;
  const refill = (): Promise<void> => {
    if (claiming) return claiming;
    if (exhausted || stopped()) return Promise.resolve();
    if (o.claimUntil !== undefined && Date.now() > o.claimUntil) {
      exhausted = true;
      return Promise.resolve();
    }
    claiming = claimBatch(o.db, o.digestId, batchSize, afterId, o.range?.throughId)
      .then((batch) => {
        if (batch.length === 0) exhausted = true;
        afterId = batch.at(-1)?.id ?? afterId;
        queue.push(...batch);
      })
      .finally(() => {
        claiming = null;
      });
    return claiming;
  };
  // Twice as many senders as connections: while one holds a connection's slot, the next has its
  // message assembled and waits for the slot, so a connection hardly waits for paperboy.
  const workers = o.concurrency * 2;
  const worker = async () => {
    for (;;) {
      if (queue.length < workers * 2) void refill().catch(() => {});
      const d = queue.shift();
      if (!d) {
        if (exhausted || stopped()) return;
        await refill();
        continue;
      }
      if (stopped()) {
        // Claimed but not sent: back to pending for the next run.
        await releaseDelivery(o.db, d.id, null);
        continue;
      }
      await sendOne(d);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  // A claim still running when the workers stopped: what it claimed goes back to pending.
  if (claiming) await (claiming as Promise<void>).catch(() => {});
  for (const d of queue.splice(0)) await releaseDelivery(o.db, d.id, null);
  if (relayDown) throw relayDown;
  return { ...tally, lastId: afterId };
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
