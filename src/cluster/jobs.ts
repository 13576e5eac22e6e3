import type PgBoss from 'pg-boss';
import { clockOffset } from '../clock.js';
import type { Config } from '../config.js';
import { PaperboyError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { pendingRanges } from '../store/delivery-ranges.js';

/** The queue of send batches: one job per keyset range of a digest's ledger. */
export const SEND_QUEUE = 'paperboy-send';
/** Ledger ids per batch job. */
export const RANGE_SIZE = 500;

export interface SendJob {
  digestId: number;
  date: string;
  afterId: number;
  throughId: number;
  /** The sending command's clock (src/clock.ts: `send --at`), which the worker takes for the job; absent: 0. */
  clockOffset?: number;
}

/** pg-boss on the store's database, in a schema of its own next to paperboy's tables. */
export async function openBoss(config: Config, log: Logger): Promise<PgBoss> {
  if (config.database.kind !== 'postgres') {
    throw new PaperboyError('EUSAGE', 'workers need the PostgreSQL store', {
      hint: 'set PAPERBOY_DATABASE_URL=postgres://… (on SQLite, `paperboy send` sends by itself)',
    });
  }
  const { default: Boss } = await import('pg-boss');
  const boss = new Boss({
    connectionString: config.database.url,
    schema: `${config.database.schema ?? 'paperboy'}_pgboss`,
    max: 4,
    maintenanceIntervalSeconds: 5,
    monitorStateIntervalSeconds: 60,
    schedule: false,
  });
  // The queue's own connection errors (a database restart): pg-boss polls on; said once per outage.
  let failing = false;
  boss.on('error', (err) => {
    if (failing) return;
    failing = true;
    log.warn(
      { event: 'queue.error', err: err.message },
      `the job queue could not reach the database (${err.message}): it keeps trying`,
    );
    setTimeout(() => {
      failing = false;
    }, 30_000).unref();
  });
  await boss.start();
  await createSendQueue(boss, config);
  return boss;
}

/**
 * Creates the send queue when it is missing. pg-boss's create_queue makes a partition table, and
 * several workers starting at once on a new database deadlock in it (PostgreSQL aborts one of
 * them, 40P01): the loser tries again after a moment, by which time the queue exists.
 */
async function createSendQueue(boss: PgBoss, config: Config): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      if (await boss.getQueue(SEND_QUEUE)) return;
      await createQueueOnce(boss, config);
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= 10 || (code !== '40P01' && code !== '23505')) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200 * attempt));
    }
  }
}

async function createQueueOnce(boss: PgBoss, config: Config): Promise<void> {
  await boss.createQueue(SEND_QUEUE, {
    name: SEND_QUEUE,
    expireInSeconds: config.workerExpirySeconds,
    retryLimit: 20,
    retryDelay: 2,
    retryBackoff: true,
    // Completed jobs are kept a day: enough to read what happened.
    retentionMinutes: 24 * 60,
  });
}

/** Splits the digest's pending deliveries into ranges and enqueues a batch job for each. */
export async function enqueueSend(
  db: Db,
  boss: PgBoss,
  config: Pick<Config, 'workerExpirySeconds'>,
  digestId: number,
  date: string,
): Promise<number> {
  const ranges = await pendingRanges(db, digestId, RANGE_SIZE);
  if (ranges.length === 0) return 0;
  await boss.insert(
    ranges.map((r) => ({
      name: SEND_QUEUE,
      data: {
        digestId,
        date,
        afterId: r.afterId,
        throughId: r.throughId,
        clockOffset: clockOffset(),
      } satisfies SendJob,
      expireInSeconds: config.workerExpirySeconds,
    })),
  );
  return ranges.length;
}
