import { type Config, loadConfig, readEnv } from '../config.js';
import { errorMessage, isPaperboyError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import type { AppContext } from '../pipeline/context.js';

/** Exit statuses of every command (see README → CLI). */
export const EXIT = { ok: 0, error: 1, partial: 3 } as const;

export function loadCliConfig(): Config {
  return loadConfig(readEnv());
}

/** Prints an error as the one line (per problem) a person needs: what is wrong and the fix. */
export function printError(err: unknown): void {
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
  let code: number = EXIT.error;
  try {
    const config = loadCliConfig();
    const level = process.env.PAPERBOY_LOG_LEVEL ? config.logLevel : (opts.defaultLogLevel ?? 'warn');
    const log: Logger = createLogger(level);
    // Loaded here, not at the top: `paperboy --help` should not pay for the whole pipeline.
    const { createContext } = await import('../pipeline/context.js');
    ctx = await createContext(config, log);
    code = (await body(ctx)) ?? EXIT.ok;
  } catch (err) {
    printError(err);
    code = EXIT.error;
  } finally {
    await ctx?.close().catch(() => {});
  }
  process.exitCode = code;
}
