import type { Command } from 'commander';
import { requireSubscriber } from '../../subscribers/directory.js';
import { remove } from '../../subscribers/lifecycle.js';
import { type CliRun, EXIT, withContext } from '../run.js';
import { emailArg } from './arguments.js';

export function registerRemove(cmd: Command, cli: CliRun): void {
  cmd
    .command('remove <email>')
    .description('suppress an address: it gets no further digest and import does not bring it back')
    .action(async (value: string) => {
      await withContext(cli, async (ctx) => {
        const email = emailArg(value);
        await remove(ctx.db, await requireSubscriber(ctx.db, email));
        cli.stdout.write(`removed ${email}: no further digests (suppressed; its history is kept)\n`);
        return EXIT.ok;
      });
    });
}
