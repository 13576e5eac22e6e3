import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { PaperboyError } from '../errors.js';
import { dateProblem } from '../select/dates.js';
import { deliveryCounts, failedDeliveries } from '../store/deliveries.js';
import { deleteUnsentDigest, digestPapers, findDigest, listDigests } from '../store/digests.js';
import { editionsOf } from '../store/editions.js';
import { counted } from '../text.js';
import { type CliRun, EXIT, withContext } from './run.js';

export function registerDigests(program: Command, cli: CliRun): void {
  const cmd = program.command('digests').description('the digests that went out');

  cmd
    .command('list')
    .description('one line per digest: date, status, deliveries, subject')
    .option('--limit <n>', 'at most this many, newest first', '30')
    .action(async (opts: { limit: string }) => {
      await withContext(cli, async (ctx) => {
        for (const d of await listDigests(ctx.db, Math.max(1, Number(opts.limit) || 30))) {
          const full = await findDigest(ctx.db, d.date);
          const c = full ? await deliveryCounts(ctx.db, full.id) : null;
          const counts = c
            ? `sent ${c.sent}, failed ${c.failed}, skipped ${c.skipped}, pending ${c.pending + c.sending}`
            : '';
          cli.stdout.write(`${d.date}\t${d.status}\t${counts}\t${d.subject}\n`);
        }
        return EXIT.ok;
      });
    });

  cmd
    .command('show <date>')
    .description("a digest's papers, editions and deliveries")
    .action(async (date: string) => {
      await withContext(cli, async (ctx) => {
        const problem = dateProblem(date);
        if (problem) throw new PaperboyError('EUSAGE', problem);
        const d = await findDigest(ctx.db, date);
        if (!d)
          throw new PaperboyError('ENOTFOUND', `no digest for ${date}`, {
            hint: '`paperboy digests list` shows the dates',
          });
        const c = await deliveryCounts(ctx.db, d.id);
        const lines = [
          `date:       ${d.date}`,
          `subject:    ${d.subject}`,
          `status:     ${d.status}${d.sentAt ? ` (finished ${d.sentAt})` : ''}`,
          `deliveries: sent ${c.sent}, failed ${c.failed}, skipped ${c.skipped}, pending ${c.pending + c.sending}`,
          `web:        ${ctx.config.baseUrl}/digests/${d.date}`,
          '',
          'papers:',
          ...(await digestPapers(ctx.db, d.id)).map((p, i) => `  ${i + 1}. ${p.title} (${p.id}, ▲ ${p.upvotes})`),
          '',
          'editions:',
          ...(await editionsOf(ctx.db, d.id)).map(
            (e) =>
              `  #${e.id} ${e.frequency}${e.topics.length ? ` · ${e.topics.join(', ')}` : ' · no topics'} · ${counted(e.papers.length, 'paper')} · ${counted(e.subscribers, 'reader')} · ${Math.round(e.htmlBytes / 1024)} KB`,
          ),
        ];
        const failures = await failedDeliveries(ctx.db, d.id);
        if (failures.length) lines.push('', 'failed:', ...failures.map((f) => `  ${f.email}: ${f.error ?? ''}`));
        cli.stdout.write(`${lines.join('\n')}\n`);
        return EXIT.ok;
      });
    });

  cmd
    .command('delete <date>')
    .description('delete a digest that was sent to nobody (a date sent by mistake before its day, say)')
    .action(async (date: string) => {
      await withContext(cli, async (ctx) => {
        const problem = dateProblem(date);
        if (problem) throw new PaperboyError('EUSAGE', problem);
        const d = await findDigest(ctx.db, date);
        if (!d) {
          throw new PaperboyError('ENOTFOUND', `no digest for ${date}`, {
            hint: '`paperboy digests list` shows the dates',
          });
        }
        const c = await deliveryCounts(ctx.db, d.id);
        const outcome = await deleteUnsentDigest(ctx.db, d.id);
        if (outcome === 'sent') {
          throw new PaperboyError('EUSAGE', `the digest of ${date} went to readers already: it stays`, {
            hint: 'a digest that reached anyone is kept (its archive, and no reader getting its papers twice, depend on it)',
          });
        }
        if (outcome === 'sending') {
          throw new PaperboyError('EBUSY', `a send of ${date} is running`, { hint: 'pause or cancel it first' });
        }
        await rm(path.join(ctx.config.archiveDir, date), { recursive: true, force: true });
        cli.stdout.write(
          `deleted the digest of ${date} ("${d.subject}") with its ${c.pending + c.skipped + c.failed} unsent deliveries; its papers can go out in another digest\n`,
        );
        return EXIT.ok;
      });
    });
}
