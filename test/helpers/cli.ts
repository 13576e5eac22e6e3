import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { Env } from '../../src/config.js';
import { ROOT } from './test-app.js';

export const BIN = path.join(ROOT, 'bin', 'paperboy.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `paperboy ARGS` as a user would, in `cwd`, with only `env` (plus PATH and HOME) set. */
export function spawnCli(args: string[], env: Env, cwd: string): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `paperboy ARGS` to the end and returns its exit status and output. */
export function runCli(args: string[], env: Env, cwd: string): Promise<CliResult> {
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
