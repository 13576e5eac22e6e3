import type { IsoDate } from '../domain.js';
import type { SendEvents } from '../send/events.js';
import type { SkippedItem, SourceFailure } from '../sources/source.js';
import type { SendControl } from '../store/digests.js';

export interface RunOptions {
  date: IsoDate;
  /** Render and report; store and send nothing. */
  dryRun?: boolean;
  /** Send one test copy to this address only; no delivery is marked done. */
  to?: string;
  /** Where the send tells what it does: `send.progress` (done of total), `delivery.*`, `send.stopped`. */
  events?: SendEvents;
  /** Aborted: stop after the messages in flight (the rest stay pending for the next send). */
  signal?: AbortSignal;
  /** Continue a paused or cancelled send (`send --resume`, the admin's Resume). */
  resume?: boolean;
  /** On PostgreSQL: batch workers on this machine, this process and N-1 worker processes (0: only enqueue). Default 1. */
  workers?: number;
  /** Called with the report once the send has ended, also when it ends with an error (its totals then). */
  onReport?: (report: RunReport) => void;
  /** Send a date after tomorrow (in PAPERBOY_TIMEZONE) all the same (`send --force`). */
  force?: boolean;
  /** Deliveries waiting for their wave go now too (`send --all-now`); their planned `due_at` stays. */
  allNow?: boolean;
}

export interface RunReport {
  date: IsoDate;
  mode: 'send' | 'dry-run' | 'test';
  subject: string;
  papers: number;
  /** The digest was built by this run (false: it was stored by an earlier run and is sent as it was). */
  built: boolean;
  sourceNote: string | null;
  /** Sources that failed while others answered (the digest was built without them). */
  sourceFailures: SourceFailure[];
  skippedItems: SkippedItem[];
  /** Deliveries settled by this run. */
  sent: number;
  failed: number;
  skipped: number;
  /** Deliveries of the date as a whole, after this run. */
  totals: { sent: number; failed: number; skipped: number; pending: number };
  /** dry-run: how many would get it. */
  recipients: number;
  failures: { email: string; error: string | null }[];
  archive: string | null;
  htmlBytes: number;
  /** Reader editions rendered by this run (each compiled by MJML once). */
  editions: number;
  /** How the send ended: ran to the end (run), or an admin paused or cancelled it. */
  control: SendControl;
  /** Deliveries the receiving server deferred past this run's retries: pending, for a later pass. */
  deferred: number;
  /** When the first of them may be tried again (ISO), or null. */
  nextTry: string | null;
  /** Deliveries waiting for their wave (their reader's hour has not come): pending, for a later send. dry-run: planned ones. */
  waiting: number;
  /** When the first of them is due (ISO), or null. */
  nextWave: string | null;
}

export function emptyReport(date: IsoDate, mode: RunReport['mode']): RunReport {
  return {
    date,
    mode,
    subject: '',
    papers: 0,
    built: false,
    sourceNote: null,
    sourceFailures: [],
    skippedItems: [],
    sent: 0,
    failed: 0,
    skipped: 0,
    totals: { sent: 0, failed: 0, skipped: 0, pending: 0 },
    recipients: 0,
    failures: [],
    archive: null,
    htmlBytes: 0,
    editions: 0,
    control: 'run',
    deferred: 0,
    nextTry: null,
    waiting: 0,
    nextWave: null,
  };
}
