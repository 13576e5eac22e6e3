import type { Command } from 'commander';
import type { SubscriberStatus } from '../domain.js';
import { PaperboyError } from '../errors.js';
import { findSubscriberByEmail, setSubscriberStatus, subscribersPage, upsertSubscriber } from '../store/subscribers.js';
import { cleanName, normalizeEmail } from '../subscribers/email.js';
import { importSubscribersCsv } from '../subscribers/import-csv.js';
import { EXIT, withContext } from './run.js';

const STATUSES: SubscriberStatus[] = ['pending', 'active', 'unsubscribed', 'bounced'];

function emailArg(value: string): string {
  const email = normalizeEmail(value);
  if (!email) throw new PaperboyError('EUSAGE', `"${value}" is not an email address`);
  return email;
}

export function registerSubscribers(program: Command): void {
  const cmd = program.command('subscribers').description('add, import, list and remove subscribers');

  cmd
    .command('add <email>')
    .description('add an active subscriber (an address that unsubscribed stays unsubscribed)')
    .option('--name <name>', 'their name')
    .action(async (value: string, opts: { name?: string }) => {
      await withContext(async (ctx) => {
        const email = emailArg(value);
        const { subscriber, outcome } = await upsertSubscriber(ctx.db, {
          email,
          name: cleanName(opts.name),
          status: 'active',
        });
        if (subscriber.status === 'pending') await setSubscriberStatus(ctx.db, subscriber.id, 'active');
        if (outcome === 'added') process.stdout.write(`added ${email} (active)\n`);
        else if (subscriber.status === 'unsubscribed' || subscriber.status === 'bounced') {
          process.stdout.write(`${email} is ${subscriber.status}: left as it is (they get no digest)\n`);
        } else process.stdout.write(`${email} already subscribed${outcome === 'updated' ? ' (name updated)' : ''}\n`);
        return EXIT.ok;
      });
    });

  cmd
    .command('import <file>')
    .description('import a CSV file with a header line: email,name (bad rows are reported, good rows imported)')
    .action(async (file: string) => {
      await withContext(async (ctx) => {
        const r = await importSubscribersCsv(ctx.db, file);
        for (const b of r.bad) process.stderr.write(`${file} line ${b.line}: ${b.reason}\n`);
        process.stdout.write(
          `imported ${file}: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ` +
            `${r.duplicates} duplicates merged, ${r.bad.length} bad rows skipped\n`,
        );
        return r.bad.length > 0 ? EXIT.partial : EXIT.ok;
      });
    });

  cmd
    .command('list')
    .description('list subscribers (tab-separated: email, name, status, since)')
    .option('--status <status>', `only this status: ${STATUSES.join(', ')}`)
    .action(async (opts: { status?: string }) => {
      await withContext(async (ctx) => {
        const status = opts.status as SubscriberStatus | undefined;
        if (status && !STATUSES.includes(status)) {
          throw new PaperboyError('EUSAGE', `--status: "${opts.status}" is not one of ${STATUSES.join(', ')}`);
        }
        let n = 0;
        for (let afterId = 0; ; ) {
          const page = await subscribersPage(ctx.db, { afterId, limit: 1000, status });
          if (page.length === 0) break;
          for (const s of page) {
            process.stdout.write(`${s.email}\t${s.name ?? ''}\t${s.status}\t${s.createdAt.slice(0, 10)}\n`);
          }
          n += page.length;
          afterId = page.at(-1)?.id ?? afterId;
        }
        process.stderr.write(`${n} subscriber${n === 1 ? '' : 's'}\n`);
        return EXIT.ok;
      });
    });

  cmd
    .command('remove <email>')
    .description('unsubscribe an address: it gets no further digest (its delivery history is kept)')
    .action(async (value: string) => {
      await withContext(async (ctx) => {
        const email = emailArg(value);
        const s = await findSubscriberByEmail(ctx.db, email);
        if (!s) throw new PaperboyError('ENOTFOUND', `${email} is not a subscriber`);
        await setSubscriberStatus(ctx.db, s.id, 'unsubscribed');
        process.stdout.write(`removed ${email}: no further digests\n`);
        return EXIT.ok;
      });
    });
}
