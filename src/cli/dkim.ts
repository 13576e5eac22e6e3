import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { makeDkimKey } from '../dkim.js';
import { PaperboyError } from '../errors.js';
import { type CliRun, EXIT, printError } from './run.js';

export function registerDkim(program: Command, cli: CliRun): void {
  const cmd = program.command('dkim').description('DKIM signing keys');
  cmd
    .command('keygen')
    .description('write a 2048-bit DKIM key pair and print the DNS TXT record to publish')
    .requiredOption('--selector <selector>', 'the selector, e.g. paperboy1')
    .requiredOption('--domain <domain>', 'the signing domain: the domain of PAPERBOY_FROM')
    .option('--out <dir>', 'where to write SELECTOR.DOMAIN.private.pem', '.')
    .action((opts: { selector: string; domain: string; out: string }) => {
      try {
        if (!/^[a-z0-9][a-z0-9._-]*$/i.test(opts.selector))
          throw new PaperboyError('EUSAGE', `--selector: "${opts.selector}" is not a selector`);
        if (!/^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$/i.test(opts.domain)) {
          throw new PaperboyError('EUSAGE', `--domain: "${opts.domain}" is not a domain`);
        }
        const file = path.resolve(cli.cwd, opts.out, `${opts.selector}.${opts.domain}.private.pem`);
        if (existsSync(file))
          throw new PaperboyError('EUSAGE', `${file} exists already`, { hint: 'choose another selector' });
        const k = makeDkimKey(opts.domain.toLowerCase(), opts.selector);
        // The folder is made when missing (private: the key is a secret).
        mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        writeFileSync(file, k.privateKey, { mode: 0o600 });
        cli.stdout.write(
          `wrote ${file}\n\nPublish this DNS record:\n${k.record}\n\nThen set:\n` +
            `PAPERBOY_DKIM_DOMAIN=${opts.domain.toLowerCase()}\nPAPERBOY_DKIM_SELECTOR=${opts.selector}\nPAPERBOY_DKIM_KEY=${file}\n`,
        );
        cli.exitCode = EXIT.ok;
      } catch (err) {
        printError(cli, err);
        cli.exitCode = EXIT.error;
      }
    });
}
