import type { Command } from 'commander';
import { WEEKDAY_NAMES } from '../../domain.js';
import { listClock } from '../../schedule/waves.js';
import { requireSubscriber, subscriberHistory } from '../../subscribers/directory.js';
import { readerClock } from '../../subscribers/reader-clock.js';
import { type CliRun, EXIT, withContext } from '../run.js';
import { emailArg } from './arguments.js';

export function registerShow(cmd: Command, cli: CliRun): void {
  cmd
    .command('show <email>')
    .description("a subscriber's state, deliveries, votes and bounces")
    .action(async (value: string) => {
      await withContext(cli, async (ctx) => {
        const s = await requireSubscriber(ctx.db, emailArg(value));
        const { deliveries, votes, bounces } = await subscriberHistory(ctx.db, s.id);
        const clock = readerClock(s, listClock(ctx.config));
        const byDefault = (yes: boolean) => (yes ? ' (list default)' : '');
        const lines = [
          `email:        ${s.email}`,
          `name:         ${s.name ?? ''}`,
          `status:       ${s.status}${s.statusReason ? ` (${s.statusReason})` : ''}`,
          `topics:       ${s.topics.join(', ')}`,
          `frequency:    ${s.frequency === 'weekly' ? `weekly, on ${WEEKDAY_NAMES[s.weekday]}` : 'daily'}${s.sendAnyway ? ' (top papers when nothing matches)' : ''}`,
          `time zone:    ${clock.timezone}${byDefault(clock.defaultZone)}`,
          `hour:         ${clock.time}${byDefault(clock.defaultHour)}`,
          `paused until: ${s.pausedUntil ?? ''}`,
          `soft bounces: ${s.softBounces} in a row`,
          `added:        ${s.createdAt}`,
          `confirmed:    ${s.confirmedAt ?? ''}`,
          '',
          'deliveries:',
          ...deliveries.map(
            (d) =>
              `  ${d.date}  ${d.status.padEnd(7)}  attempts ${d.attempts}${d.sentAt ? `  sent ${d.sentAt}` : ''}${d.lastError ? `  ${d.lastError}` : ''}`,
          ),
          '',
          'votes (newest first):',
          ...votes.map(
            (v) => `  ${v.at.slice(0, 10)}  ${v.vote > 0 ? 'more like' : 'less like'}  ${v.paper.id}  ${v.paper.title}`,
          ),
          '',
          'bounces:',
          ...bounces.map((b) => `  ${b.created_at}  ${b.kind}  ${b.source}  ${b.status}  ${b.detail ?? ''}`),
        ];
        cli.stdout.write(`${lines.join('\n')}\n`);
        return EXIT.ok;
      });
    });
}
