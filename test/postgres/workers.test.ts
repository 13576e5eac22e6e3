import type { ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { SEND_QUEUE } from '../../src/cluster/jobs.js';
import { loadConfig } from '../../src/config.js';
import { type AppContext, createContext } from '../../src/pipeline/context.js';
import { deliveryCounts } from '../../src/store/deliveries.js';
import { findDigest, setDigestControl } from '../../src/store/digests.js';
import { dateInZone } from '../../src/time-zone.js';
import { runCli, runCliProcess, spawnCli } from '../helpers/cli.js';
import { STORE, tempDir, testEnv } from '../helpers/test-app.js';

// These tests are about PostgreSQL workers: they run in the `postgres` project only, which exists
// only when PAPERBOY_TEST_DATABASE_URL is set (and .ci/run sets it).
if (STORE !== 'postgres') throw new Error('test/postgres runs in the postgres project (PAPERBOY_TEST_DATABASE_URL)');

const DATE = '2026-11-28';

interface Seen {
  rcpt: string;
  messageId: string;
  at: number;
}

/** A light SMTP sink for thousands of messages: keeps each one's recipient, Message-ID and time. */
async function lightSink(delayMs: number) {
  const seen: Seen[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    size: 0,
    onData(stream, session, cb) {
      let head = '';
      stream.on('data', (c: Buffer) => {
        if (head.length < 8192) head += c.toString('latin1');
      });
      stream.on('end', () => {
        const id = /^Message-ID:\s*(<[^>]+>)/im.exec(head)?.[1] ?? '';
        for (const r of session.envelope.rcptTo) seen.push({ rcpt: r.address, messageId: id, at: Date.now() });
        setTimeout(() => cb(null), delayMs);
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const children: ChildProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const f of cleanups.splice(0)) await f();
});

async function setup(n: number, extra: Record<string, string>, delayMs: number) {
  const sink = await lightSink(delayMs);
  const { dir, cleanup } = tempDir('paperboy-workers-');
  cleanups.push(cleanup, sink.close);
  const env = { ...testEnv(dir, { PAPERBOY_SMTP_URL: sink.url, ...extra }), PAPERBOY_LOG_LEVEL: 'error' };
  const ctx = await createContext(loadConfig(env, dir), pino({ level: 'silent' }));
  const now = new Date().toISOString();
  for (let i = 0; i < n; i += 1000) {
    await ctx.db
      .insertInto('subscribers')
      .values(
        Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({
          email: `reader${String(i + k).padStart(5, '0')}@example.com`,
          name: null,
          status: 'active',
          topics: '[]',
          created_at: now,
          updated_at: now,
          confirmed_at: now,
        })),
      )
      .execute();
  }
  cleanups.push(() => ctx.close());
  return { sink, dir, env, ctx };
}

function startWorkers(count: number, env: Record<string, string>, dir: string): ChildProcess[] {
  const ws = Array.from({ length: count }, () => spawnCli(['worker'], env, dir));
  children.push(...ws);
  return ws;
}

/** Resolves when each of the processes has printed `text`. */
function allSaid(ps: ChildProcess[], text: string): Promise<unknown> {
  return Promise.all(
    ps.map(
      (p) =>
        new Promise<void>((resolve) => {
          let out = '';
          p.stdout?.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.includes(text)) resolve();
          });
        }),
    ),
  );
}

/** Whether a process of this machine is running. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Batch jobs of the send queue that some worker is working on now (pg-boss's own table). */
async function batchesAtWork(ctx: AppContext): Promise<number> {
  const schema = ctx.config.database.kind === 'postgres' ? ctx.config.database.schema : null;
  const r = await sql<{ n: string }>`select count(*) as n from ${sql.table(`${schema}_pgboss.job`)}
    where name = ${SEND_QUEUE} and state = 'active'`.execute(ctx.db);
  return Number(r.rows[0]?.n);
}

/** The ledger of the date says every one of `n` deliveries was sent, none left or failed. */
async function expectAllSent(ctx: AppContext, n: number) {
  const digest = await findDigest(ctx.db, DATE);
  expect(await deliveryCounts(ctx.db, digest?.id ?? -1)).toEqual({
    pending: 0,
    sending: 0,
    sent: n,
    failed: 0,
    skipped: 0,
    feed: 0,
  });
}

describe('send workers on PostgreSQL', () => {
  it('four workers, one killed with SIGKILL midway: everyone exactly once but the in-flight, which share their Message-ID', async () => {
    const N = 5000;
    const POOL = 2;
    const { sink, dir, env, ctx } = await setup(
      N,
      { PAPERBOY_SMTP_POOL: String(POOL), PAPERBOY_WORKER_EXPIRY: '10' },
      2,
    );
    const workers = startWorkers(4, env, dir);
    const send = runCli(['send', '--date', DATE, '--workers', '0'], env, dir);
    while (sink.seen.length < 1500) await sleep(20);
    const victim = workers[1] as ChildProcess;
    victim.kill('SIGKILL');
    const result = await send;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${DATE}: sent ${N}, failed 0, skipped 0`);

    const byRcpt = new Map<string, string[]>();
    for (const s of sink.seen) byRcpt.set(s.rcpt, [...(byRcpt.get(s.rcpt) ?? []), s.messageId]);
    expect(byRcpt.size).toBe(N);
    const twice = [...byRcpt.values()].filter((ids) => ids.length > 1);
    // Only what the killed worker had on the wire (its pool) went twice, with the same Message-ID.
    console.info(
      `kill test: ${sink.seen.length} messages for ${byRcpt.size} readers; twice: ${twice.map((ids) => ids[0]).join(' ') || 'none'}`,
    );
    expect(twice.length).toBeLessThanOrEqual(POOL);
    for (const ids of twice) expect(new Set(ids).size).toBe(1);
    expect(new Set([...byRcpt.values()].map((ids) => ids[0])).size).toBe(N);

    await expectAllSent(ctx, N);
  }, 240_000);

  it('the send command killed and run again while workers go on sending: nobody twice', async () => {
    // The re-run puts back only deliveries claimed longer ago than the worker expiry: the ones the
    // live workers have on the wire stay theirs (putting them back sent them a second time).
    // One batch job, so one worker sends and the others are idle, ready to take whatever the re-run
    // enqueues; a slow relay (1.5 s per message) keeps ten messages on the wire at any moment.
    const N = 200;
    const { sink, dir, env, ctx } = await setup(N, { PAPERBOY_SMTP_POOL: '10', PAPERBOY_WORKER_EXPIRY: '30' }, 1500);
    startWorkers(3, env, dir);
    const first = spawnCli(['send', '--date', DATE, '--workers', '0'], env, dir);
    children.push(first);
    while (sink.seen.length < 20) await sleep(20);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('close', r));
    // The workers have deliveries in flight at the moment the send is run again.
    const digest = await findDigest(ctx.db, DATE);
    expect((await deliveryCounts(ctx.db, digest?.id ?? -1)).sending).toBeGreaterThan(0);
    const again = await runCli(['send', '--date', DATE, '--workers', '0'], env, dir);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);

    const counts = new Map<string, number>();
    for (const s of sink.seen) counts.set(s.rcpt, (counts.get(s.rcpt) ?? 0) + 1);
    expect(counts.size).toBe(N);
    expect([...counts.values()].filter((n) => n > 1)).toEqual([]);
    expect(sink.seen.length).toBe(N);
    await expectAllSent(ctx, N);
  }, 150_000);

  it('send --workers 3 sends through itself and two worker processes of its own, which end with it', async () => {
    const N = 3000;
    const { sink, dir, env, ctx } = await setup(N, { PAPERBOY_SMTP_POOL: '2' }, 10);
    // A process of its own: its pid is one of the three, and it must be gone at the end.
    const result = await runCliProcess(['send', '--date', DATE, '--workers', '3'], env, dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${DATE}: sent ${N}, failed 0, skipped 0`);
    expect(sink.seen.length).toBe(N);
    expect(new Set(sink.seen.map((s) => s.rcpt)).size).toBe(N);
    await expectAllSent(ctx, N);
    // Every claim names its process: three processes sent (six batches of 500 at 2 × 100 msg/s).
    const owners = await ctx.db.selectFrom('deliveries').select('claimed_by').distinct().execute();
    const pids = owners.map((o) => Number(o.claimed_by?.split('/')[1]?.split('@')[0]));
    expect(pids).toHaveLength(3);
    // … and none of them is still running.
    expect(pids.filter(isRunning)).toEqual([]);
  }, 120_000);

  it('the worker processes of a send killed with SIGKILL end by themselves within seconds', async () => {
    const { sink, dir, env, ctx } = await setup(3000, { PAPERBOY_SMTP_POOL: '2' }, 20);
    const send = spawnCli(['send', '--date', DATE, '--workers', '3'], env, dir);
    children.push(send);
    const others = async () =>
      (await ctx.db.selectFrom('deliveries').select('claimed_by').distinct().execute())
        .map((o) => Number(o.claimed_by?.split('/')[1]?.split('@')[0]))
        .filter((pid) => pid > 0 && pid !== send.pid);
    while ((await others()).length < 2) await sleep(100);
    const pids = await others();
    expect(sink.seen.length).toBeGreaterThan(0);
    send.kill('SIGKILL');
    const alive = () => pids.filter(isRunning);
    for (let i = 0; i < 100 && alive().length > 0; i++) await sleep(100);
    expect(alive()).toEqual([]);
  }, 120_000);

  it('holds PAPERBOY_RATE_LIMIT for the whole cluster, not per worker', async () => {
    const RATE = 150;
    // Three batch jobs (500, 500, 200): one for each worker (two processes and the sender's own).
    const N = 1200;
    const { sink, dir, env, ctx } = await setup(N, { PAPERBOY_SMTP_POOL: '2', PAPERBOY_RATE_LIMIT: String(RATE) }, 0);
    // The bucket, made empty here on the database's clock: every token it hands out from now on is
    // one it earned at RATE a second since this moment (src/cluster/rate-bucket.ts).
    const made = await sql<{ ms: string }>`insert into rate_buckets (name, tokens, updated_ms)
      values ('send', 0, floor(extract(epoch from clock_timestamp()) * 1000)::bigint) returning updated_ms as ms`.execute(
      ctx.db,
    );
    // Both waiting before the send starts: each takes one of the three batches as it is enqueued.
    await allSaid(startWorkers(2, env, dir), ': waiting for send batches');
    const r = await runCli(['send', '--date', DATE, '--workers', '1'], env, dir);
    expect(r.code).toBe(0);
    expect(new Set(sink.seen.map((s) => s.rcpt)).size).toBe(N);
    // All three took batches: the limit held for them together.
    const owners = await ctx.db.selectFrom('deliveries').select('claimed_by').distinct().execute();
    expect(owners).toHaveLength(3);
    // The bucket's own accounting, on its clock: what it handed out (each message took one token) is
    // at most what it earned from its making to its last take, less what it still holds. Limited
    // per worker instead, the three would have sent about three times what it earned. A busy
    // machine only slows the workers: it cannot make them take more than the bucket earned.
    const bucket = await ctx.db
      .selectFrom('rate_buckets')
      .select(['tokens', 'updated_ms'])
      .where('name', '=', 'send')
      .executeTakeFirstOrThrow();
    const seconds = (Number(bucket.updated_ms) - Number(made.rows[0]?.ms)) / 1000;
    console.info(
      `cluster rate limit ${RATE}/s: ${sink.seen.length} messages in ${seconds.toFixed(1)} s of the bucket's clock`,
    );
    expect(sink.seen.length).toBeLessThanOrEqual(RATE * seconds - Number(bucket.tokens));
  }, 120_000);

  /**
   * 600 readers, two worker processes and the sender's own `workers`; an admin asks `control` once
   * 60 messages are in. Returns when the send has stopped and no worker is working a batch any
   * more: nothing can reach the relay after that.
   */
  async function stopMidway(control: 'pause' | 'cancel', workers: string) {
    const N = 600;
    const { sink, dir, env, ctx } = await setup(N, { PAPERBOY_SMTP_POOL: '2' }, 10);
    startWorkers(2, env, dir);
    const send = runCli(['send', '--date', DATE, '--workers', workers], env, dir);
    while (sink.seen.length < 60) await sleep(20);
    const digestId = (await findDigest(ctx.db, DATE))?.id ?? -1;
    await setDigestControl(ctx.db, digestId, control);
    const stopped = await send;
    expect(stopped.stdout).toContain(`an admin asked to ${control} this send`);
    // Each worker ends its batch once it sees the control (its messages on the wire finish first).
    while ((await batchesAtWork(ctx)) > 0) await sleep(50);
    const atStop = sink.seen.length;
    // Every message the relay got is settled as sent; none is on its way.
    const counts = await deliveryCounts(ctx.db, digestId);
    expect({ sent: counts.sent, sending: counts.sending }).toEqual({ sent: atStop, sending: 0 });
    expect(atStop).toBeLessThan(N);
    return { N, sink, dir, env, ctx, digestId, atStop };
  }

  it('pausing stops every worker; resuming finishes the send, nobody twice', async () => {
    const { N, sink, dir, env } = await stopMidway('pause', '0');
    const resumed = await runCli(['send', '--resume', DATE, '--workers', '0'], env, dir);
    expect(resumed.code).toBe(0);
    const rcpts = sink.seen.map((s) => s.rcpt);
    expect(new Set(rcpts).size).toBe(N);
    expect(rcpts).toHaveLength(N);
  }, 120_000);

  it('cancelling stops every worker and skips the rest; nothing stays pending or in flight', async () => {
    const { N, sink, ctx, digestId, atStop } = await stopMidway('cancel', '1');
    const counts = await deliveryCounts(ctx.db, digestId);
    expect(counts).toEqual({ pending: 0, sending: 0, sent: atStop, failed: 0, skipped: N - atStop, feed: 0 });
    expect(new Set(sink.seen.map((s) => s.rcpt)).size).toBe(atStop);
  }, 120_000);

  it('several relays in PAPERBOY_SMTP_URL: the workers take them in turn, everyone once', async () => {
    const N = 2000; // four batch jobs, so both workers get some
    const { sink, dir, env } = await setup(N, { PAPERBOY_SMTP_POOL: '2' }, 2);
    const second = await lightSink(2);
    cleanups.push(second.close);
    const relays = { ...env, PAPERBOY_SMTP_URL: `${sink.url},${second.url}` };
    // A process of its own: the worker process it starts takes the settings of its environment.
    const r = await runCliProcess(['send', '--date', DATE, '--workers', '2'], relays, dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(sink.seen.length).toBeGreaterThan(0);
    expect(second.seen.length).toBeGreaterThan(0);
    const rcpts = [...sink.seen, ...second.seen].map((s) => s.rcpt);
    expect(rcpts).toHaveLength(N);
    expect(new Set(rcpts).size).toBe(N);
  }, 120_000);

  it('two serve processes whose schedules fire at once: one digest, one send', async () => {
    const N = 300;
    const { sink, dir, env, ctx } = await setup(N, { PAPERBOY_SMTP_POOL: '2' }, 2);
    // A time zone where it is about noon now: the local day of the 00:00 run they catch up is the
    // same for the test and for both processes, whenever the test runs (not so in UTC at midnight).
    const offset = 12 - new Date().getUTCHours();
    const timezone = `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
    const today = dateInZone(new Date(), timezone);
    // Both start after today's 00:00 run and catch it up at once.
    const serveEnv = {
      ...env,
      PAPERBOY_PORT: '0',
      PAPERBOY_SCHEDULE: '0 0 * * *',
      PAPERBOY_TIMEZONE: timezone,
      PAPERBOY_CATCHUP: '24h',
    };
    const serves = [spawnCli(['serve'], serveEnv, dir), spawnCli(['serve'], serveEnv, dir)];
    children.push(...serves);
    // Each says it is running once its catch-up has started its send (or found the date sent).
    const running = allSaid(serves, 'stop with Ctrl-C\n');
    for (let i = 0; (await findDigest(ctx.db, today))?.status !== 'sent'; i++) {
      if (i > 1200) throw new Error('the scheduled send did not finish in 120 s');
      await sleep(100);
    }
    await running;
    // Stopped, each finishes what it has on the wire and exits: after that nothing more can come.
    await Promise.all(
      serves.map((p) => {
        const exited = p.exitCode === null ? new Promise((r) => p.once('exit', r)) : null;
        p.kill('SIGTERM');
        return exited;
      }),
    );
    const digests = await ctx.db.selectFrom('digests').select('date').execute();
    expect(digests.map((d) => d.date)).toEqual([today]);
    const rcpts = sink.seen.map((s) => s.rcpt);
    expect(rcpts).toHaveLength(N);
    expect(new Set(rcpts).size).toBe(N);
  }, 180_000);
});
