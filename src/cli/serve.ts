import type { Command } from 'commander';
import { EXIT, withContext } from './run.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the daily scheduler and the web server (what `npm start` runs)')
    .action(async () => {
      await withContext(
        async (ctx) => {
          const { config, log } = ctx;
          const [{ serve }, { runDigest }, { startScheduler }, { createApp }, { formatInTimeZone }, { maintain }] =
            await Promise.all([
              import('@hono/node-server'),
              import('../pipeline/run-digest.js'),
              import('../schedule/scheduler.js'),
              import('../server/app.js'),
              import('../server/time.js'),
              import('../pipeline/maintenance.js'),
            ]);
          // Every 5 minutes: expire unconfirmed sign-ups, apply bounce reports (PAPERBOY_BOUNCE_MAILDIR).
          let maintaining: Promise<void> = maintain(ctx);
          const maintenance = setInterval(() => {
            maintaining = maintaining.then(() => maintain(ctx));
          }, 5 * 60_000);
          // On SIGTERM a send in progress finishes the messages in flight; the rest stay pending.
          const stopping = new AbortController();
          const running = new Set<Promise<unknown>>();
          const scheduler = startScheduler({
            expression: config.schedule,
            timezone: config.timezone,
            log,
            run: async (date) => {
              const run = runDigest(ctx, { date, signal: stopping.signal });
              running.add(run);
              try {
                return await run;
              } finally {
                running.delete(run);
              }
            },
          });
          const app = createApp(ctx, { nextRun: scheduler.nextRun });
          const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
            const s = serve({ fetch: app.fetch, port: config.port }, () => resolve(s));
            s.once('error', reject);
          });
          const address = server.address();
          const port = typeof address === 'object' && address ? address.port : config.port;
          const next = scheduler.nextRun();
          const mail = config.smtpUrl
            ? ctx.transport.description
            : `outbox mode: messages are written to ${config.outboxDir}`;
          process.stdout.write(
            `paperboy is running on http://localhost:${port}\n` +
              `  next digest: ${next ? formatInTimeZone(next, config.timezone) : 'none scheduled'} (PAPERBOY_SCHEDULE "${config.schedule}")\n` +
              `  mail: ${mail}\n` +
              `  store: ${config.databasePath}\n` +
              '  stop with Ctrl-C\n',
          );
          log.info({ event: 'serve.started', port, next_run: next?.toISOString() }, 'serving');
          await new Promise<void>((resolve) => {
            const stop = () => resolve();
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
          });
          log.info({ event: 'serve.stopping', sends_running: running.size }, 'stopping');
          stopping.abort();
          clearInterval(maintenance);
          await scheduler.stop();
          await maintaining;
          await Promise.allSettled([...running]);
          await new Promise<void>((resolve) => server.close(() => resolve()));
          return EXIT.ok;
        },
        { defaultLogLevel: 'info' },
      );
    });
}
