import type { Command } from 'commander';
import { type CliRun, EXIT, withContext } from './run.js';

export function registerDoctor(program: Command, cli: CliRun): void {
  program
    .command('doctor')
    .description('check the settings, the store, the templates, the mail server and the source; say what to fix')
    .action(async () => {
      await withContext(cli, async (ctx) => {
        const { runDoctor } = await import('../pipeline/doctor.js');
        const checks = await runDoctor(ctx, (c) => {
          const mark = c.status === 'ok' ? 'ok  ' : c.status === 'warn' ? 'warn' : 'FAIL';
          cli.stdout.write(`${mark}  ${c.name.padEnd(9)} ${c.detail}\n`);
          if (c.fix) cli.stdout.write(`      ${''.padEnd(9)} → ${c.fix}\n`);
        });
        return checks.some((c) => c.status === 'fail') ? EXIT.error : EXIT.ok;
      });
    });
}
