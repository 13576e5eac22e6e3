import type { Command } from 'commander';
import type { CliRun } from '../run.js';
import { registerAdd } from './add.js';
import { registerExport } from './export.js';
import { registerImport } from './import.js';
import { registerList } from './list.js';
import { registerRemove } from './remove.js';
import { registerShow } from './show.js';

/** `paperboy subscribers …`: one file per subcommand, registered in the order `--help` lists them. */
export function registerSubscribers(program: Command, cli: CliRun): void {
  const cmd = program.command('subscribers').description('add, import, export, list, show and remove subscribers');
  registerAdd(cmd, cli);
  registerImport(cmd, cli);
  registerExport(cmd, cli);
  registerList(cmd, cli);
  registerShow(cmd, cli);
  registerRemove(cmd, cli);
}
