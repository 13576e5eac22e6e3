import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import type { CliIo, CliRun } from './cli/run.js';
import { warmMjmlThread } from './render/mjml-thread.js';

export type { CliIo };

// A reader of the output that went away (`paperboy preview | head`): a command that only reads
// ends at once, quietly; one that sends, serves or writes the store carries on, its output dropped.
const MAY_END_AT_ONCE = new Set(['preview', 'digests', 'doctor', 'subscribers', 'help', undefined]);

/**
 * Runs `paperboy ARGV` (the arguments after the command's name) and resolves to its exit status.
 * bin/paperboy.js runs it with the process's streams, environment and folder; the tests that are
 * not about the process itself run it with their own, in the test's process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const command = argv.find((a) => !a.startsWith('-'));
  const subcommand = command === undefined ? undefined : argv[argv.indexOf(command) + 1];
  const cli: CliRun = { ...io, exitCode: 0 };

  io.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    const readOnly = MAY_END_AT_ONCE.has(command) && !['add', 'import', 'remove', 'delete'].includes(subcommand ?? '');
    if (readOnly) process.exit(0);
    io.stdout.write = () => true;
  });

  // `send` compiles the day's digest with MJML, whose thread takes about half a second to load:
  // started before the commands' modules load (a few hundred ms), it is ready when the digest is.
  if (command === 'send') warmMjmlThread();

  const [
    { registerBackup },
    { registerBounces },
    { registerDigests },
    { registerDkim },
    { registerDoctor },
    { registerPreview },
    { EXIT },
    { registerSend },
    { registerServe },
    { registerSubscribers },
    { registerWorker },
  ] = await Promise.all([
    import('./cli/backup.js'),
    import('./cli/bounces.js'),
    import('./cli/digests.js'),
    import('./cli/dkim.js'),
    import('./cli/doctor.js'),
    import('./cli/preview.js'),
    import('./cli/run.js'),
    import('./cli/send.js'),
    import('./cli/serve.js'),
    import('./cli/subscribers/index.js'),
    import('./cli/worker.js'),
  ]);

  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };

  const program = new Command('paperboy')
    .description("paperboy delivers the day's trending research papers by email")
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    // Before the subcommands are added: they take the output settings from here.
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  registerSend(program, cli);
  registerPreview(program, cli);
  registerSubscribers(program, cli);
  registerBounces(program, cli);
  registerDigests(program, cli);
  registerDoctor(program, cli);
  registerDkim(program, cli);
  registerServe(program, cli);
  registerBackup(program, cli);
  registerWorker(program, cli);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.error;
    throw err;
  }
  return cli.exitCode;
}
