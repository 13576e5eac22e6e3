import { type ChildProcess, spawn } from 'node:child_process';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/pipeline/context.js';
import { upsertSubscriber } from '../../src/store/subscribers.js';
import { BIN, runCli } from '../helpers/cli.js';
import { processState, untilZombie } from '../helpers/processes.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { tempDir, testEnv } from '../helpers/test-app.js';

let sink: SmtpSink | undefined;
let parent: ChildProcess | undefined;
afterEach(async () => {
  parent?.kill('SIGKILL');
  await sink?.close();
  sink = parent = undefined;
});

describe('a send killed while its process is a zombie (a container whose init does not reap it)', () => {
  it('is taken over at once by the next send, not refused as "already running" for a minute', async () => {
    sink = await startSmtpSink(() => null, { delayMs: (n) => (n <= 5 ? 5 : 200) });
    const { dir, cleanup } = tempDir('paperboy-zombie-');
    try {
      const env = testEnv(dir, { PAPERBOY_SMTP_URL: sink.url, PAPERBOY_SMTP_POOL: '2' });
      const ctx = await createContext(loadConfig(env, dir), pino({ level: 'silent' }));
      const emails = Array.from({ length: 30 }, (_, i) => `reader${String(i).padStart(2, '0')}@example.com`);
      for (const email of emails) await upsertSubscriber(ctx.db, { email, name: null, status: 'active' });
      await ctx.close();

      // The sender's parent is a shell that becomes `sleep`: it never waits for its child.
      parent = spawn(
        'sh',
        ['-c', `"${process.execPath}" "${BIN}" send --date 2026-11-28 >/dev/null 2>&1 & echo $!; exec sleep 600`],
        {
          cwd: dir,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as NodeJS.ProcessEnv,
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      const pid = await new Promise<number>((resolve) =>
        parent?.stdout?.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
      );
      const s = sink;
      while (s.received.length < 5) await new Promise((r) => setTimeout(r, 10));
      process.kill(pid, 'SIGKILL');
      await untilZombie(pid);

      const second = await runCli(['send', '--date', '2026-11-28'], env, dir);
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
      expect(processState(pid)).toBe('Z');
      const readers = new Set(sink.received.map((r) => r.rcptTo[0]));
      expect([...readers].sort()).toEqual(emails);
      // Only what was on the wire when it died (the pool of 2) went twice.
      expect(sink.received.length - readers.size).toBeLessThanOrEqual(2);
    } finally {
      cleanup();
    }
  });
});
