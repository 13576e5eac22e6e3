import type PgBoss from 'pg-boss';
import { setClockOffset } from '../clock.js';
import type { Config } from '../config.js';
import { isPaperboyError, type PaperboyError } from '../errors.js';
import { watchControl } from '../send/control-watch.js';
import { editionReader } from '../send/edition-content.js';
import { SendEvents } from '../send/events.js';
import type { Pacer } from '../send/pacer.js';
import { relaysFor, relaysSettings, relaysTransport } from '../send/relays.js';
import { logSendEvents } from '../send/send-log.js';
import { type SendSettings, sendPending } from '../send/send-loop.js';
import type { Transport } from '../send/transport.js';
import { nextCount } from '../store/counters.js';
import { pendingInRange, requeueRange } from '../store/delivery-ranges.js';
import { skipPending } from '../store/delivery-settle.js';
import { digestControl, findDigest } from '../store/digests.js';
import { SEND_QUEUE, type SendJob } from './jobs.js';
import { clusterPacer } from './rate-bucket.js';

/** What a cluster sender needs: the send settings (senderOptions) and the config (the queue, relays, rate, expiry). */
export interface ClusterSettings {
  send: SendSettings;
  config: Config;
}

export interface SendWorker {
  /** Batches this worker finished. */
  readonly batches: () => number;
  /** Why the last batch stopped: the relay refused or was unreachable, or the store could not be written (the batch is retried later by the queue). */
  readonly relayDown: () => PaperboyError | null;
  /** Finishes the batch at hand (messages in flight complete, the rest of it stays pending) and stops. */
  stop(): Promise<void>;
}

/**
 * Works batch jobs of the send queue: one range of one digest's ledger at a time, with the send
 * loop of a single-machine send (claims with SKIP LOCKED, group-commit ledger, the SMTP pool).
 * A job that is a retry (its worker died: the job expired) first puts the range's `sending` rows
 * back to pending; they go again with their Message-ID. A worker sends for half the job's expiry
 * at most, then puts back what it claimed and hands the rest of its range to a follow-up job, so a
 * live worker is never taken for dead. Pause and cancel are seen within half a second, between
 * messages.
 */
export async function startSendWorker(c: ClusterSettings, boss: PgBoss, pace?: Pacer): Promise<SendWorker> {
  const { config } = c;
  const { db, log } = c.send;
  const rate = pace ?? clusterPacer(db, config.rateLimit);
  // Several relays: each worker of the cluster takes the next one in turn (a counter in the store),
  // and the others stand by for the time its own is out.
  let transport: Transport = c.send.transport;
  let ownTransport = false;
  if (config.smtpUrls.length > 1) {
    const urls = relaysFor(config.smtpUrls, await nextCount(db, 'send-workers'));
    transport = relaysTransport(urls, { ...relaysSettings(config), log, order: 'primary' });
    ownTransport = true;
    log.info(
      { event: 'worker.relay', relays: transport.description },
      `this worker sends through ${transport.description}, in that order (the next while one is out)`,
    );
  }
  let stopping = false;
  let batches = 0;
  let relayDown: PaperboyError | null = null;
  let active: Promise<void> = Promise.resolve();

  const readEdition = editionReader(db);
  const work = async (job: PgBoss.JobWithMetadata<SendJob>) => {
    const { digestId, date, afterId, throughId, clockOffset = 0 } = job.data;
    // The send's clock: what is due is what is due for it (`send --at`), on every machine alike.
    setClockOffset(clockOffset);
    if ((await digestControl(db, digestId)) !== 'run') return; // paused or cancelled: the sender decides
    const digest = await findDigest(db, date);
    if (!digest || digest.id !== digestId) return;
    if (job.retryCount > 0) {
      const n = await requeueRange(db, digestId, afterId, throughId);
      if (n > 0) {
        log.warn(
          { event: 'worker.requeued', digest_date: date, count: n, after_id: afterId, through_id: throughId },
          `${n} deliveries were in flight when a worker stopped; they go again with the same Message-ID`,
        );
      }
    }
    const admin = watchControl(db, digestId, log, { date });
    const deadline = Date.now() + (config.workerExpirySeconds * 1000) / 2;
    try {
      relayDown = null;
      const events = new SendEvents();
      const unlog = logSendEvents(events, log);
      const tally = await sendPending({
        ...c.send,
        transport,
        digestId,
        digestDate: date,
        content: digest,
        contentFor: async (editionId) => (await readEdition(editionId)) ?? digest,
        events,
        pacer: rate,
        range: { afterId, throughId },
        claimUntil: deadline,
        // At the deadline the messages on the wire finish and what was claimed but not sent goes
        // back to pending: nothing of this job is still `sending` when its expiry could hand the
        // range to a retry (which puts `sending` rows back), even at a low rate limit.
        shouldStop: () => stopping || admin.asked !== 'run' || Date.now() > deadline,
      }).finally(unlog);
      // Cancelled: what this batch claimed but did not send went back to pending after the sender
      // skipped the rest; it is skipped too.
      if (admin.asked === 'cancel') await skipPending(db, digestId, 'cancelled by an admin');
      if (admin.asked === 'run' && (await pendingInRange(db, digestId, afterId, throughId))) {
        // Time ran out before the range did, or this worker is stopping: what is left of the range
        // (sent rows are passed over by the claim) goes to a follow-up job for any worker.
        await boss.send(SEND_QUEUE, { digestId, date, afterId, throughId, clockOffset } satisfies SendJob, {
          expireInSeconds: config.workerExpirySeconds,
        });
      }
      batches++;
      log.info(
        { event: 'worker.batch', digest_date: date, after_id: afterId, through_id: throughId, ...tally },
        `batch ${afterId}–${throughId}: sent ${tally.sent}, failed ${tally.failed}, skipped ${tally.skipped}`,
      );
    } catch (err) {
      if (isPaperboyError(err, 'ESEND') || isPaperboyError(err, 'ESTORE')) relayDown = err;
      throw err;
    } finally {
      admin.stop();
    }
  };

  const id = await boss.work<SendJob>(
    SEND_QUEUE,
    { batchSize: 1, pollingIntervalSeconds: 0.5, includeMetadata: true },
    async (jobs) => {
      const run = (async () => {
        for (const job of jobs) await work(job);
      })();
      active = run.catch(() => {});
      await run;
    },
  );
  return {
    batches: () => batches,
    relayDown: () => relayDown,
    async stop() {
      stopping = true;
      await boss.offWork({ id });
      await active;
      if (ownTransport) {
        ownTransport = false;
        await transport.close();
      }
    },
  };
}
