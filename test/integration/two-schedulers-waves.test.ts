import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/pipeline/context.js';
import { storeDigest } from '../../src/pipeline/run-digest.js';
import { SendRegistry } from '../../src/pipeline/sends.js';
import { unfinishedBesidesWaves, waveHooks } from '../../src/pipeline/wave-ticks.js';
import { startScheduler, WAVE_TICK_MS } from '../../src/schedule/scheduler.js';
import { findDigest } from '../../src/store/digests.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { type SmtpSink, startSmtpSink, waitForMail } from '../helpers/smtp-sink.js';
import { capturingLog, tempDir, testEnv } from '../helpers/test-app.js';
import { ledgerOf, plantDeliveries } from '../helpers/waves.js';

let sink: SmtpSink | undefined;
afterEach(async () => {
  await sink?.close();
  sink = undefined;
});

const DATE = '2026-11-28';
const readers = (wave: string) =>
  Array.from({ length: 10 }, (_, i) => `${wave}-${String(i).padStart(2, '0')}@example.com`);

describe('two schedulers on one store, sending in waves', () => {
  it('each due delivery goes once, a wave not before it is due, and the one that finds the other sending stays quiet', async () => {
    sink = await startSmtpSink(() => null, { delayMs: 5 });
    const { dir, cleanup } = tempDir('paperboy-two-waves-');
    try {
      const env = testEnv(dir, { PAPERBOY_SMTP_URL: sink.url, PAPERBOY_SMTP_POOL: '2' });
      const logs = [capturingLog(), capturingLog()] as const;
      // One after the other: the first migrates the store.
      const a = await createContext(loadConfig(env, dir), logs[0].log);
      const b = await createContext(loadConfig(env, dir), logs[1].log);
      await storeDigest(a, DATE);
      const digest = await findDigest(a.db, DATE);
      if (!digest) throw new Error('no digest');
      await a.db.updateTable('digests').set({ status: 'sending' }).where('id', '=', digest.id).execute();
      // The claims read the real clock: the first wave came 10 minutes ago, the second is 20 away.
      const start = Date.now();
      const iso = (ms: number) => new Date(ms).toISOString();
      await plantDeliveries(a.db, digest.id, [
        ...readers('first').map((email) => ({ email, dueAt: iso(start - 10 * 60_000), notBefore: null })),
        ...readers('second').map((email) => ({ email, dueAt: iso(start + 20 * 60_000) })),
      ]);

      const { clock, advance } = fakeClock(iso(start));
      const runs: Promise<unknown>[] = [];
      const registries = [new SendRegistry(a), new SendRegistry(b)] as const;
      const schedulers = ([a, b] as const).map((ctx, i) => {
        const sends = registries[i] ?? registries[0];
        return startScheduler({
          expression: '0 7 * * *',
          timezone: 'UTC',
          log: ctx.log,
          clock,
          catchUpMs: 6 * 3_600_000,
          isDone: async () => true,
          waves: waveHooks(ctx),
          retryReason: (outcome) => unfinishedBesidesWaves(ctx, outcome),
          run: (date) => {
            const r = sends.start(date).finished;
            runs.push(r);
            return r;
          },
        });
      });
      // Both wake at start-up and find the first wave due.
      await Promise.all(schedulers.map((s) => s.ready));
      for (const r of readers('first')) await waitForMail(sink, r);
      await Promise.allSettled(runs);
      expect(sink.received.map((m) => m.rcptTo[0]).sort()).toEqual(readers('first'));

      // The second wave's time comes: as the real clock would for the claims, its not_before passes.
      await a.db
        .updateTable('deliveries')
        .set({ not_before: null })
        .where('digest_id', '=', digest.id)
        .where('due_at', '=', iso(start + 20 * 60_000))
        .execute();
      await advance(2 * WAVE_TICK_MS);
      for (const r of readers('second')) await waitForMail(sink, r);
      await Promise.all(schedulers.map((s) => s.stop()));

      expect(sink.received.map((m) => m.rcptTo[0]).sort()).toEqual([...readers('first'), ...readers('second')]);
      expect(Object.values(await ledgerOf(a.db, digest.id))).toEqual(Array(20).fill('sent'));
      expect((await findDigest(a.db, DATE))?.status).toBe('sent');
      // Nothing to try again, nothing to note, no error logged: a send held by the other process is
      // said at info level (EBUSY) and left to it.
      expect(schedulers.map((s) => [s.retry(), s.notes()])).toEqual([
        [null, []],
        [null, []],
      ]);
      // Nor a "the last send stopped" alert on the admin's page of the date in either process.
      expect(registries.map((r) => r.stopped(DATE))).toEqual([undefined, undefined]);
      const lines = logs.flatMap((l) => l.lines);
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
      for (const l of lines.filter((x) => x.event === 'digest.send.failed')) {
        expect([l.level, l.code]).toEqual([30, 'EBUSY']);
      }
      await a.close();
      await b.close();
    } finally {
      cleanup();
    }
  });
});
