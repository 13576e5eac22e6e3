import type { Command } from 'commander';
import { PaperboyError } from '../errors.js';
import { type CliRun, EXIT, withContext } from './run.js';

export function registerBounces(program: Command, cli: CliRun): void {
  const cmd = program.command('bounces').description('bounce reports');
  cmd
    .command('process')
    .description('apply the bounce reports (RFC 3464) and unsubscribe mails in PAPERBOY_BOUNCE_MAILDIR (new/ → cur/)')
    .option('--maildir <dir>', 'the Maildir folder (default: PAPERBOY_BOUNCE_MAILDIR)')
    .action(async (opts: { maildir?: string }) => {
      await withContext(cli, async (ctx) => {
        const dir = opts.maildir ?? ctx.config.bounceMaildir;
        if (!dir) {
          throw new PaperboyError('EUSAGE', 'no bounce Maildir', {
            hint: 'set PAPERBOY_BOUNCE_MAILDIR or pass --maildir DIR',
          });
        }
        const { processBounceMaildir } = await import('../pipeline/process-bounces.js');
        const r = await processBounceMaildir(ctx, dir);
        cli.stdout.write(
          `${dir}: ${r.files} messages · ${r.applied} bounces applied (${r.bounced} addresses now bounced) · ` +
            `${r.duplicates} already applied · ${r.refused} refusals of the message, not bounces · ${r.ignored} not ours or not bounces · ` +
            `${r.unsubscribed} readers unsubscribed by mail (${r.unsubscribeUnchanged} already gone, ${r.unsubscribeRefused} with a forged or damaged token)\n`,
        );
        return EXIT.ok;
      });
    });
}
