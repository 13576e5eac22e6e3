import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/pipeline/context.js';
import { deliveryCounts } from '../../src/store/deliveries.js';
import { findDigest } from '../../src/store/digests.js';
import { spawnCli } from '../helpers/cli.js';
import { type PrivatePostgres, startPrivatePostgres } from '../helpers/private-postgres.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { tempDir, testEnv } from '../helpers/test-app.js';

const DATE = '2026-11-28';
let pg: PrivatePostgres | undefined;
let sink: SmtpSink | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await sink?.close();
  await pg?.close();
  sink = pg = undefined;
  for (const c of cleanups.splice(0)) c();
});

describe('a PostgreSQL restart in the middle of a send', () => {
  it('is ridden through by `send` and its worker: everyone gets the digest, at most the in-flight twice, no stack trace', async () => {
    pg = await startPrivatePostgres();
    sink = await startSmtpSink(() => null, { delayMs: 4 });
    const { dir, cleanup } = tempDir('paperboy-pgrestart-');
    cleanups.push(cleanup);
    const env = {
      ...testEnv(dir, { PAPERBOY_SMTP_URL: sink.url, PAPERBOY_SMTP_POOL: '2' }),
      PAPERBOY_DATABASE_URL: `${pg.url}?schema=paperboy`,
      PAPERBOY_LOG_LEVEL: 'warn',
    };
    const N = 1500;
    const emails = Array.from({ length: N }, (_, i) => `reader${String(i).padStart(4, '0')}@example.com`);
    const ctx = await createContext(loadConfig(env, dir), pino({ level: 'silent' }));
    for (let i = 0; i < N; i += 500) {
      await ctx.db
        .insertInto('subscribers')
        .values(
          emails.slice(i, i + 500).map((email) => ({
            email,
            name: null,
            status: 'active',
            created_at: new Date().toISOString(),
            updated_at: new Date().toISOString(),
          })),
        )
        .execute();
    }
    await ctx.close();

    const send = spawnCli(['send', '--date', DATE, '--workers', '2'], env, dir);
    let stderr = '';
    send.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => send.on('close', resolve));
    const s = sink;
    while (s.received.length < 200) await sleep(10);
    // Down for 5 s: longer than a restart, well within the minute paperboy rides out.
    await pg.stop();
    await sleep(5000);
    await pg.start();
    expect({ code: await exited, tail: stderr.split('\n').filter((l) => l.startsWith('paperboy:')) }).toEqual({
      code: 0,
      tail: [],
    });

    const got = new Map<string, number>();
    for (const r of sink.received) for (const to of r.rcptTo) got.set(to, (got.get(to) ?? 0) + 1);
    expect(got.size).toBe(N);
    // What was on the wire when the server went away goes again: two connections in each of two processes.
    expect([...got.values()].filter((n) => n > 1).length).toBeLessThanOrEqual(4);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr).toContain('"event":"store.retrying"');

    const after = await createContext(loadConfig(env, dir), pino({ level: 'silent' }));
    const digest = await findDigest(after.db, DATE);
    expect(await deliveryCounts(after.db, digest?.id ?? 0)).toEqual({
      pending: 0,
      sending: 0,
      sent: N,
      failed: 0,
      skipped: 0,
      feed: 0,
    });
    await after.close();
  }, 240_000);
});
