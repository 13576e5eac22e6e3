import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerBounces } from './cli/bounces.js';
import { registerDigests } from './cli/digests.js';
import { registerDkim } from './cli/dkim.js';
import { registerDoctor } from './cli/doctor.js';
import { registerPreview } from './cli/preview.js';
import { EXIT } from './cli/run.js';
import { registerSend } from './cli/send.js';
import { registerServe } from './cli/serve.js';
import { registerSubscribers } from './cli/subscribers.js';
import { registerWorker } from './cli/worker.js';

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
