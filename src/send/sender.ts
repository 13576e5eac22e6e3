import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { editionReader } from './edition-content.js';
import type { SendEvents } from './events.js';
import type { MessageSettings } from './message.js';
import type { MessageContent } from './message-content.js';
import { pacer } from './pacer.js';
import { logSendEvents } from './send-log.js';
import { type SendSettings, sendPending } from './send-loop.js';
import type { Transport } from './transport.js';

/** One pass over a digest's pending deliveries that are due. */
export interface SendPass {
  /** The stored digest: its id, date and content (for rows without an edition). */
  digest: MessageContent & { id: number; date: string };
  /** Where the pass tells what it does. */
  events: SendEvents;
  /** True stops the pass between messages, leaving the rest pending (lock lost, admin's pause, shutting down). */
  shouldStop: () => boolean;
  /** While true, no message is handed over (the send lock cannot be renewed). */
  shouldWait: () => boolean;
}

/**
 * How a process sends a digest: on one machine (the send loop) or through the cluster's batch
 * workers. Resolves when the pass has ended; rejects with why the send stopped.
 */
export interface Sender {
  pass(p: SendPass): Promise<void>;
}

/** Starts the sender of one send (its passes share the rate limit); `workers`: the cluster's on this machine. */
export type StartSender = (o: { workers: number }) => Sender;

/** The one options function: a sender's settings from the config, for the local sender and every cluster worker. */
export function senderOptions(
  config: Pick<Config, 'smtpPool' | 'smtpRetries' | 'retryDelayMs' | 'deferLimitMs' | 'softBounceLimit'>,
  from: { db: Db; log: Logger; transport: Transport; messageSettings: MessageSettings },
): SendSettings {
  return {
    db: from.db,
    log: from.log,
    transport: from.transport,
    settings: from.messageSettings,
    concurrency: config.smtpPool,
    retries: config.smtpRetries,
    retryDelayMs: config.retryDelayMs,
    deferLimitMs: config.deferLimitMs,
    softBounceLimit: config.softBounceLimit,
  };
}

/** The send loop of this process, all passes of a send under one pacer (PAPERBOY_RATE_LIMIT). */
export function localSender(s: SendSettings, rateLimit: number): StartSender {
  return () => {
    const rate = pacer(rateLimit);
    const readEdition = editionReader(s.db);
    return {
      async pass(p) {
        const unlog = logSendEvents(p.events, s.log);
        try {
          await sendPending({
            ...s,
            digestId: p.digest.id,
            digestDate: p.digest.date,
            content: p.digest,
            contentFor: async (editionId) => (await readEdition(editionId)) ?? p.digest,
            events: p.events,
            pacer: rate,
            shouldStop: p.shouldStop,
            shouldWait: p.shouldWait,
          });
        } finally {
          unlog();
        }
      },
    };
  };
}
