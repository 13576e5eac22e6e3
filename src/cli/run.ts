import { type Config, loadConfig, readEnv } from '../config.js';
import { errorMessage, isPaperboyError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import type { AppContext } from '../pipeline/context.js';
import { describeStore } from '../store/describe-store.js';
import { isTransientStoreError } from '../store/retry.js';
import { storeProblem } from '../store/store-errors.js';

/** Exit statuses of every command (see README → CLI). */
export const EXIT = { ok: 0, error: 1, partial: 3 } as const;

export function loadCliConfig(): Config {
  return loadConfig(readEnv());
}

/**
 * Prints an error as the one line (per problem) a person needs: what is wrong and the fix. A raw
 * error of the store is said in its words (a full disk, a locked file, a server that is down).
 */
export function printError(err: unknown, config?: Config): void {
  const known = !isPaperboyError(err) && config ? storeProblem(err, describeStore(config.database)) : null;
  if (known) err = known;
  if (isPaperboyError(err)) {
    const lines = err.message.split('\n');
    for (const line of lines) process.stderr.write(`paperboy: ${line}\n`);
    if (err.hint) process.stderr.write(`paperboy: → ${err.hint}\n`);
    return;
  }
  process.stderr.write(`paperboy: unexpected error: ${errorMessage(err)}\n`);
  if (process.env.PAPERBOY_LOG_LEVEL === 'debug' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
}

/**
 * Runs a command body with the app context: config validated, store open, and everything closed
 * afterwards. Errors become a one-line message and exit status 1.
 */
export async function withContext(
  body: (ctx: AppContext) => Promise<number | undefined>,
  opts: { defaultLogLevel?: string } = {},
): Promise<void> {
  let ctx: AppContext | undefined;
  let config: Config | undefined;
  let code: number = EXIT.error;
  const guard = (log: Logger) => (reason: unknown) => {
    if (isTransientStoreError(reason)) {
      // pg-boss 10 completes and fails jobs without awaiting it (timgit/pg-boss#577): while the
      // database restarts that rejects, and the job is simply retried once it expires.
      log.warn(
        { event: 'store.unreachable', err: errorMessage(reason) },
        `the store did not answer (${errorMessage(reason)}): carrying on`,
      );
      return;
    }
    printError(reason, config);
    process.exit(EXIT.error);
  };
  let onFault: ((reason: unknown) => void) | undefined;
  try {
    config = loadCliConfig();
    const level = process.env.PAPERBOY_LOG_LEVEL ? config.logLevel : (opts.defaultLogLevel ?? 'warn');
    const log: Logger = createLogger(level);
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
    printError(err, config);
    code = EXIT.error;
  } finally {
    await ctx?.close().catch(() => {});
  }
  process.exitCode = code;
}
