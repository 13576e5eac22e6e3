import type { IsoDate } from '../domain.js';
import type { WaveHooks } from '../schedule/scheduler.js';
import { digestLockOwner, findDigest } from '../store/digests.js';
import { dueDates, skipMissedWaves, waitingCount, waveWindow } from '../store/waves.js';
import type { AppContext } from './context.js';
import type { RunReport } from './run-report.js';
import { whyUnfinished } from './sends.js';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The store's side of the scheduler's wake-ups. Missed waves are skipped only in digests no send
 * holds (a manual send, from the admin or the CLI, sends them: the rule is the scheduler's), and
 * not in digests an admin paused or cancelled.
 */
export function waveHooks(ctx: AppContext): WaveHooks {
  return {
    async wake(now, catchUpMs) {
      const missed: { date: IsoDate; count: number }[] = [];
      const open = await dueDates(ctx.db, iso(now));
      // Nothing open at all (most wake-ups): one query.
      if (open.length === 0) return { missed, due: [] };
      for (const d of open) {
        const lock = await digestLockOwner(ctx.db, d.id);
        // The lock's expiry is real time (the holder's heartbeat), whatever clock the scheduler has.
        if (lock.owner && (lock.expiresAt ?? 0) > Date.now()) continue;
        const count = await skipMissedWaves(ctx.db, d.id, now, catchUpMs);
        if (count > 0) missed.push({ date: d.date, count });
      }
      const due = await dueDates(ctx.db, iso(now), iso(now - waveWindow(catchUpMs)));
      return { missed, due: due.map((d) => d.date) };
    },
  };
}

/** Whether the digest of a date was released (planned and sent to those due): the scheduler's "done". */
export async function isReleased(ctx: AppContext, date: IsoDate): Promise<boolean> {
  const status = (await findDigest(ctx.db, date))?.status;
  return status === 'sending' || status === 'sent';
}

/**
 * Why a send left its date unfinished (`whyUnfinished`), not counting the deliveries that wait for
 * their wave: the wake-ups send those when they come due, so they are no reason to try again.
 */
export async function unfinishedBesidesWaves(
  ctx: AppContext,
  outcome: { ok: true; value: unknown } | { ok: false; error: unknown },
  now = Date.now(),
): Promise<string | null> {
  const reason = whyUnfinished(outcome);
  if (!reason || !outcome.ok) return reason;
  const report = outcome.value as RunReport;
  const digest = await findDigest(ctx.db, report.date);
  if (!digest) return reason;
  const pending = report.totals.pending - (await waitingCount(ctx.db, digest.id, iso(now)));
  return pending > 0 ? whyUnfinished({ ok: true, value: { ...report, totals: { ...report.totals, pending } } }) : null;
}
