import type { ServerType } from '@hono/node-server';
import type { Command } from 'commander';
import { baseUrlPortWarning } from '../config.js';
import { PaperboyError } from '../errors.js';
import { noDigestYet } from '../pipeline/digests.js';
import { storeLocation } from '../pipeline/store-status.js';
import { type CliRun, EXIT, withContext } from './run.js';

export function registerServe(program: Command, cli: CliRun): void {
  program
    .command('serve')
    .description('run the daily scheduler and the web server (what `npm start` runs)')
    .action(async () => {
      await withContext(
        cli,
        async (ctx) => {
          const { config, log } = ctx;
          const [
            { serve },
            { SendRegistry },
            { startScheduler },
            { createApp },
            { formatInTimeZone },
            { maintain },
            { isReleased, unfinishedBesidesWaves, waveHooks },
            { startWebhooks },
          ] = await Promise.all([
            import('@hono/node-server'),
            import('../pipeline/sends.js'),
            import('../schedule/scheduler.js'),
            import('../server/app.js'),
            import('../time-zone.js'),
            import('../pipeline/maintenance.js'),
            import('../pipeline/wave-ticks.js'),
            import('../pipeline/webhooks.js'),
          ]);
          // One registry of running sends: the scheduler and the admin API share it. On SIGTERM a send
          // in progress finishes the messages in flight; the rest stay pending.
          const sends = new SendRegistry(ctx);
          // The port first: a port in use ends the command before the scheduler (whose timers would
          // keep the process alive) or a catch-up send starts.
          let scheduler: ReturnType<typeof startScheduler> | undefined;
          const app = createApp(ctx, {
            nextRun: () => scheduler?.nextRun() ?? null,
            notes: () => scheduler?.notes() ?? [],
            scheduler: { lastLoop: () => scheduler?.lastLoop() ?? null },
            sends,
          });
          const server = await listenOn(serve, app.fetch, config.port, config.host);
          // Every 5 minutes: expire unconfirmed sign-ups, apply bounce reports (PAPERBOY_BOUNCE_MAILDIR).
          let maintaining: Promise<void> = maintain(ctx);
          const maintenance = setInterval(() => {
            maintaining = maintaining.then(() => maintain(ctx));
          }, 5 * 60_000);
          // PAPERBOY_WEBHOOKS: the events outbox, sent every few seconds (docs/operations.md#webhooks).
          const webhooks = config.webhooks ? startWebhooks(ctx.db, log, config.webhooks) : null;
          scheduler = startScheduler({
            expression: config.schedule,
            timezone: config.timezone,
            log,
            run: (date) => sends.start(date).finished,
            // Released (built, planned, sent to those due): the rest goes out in waves.
            isDone: (date) => isReleased(ctx, date),
            catchUpMs: config.catchUpMs,
            retryReason: (outcome) => unfinishedBesidesWaves(ctx, outcome),
            // On every quarter hour: missed waves skipped with a note, what is due sent.
            waves: waveHooks(ctx),
            firstStart: {
              isNew: () => noDigestYet(ctx),
              build: async (date) => (await import('../pipeline/run-digest.js')).storeDigest(ctx, date),
            },
          });
          await scheduler.ready;
          // Listening for Ctrl-C and SIGTERM before saying "running": a stop asked as soon as the
          // banner is read must not find the default handler (which ends the process at once).
          const stopAsked = new Promise<void>((resolve) => {
            const stop = () => resolve();
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
          });
          const address = server.address();
          const port = typeof address === 'object' && address ? address.port : config.port;
          const next = scheduler.nextRun();
          const portWarning = baseUrlPortWarning(config.baseUrl, port);
          if (portWarning) log.warn({ event: 'serve.base_url_port', base_url: config.baseUrl, port }, portWarning);
          const mail = config.smtpUrl
            ? ctx.transport.description
            : `outbox mode: messages are written to ${config.outboxDir}`;
          cli.stdout.write(
            `paperboy is running on http://${!config.host ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host}:${port}\n` +
              `  next digest: ${next ? formatInTimeZone(next, config.timezone) : 'none scheduled'} (PAPERBOY_SCHEDULE "${config.schedule}")\n` +
              `  mail: ${mail}\n` +
              `  store: ${storeLocation(config)}\n` +
              (portWarning ? `  warning: ${portWarning}\n` : '') +
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
          await stopAsked;
          log.info({ event: 'serve.stopping', sends_running: sends.size }, 'stopping');
          clearInterval(maintenance);
          await scheduler.stop();
          await maintaining;
          await sends.stopAll();
          await webhooks?.stop();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          return EXIT.ok;
        },
        { defaultLogLevel: 'info' },
      );
    });
}

/**
 * Listens on the port, or throws what a person can act on: a port in use or not allowed names
 * PAPERBOY_PORT (and PAPERBOY_HOST) as the fix.
 */
function listenOn(
  serve: typeof import('@hono/node-server').serve,
  fetch: Parameters<typeof import('@hono/node-server').serve>[0]['fetch'],
  port: number,
  host: string | null,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const s = serve({ fetch, port, ...(host ? { hostname: host } : {}) }, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) => {
      s.close();
      const where = host ? `${host}:${port}` : `port ${port}`;
      if (err.code === 'EADDRINUSE') {
        reject(
          new PaperboyError('ECONFIG', `${where} is in use`, {
            hint: 'stop the program that holds it, or run paperboy on another port: PAPERBOY_PORT=3001 npm start',
            cause: err,
          }),
        );
      } else if (err.code === 'EACCES') {
        reject(
          new PaperboyError('ECONFIG', `${where} is not allowed for this user`, {
            hint: 'ports under 1024 need privileges: use PAPERBOY_PORT=3000 behind a proxy',
            cause: err,
          }),
        );
      } else if (err.code === 'EADDRNOTAVAIL') {
        reject(
          new PaperboyError('ECONFIG', `PAPERBOY_HOST ${host ?? ''} is not an address of this machine`, {
            hint: 'leave PAPERBOY_HOST unset (all addresses) or set one this machine has',
            cause: err,
          }),
        );
      } else reject(err);
    });
  });
}
