import type { Command } from 'commander';
import { deleteDigest, digestReport, digestsWithCounts, requireDigest } from '../pipeline/digests.js';
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
        for (const d of await digestsWithCounts(ctx, Math.max(1, Number(opts.limit) || 30))) {
          const c = d.counts;
          const counts = c
            ? `sent ${c.sent}, failed ${c.failed}, skipped ${c.skipped}, pending ${c.pending + c.sending}${feedOnly(c.feed)}`
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
        const d = await requireDigest(ctx, date);
        const { counts: c, papers, editions, failures } = await digestReport(ctx, d);
        const lines = [
          `date:       ${d.date}`,
          `subject:    ${d.subject}`,
          `status:     ${d.status}${d.sentAt ? ` (finished ${d.sentAt})` : ''}`,
          `deliveries: sent ${c.sent}, failed ${c.failed}, skipped ${c.skipped}, pending ${c.pending + c.sending}${feedOnly(c.feed)}`,
          `web:        ${ctx.config.baseUrl}/digests/${d.date}`,
          '',
          'papers:',
          ...papers.map((p, i) => `  ${i + 1}. ${p.title} (${p.id}, ▲ ${p.upvotes})`),
          '',
          'editions:',
          ...editions.map(
            (e) =>
              `  #${e.id} ${e.frequency}${e.topics.length ? ` · ${e.topics.join(', ')}` : ' · no topics'} · ${counted(e.papers.length, 'paper')} · ${counted(e.subscribers, 'reader')} · ${Math.round(e.htmlBytes / 1024)} KB`,
          ),
        ];
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
        const { digest: d, counts: c } = await deleteDigest(ctx, date);
        cli.stdout.write(
          `deleted the digest of ${date} ("${d.subject}") with its ${c.pending + c.skipped + c.failed + c.feed} unsent deliveries; its papers can go out in another digest\n`,
        );
        return EXIT.ok;
      });
    });
}

/** Feed-only readers' rows (planned, never sent), when there are any. */
function feedOnly(n: number): string {
  return n > 0 ? `, feed only ${n}` : '';
}
