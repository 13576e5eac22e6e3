import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SEND_QUEUE } from '../../src/cluster/jobs.js';
import { loadConfig } from '../../src/config.js';
import { type AppContext, createContext } from '../../src/pipeline/context.js';
import { findDigest } from '../../src/store/digests.js';
import { upsertSubscriber } from '../../src/store/subscribers.js';
import { runCli, runCliProcess, spawnCli } from '../helpers/cli.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { STORE, tempDir, testEnv } from '../helpers/test-app.js';
import { papersOf } from '../helpers/waves.js';

if (STORE !== 'postgres') throw new Error('test/postgres runs in the postgres project (PAPERBOY_TEST_DATABASE_URL)');

const DATE = '2026-12-02';
const N = 300;

const children: ChildProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const f of cleanups.splice(0)) await f();
});

/** Batch jobs of the send queue ever created (pg-boss's own table). */
async function batchJobs(ctx: AppContext): Promise<number> {
  const schema = ctx.config.database.kind === 'postgres' ? ctx.config.database.schema : null;
  const r = await sql<{ n: string }>`select count(*) as n from ${sql.table(`${schema}_pgboss.job`)}
    where name = ${SEND_QUEUE}`.execute(ctx.db);
  return Number(r.rows[0]?.n);
}

describe('send workers on PostgreSQL, in waves', () => {
  it('never send a delivery before it is due: no job for a wave still to come, each wave at its time, everyone once', async () => {
    const sink: SmtpSink = await startSmtpSink();
    const { dir, cleanup } = tempDir('paperboy-waves-workers-');
    cleanups.push(cleanup, () => sink.close());
    const env = {
      ...testEnv(dir, { PAPERBOY_SMTP_URL: sink.url, PAPERBOY_TIMEZONE: 'UTC', PAPERBOY_SCHEDULE: '0 7 * * *' }),
      PAPERBOY_LOG_LEVEL: 'error',
      PAPERBOY_SOURCE: papersOf(dir, DATE),
    };
    const ctx = await createContext(loadConfig(env, dir), pino({ level: 'silent' }));
    cleanups.push(() => ctx.close());
    // Kiritimati and Pago Pago readers by turns: every batch range holds both waves.
    for (let i = 0; i < N; i++) {
      await upsertSubscriber(ctx.db, {
        email: `reader${String(i).padStart(3, '0')}@example.com`,
        name: null,
        status: 'active',
      });
    }
    await ctx.db
      .updateTable('subscribers')
      .set((eb) => ({
        timezone: eb
          .case()
          .when(sql<number>`id % 2`, '=', 1)
          .then('Pacific/Kiritimati')
          .else('Pacific/Pago_Pago')
          .end(),
        hour: 7,
      }))
      .execute();
    const kiri = (r: string) => Number(/reader(\d+)/.exec(r)?.[1]) % 2 === 0;
    // Two workers on the machine's own clock (a week after the date): they act on each job's clock.
    children.push(spawnCli(['worker'], env, dir), spawnCli(['worker'], env, dir));

    const release = await runCli(['send', '--date', DATE, '--at', '2026-12-02T07:00Z', '--workers', '0'], env, dir);
    expect({ code: release.code, stderr: release.stderr }).toEqual({ code: 0, stderr: '' });
    expect(release.stdout).toContain(`${N} waiting for their wave (next at 2026-12-02 17:00 UTC)`);
    expect(sink.received).toHaveLength(0);
    expect(await batchJobs(ctx)).toBe(0);

    const first = await runCli(['send', '--date', DATE, '--at', '2026-12-02T17:00Z', '--workers', '0'], env, dir);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(first.stdout).toContain(`${N / 2} waiting for their wave (next at 2026-12-02 18:00 UTC)`);
    const rcpts = () => sink.received.map((r) => r.rcptTo[0] ?? '');
    expect(rcpts().filter((r) => !kiri(r))).toEqual([]);
    expect(new Set(rcpts()).size).toBe(N / 2);
    expect(sink.received).toHaveLength(N / 2);
    expect((await findDigest(ctx.db, DATE))?.status).toBe('sending');

    // The second wave, through a send process and a worker process of its own besides the two.
    const second = await runCliProcess(
      ['send', '--date', DATE, '--at', '2026-12-02T18:00Z', '--workers', '2'],
      env,
      dir,
    );
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
    expect(second.stdout).not.toContain('waiting');
    expect(second.stdout).toContain(`for the date: ${N} sent, 0 failed, 0 skipped, 0 pending`);
    expect(new Set(rcpts()).size).toBe(N);
    expect(sink.received).toHaveLength(N);
    expect((await findDigest(ctx.db, DATE))?.status).toBe('sent');
    // Every row sent at or after its due time, on the send's clock.
    const early = await ctx.db
      .selectFrom('deliveries')
      .select(['id', 'due_at', 'sent_at'])
      .where((eb) => eb.or([eb('sent_at', 'is', null), eb('sent_at', '<', eb.ref('due_at'))]))
      .execute();
    expect(early).toEqual([]);
  }, 180_000);
});
