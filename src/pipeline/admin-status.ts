import type { IsoDate } from '../domain.js';
import { bounceCount, editionCount } from '../store/admin-digests.js';
import { type DeliveryCounts, deliveryCounts } from '../store/deliveries.js';
import { digestControl, findDigest } from '../store/digests.js';
import type { AppContext } from './context.js';
import { recentDigests } from './digests.js';
import type { SendRegistry, SendStop } from './sends.js';

export type { DeliveryCounts };

export interface DigestStatus {
  date: IsoDate;
  subject: string | null;
  status: 'none' | 'ready' | 'sending' | 'sent';
  running: boolean;
  /** run | pause | cancel: what an admin last asked of the send. */
  control: string;
  deliveries: DeliveryCounts | null;
  editions: number;
  bounced: number;
  /** While running here: done of total, messages per second, seconds left. */
  progress: { done: number; total: number; ratePerSecond: number; etaSeconds: number | null } | null;
  /** Why the last send started by this server stopped with an error (and what to fix); null if it did not. */
  stopped: SendStop | null;
}

/** The status of each of the latest `limit` digests, newest first. */
export async function recentDigestStatuses(ctx: AppContext, sends: SendRegistry, limit: number) {
  return Promise.all((await recentDigests(ctx, limit)).map((d) => digestStatus(ctx, sends, d.date)));
}

/** One date's send as the dashboard and `GET /api/digests/:date` show it. */
export async function digestStatus(ctx: AppContext, sends: SendRegistry, date: IsoDate): Promise<DigestStatus> {
  const d = await findDigest(ctx.db, date);
  const run = sends.get(date);
  const counts = d ? await deliveryCounts(ctx.db, d.id) : null;
  const editions = d ? await editionCount(ctx.db, d.id) : 0;
  const bounced = d ? await bounceCount(ctx.db, d.id) : 0;
  let progress: DigestStatus['progress'] = null;
  if (run) {
    const seconds = Math.max(0.001, (Date.now() - run.startedAt) / 1000);
    const rate = run.done / seconds;
    progress = {
      done: run.done,
      total: run.total,
      ratePerSecond: Math.round(rate * 10) / 10,
      etaSeconds: rate > 0 ? Math.round((run.total - run.done) / rate) : null,
    };
  }
  return {
    date,
    subject: d?.subject ?? null,
    status: d ? d.status : 'none',
    running: run !== undefined,
    control: d ? await digestControl(ctx.db, d.id) : 'run',
    deliveries: counts,
    editions,
    bounced,
    progress,
    stopped: run ? null : (sends.stopped(date) ?? null),
  };
}
