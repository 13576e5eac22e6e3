import type { Command } from 'commander';
import { PARENT_ENV, parentGone } from '../cluster/local-workers.js';
import { type CliRun, withContext } from './run.js';

export function registerWorker(program: Command, cli: CliRun): void {
  program
    .command('worker')
    .description('work send batches from the queue (PostgreSQL store): run any number, on any machine')
    .action(async () => {
      await withContext(
        cli,
        async (ctx) => {
          const { openBoss } = await import('../cluster/jobs.js');
          const { startSendWorker } = await import('../cluster/worker.js');
          const { senderOptions } = await import('../send/sender.js');
          const boss = await openBoss(ctx.config, ctx.log);
          const worker = await startSendWorker({ send: senderOptions(ctx.config, ctx), config: ctx.config }, boss);
          ctx.log.info({ event: 'worker.started', pid: process.pid }, `worker ${process.pid} is waiting for batches`);
          cli.stdout.write(`paperboy worker ${process.pid}: waiting for send batches (Ctrl-C stops)\n`);
          // Started by `send --workers N`: it also ends when that send is gone (killed, say).
          const parent = Number(cli.env[PARENT_ENV] ?? 0);
          const orphaned = parent > 0 ? parentGone(parent) : null;
          await new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
            orphaned?.promise.then(resolve);
          });
          orphaned?.cancel();
          // The batch at hand finishes its messages in flight; the rest of its range stays pending.
          await worker.stop();
          await boss.stop({ graceful: true, wait: true, timeout: 30_000, close: true });
          cli.stdout.write(`paperboy worker ${process.pid}: stopped after ${worker.batches()} batches\n`);
          return undefined;
        },
        { defaultLogLevel: 'info' },
      );
    });
}
