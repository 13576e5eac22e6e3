import type { Logger } from 'pino';
import type { SendEvents } from './events.js';

/**
 * The send's log lines, written from its events (named `delivery.*` and `digest.send.*`, with the
 * digest's date). Returns the function that stops logging.
 */
export function logSendEvents(events: SendEvents, log: Logger): () => void {
  const debug = log.isLevelEnabled('debug');
  const offs = [
    events.on('delivery.settled', (e) => {
      if (debug && e.outcome === 'sent') {
        log.debug({ event: 'delivery.sent', digest_date: e.digestDate, delivery_id: e.deliveryId }, 'sent');
      }
    }),
    events.on('delivery.bounced', (e) =>
      log.warn(
        {
          event: 'delivery.failed',
          digest_date: e.digestDate,
          to: e.email,
          reply: e.reply,
          bounce: e.bounce,
          outcome: e.outcome,
        },
        e.outcome === 'bounced'
          ? `${e.email} bounced (${e.bounce}): no further digests`
          : `${e.email}: ${e.bounce} bounce`,
      ),
    ),
    events.on('delivery.rejected', (e) =>
      log.warn(
        { event: 'delivery.rejected', digest_date: e.digestDate, to: e.email, reply: e.reply },
        `${e.email}: the relay refused this message (not a bounce)`,
      ),
    ),
    events.on('delivery.retried', (e) => {
      if (e.cause === 'connection') {
        log.info(
          { event: 'delivery.retry', digest_date: e.digestDate, to: e.email, reply: e.reply, attempt: e.attempt },
          'retry',
        );
        return;
      }
      log.info(
        { event: 'delivery.deferred', digest_date: e.digestDate, to: e.email, reply: e.reply, attempt: e.attempt },
        `${e.email}: deferred by the receiving server (${e.reply}); tried again in ${e.waitMs} ms`,
      );
    }),
    events.on('delivery.deferred', (e) =>
      log.warn(
        { event: 'delivery.deferred', digest_date: e.digestDate, to: e.email, reply: e.reply, not_before: e.notBefore },
        `${e.email}: still deferred by the receiving server (${e.outlived}); pending, tried again from ${new Date(e.notBefore).toISOString().slice(11, 19)} UTC`,
      ),
    ),
    events.on('send.release_failed', (e) =>
      log.error(
        { event: 'digest.send.release_failed', digest_date: e.digestDate, err: e.error.message },
        `claimed deliveries could not be put back: ${e.error.message}`,
      ),
    ),
  ];
  return () => {
    for (const off of offs) off();
  };
}
