import { hostname } from 'node:os';

/**
 * This process as an owner of claims and locks: `host/pid`. A row it claims or a lock it holds can
 * be told apart from another process's, and found dead when that process is gone.
 */
export const PROCESS_OWNER = `${hostname()}/${process.pid}`;

/**
 * Whether the process that wrote `owner` (`host/pid…`) may still be running. Only a process on
 * this machine can be found dead (its pid is gone); one on another machine counts as alive, and
 * only an expiry tells otherwise. A reused pid counts as alive too: the safe side.
 */
export function mayBeAlive(owner: string): boolean {
  const [host, pid] = owner.split('/');
  if (host !== hostname() || !pid) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
