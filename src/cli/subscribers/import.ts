import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { importSubscribersCsv } from '../../subscribers/import-csv.js';
import { counted } from '../../text.js';
import { type CliRun, EXIT, withContext } from '../run.js';

export function registerImport(cmd: Command, cli: CliRun): void {
  cmd
    .command('import <file>')
    .description(
      'import a CSV: a header line with email (and optionally name, topics, status, timezone, hour), any order',
    )
    .option('--resubscribe', 'make unsubscribed and bounced addresses listed as active active again')
    .option('--errors <file>', 'write every bad row (line, reason) to this CSV file')
    .action(async (file: string, opts: { resubscribe?: boolean; errors?: string }) => {
      await withContext(cli, async (ctx) => {
        const bar = cli.stderr.isTTY
          ? new SingleBar({
              format: ' {bar} {percentage}% · {eta_formatted} left',
              hideCursor: true,
              stream: cli.stderr,
            })
          : null;
        let started = false;
        const t0 = performance.now();
        let r: Awaited<ReturnType<typeof importSubscribersCsv>>;
        try {
          // The CSV parser loads with the import, not with every command.
          const { importSubscribersCsv } = await import('../../subscribers/import-csv.js');
          r = await importSubscribersCsv(ctx.db, file, {
            resubscribe: opts.resubscribe,
            errorsFile: opts.errors,
            onProgress: (bytes, total) => {
              if (!bar) return;
              if (!started) bar.start(total, 0);
              started = true;
              bar.update(bytes);
            },
          });
        } finally {
          bar?.stop();
        }
        const seconds = (performance.now() - t0) / 1000;
        for (const b of r.bad) cli.stderr.write(`${file} line ${b.line}: ${b.reason}\n`);
        if (r.badCount > r.bad.length) {
          cli.stderr.write(
            `… and ${counted(r.badCount - r.bad.length, 'more bad row')}${opts.errors ? ` (all in ${opts.errors})` : ' (--errors FILE lists them all)'}\n`,
          );
        }
        cli.stdout.write(
          `imported ${file}: ${counted(r.rows, 'row')} in ${seconds.toFixed(1)} s · ${r.added} added, ${r.updated} updated, ` +
            `${r.unchanged} unchanged, ${r.merged} repeated in the file, ${r.suppressed} left suppressed, ` +
            `${r.resubscribed} resubscribed, ${counted(r.badCount, 'bad row')} skipped\n`,
        );
        return r.badCount > 0 ? EXIT.partial : EXIT.ok;
      });
    });
}
