/** At most `n` holders at once; `acquire` resolves with the function that gives the place back. */
export function semaphore(n: number): { acquire(): Promise<() => void> } {
  let free = n;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  return {
    async acquire() {
      if (free > 0) free--;
      else await new Promise<void>((r) => waiting.push(r));
      return release;
    },
  };
}
