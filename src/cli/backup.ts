import { copyFileSync, existsSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { PaperboyError } from '../errors.js';
import type { StoreCounts } from '../pipeline/backup.js';
import { type CliRun, EXIT, loadCliConfig, printError } from './run.js';

/** A PostgreSQL URL as it may be printed: without its password. */
function withoutPassword(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '****';
  return u.toString();
}

/** The signing key kept beside a SQLite store when PAPERBOY_SECRET is unset (src/secret.ts), else null. */
function keptSecret(config: Config, dbPath: string): string | null {
  if (config.secret) return null;
  const file = path.join(path.dirname(dbPath), 'secret');
  return existsSync(file) ? file : null;
}

const said = (c: StoreCounts) =>
  `${c.subscribers} subscribers, ${c.digests} digests, ${c.deliveries} deliveries, ${c.votes} votes (schema: ${c.migrations} migrations)`;

async function action(cli: CliRun, body: (config: Config) => Promise<void>): Promise<void> {
  let config: Config | undefined;
  try {
    config = loadCliConfig(cli);
    await body(config);
    cli.exitCode = EXIT.ok;
  } catch (err) {
    printError(cli, err, config);
    cli.exitCode = EXIT.error;
  }
}

export function registerBackup(program: Command, cli: CliRun): void {
  program
    .command('backup')
    .description('copy the store to a file while paperboy runs (SQLite; on PostgreSQL: prints the pg_dump command)')
    .requiredOption('--out <file>', 'the backup file to write (never overwritten)')
    .action((opts: { out: string }) =>
      action(cli, async (config) => {
        const out = path.resolve(cli.cwd, opts.out);
        if (config.database.kind === 'postgres') {
          cli.stdout.write(
            `The store is PostgreSQL: back it up with its own tool (the password from PGPASSWORD or ~/.pgpass):\n` +
              `  pg_dump --format=custom --file=${out} '${withoutPassword(config.database.url)}'\n` +
              `Restore with: pg_restore --clean --if-exists --dbname='…' ${out}\n`,
          );
          return;
        }
        const { backupSqlite } = await import('../pipeline/backup.js');
        const dbPath = config.database.path;
        const c = await backupSqlite(dbPath, out);
        cli.stdout.write(`backed up ${dbPath} to ${out} (${(c.bytes / 1e6).toFixed(1)} MB): ${said(c)}\n`);
        const secret = keptSecret(config, dbPath);
        if (secret) {
          copyFileSync(secret, `${out}.secret`);
          cli.stdout.write(
            `and the signing key ${secret} to ${out}.secret: the links in mail already sent need it (keep it as private as the store)\n`,
          );
        }
      }),
    );
  program
    .command('restore <file>')
    .description('put a backup in place as the store (SQLite; refused while paperboy has the store open)')
    .action((file: string) =>
      action(cli, async (config) => {
        const from = path.resolve(cli.cwd, file);
        if (config.database.kind === 'postgres') {
          throw new PaperboyError('EUSAGE', 'the store is PostgreSQL: restore it with pg_restore', {
            hint: `pg_restore --clean --if-exists --dbname='${withoutPassword(config.database.url)}' ${from}`,
          });
        }
        const { restoreSqlite } = await import('../pipeline/backup.js');
        const dbPath = config.database.path;
        const now = new Date();
        const r = await restoreSqlite(from, dbPath, now);
        cli.stdout.write(`restored ${from} to ${dbPath}: ${said(r)}\n`);
        if (r.movedAside) cli.stdout.write(`the store that was there is kept as ${r.movedAside}\n`);
        const key = `${from}.secret`;
        if (!config.secret && existsSync(key)) {
          const target = path.join(path.dirname(dbPath), 'secret');
          if (existsSync(target) && readFileSync(target, 'utf8') !== readFileSync(key, 'utf8')) {
            const aside = `${target}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
            renameSync(target, aside);
            cli.stdout.write(`the signing key that was there is kept as ${aside}\n`);
          }
          copyFileSync(key, target);
          cli.stdout.write(`and its signing key to ${target}\n`);
        }
      }),
    );
}
