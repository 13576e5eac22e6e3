import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { runCli as runCommand } from '../../src/cli.js';
import type { Env } from '../../src/config.js';
import { ROOT } from './test-app.js';

export const BIN = path.join(ROOT, 'bin', 'paperboy.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment `paperboy` gets in these tests: only `env`, plus PATH and HOME. */
function commandEnv(env: Env): Env {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
}

/** Starts `paperboy ARGS` as a user would, in `cwd`, with only `env` (plus PATH and HOME) set. */
export function spawnCli(args: string[], env: Env, cwd: string): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: commandEnv(env) as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Runs `paperboy ARGS` to the end in a process of its own and returns its exit status and output:
 * for the tests about the process itself (signals, exit statuses, what it leaves running).
 */
export function runCliProcess(args: string[], env: Env, cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, env, cwd);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A stream that keeps what is written to it. */
class Collected extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let running = false;

/**
 * Runs `paperboy ARGS` to the end inside this test's process, as bin/paperboy.js runs it (the same
 * `runCli`), and returns its exit status and output: in `cwd`, with only `env` (plus PATH and
 * HOME), its logs on its stderr. One at a time: it changes this process's folder for the run (each
 * test file has a process of its own: vitest's forks pool).
 */
export async function runCli(args: string[], env: Env, cwd: string): Promise<CliResult> {
  if (running) throw new Error('runCli: one command at a time in a test process (runCliProcess runs several)');
  running = true;
  const stdout = new Collected();
  const stderr = new Collected();
  const before = new Set<unknown>([
    ...process.listeners('unhandledRejection'),
    ...process.listeners('uncaughtException'),
  ]);
  const home = process.cwd();
  process.chdir(cwd);
  try {
    const code = await runCommand(args, { stdout, stderr, env: commandEnv(env), cwd });
    return { code, stdout: stdout.text, stderr: stderr.text };
  } finally {
    process.chdir(home);
    // The handlers the command set for its process's last moments (src/cli/run.ts): that process
    // would have ended here.
    for (const l of process.listeners('unhandledRejection')) if (!before.has(l)) process.off('unhandledRejection', l);
    for (const l of process.listeners('uncaughtException')) if (!before.has(l)) process.off('uncaughtException', l);
    running = false;
  }
}

/** A started command's output as it comes, its exit, and a wait for a line on stdout. */
export function watchChild(child: ChildProcess) {
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0))
      if (w.re.test(out)) w.resolve();
      else waiters.push(w);
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  return {
    get out() {
      return out;
    },
    get err() {
      return err;
    },
    exited,
    /** Resolves when stdout matches (or at once if it does). */
    until(re: RegExp) {
      return new Promise<void>((resolve) => (re.test(out) ? resolve() : waiters.push({ re, resolve })));
    },
  };
}
