import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { actAsIf, nowDate } from '../clock.js';
import { isPaperboyError, PaperboyError } from '../errors.js';
import type { AppContext } from '../pipeline/context.js';
import type { RunReport } from '../pipeline/run-digest.js';
import { dateProblem } from '../select/dates.js';
import { SendEvents } from '../send/events.js';
import { dateInZone } from '../time-zone.js';
import { type CliOutput, type CliRun, EXIT, withContext } from './run.js';

export function parseDateOption(value: string | undefined, timezone: string): string {
  if (value === undefined) return dateInZone(nowDate(), timezone);
  const problem = dateProblem(value);
  if (problem) throw new PaperboyError('EUSAGE', `--date ${problem}`);
  return value;
}

/** An instant in ISO 8601 with its zone (`2026-12-02T17:00Z`, `2026-12-02T18:00+01:00`): `send --at`. */
const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseAtOption(value: string): number {
  const at = AT.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) {
    throw new PaperboyError('EUSAGE', `--at: "${value}" is not a time in ISO 8601 with its zone`, {
      hint: 'write it as YYYY-MM-DDTHH:MMZ (UTC) or with an offset, e.g. --at 2026-12-02T17:00Z',
    });
  }
  return at;
}

/** An ISO instant as the CLI prints it: `2026-12-02 17:00 UTC`. */
const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** `1,200 waiting for their wave (next at 2026-12-02 17:00 UTC)`, or null when none wait. */
export function waitingLine(r: RunReport): string | null {
  if (r.waiting === 0) return null;
  const next = r.nextWave ? ` (next at ${utc(r.nextWave)})` : '';
  return `${r.waiting.toLocaleString('en-US')} waiting for their wave${next}`;
}

export function summaryLine(r: RunReport): string {
  if (r.mode === 'dry-run') {
    return `${r.date}: dry run, nothing sent · ${r.papers} papers · ${r.recipients} would receive it · "${r.subject}" (${Math.round(r.htmlBytes / 1024)} KB HTML)`;
  }
  if (r.mode === 'test') return `${r.date}: test copy sent · ${r.papers} papers · "${r.subject}"`;
  const t = r.totals;
  return (
    `${r.date}: sent ${r.sent}, failed ${r.failed}, skipped ${r.skipped}` +
    ` · for the date: ${t.sent} sent, ${t.failed} failed, ${t.skipped} skipped, ${t.pending} pending` +
    ` · "${r.subject}"`
  );
}

/** What a send did, as `send` prints it: notes, failures, the summary line and where the archive is. */
function printReport(stdout: CliOutput, report: RunReport): void {
  const out = (line: string) => stdout.write(`${line}\n`);
  if (report.sourceNote) out(`note: ${report.sourceNote}`);
  for (const f of report.sourceFailures) {
    out(`source failed: ${f.source}: ${f.error} (the digest was built from the other sources)`);
  }
  for (const s of report.skippedItems) {
    const from = s.source ? ` of ${s.source}` : '';
    out(`skipped source item ${s.index}${s.id ? ` (${s.id})` : ''}${from}: ${s.reason}`);
  }
  for (const f of report.failures) out(`failed: ${f.email}: ${f.error ?? 'unknown'}`);
  if (report.control !== 'run') out(`an admin asked to ${report.control} this send: it stopped`);
  if (report.deferred > 0) {
    const when = report.nextTry ? ` from ${utc(report.nextTry)}` : '';
    out(
      `deferred: ${report.deferred} ${report.deferred === 1 ? 'delivery' : 'deliveries'} the receiving servers asked to try later (greylisting, a full mailbox): pending, sent by the next send of ${report.date}${when} (serve tries again by itself)`,
    );
  }
  const waiting = waitingLine(report);
  if (waiting) {
    out(
      report.mode === 'dry-run'
        ? `${waiting}: their hour has not come yet`
        : `${waiting}: pending, sent when their hour comes (serve sends them; or: paperboy send --date ${report.date} --all-now)`,
    );
  }
  out(summaryLine(report));
  if (report.archive) out(`archive: ${report.archive}`);
}

type SendFlags = {
  date?: string;
  dryRun?: boolean;
  to?: string;
  resume?: string;
  force?: boolean;
  workers: string;
  allNow?: boolean;
  at?: string;
};

export function registerSend(program: Command, cli: CliRun): void {
  program
    .command('send')
    .description("build the date's digest and send it to every active subscriber (only what is still pending)")
    .option('--date <YYYY-MM-DD>', 'the digest date (default: today in PAPERBOY_TIMEZONE)')
    .option('--dry-run', 'render and report; send and store nothing')
    .option('--to <email>', 'send one test copy to this address only; no delivery is marked done')
    .option('--resume <YYYY-MM-DD>', 'continue a paused or cancelled send of that date from the ledger')
    .option('--force', 'send a date after tomorrow (in PAPERBOY_TIMEZONE) all the same')
    .option('--all-now', "send every pending delivery now, also those waiting for their reader's hour (their wave)")
    .option('--at <TIME>', 'act as if it were TIME (ISO 8601, e.g. 2026-12-02T17:00Z): what is due then is sent')
    .option(
      '--workers <N>',
      'PostgreSQL store: batch workers on this machine, this process and N-1 `paperboy worker` processes (0 = only enqueue and wait for workers elsewhere)',
      '1',
    )
    .action(async (opts: SendFlags) => {
      try {
        await withContext(cli, (ctx) => send(cli, ctx, opts));
      } finally {
        actAsIf(null);
      }
    });
}

async function send(cli: CliRun, ctx: AppContext, opts: SendFlags): Promise<number> {
  const workers = Number(opts.workers);
  if (!Number.isInteger(workers) || workers < 0 || workers > 64) {
    throw new PaperboyError('EUSAGE', `--workers: "${opts.workers}" is not a number from 0 to 64`);
  }
  if (opts.at !== undefined) actAsIf(parseAtOption(opts.at));
  const date = parseDateOption(opts.resume ?? opts.date, ctx.config.timezone);
  const bar = cli.stdout.isTTY
    ? new SingleBar({ format: ' {bar} {value}/{total} deliveries · {eta_formatted} left', hideCursor: true })
    : null;
  const { runDigest } = await import('../pipeline/run-digest.js');
  const events = new SendEvents();
  events.on('send.progress', ({ done, total }) => {
    if (!bar || total === 0) return;
    if (done === 0) bar.start(total, 0);
    else bar.update(done);
  });
  let report: RunReport;
  let ended: RunReport | null = null;
  try {
    report = await runDigest(ctx, {
      date,
      dryRun: opts.dryRun,
      to: opts.to,
      resume: opts.resume !== undefined,
      force: opts.force === true,
      allNow: opts.allNow === true,
      workers,
      events,
      onReport: (r) => {
        ended = r;
      },
    });
  } catch (err) {
    if (isPaperboyError(err, 'ENOPAPERS')) {
      cli.stdout.write(`${err.message}\n`);
      return EXIT.ok;
    }
    // A send that stopped (the relay, the store): what it did and what is left, then why.
    bar?.stop();
    if (ended) printReport(cli.stdout, ended);
    throw err;
  } finally {
    bar?.stop();
  }
  printReport(cli.stdout, report);
  return report.failed > 0 ? EXIT.partial : EXIT.ok;
}
