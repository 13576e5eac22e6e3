import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { whyUnfinished } from '../../src/pipeline/sends.js';
import { type Clock, startScheduler } from '../../src/schedule/scheduler.js';
import { deliveryCounts } from '../../src/store/deliveries.js';
import { findDigest } from '../../src/store/digests.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, startTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
afterEach(async () => {
  await app?.close();
  await sink?.close();
  app = sink = undefined;
});

/** Time as the scheduler sees it, moved by the test; the sends themselves run in real time. */
function testClock(start: string) {
  let now = Date.parse(start);
  let timers: { at: number; fn: () => void }[] = [];
  const clock: Clock = {
    now: () => now,
    setTimer(fn, ms) {
      const t = { at: now + ms, fn };
      timers.push(t);
      return () => {
        timers = timers.filter((x) => x !== t);
      };
    },
  };
  const moveTo = (iso: string) => {
    now = Date.parse(iso);
    for (const t of timers.filter((x) => x.at <= now).sort((a, b) => a.at - b.at)) {
      timers = timers.filter((x) => x !== t);
      t.fn();
    }
  };
  return { clock, moveTo };
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(20);
  }
}

describe('serve’s scheduler and a relay that is down when the send is due', () => {
  it('tries the send again by itself once the relay is back: every reader gets the digest once', async () => {
    // A port where nothing answers yet: the relay is down at 07:00.
    const reserved = await startSmtpSink();
    const port = reserved.port;
    await reserved.close();
    app = await startTestApp({ PAPERBOY_SMTP_URL: `smtp://127.0.0.1:${port}`, PAPERBOY_SMTP_RETRIES: '1' });
    const readers = Array.from({ length: 20 }, (_, i) => `reader${i}@example.com`);
    await addActive(app, ...readers);
    const t = app;
    const { clock, moveTo } = testClock('2026-11-28T06:59:00Z');
    const scheduler = startScheduler({
      expression: '0 7 * * *',
      timezone: 'UTC',
      log: pino({ level: 'silent' }),
      clock,
      catchUpMs: 6 * 3_600_000,
      isDone: async (date) => (await findDigest(t.ctx.db, date))?.status === 'sent',
      run: (date) => runDigest(t.ctx, { date }),
      retryReason: whyUnfinished,
    });
    await scheduler.ready;
    moveTo('2026-11-28T07:00:00Z');
    await until(() => scheduler.retry() !== null, 'the first try failed and a retry is set');
    expect(scheduler.retry()).toMatchObject({ date: '2026-11-28', at: new Date('2026-11-28T07:01:00Z'), tries: 1 });
    expect(scheduler.retry()?.reason).toMatch(new RegExp(`^SMTP 127\\.0\\.0\\.1:${port} is unreachable: `));

    sink = await startSmtpSink(() => null, { port });
    moveTo('2026-11-28T07:01:00Z');
    const digest = await findDigest(t.ctx.db, '2026-11-28');
    await until(
      async () => (await deliveryCounts(t.ctx.db, digest?.id ?? 0)).sent === 20 && scheduler.retry() === null,
      'every reader sent',
    );
    await scheduler.stop();
    expect(sink.received.map((r) => r.rcptTo[0]).sort()).toEqual([...readers].sort());
    expect((await findDigest(t.ctx.db, '2026-11-28'))?.status).toBe('sent');
  });
});
