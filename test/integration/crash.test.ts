import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/pipeline/context.js';
import { deliveryCounts } from '../../src/store/deliveries.js';
import { findDigest } from '../../src/store/digests.js';
import { upsertSubscriber } from '../../src/store/subscribers.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { killAfter } from '../helpers/processes.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { tempDir, testEnv } from '../helpers/test-app.js';

let sink: SmtpSink | undefined;
afterEach(async () => {
  await sink?.close();
  sink = undefined;
});

describe('a send killed midway', () => {
  it('is finished by the next send: everyone gets the digest, only in-flight messages go twice, with the same Message-ID', async () => {
    // Quick for the first 15 messages, slow after: the kill surely lands mid-send.
    sink = await startSmtpSink(() => null, { delayMs: (n) => (n <= 15 ? 20 : 150) });
    const { dir, cleanup } = tempDir('paperboy-crash-');
    try {
      const env = {
        ...testEnv(dir, { PAPERBOY_SMTP_URL: sink.url, PAPERBOY_SMTP_POOL: '3' }),
        PAPERBOY_LOG_LEVEL: 'error',
      };
      const ctx = await createContext(loadConfig(env, dir), pino({ level: 'silent' }));
      const emails = Array.from({ length: 60 }, (_, i) => `reader${String(i).padStart(2, '0')}@example.com`);
      for (const email of emails) await upsertSubscriber(ctx.db, { email, name: null, status: 'active' });
      await ctx.close();

      const first = spawnCli(['send', '--date', '2026-11-28'], env, dir);
      const s = sink;
      await killAfter(first, () => s.received.length, 15);
      const beforeRestart = sink.received.length;
      expect(beforeRestart).toBeLessThan(60);

      const second = await runCli(['send', '--date', '2026-11-28'], env, dir);
      expect(second.stderr).not.toContain('already running');
      expect(second.code).toBe(0);

      const byAddress = new Map<string, string[]>();
      for (const r of sink.received) {
        const to = r.rcptTo[0] ?? '';
        byAddress.set(to, [...(byAddress.get(to) ?? []), r.mail.messageId ?? '']);
      }
      expect([...byAddress.keys()].sort()).toEqual(emails);
      const twice = [...byAddress.entries()].filter(([, ids]) => ids.length > 1);
      // At most the messages in flight when the process died (the pool size) go again …
      expect(twice.length).toBeLessThanOrEqual(3);
      // … and each with the Message-ID it had, so mail clients show it once.
      for (const [, ids] of twice) expect(new Set(ids).size).toBe(1);

      const after = await createContext(loadConfig(env, dir), pino({ level: 'silent' }));
      const digest = await findDigest(after.db, '2026-11-28');
      expect(await deliveryCounts(after.db, digest?.id ?? 0)).toEqual({
        pending: 0,
        sending: 0,
        sent: 60,
        failed: 0,
        skipped: 0,
        feed: 0,
      });
      expect(digest?.status).toBe('sent');
      await after.close();
    } finally {
      cleanup();
    }
  });
});
