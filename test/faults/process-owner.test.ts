import { type ChildProcess, spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { mayBeAlive, PROCESS_OWNER } from '../../src/process-owner.js';
import { processState, untilZombie } from '../helpers/processes.js';

let parents: ChildProcess[] = [];
afterEach(() => {
  for (const p of parents) p.kill('SIGKILL');
  parents = [];
});

/** A child that dies and stays a zombie: its parent (a shell that became `sleep`) never reaps it. */
async function zombie(): Promise<number> {
  const parent = spawn('sh', ['-c', 'sleep 600 & echo $!; exec sleep 600'], { stdio: ['ignore', 'pipe', 'ignore'] });
  parents.push(parent);
  const pid = await new Promise<number>((resolve) =>
    parent.stdout?.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
  );
  process.kill(pid, 'SIGKILL');
  await untilZombie(pid);
  return pid;
}

describe('whether the process behind a claim or lock may still run', () => {
  it('this process: alive, under the owner it writes (host/pid@start)', () => {
    expect(PROCESS_OWNER).toMatch(new RegExp(`^${hostname()}/${process.pid}@\\d+$`));
    expect(mayBeAlive(PROCESS_OWNER)).toBe(true);
    expect(mayBeAlive(`${PROCESS_OWNER}/1a2b3c4d`)).toBe(true);
  });

  it('a killed process that is still a zombie is dead', async () => {
    const pid = await zombie();
    expect(processState(pid)).toBe('Z');
    expect(mayBeAlive(`${hostname()}/${pid}`)).toBe(false);
    expect(mayBeAlive(`${hostname()}/${pid}/1a2b3c4d`)).toBe(false);
  });

  it('a pid now used by another process (another start time) is dead', () => {
    const [, proc] = PROCESS_OWNER.split('/');
    const start = Number(proc?.split('@')[1]);
    expect(mayBeAlive(`${hostname()}/${process.pid}@${start + 1}`)).toBe(false);
    expect(mayBeAlive(`${hostname()}/${process.pid}@${start + 1}/1a2b3c4d`)).toBe(false);
  });

  it('a process of another machine counts as alive (only its expiry tells)', () => {
    expect(mayBeAlive(`elsewhere.example/${process.pid}@1`)).toBe(true);
  });

  it('an owner written before start times were recorded (host/pid) is judged by its pid alone', () => {
    expect(mayBeAlive(`${hostname()}/${process.pid}`)).toBe(true);
    expect(mayBeAlive(`${hostname()}/${process.pid}/1a2b3c4d`)).toBe(true);
  });
});
