/**
 * The time as the send path reads it: the machine's clock, or — for one command run with
 * `send --at TIME` — that instant and on from there (operators catching up, and tests). One offset
 * per process, set once at the start of the command. On PostgreSQL each batch job carries its
 * send's offset and a worker takes it for the job (src/cluster/worker.ts), so a wave comes due at
 * the same instant for every worker, wherever it runs.
 */

let offset = 0;

/** Milliseconds since the epoch, as this command sees it. */
export function now(): number {
  return Date.now() + offset;
}

export function nowDate(): Date {
  return new Date(now());
}

/** From here on, this process acts as if it were `at` (ms since the epoch); null: the machine's clock. */
export function actAsIf(at: number | null): void {
  offset = at === null ? 0 : at - Date.now();
}

/** How far this process's clock is from the machine's (0: not shifted). */
export function clockOffset(): number {
  return offset;
}

/** A worker, for the batch job at hand: the clock of the send that enqueued it. */
export function setClockOffset(ms: number): void {
  offset = Number.isFinite(ms) ? ms : 0;
}
