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
