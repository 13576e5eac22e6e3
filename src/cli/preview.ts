import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { PaperboyError } from '../errors.js';
import { type CliRun, withContext } from './run.js';
import { parseDateOption } from './send.js';

const FORMATS = ['html', 'text', 'eml'] as const;

export function registerPreview(program: Command, cli: CliRun): void {
  program
    .command('preview')
    .description('print the rendered email of a date (what was sent, or what would be sent) without sending it')
    .option('--date <YYYY-MM-DD>', 'the digest date (default: today in PAPERBOY_TIMEZONE)')
    .option('--format <html|text|eml>', 'html, text or the whole message as .eml', 'html')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--open', 'open the admin preview page of the running server in a browser')
    .action(async (opts: { date?: string; format: string; out?: string; open?: boolean }) => {
      await withContext(cli, async (ctx) => {
        if (opts.open) {
          const url = `${ctx.config.baseUrl}/admin/preview?date=${parseDateOption(opts.date, ctx.config.timezone)}`;
          const opener =
            process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
          const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
          child.on('error', () => cli.stderr.write(`could not start ${opener}: open ${url} yourself\n`));
          child.unref();
          cli.stdout.write(`${url}\n`);
          return 0;
        }
        const format = opts.format as (typeof FORMATS)[number];
        if (!FORMATS.includes(format)) {
          throw new PaperboyError('EUSAGE', `--format: "${opts.format}" is not one of ${FORMATS.join(', ')}`);
        }
        const date = parseDateOption(opts.date, ctx.config.timezone);
        const { previewDigest } = await import('../pipeline/preview.js');
        const p = await previewDigest(ctx, date);
        const body = format === 'html' ? p.html : format === 'text' ? p.text : p.eml;
        if (opts.out) {
          await writeFile(opts.out, body);
          cli.stderr.write(`${opts.out}: ${format} of ${date}${p.stored ? ' (as stored)' : ''} · "${p.subject}"\n`);
        } else {
          cli.stdout.write(body.endsWith('\n') ? body : `${body}\n`);
        }
        return 0;
      });
    });
}
