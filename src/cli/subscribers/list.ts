import type { Command } from 'commander';
import { subscriberPages } from '../../subscribers/directory.js';
import { type CliRun, EXIT, withContext } from '../run.js';
import { STATUSES, statusOption } from './arguments.js';

export function registerList(cmd: Command, cli: CliRun): void {
  cmd
    .command('list')
    .description('list subscribers (tab-separated: email, name, status, date added)')
    .option('--status <status>', `only this status: ${STATUSES.join(', ')}`)
    .option('--search <text>', 'only addresses or names containing this text')
    .action(async (opts: { status?: string; search?: string }) => {
      await withContext(cli, async (ctx) => {
        let n = 0;
        const filter = { status: statusOption(opts.status), search: opts.search };
        for await (const page of subscriberPages(ctx.db, filter)) {
          for (const s of page) {
            cli.stdout.write(`${s.email}\t${s.name ?? ''}\t${s.status}\t${s.createdAt.slice(0, 10)}\n`);
            n++;
          }
        }
        cli.stderr.write(`${n} subscriber${n === 1 ? '' : 's'}\n`);
        return EXIT.ok;
      });
    });
}
