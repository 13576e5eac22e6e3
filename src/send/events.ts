/** What a send does, as it happens: the CLI's progress bar, the logs and metrics subscribe. */

/** The reader a delivery event is about. */
export interface DeliveryRef {
  digestDate: string;
  deliveryId: number;
  email: string;
}

export type Outcome = 'sent' | 'failed' | 'skipped';

export type SendEvent =
  /** The ledger has the delivery's outcome. */
  | ({ type: 'delivery.settled'; outcome: Outcome; error: string | null } & DeliveryRef)
  /** Tried again within the pass: the relay was not there (`connection`), or the receiving server deferred it. */
  | ({
      type: 'delivery.retried';
      cause: 'connection' | 'deferred';
      reply: string;
      attempt: number;
      waitMs: number;
    } & DeliveryRef)
  /** Deferred past the pass's retries: pending, not claimed before `notBefore` (ms since the epoch). */
  | ({ type: 'delivery.deferred'; reply: string; outlived: string; notBefore: number } & DeliveryRef)
  /** A bounce of the reader's address was recorded (`outcome`: what it did to the subscriber). */
  | ({ type: 'delivery.bounced'; bounce: 'hard' | 'soft'; reply: string; outcome: string } & DeliveryRef)
  /** The relay refused this message, not the address (no bounce). */
  | ({ type: 'delivery.rejected'; reply: string } & DeliveryRef)
  /** The send stopped (the first reason): no further message is handed over. */
  | { type: 'send.stopped'; digestDate: string; error: Error }
  /** Claimed deliveries could not be put back to pending (they stay `sending` until the next send). */
  | { type: 'send.release_failed'; digestDate: string; error: Error }
  /** Deliveries of this run settled so far, of `total` due (counted from the ledger). */
  | { type: 'send.progress'; digestDate: string; done: number; total: number };

export type SendEventType = SendEvent['type'];
export type EventOf<T extends SendEventType> = Extract<SendEvent, { type: T }>;

/** What is done with the error of a listener that threw. */
export type ListenerErrorHandler = (err: unknown, e: SendEvent) => void;

/**
 * A typed event stream: listeners run synchronously, in the order they subscribed. A listener is an
 * observer (a progress bar, the logs, metrics): one that throws neither stops the send that emits
 * nor keeps the next listener from the event. Its error goes to `onListenerError`: by default a
 * process warning on stderr, the first time for each type of event (a listener that fails once
 * tends to fail for every message).
 */
export class SendEvents {
  readonly #listeners = new Map<SendEventType, ((e: SendEvent) => void)[]>();
  readonly #onListenerError: ListenerErrorHandler;

  constructor(onListenerError: ListenerErrorHandler = warnOncePerType()) {
    this.#onListenerError = onListenerError;
  }

  /** Subscribes to one type of event; returns the unsubscribe function. */
  on<T extends SendEventType>(type: T, fn: (e: EventOf<T>) => void): () => void {
    const list = this.#listeners.get(type) ?? [];
    const listener = fn as (e: SendEvent) => void;
    list.push(listener);
    this.#listeners.set(type, list);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  emit(e: SendEvent): void {
    const list = this.#listeners.get(e.type);
    if (!list) return;
    for (const fn of [...list]) {
      try {
        fn(e);
      } catch (err) {
        this.#onListenerError(err, e);
      }
    }
  }
}

function warnOncePerType(): ListenerErrorHandler {
  const warned = new Set<SendEventType>();
  return (err, e) => {
    if (warned.has(e.type)) return;
    warned.add(e.type);
    const why = err instanceof Error ? err.message : String(err);
    process.emitWarning(`a listener of ${e.type} threw (${why}); the send goes on`, 'SendEventsWarning');
  };
}
