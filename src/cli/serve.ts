import type { Command } from 'commander';
import { describeStore } from '../store/db.js';
import { findDigest } from '../store/digests.js';
import { EXIT, withContext } from './run.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the daily scheduler and the web server (what `npm start` runs)')
    .action(async () => {
      await withContext(
        async (ctx) => {
          const { config, log } = ctx;
          const [
            { serve },
            { SendRegistry, whyUnfinished },
            { startScheduler },
            { createApp },
            { formatInTimeZone },
            { maintain },
          ] = await Promise.all([
            import('@hono/node-server'),
            import('../pipeline/sends.js'),
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
          // One registry of running sends: the scheduler and the admin API share it. On SIGTERM a send
          // in progress finishes the messages in flight; the rest stay pending.
          const sends = new SendRegistry(ctx);
          const scheduler = startScheduler({
            expression: config.schedule,
            timezone: config.timezone,
            log,
            run: (date) => sends.start(date).finished,
            isDone: async (date) => (await findDigest(ctx.db, date))?.status === 'sent',
            catchUpMs: config.catchUpMs,
            retryReason: whyUnfinished,
          });
          await scheduler.ready;
          const app = createApp(ctx, { nextRun: scheduler.nextRun, notes: scheduler.notes, sends });
          const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
            const s = serve(
              { fetch: app.fetch, port: config.port, ...(config.host ? { hostname: config.host } : {}) },
              () => resolve(s),
            );
            s.once('error', reject);
          });
          const address = server.address();
          const port = typeof address === 'object' && address ? address.port : config.port;
          const next = scheduler.nextRun();
          const mail = config.smtpUrl
            ? ctx.transport.description
            : `outbox mode: messages are written to ${config.outboxDir}`;
          process.stdout.write(
            `paperboy is running on http://${!config.host ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host}:${port}\n` +
              `  next digest: ${next ? formatInTimeZone(next, config.timezone) : 'none scheduled'} (PAPERBOY_SCHEDULE "${config.schedule}")\n` +
              `  mail: ${mail}\n` +
              `  store: ${describeStore(config.database)}\n` +
              (config.trustProxy && !config.adminToken
                ? '  warning: the admin, the API and the outbox are closed: PAPERBOY_TRUST_PROXY=1 and no PAPERBOY_ADMIN_TOKEN (set one: openssl rand -hex 24)\n'
                : '') +
              '  stop with Ctrl-C\n',
          );
          if (config.trustProxy && !config.adminToken) {
            log.warn(
              { event: 'serve.admin_closed' },
              'behind a proxy with no PAPERBOY_ADMIN_TOKEN: the admin is closed',
            );
          }
          log.info({ event: 'serve.started', port, next_run: next?.toISOString() }, 'serving');
          await new Promise<void>((resolve) => {
            const stop = () => resolve();
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
          });
          log.info({ event: 'serve.stopping', sends_running: sends.size }, 'stopping');
          clearInterval(maintenance);
          await scheduler.stop();
          await maintaining;
          await sends.stopAll();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          return EXIT.ok;
        },
        { defaultLogLevel: 'info' },
      );
    });
}
