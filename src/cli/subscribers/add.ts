import type { Command } from 'commander';
import { parseDays } from '../../config.js';
import { PaperboyError } from '../../errors.js';
import { addSubscriber, type Schedule, setSchedule } from '../../subscribers/lifecycle.js';
import { hourOption, type ReaderClock, timezoneOption } from '../../subscribers/reader-clock.js';
import { parseTopics } from '../../subscribers/topics.js';
import { type CliRun, EXIT, withContext } from '../run.js';
import { emailArg } from './arguments.js';

interface AddOptions {
  name?: string;
  topics?: string;
  pending?: boolean;
  weekly?: string;
  sendAnyway?: boolean;
  timezone?: string;
  hour?: string;
}

/** `--timezone Z` and `--hour H` (each '' for the list's default); a field not given stays as stored. */
function clockOf(opts: AddOptions): Partial<ReaderClock> {
  return {
    ...(opts.timezone === undefined ? {} : { timezone: timezoneOption(opts.timezone) }),
    ...(opts.hour === undefined ? {} : { hour: hourOption(opts.hour) }),
  };
}

/** `--weekly DAY` and `--send-anyway` as a schedule; null when neither is given (the stored one stays). */
function scheduleOf(opts: AddOptions): Schedule | null {
  const weekday = opts.weekly === undefined ? null : parseDays(opts.weekly);
  if (typeof weekday === 'string' || (weekday && weekday.length !== 1)) {
    throw new PaperboyError('EUSAGE', `--weekly: "${opts.weekly}" is not one day (use mon … sun)`);
  }
  if (!weekday && !opts.sendAnyway) return null;
  return { frequency: weekday ? 'weekly' : 'daily', weekday: weekday?.[0] ?? 1, sendAnyway: opts.sendAnyway === true };
}

export function registerAdd(cmd: Command, cli: CliRun): void {
  cmd
    .command('add <email>')
    .description('add an active subscriber, or with --pending send them a confirmation first')
    .option('--name <name>', 'their name')
    .option('--topics <list>', 'comma-separated topics (keywords, arXiv categories, author:Name)')
    .option('--pending', 'double opt-in: add as pending and send the confirmation email')
    .option('--weekly <day>', "weekly instead of daily: the week's best on this day (mon … sun)")
    .option('--send-anyway', 'when nothing matches their topics, send the top papers anyway')
    .option('--timezone <zone>', "their IANA time zone, e.g. Europe/Berlin ('' for PAPERBOY_TIMEZONE)")
    .option('--hour <hour>', "the hour their digest is due on their clock, 0-23 ('' for the schedule's)")
    .action(async (value: string, opts: AddOptions) => {
      await withContext(cli, async (ctx) => {
        const email = emailArg(value);
        const topics = opts.topics === undefined ? null : parseTopics(opts.topics);
        const schedule = scheduleOf(opts);
        const clock = clockOf(opts);
        if (opts.pending) {
          const { signUp } = await import('../../pipeline/sign-up.js');
          const { outcome, subscriber: pending } = await signUp(ctx, {
            email,
            name: opts.name,
            topics: topics ?? undefined,
            ...clock,
          });
          if (outcome === 'created' && schedule) await setSchedule(ctx.db, pending.id, schedule);
          const said: Record<typeof outcome, string> = {
            created: `added ${email} (pending): confirmation sent`,
            'confirmation-sent': `${email}: confirmation sent again`,
            throttled: `${email}: a confirmation went out less than 10 minutes ago; not sent again`,
            'already-active': `${email} is already active: nothing sent`,
          };
          cli.stdout.write(`${said[outcome]}\n`);
          return EXIT.ok;
        }
        const { subscriber, outcome } = await addSubscriber(ctx.db, {
          email,
          name: opts.name,
          topics,
          schedule,
          clock,
        });
        if (outcome === 'added') cli.stdout.write(`added ${email} (active)\n`);
        else if (subscriber.status === 'unsubscribed' || subscriber.status === 'bounced') {
          cli.stdout.write(
            `${email} is ${subscriber.status}: left as it is (they get no digest; \`subscribers import --resubscribe\` brings it back)\n`,
          );
        } else cli.stdout.write(`${email} already subscribed${outcome === 'updated' ? ' (updated)' : ''}\n`);
        return EXIT.ok;
      });
    });
}
