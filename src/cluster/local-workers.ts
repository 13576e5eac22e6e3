import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

/** The `paperboy` command (bin/paperboy.js), from src/cluster/ and from dist/cluster/ alike. */
const BIN = path.resolve(import.meta.dirname, '..', '..', 'bin', 'paperboy.js');

/** Set in a worker started by `send --workers N`: the pid of that send, whose end ends the worker. */
export const PARENT_ENV = 'PAPERBOY_WORKER_PARENT';

export interface LocalWorkers {
  readonly count: number;
  /** Asks each to stop (SIGTERM: the batch at hand finishes) and waits; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `count` `paperboy worker` processes on this machine, with this process's settings (its
 * environment and folder). Their output is not this command's: stdout is dropped, stderr (errors)
 * shown. Each ends by itself if this process dies without stopping it.
 */
export function startLocalWorkers(count: number): LocalWorkers {
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    children.push(
      spawn(process.execPath, [BIN, 'worker'], {
        env: { ...process.env, [PARENT_ENV]: String(process.pid) },
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
  }
  return {
    count,
    async stop(graceMs = 60_000) {
      await Promise.all(
        children.map(async (c) => {
          if (c.exitCode !== null || c.signalCode !== null) return;
          const exited = new Promise<void>((r) => c.once('exit', () => r()));
          c.kill('SIGTERM');
          const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}

/**
 * In a worker started by a send: resolves when that send's process is gone (this process was
 * handed to another parent), checked every second.
 */
export function parentGone(parentPid: number): { promise: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setInterval(() => {
      if (process.ppid !== parentPid) resolve();
    }, 1000);
    timer.unref();
  });
  return { promise, cancel: () => clearInterval(timer) };
}
