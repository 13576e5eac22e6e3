import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { subscriberPagesWithVotes } from '../../subscribers/directory.js';
import { EXPORT_HEADER, exportLine } from '../../subscribers/export-csv.js';
import { type CliRun, EXIT, withContext } from '../run.js';
import { STATUSES, statusOption } from './arguments.js';

export function registerExport(cmd: Command, cli: CliRun): void {
  cmd
    .command('export')
    .description('write subscribers as CSV (email,name,topics,status,status_reason,timezone,hour,created_at,votes)')
    .option('--status <status>', `only this status: ${STATUSES.join(', ')}`)
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (opts: { status?: string; out?: string }) => {
      await withContext(cli, async (ctx) => {
        const status = statusOption(opts.status);
        const out = opts.out ? createWriteStream(opts.out) : cli.stdout;
        const write = (line: string) =>
          out.write(`${line}\n`) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
        await write(EXPORT_HEADER);
        let n = 0;
        for await (const page of subscriberPagesWithVotes(ctx.db, status)) {
          for (const { subscriber, votes } of page) {
            await write(exportLine(subscriber, votes));
            n++;
          }
        }
        if (opts.out) await new Promise<void>((r) => (out as ReturnType<typeof createWriteStream>).end(r));
        cli.stderr.write(`exported ${n} subscriber${n === 1 ? '' : 's'}${opts.out ? ` to ${opts.out}` : ''}\n`);
        return EXIT.ok;
      });
    });
}
