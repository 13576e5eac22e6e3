import type { IsoDate } from '../domain.js';
import { errorMessage, isPaperboyError, PaperboyError } from '../errors.js';
import { SendEvents } from '../send/events.js';
import { skipPending } from '../store/delivery-settle.js';
import { findDigest, type SendControl, setDigestControl } from '../store/digests.js';
import type { AppContext } from './context.js';
import { checkSendDate, type RunReport, runDigest } from './run-digest.js';

export interface RunningSend {
  date: IsoDate;
  startedAt: number;
  done: number;
  total: number;
  /** Settles with the run's report (or its error). */
  finished: Promise<RunReport>;
}

/** Why a date's last send in this process stopped with an error (the relay refused the login, say). */
export interface SendStop {
  code: string;
  message: string;
  hint: string | null;
  /** ISO time. */
  at: string;
}

/**
 * The sends running in this process, one per date: the scheduler and the admin API start them
 * here, so a date is never sent twice at once (and across processes the digest lock holds).
 */
export class SendRegistry {
  private readonly running = new Map<IsoDate, RunningSend>();
  private readonly stops = new Map<IsoDate, SendStop>();
  private readonly stopping = new AbortController();

  constructor(private readonly ctx: AppContext) {}

  /** Starts the send of `date`; EBUSY when one is already running here, EUSAGE for a date after tomorrow. */
  start(date: IsoDate, opts: { resume?: boolean } = {}): RunningSend {
    // Refused here, before anything starts: a door answers the caller at once.
    checkSendDate(date, this.ctx.config.timezone);
    if (this.running.has(date)) {
      throw new PaperboyError('EBUSY', `a send of ${date} is already running`, { hint: 'watch its progress instead' });
    }
    this.stops.delete(date);
    const entry: RunningSend = { date, startedAt: Date.now(), done: 0, total: 0, finished: Promise.resolve() as never };
    // The admin's progress: counted from the ledger, as for the CLI's bar.
    const events = new SendEvents();
    events.on('send.progress', ({ done, total }) => {
      entry.done = done;
      entry.total = total;
    });
    entry.finished = runDigest(this.ctx, { date, signal: this.stopping.signal, resume: opts.resume, events }).finally(
      () => this.running.delete(date),
    );
    // Logged here, whoever started it (scheduler, admin, API); never an unhandled rejection.
    entry.finished.catch((err) => {
      const quiet = isPaperboyError(err, 'ENOPAPERS') || isPaperboyError(err, 'EBUSY');
      const code = (err as { code?: string }).code;
      // Held elsewhere (another process sends the date, or an admin paused it): not this send's failure.
      if (!isPaperboyError(err, 'EBUSY'))
        this.stops.set(date, {
          code: code ?? 'ERROR',
          message: err instanceof Error ? err.message : String(err),
          hint: isPaperboyError(err) ? (err.hint ?? null) : null,
          at: new Date().toISOString(),
        });
      this.ctx.log[quiet ? 'info' : 'error'](
        { event: 'digest.send.failed', digest_date: date, code },
        errorMessage(err),
      );
    });
    this.running.set(date, entry);
    return entry;
  }

  get(date: IsoDate): RunningSend | undefined {
    return this.running.get(date);
  }

  /** Why the last send of `date` started here stopped with an error; undefined if it did not (or none ran). */
  stopped(date: IsoDate): SendStop | undefined {
    return this.stops.get(date);
  }

  get size(): number {
    return this.running.size;
  }

  /** On shutdown: the sends finish the messages in flight and leave the rest pending. */
  async stopAll(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.running.values()].map((r) => r.finished));
  }
}

/**
 * An admin's pause, resume or cancel of a date's send. Pause and cancel are seen by the running
 * send (in any process) within a second; resume starts the send again from the ledger here.
 */
export async function controlSend(
  ctx: AppContext,
  sends: SendRegistry,
  date: IsoDate,
  action: 'pause' | 'resume' | 'cancel',
): Promise<{ date: IsoDate; control: SendControl; skipped?: number }> {
  const digest = await findDigest(ctx.db, date);
  if (!digest) throw new PaperboyError('ENOTFOUND', `no digest for ${date}`);
  if (action === 'resume') {
    await setDigestControl(ctx.db, digest.id, 'run');
    if (!sends.get(date)) sends.start(date, { resume: true });
    return { date, control: 'run' };
  }
  await setDigestControl(ctx.db, digest.id, action);
  ctx.log.warn({ event: `digest.send.${action}`, digest_date: date }, `send of ${date}: ${action} asked`);
  if (action === 'cancel' && !sends.get(date)) {
    return { date, control: 'cancel', skipped: await skipPending(ctx.db, digest.id, 'cancelled by an admin') };
  }
  return { date, control: action };
}

/**
 * Why a send that ended left its date unfinished, worth trying again by itself later (the scheduler
 * does): the relay, the store or the source failed, or deliveries are still pending (deferred by
 * the receiving servers, or stopped). Null when it is done, when an admin paused or cancelled it,
 * when another process is sending it, or when there was nothing to send.
 */
export function whyUnfinished(outcome: { ok: true; value: unknown } | { ok: false; error: unknown }): string | null {
  if (!outcome.ok) {
    const e = outcome.error;
    return isPaperboyError(e, 'ESEND') || isPaperboyError(e, 'ESTORE') || isPaperboyError(e, 'ESOURCE')
      ? e.message
      : null;
  }
  const r = outcome.value as RunReport;
  if (r.mode !== 'send' || r.control !== 'run' || r.totals.pending === 0) return null;
  const deferred = r.deferred > 0 ? `, ${r.deferred} of them deferred by the receiving servers` : '';
  return `${r.totals.pending} ${r.totals.pending === 1 ? 'delivery' : 'deliveries'} still pending${deferred}`;
}
