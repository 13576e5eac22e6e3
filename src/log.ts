import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';
import type pretty from 'pino-pretty';

export type { Logger };

/**
 * Structured logs on stderr, so stdout stays for what a command prints: JSON lines (pino) when
 * stderr is a file or a pipe, one readable line per event on a terminal. A command run inside a
 * test logs into the test's stream (`stderr`) instead.
 */
export function createLogger(level: string, stderr: DestinationStream = process.stderr): Logger {
  const options = { level, base: { app: 'paperboy' } };
  if (stderr !== process.stderr) return pino(options, stderr);
  if (process.stderr.isTTY) {
    // Loaded only for a terminal: a command whose stderr is a file or a pipe does not pay for it.
    const prettyStream = createRequire(import.meta.url)('pino-pretty') as typeof pretty;
    return pino(
      options,
      prettyStream({ destination: 2, sync: true, ignore: 'app,pid,hostname', translateTime: 'SYS:HH:MM:ss' }),
    );
  }
  return pino(options, pino.destination({ dest: 2, sync: true }));
}
