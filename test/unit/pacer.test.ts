import { describe, expect, it } from 'vitest';
import { type Clock, pacer } from '../../src/send/pacer.js';

/** A clock whose time only moves when every task is waiting: timers fire in order, `late` ms after their due time. */
function virtualClock(late: () => number): Clock & { run(untilMs: number): Promise<void> } {
  let t = 0;
  const timers: { at: number; wake: () => void }[] = [];
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
  };
  return {
    now: () => t,
    sleep: (ms) => new Promise<void>((wake) => timers.push({ at: t + ms + late(), wake })),
    async run(untilMs) {
      for (;;) {
        await settle();
        timers.sort((a, b) => a.at - b.at);
        const next = timers.shift();
        if (!next || next.at > untilMs) return;
        t = next.at;
        next.wake();
      }
    },
  };
}

/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `pool` senders, each taking a slot then spending 5–40 ms (virtual) on its message; the times slots were granted. */
async function simulate(rate: number, pool: number, minutes: number, seed: number): Promise<number[]> {
  const rnd = lcg(seed);
  const clock = virtualClock(() => rnd() * 4); // timers wake up to 4 ms late
  const p = pacer(rate, clock);
  const granted: number[] = [];
  const end = minutes * 60_000;
  const sender = async () => {
    while (clock.now() < end) {
      await p.acquire();
      if (clock.now() >= end) return;
      granted.push(clock.now());
      await clock.sleep(5 + rnd() * 35);
    }
  };
  const all = Promise.all(Array.from({ length: pool }, sender));
  await clock.run(end + 1000);
  await all;
  return granted;
}

function maxInWindow(times: number[], windowMs: number): number {
  let max = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while ((times[hi] ?? 0) - (times[lo] ?? 0) >= windowMs) lo++;
    max = Math.max(max, hi - lo + 1);
  }
  return max;
}

describe('the send rate limit (pacer) on a simulated clock', () => {
  it.each([
    [50, 5],
    [200, 10],
    [7, 3],
  ])('%i messages/s over a pool of %i: within 5 percent over a minute, and never a burst', async (rate, pool) => {
    const times = await simulate(rate, pool, 1, rate * 31 + pool);
    const expected = rate * 60;
    expect(Math.abs(times.length - expected) / expected).toBeLessThanOrEqual(0.05);
    // Evenly spaced: no second holds more than its share (plus the one slot a late timer may catch up).
    expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(Math.ceil(rate * 1.05) + 1);
    // …and no tenth of a second holds a burst either.
    expect(maxInWindow(times, 100)).toBeLessThanOrEqual(Math.ceil(rate / 10) + 2);
  });

  it('keeps the pool busy when the relay, not the limit, is the bottleneck', async () => {
    // 5 senders × 5–40 ms per message ≈ 220 messages/s at most: a limit of 1,000/s must not slow them.
    const limited = await simulate(1000, 5, 1, 7);
    const rnd = lcg(7);
    let free = 0;
    for (let t = 0; t < 60_000 * 5; ) {
      t += 5 + rnd() * 35;
      free++;
    }
    expect(limited.length / free).toBeGreaterThan(0.9);
  });

  it('does not burst after an idle spell', async () => {
    const clock = virtualClock(() => 0);
    const p = pacer(10, clock);
    const granted: number[] = [];
    const burst = async () => {
      for (let i = 0; i < 5; i++) {
        await p.acquire();
        granted.push(clock.now());
      }
    };
    const first = burst();
    await clock.run(10_000);
    await first;
    const idle = clock.sleep(10_000);
    await clock.run(clock.now() + 10_000);
    await idle;
    const idleAt = clock.now();
    const second = Promise.all([burst(), burst()]);
    await clock.run(1_000_000);
    await second;
    const after = granted.filter((t) => t >= idleAt);
    expect(after).toHaveLength(10);
    // At most one caught-up slot: the first two may go together, then one every 100 ms.
    expect(after.filter((t) => t === idleAt).length).toBeLessThanOrEqual(2);
    expect((after.at(-1) ?? 0) - idleAt).toBeGreaterThanOrEqual(800);
  });

  it('0 means no limit', async () => {
    const p = pacer(0);
    expect(p.rate).toBe(0);
    await p.acquire();
  });
});
