import { createWriteStream } from 'node:fs';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { parseDays } from '../config.js';
import { type SubscriberStatus, WEEKDAY_NAMES } from '../domain.js';
import { PaperboyError } from '../errors.js';
import type { AppContext } from '../pipeline/context.js';
import { bouncesOf } from '../store/bounces.js';
import { deliveriesOf } from '../store/deliveries.js';
import {
  findSubscriberByEmail,
  setFrequency,
  setSubscriberStatus,
  subscribersPage,
  upsertSubscriber,
} from '../store/subscribers.js';
import { voteLists, votesOf } from '../store/votes.js';
import { cleanName, emailProblem, normalizeEmail } from '../subscribers/email.js';
import { EXPORT_HEADER, exportLine } from '../subscribers/export-csv.js';
import type { importSubscribersCsv } from '../subscribers/import-csv.js';
import { parseTopics } from '../subscribers/topics.js';
import { counted } from '../text.js';
import { type CliRun, EXIT, withContext } from './run.js';

const STATUSES: SubscriberStatus[] = ['pending', 'active', 'unsubscribed', 'bounced'];

function emailArg(value: string): string {
  const email = normalizeEmail(value);
  if (!email) throw new PaperboyError('EUSAGE', `"${value}" is not an email address: ${emailProblem(value)}`);
  return email;
}

function statusOption(value: string | undefined): SubscriberStatus | undefined {
  if (value !== undefined && !STATUSES.includes(value as SubscriberStatus)) {
    throw new PaperboyError('EUSAGE', `--status: "${value}" is not one of ${STATUSES.join(', ')}`);
  }
  return value as SubscriberStatus | undefined;
}

/** Every subscriber matching the filters, a page at a time (keyset pagination: flat memory). */
async function* subscriberPages(ctx: AppContext, status?: SubscriberStatus, search?: string) {
  for (let afterId = 0; ; ) {
    const page = await subscribersPage(ctx.db, { afterId, limit: 1000, status, search });
    if (page.length === 0) return;
    yield page;
    afterId = page.at(-1)?.id ?? afterId;
  }
}

async function* allSubscribers(ctx: AppContext, status?: SubscriberStatus, search?: string) {
  for await (const page of subscriberPages(ctx, status, search)) yield* page;
}

export function registerSubscribers(program: Command, cli: CliRun): void {
  const cmd = program.command('subscribers').description('add, import, export, list, show and remove subscribers');

  cmd
    .command('add <email>')
    .description('add an active subscriber, or with --pending send them a confirmation first')
    .option('--name <name>', 'their name')
    .option('--topics <list>', 'comma-separated topics (keywords, arXiv categories, author:Name)')
    .option('--pending', 'double opt-in: add as pending and send the confirmation email')
    .option('--weekly <day>', "weekly instead of daily: the week's best on this day (mon … sun)")
    .option('--send-anyway', 'when nothing matches their topics, send the top papers anyway')
    .action(
      async (
        value: string,
        opts: { name?: string; topics?: string; pending?: boolean; weekly?: string; sendAnyway?: boolean },
      ) => {
        await withContext(cli, async (ctx) => {
          const email = emailArg(value);
          const topics = opts.topics === undefined ? null : parseTopics(opts.topics);
          const weekday = opts.weekly === undefined ? null : parseDays(opts.weekly);
          if (typeof weekday === 'string' || (weekday && weekday.length !== 1)) {
            throw new PaperboyError('EUSAGE', `--weekly: "${opts.weekly}" is not one day (use mon … sun)`);
          }
          const schedule = async (id: number) => {
            if (weekday || opts.sendAnyway) {
              await setFrequency(ctx.db, id, {
                frequency: weekday ? 'weekly' : 'daily',
                weekday: weekday?.[0] ?? 1,
                sendAnyway: opts.sendAnyway === true,
              });
            }
          };
          if (opts.pending) {
            const { signUp } = await import('../pipeline/sign-up.js');
            const { outcome, subscriber: pending } = await signUp(ctx, {
              email,
              name: opts.name,
              topics: topics ?? undefined,
            });
            if (outcome === 'created') await schedule(pending.id);
            const said: Record<typeof outcome, string> = {
              created: `added ${email} (pending): confirmation sent`,
              'confirmation-sent': `${email}: confirmation sent again`,
              throttled: `${email}: a confirmation went out less than 10 minutes ago; not sent again`,
              'already-active': `${email} is already active: nothing sent`,
            };
            cli.stdout.write(`${said[outcome]}\n`);
            return EXIT.ok;
          }
          const { subscriber, outcome } = await upsertSubscriber(ctx.db, {
            email,
            name: cleanName(opts.name),
            status: 'active',
            topics,
          });
          if (subscriber.status === 'pending') await setSubscriberStatus(ctx.db, subscriber.id, 'active');
          await schedule(subscriber.id);
          if (outcome === 'added') cli.stdout.write(`added ${email} (active)\n`);
          else if (subscriber.status === 'unsubscribed' || subscriber.status === 'bounced') {
            cli.stdout.write(
              `${email} is ${subscriber.status}: left as it is (they get no digest; \`subscribers import --resubscribe\` brings it back)\n`,
            );
          } else cli.stdout.write(`${email} already subscribed${outcome === 'updated' ? ' (updated)' : ''}\n`);
          return EXIT.ok;
        });
      },
    );

  cmd
    .command('import <file>')
    .description('import a CSV: a header line with email (and optionally name, topics, status), any order')
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
          const { importSubscribersCsv } = await import('../subscribers/import-csv.js');
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

  cmd
    .command('export')
    .description('write subscribers as CSV (email,name,topics,status,status_reason,created_at,votes)')
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
        for await (const page of subscriberPages(ctx, status)) {
          const votes = await voteLists(
            ctx.db,
            page.map((s) => s.id),
          );
          for (const s of page) {
            await write(exportLine(s, votes.get(s.id) ?? ''));
            n++;
          }
        }
        if (opts.out) await new Promise<void>((r) => (out as ReturnType<typeof createWriteStream>).end(r));
        cli.stderr.write(`exported ${n} subscriber${n === 1 ? '' : 's'}${opts.out ? ` to ${opts.out}` : ''}\n`);
        return EXIT.ok;
      });
    });

  cmd
    .command('list')
    .description('list subscribers (tab-separated: email, name, status, date added)')
    .option('--status <status>', `only this status: ${STATUSES.join(', ')}`)
    .option('--search <text>', 'only addresses or names containing this text')
    .action(async (opts: { status?: string; search?: string }) => {
      await withContext(cli, async (ctx) => {
        let n = 0;
        for await (const s of allSubscribers(ctx, statusOption(opts.status), opts.search)) {
          cli.stdout.write(`${s.email}\t${s.name ?? ''}\t${s.status}\t${s.createdAt.slice(0, 10)}\n`);
          n++;
        }
        cli.stderr.write(`${n} subscriber${n === 1 ? '' : 's'}\n`);
        return EXIT.ok;
      });
    });

  cmd
    .command('show <email>')
    .description("a subscriber's state, deliveries, votes and bounces")
    .action(async (value: string) => {
      await withContext(cli, async (ctx) => {
        const email = emailArg(value);
        const s = await findSubscriberByEmail(ctx.db, email);
        if (!s) throw new PaperboyError('ENOTFOUND', `${email} is not a subscriber`);
        const lines = [
          `email:        ${s.email}`,
          `name:         ${s.name ?? ''}`,
          `status:       ${s.status}${s.statusReason ? ` (${s.statusReason})` : ''}`,
          `topics:       ${s.topics.join(', ')}`,
          `frequency:    ${s.frequency === 'weekly' ? `weekly, on ${WEEKDAY_NAMES[s.weekday]}` : 'daily'}${s.sendAnyway ? ' (top papers when nothing matches)' : ''}`,
          `paused until: ${s.pausedUntil ?? ''}`,
          `soft bounces: ${s.softBounces} in a row`,
          `added:        ${s.createdAt}`,
          `confirmed:    ${s.confirmedAt ?? ''}`,
          '',
          'deliveries:',
          ...(await deliveriesOf(ctx.db, s.id)).map(
            (d) =>
              `  ${d.date}  ${d.status.padEnd(7)}  attempts ${d.attempts}${d.sentAt ? `  sent ${d.sentAt}` : ''}${d.lastError ? `  ${d.lastError}` : ''}`,
          ),
          '',
          'votes (newest first):',
          ...(await votesOf(ctx.db, s.id)).map(
            (v) => `  ${v.at.slice(0, 10)}  ${v.vote > 0 ? 'more like' : 'less like'}  ${v.paper.id}  ${v.paper.title}`,
          ),
          '',
          'bounces:',
          ...(await bouncesOf(ctx.db, s.id)).map(
            (b) => `  ${b.created_at}  ${b.kind}  ${b.source}  ${b.status}  ${b.detail ?? ''}`,
          ),
        ];
        cli.stdout.write(`${lines.join('\n')}\n`);
        return EXIT.ok;
      });
    });

  cmd
    .command('remove <email>')
    .description('suppress an address: it gets no further digest and import does not bring it back')
    .action(async (value: string) => {
      await withContext(cli, async (ctx) => {
        const email = emailArg(value);
        const s = await findSubscriberByEmail(ctx.db, email);
        if (!s) throw new PaperboyError('ENOTFOUND', `${email} is not a subscriber`);
        await setSubscriberStatus(ctx.db, s.id, 'unsubscribed', 'removed');
        cli.stdout.write(`removed ${email}: no further digests (suppressed; its history is kept)\n`);
        return EXIT.ok;
      });
    });
}
