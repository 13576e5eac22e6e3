/**
 * The time as the send path reads it: the machine's clock, or — for one command run with
 * `send --at TIME` — that instant and on from there (operators catching up, and tests). One offset
 * per process, set once at the start of the command; the worker processes a send starts inherit
 * it through the environment (CLOCK_ENV), so a wave is due for all of them at the same instant.
 */

/** Set by a send run with `--at` in the worker processes it starts: the offset in milliseconds. */
export const CLOCK_ENV = 'PAPERBOY_CLOCK_OFFSET_MS';

let offset = readInherited();

function readInherited(): number {
  const v = process.env[CLOCK_ENV];
  const n = v === undefined ? 0 : Number(v);
  return Number.isFinite(n) ? n : 0;
}

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
