import { setTimeout as sleep } from 'node:timers/promises';
import type { ClaimedDelivery } from '../store/delivery-claims.js';

export interface ClaimQueueOptions {
  /** Claims the next batch after `afterId` (keyset): [] when there is nothing more. */
  claim: (afterId: number) => Promise<ClaimedDelivery[]>;
  /** The first id is after this one. */
  afterId: number;
  /** A new batch is claimed in the background once fewer than this many are waiting. */
  low: number;
  /** No batch is claimed after this time (ms since the epoch). */
  claimUntil?: number;
  /** True: hand out nothing more. */
  stopped: () => boolean;
  /** True: hand out nothing for now (the send lock cannot be renewed); asked again every 100 ms. */
  hold?: () => boolean;
}

/**
 * The deliveries a send has claimed and not yet handed to a sender, in ledger order, and those
 * parked until a retry is due (a 4xx): a parked delivery holds no sender while it waits. The next
 * batch is claimed while the current one is sent, so the senders never drain at a batch edge.
 */
export class ClaimQueue {
  private readonly waiting: ClaimedDelivery[] = [];
  private readonly parked: { d: ClaimedDelivery; due: number }[] = [];
  private exhausted = false;
  private claiming: Promise<void> | null = null;
  private failure: unknown = null;
  /** The last ledger id claimed. */
  lastId: number;

  constructor(private readonly o: ClaimQueueOptions) {
    this.lastId = o.afterId;
  }

  /** The next delivery to send: a parked one that is due first; null when there is none left or the send stops. */
  async next(): Promise<ClaimedDelivery | null> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.o.stopped()) return null;
      if (this.o.hold?.()) {
        await sleep(100);
        continue;
      }
      const due = this.takeDue();
      if (due) return due;
      if (this.waiting.length < this.o.low) void this.refill();
      const d = this.waiting.shift();
      if (d) return d;
      if (this.exhausted) {
        if (this.parked.length === 0) return null;
        // Only parked deliveries are left: wait for the first to come due (noticing a stop meanwhile).
        const first = Math.min(...this.parked.map((p) => p.due));
        await sleep(Math.max(1, Math.min(first - Date.now(), 250)));
        continue;
      }
      await this.refill();
    }
  }

  /** Puts `d` aside until `due` (ms since the epoch). */
  park(d: ClaimedDelivery, due: number): void {
    this.parked.push({ d, due });
  }

  /** What was claimed and not handed out, parked ones with the time they are due: back to pending. */
  async leftovers(): Promise<{ d: ClaimedDelivery; due: number | null }[]> {
    // A claim that failed has claimed nothing; its error was the send's.
    if (this.claiming) await this.claiming;
    return [
      ...this.waiting.splice(0).map((d) => ({ d, due: null })),
      ...this.parked.splice(0).map((p) => ({ d: p.d, due: p.due })),
    ];
  }

  private takeDue(): ClaimedDelivery | null {
    if (this.parked.length === 0) return null;
    const now = Date.now();
    const i = this.parked.findIndex((p) => p.due <= now);
    return i < 0 ? null : (this.parked.splice(i, 1)[0]?.d ?? null);
  }

  private refill(): Promise<void> {
    if (this.claiming) return this.claiming;
    if (this.exhausted || this.o.stopped()) return Promise.resolve();
    if (this.o.claimUntil !== undefined && Date.now() > this.o.claimUntil) {
      this.exhausted = true;
      return Promise.resolve();
    }
    this.claiming = this.o
      .claim(this.lastId)
      .then((batch) => {
        if (batch.length === 0) this.exhausted = true;
        this.lastId = batch.at(-1)?.id ?? this.lastId;
        this.waiting.push(...batch);
      })
      .catch((err: unknown) => {
        // Kept for the senders: the next one to ask for a delivery throws it, which stops the send.
        this.failure ??= err;
      })
      .finally(() => {
        this.claiming = null;
      });
    return this.claiming;
  }
}
