import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/pipeline/context.js';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { startScheduler } from '../../src/schedule/scheduler.js';
import { findDigest } from '../../src/store/digests.js';
import { upsertSubscriber } from '../../src/store/subscribers.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { tempDir, testEnv } from '../helpers/test-app.js';

let sink: SmtpSink | undefined;
afterEach(async () => {
  await sink?.close();
  sink = undefined;
});

describe('two instances on one store', () => {
  it('both schedulers fire for the same date: one digest, every reader mailed once', async () => {
    sink = await startSmtpSink(() => null, { delayMs: 10 });
    const { dir, cleanup } = tempDir('paperboy-two-');
    try {
      const env = testEnv(dir, { PAPERBOY_SMTP_URL: sink.url, PAPERBOY_SMTP_POOL: '2' });
      const a = await createContext(loadConfig(env, dir), pino({ level: 'silent' }));
      const b = await createContext(loadConfig(env, dir), pino({ level: 'silent' }));
      const emails = Array.from({ length: 25 }, (_, i) => `t${String(i).padStart(2, '0')}@example.com`);
      for (const email of emails) await upsertSubscriber(a.db, { email, name: null, status: 'active' });

      // Both processes start 10 minutes after the 07:00 run: both catch it up at once.
      const clock = { now: () => Date.parse('2026-11-28T07:10:00Z'), setTimer: () => () => {} };
      const runs: Promise<unknown>[] = [];
      const schedulers = [a, b].map((ctx) =>
        startScheduler({
          expression: '0 7 * * *',
          timezone: 'UTC',
          log: ctx.log,
          clock,
          catchUpMs: 3_600_000,
          isDone: async (date) => (await findDigest(ctx.db, date))?.status === 'sent',
          run: (date) => {
            const r = runDigest(ctx, { date });
            runs.push(r);
            return r;
          },
        }),
      );
      await Promise.all(schedulers.map((s) => s.ready));
      const results = await Promise.allSettled(runs);
      await Promise.all(schedulers.map((s) => s.stop()));
      // One may find the other sending (EBUSY) or find nothing left: never a second message.
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'EBUSY' });
      expect(sink.received.map((m) => m.rcptTo[0]).sort()).toEqual(emails);
      const digest = await findDigest(a.db, '2026-11-28');
      const count = await a.db.selectFrom('digests').select(a.db.fn.countAll<number>().as('n')).executeTakeFirst();
      expect(Number(count?.n)).toBe(1);
      // Whichever stopped early, one more run finishes what is left and sends nothing twice.
      await runDigest(a, { date: '2026-11-28' });
      expect(sink.received).toHaveLength(25);
      expect((await findDigest(a.db, '2026-11-28'))?.status).toBe('sent');
      expect(digest?.date).toBe('2026-11-28');
      await a.close();
      await b.close();
    } finally {
      cleanup();
    }
  });
});
