import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The state letter of a process (R, S, Z …) from /proc, or null once it is gone. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? null;
  } catch {
    return null;
  }
}

/** Resolves once `pid` is a zombie (dead, not reaped by its parent). */
export async function untilZombie(pid: number): Promise<void> {
  while (processState(pid) !== 'Z') await new Promise((r) => setTimeout(r, 10));
}

/**
 * Kills `child` with SIGKILL as soon as `received()` reaches `count` (a send killed mid-way), and
 * resolves once it is gone; rejects if it ended by itself first.
 */
export async function killAfter(child: ChildProcess, received: () => number, count: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (received() >= count) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 5);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error('the send ended before it could be killed'));
    });
  });
  await new Promise((resolve) => child.on('close', resolve));
}
