import type { Writable } from 'node:stream';
import { type Config, type Env, loadConfig, readEnv } from '../config.js';
import { errorMessage, isPaperboyError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import type { AppContext } from '../pipeline/context.js';
import { explainStoreError, isStoreHiccup } from '../pipeline/store-status.js';

/** Exit statuses of every command (see README → CLI). */
export const EXIT = { ok: 0, error: 1, partial: 3 } as const;

/** An output of the command: the process's stdout or stderr, or a test's stream. */
export type CliOutput = Writable & { isTTY?: boolean };

/**
 * What a command reads and writes besides the store: the process's own (bin/paperboy.js), or a
 * test's, which runs the command in its own process.
 */
export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  env: Env;
  cwd: string;
}

/** One run of the command: its io and the exit status its action settles on. */
export interface CliRun extends CliIo {
  exitCode: number;
}

export function loadCliConfig(cli: CliIo): Config {
  return loadConfig(readEnv(cli.env, cli.cwd), cli.cwd);
}

/**
 * Prints an error as the one line (per problem) a person needs: what is wrong and the fix. A raw
 * error of the store is said in its words (a full disk, a locked file, a server that is down).
 */
export function printError(cli: CliIo, err: unknown, config?: Config): void {
  const known = !isPaperboyError(err) && config ? explainStoreError(err, config) : null;
  if (known) err = known;
  if (isPaperboyError(err)) {
    const lines = err.message.split('\n');
    for (const line of lines) cli.stderr.write(`paperboy: ${line}\n`);
    if (err.hint) cli.stderr.write(`paperboy: → ${err.hint}\n`);
    return;
  }
  cli.stderr.write(`paperboy: unexpected error: ${errorMessage(err)}\n`);
  if (cli.env.PAPERBOY_LOG_LEVEL === 'debug' && err instanceof Error) cli.stderr.write(`${err.stack}\n`);
}

/**
 * Runs a command body with the app context: config validated, store open, and everything closed
 * afterwards. Errors become a one-line message and exit status 1.
 */
export async function withContext(
  cli: CliRun,
  body: (ctx: AppContext) => Promise<number | undefined>,
  opts: { defaultLogLevel?: string } = {},
): Promise<void> {
  let ctx: AppContext | undefined;
  let config: Config | undefined;
  let code: number = EXIT.error;
  const guard = (log: Logger) => (reason: unknown) => {
    if (isStoreHiccup(reason)) {
      // pg-boss 10 completes and fails jobs without awaiting it (timgit/pg-boss#577): while the
      // database restarts that rejects, and the job is simply retried once it expires.
      log.warn(
        { event: 'store.unreachable', err: errorMessage(reason) },
        `the store did not answer (${errorMessage(reason)}): carrying on`,
      );
      return;
    }
    printError(cli, reason, config);
    process.exit(EXIT.error);
  };
  let onFault: ((reason: unknown) => void) | undefined;
  try {
    config = loadCliConfig(cli);
    const level = cli.env.PAPERBOY_LOG_LEVEL ? config.logLevel : (opts.defaultLogLevel ?? 'warn');
    const log: Logger = createLogger(level, cli.stderr);
    // Whatever escapes (a rejection nobody awaited, an error thrown from a callback) ends as
    // `paperboy: …` with a hint, never as a stack trace; a store that is restarting is ridden out.
    onFault = guard(log);
    process.on('unhandledRejection', onFault);
    process.on('uncaughtException', onFault);
    // Loaded here, not at the top: `paperboy --help` should not pay for the whole pipeline.
    const { createContext } = await import('../pipeline/context.js');
    ctx = await createContext(config, log);
    code = (await body(ctx)) ?? EXIT.ok;
  } catch (err) {
    printError(cli, err, config);
    code = EXIT.error;
  } finally {
    await ctx?.close().catch(() => {});
  }
  cli.exitCode = code;
}
