import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/pipeline/context.js';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { dialectOf } from '../../src/store/db.js';
import { deliveryCounts } from '../../src/store/deliveries.js';
import { findDigest } from '../../src/store/digests.js';
import { upsertSubscriber } from '../../src/store/subscribers.js';
import { spawnCli } from '../helpers/cli.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { startTestApp, type TestApp, tempDir, testEnv } from '../helpers/test-app.js';

const DATE = '2026-11-28';
let app: TestApp | undefined;
let sink: SmtpSink | undefined;
afterEach(async () => {
  await app?.close();
  await sink?.close();
  app = sink = undefined;
});

const readers = (n: number) => Array.from({ length: n }, (_, i) => `reader${String(i).padStart(3, '0')}@example.com`);

/** How many messages each address got. */
function perReader(s: SmtpSink): Map<string, number> {
  const got = new Map<string, number>();
  for (const r of s.received) for (const to of r.rcptTo) got.set(to, (got.get(to) ?? 0) + 1);
  return got;
}

describe('a ledger write that fails while the relay has accepted the message', () => {
  it('is tried again until the store answers: no message goes twice (SQLite write-locked by another process for 8 s)', async () => {
    sink = await startSmtpSink(() => null, { delayMs: 30 });
    const { dir, cleanup } = tempDir('paperboy-ledger-');
    try {
      const file = path.join(dir, 'data', 'paperboy.db');
      const env = {
        ...testEnv(dir, { PAPERBOY_SMTP_URL: sink.url, PAPERBOY_SMTP_POOL: '5', PAPERBOY_DATABASE_URL: file }),
        PAPERBOY_LOG_LEVEL: 'warn',
      };
      const ctx = await createContext(loadConfig(env, dir), pino({ level: 'silent' }));
      const emails = readers(100);
      for (const email of emails) await upsertSubscriber(ctx.db, { email, name: null, status: 'active' });
      await ctx.close();

      const send = spawnCli(['send', '--date', DATE], env, dir);
      let stderr = '';
      send.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const exited = new Promise<number | null>((resolve) => send.on('close', resolve));
      const s = sink;
      while (s.received.length < 5) await sleep(5);
      // Another process takes SQLite's write lock and keeps it longer than paperboy's busy timeout (5 s).
      const other = new SQLite(file);
      other.exec('BEGIN IMMEDIATE');
      await sleep(8000);
      other.exec('ROLLBACK');
      other.close();
      expect(await exited).toBe(0);

      const got = perReader(sink);
      expect([...got.keys()].sort()).toEqual(emails);
      expect([...got.values()].filter((n) => n > 1)).toEqual([]);
      expect(stderr).toContain('"event":"store.retrying"');
      expect(stderr).toContain('"event":"store.recovered"');
      const after = await createContext(loadConfig(env, dir), pino({ level: 'silent' }));
      const digest = await findDigest(after.db, DATE);
      expect(await deliveryCounts(after.db, digest?.id ?? 0)).toEqual({
        pending: 0,
        sending: 0,
        sent: 100,
        failed: 0,
        skipped: 0,
        feed: 0,
      });
      await after.close();
    } finally {
      cleanup();
    }
  }, 90_000);
});

describe('a sender that fails', () => {
  it('stops every sender before another message is handed over, and the run ends only when all have stopped', async () => {
    // Slow enough that several messages are on the wire when the fault strikes.
    sink = await startSmtpSink(() => null, { delayMs: 15 });
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_SMTP_POOL: '5' });
    const emails = readers(600);
    for (const email of emails) await upsertSubscriber(app.ctx.db, { email, name: null, status: 'active' });
    const t = app;
    const s = sink;
    const running = runDigest(t.ctx, { date: DATE }).then(
      () => null,
      (e: unknown) => e,
    );
    while (s.received.length < 20) await sleep(5);
    // A fault in the store (a trigger that refuses to touch one row of the third batch of 200): the
    // claim of that batch fails, for good.
    const digest = await findDigest(t.ctx.db, DATE);
    const row = await t.ctx.db
      .selectFrom('deliveries')
      .select('id')
      .where('digest_id', '=', digest?.id ?? 0)
      .orderBy('id')
      .offset(450)
      .limit(1)
      .executeTakeFirstOrThrow();
    await injectFault(t, row.id);
    const err = await running;
    // The moment the run ends, nothing is on the wire and every accepted message is recorded.
    const counts = await deliveryCounts(t.ctx.db, digest?.id ?? 0);
    const accepted = s.received.length;
    expect(err).toMatchObject({ code: 'ESTORE' });
    expect((err as Error).message).toMatch(/^the store could not claim deliveries: .*injected fault/);
    expect({ sending: counts.sending, sent: counts.sent, pending: counts.pending }).toEqual({
      sending: 0,
      sent: accepted,
      pending: 600 - accepted,
    });
    expect(accepted).toBeLessThan(600);

    await removeFault(t);
    const again = await runDigest(t.ctx, { date: DATE });
    expect(again.sent).toBe(600 - accepted);
    const got = perReader(s);
    expect(got.size).toBe(600);
    expect([...got.values()].filter((n) => n > 1)).toEqual([]);
  }, 90_000);
});

async function injectFault(t: TestApp, id: number): Promise<void> {
  if (dialectOf(t.ctx.db) === 'sqlite') {
    await sql
      .raw(`create trigger inject_fault before update on deliveries when old.id = ${id}
        begin select raise(abort, 'injected fault'); end`)
      .execute(t.ctx.db);
    return;
  }
  await sql
    .raw(`create function inject_fault() returns trigger language plpgsql as $$
      begin raise exception 'injected fault'; end $$`)
    .execute(t.ctx.db);
  await sql
    .raw(`create trigger inject_fault before update on deliveries for each row when (old.id = ${id})
      execute function inject_fault()`)
    .execute(t.ctx.db);
}

async function removeFault(t: TestApp): Promise<void> {
  if (dialectOf(t.ctx.db) === 'sqlite') {
    await sql.raw('drop trigger inject_fault').execute(t.ctx.db);
    return;
  }
  await sql.raw('drop trigger inject_fault on deliveries').execute(t.ctx.db);
  await sql.raw('drop function inject_fault').execute(t.ctx.db);
}
