import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** A process's state letter and start time (clock ticks since boot), from /proc; null where there is none. */
function procStat(pid: number): { state: string; start: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', start: fields[19] ?? '' };
  } catch {
    return null;
  }
}

const SELF = procStat(process.pid);

/**
 * This process as an owner of claims and locks: `host/pid@start` (`host/pid` without /proc). A row
 * it claims or a lock it holds can be told apart from another process's, and found dead when that
 * process is gone — or when its pid now belongs to another process, as after a container restart.
 */
export const PROCESS_OWNER = `${hostname()}/${process.pid}${SELF ? `@${SELF.start}` : ''}`;

/**
 * Whether the process that wrote `owner` (`host/pid[@start]…`) may still be running. Only a process
 * on this machine can be found dead: its pid is gone, it is a zombie (killed, not yet reaped by its
 * parent), or the pid is another process's (another start time). One on another machine counts as
 * alive, and only an expiry tells otherwise.
 */
export function mayBeAlive(owner: string): boolean {
  const [host, proc] = owner.split('/');
  if (host !== hostname() || !proc) return true;
  const [pidText, start] = proc.split('@');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!SELF) return true; // no /proc here: the signal is all there is to go by
  const stat = procStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  return start === undefined || stat.start === start;
}
