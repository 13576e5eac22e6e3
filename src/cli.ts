import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { warmMjmlThread } from './render/mjml-thread.js';

const args = process.argv.slice(2);
const command = args.find((a) => !a.startsWith('-'));
const subcommand = command === undefined ? undefined : args[args.indexOf(command) + 1];

// A reader of the output that went away (`paperboy preview | head`): a command that only reads
// ends at once, quietly; one that sends, serves or writes the store carries on, its output dropped.
const MAY_END_AT_ONCE = new Set(['preview', 'digests', 'doctor', 'subscribers', 'help', undefined]);
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  const readOnly = MAY_END_AT_ONCE.has(command) && !['add', 'import', 'remove', 'delete'].includes(subcommand ?? '');
  if (readOnly) process.exit(0);
  process.stdout.write = () => true;
});

// `send` compiles the day's digest with MJML, whose thread takes about half a second to load:
// started before the commands' modules load (a few hundred ms), it is ready when the digest is.
if (command === 'send') warmMjmlThread();

const [
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
  import('./cli/bounces.js'),
  import('./cli/digests.js'),
  import('./cli/dkim.js'),
  import('./cli/doctor.js'),
  import('./cli/preview.js'),
  import('./cli/run.js'),
  import('./cli/send.js'),
  import('./cli/serve.js'),
  import('./cli/subscribers.js'),
  import('./cli/worker.js'),
]);

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command('paperboy')
  .description("paperboy delivers the day's trending research papers by email")
  .version(version)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerSend(program);
registerPreview(program);
registerSubscribers(program);
registerBounces(program);
registerDigests(program);
registerDoctor(program);
registerDkim(program);
registerServe(program);
registerWorker(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.error;
  } else {
    throw err;
  }
}
