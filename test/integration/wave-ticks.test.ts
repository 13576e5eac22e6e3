import { CompiledQuery, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyReport } from '../../src/pipeline/run-report.js';
import { isReleased, unfinishedBesidesWaves, waveHooks } from '../../src/pipeline/wave-ticks.js';
import { startScheduler, WAVE_TICK_MS } from '../../src/schedule/scheduler.js';
import { dueDatesQuery } from '../../src/store/waves.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { capturingLog, STORE, startTestApp, type TestApp } from '../helpers/test-app.js';
import { bareDigest, ledgerOf, plantDeliveries } from '../helpers/waves.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const H = 3_600_000;

/**
 * The scheduler of `serve` (its store side real: waveHooks, isReleased) on a fake clock from
 * `start`, with a send that settles as sent every row due at the fake time and every row left
 * `sending` (what the send does, requeueing those) and records when it ran for which date.
 */
async function scheduleFrom(t: TestApp, start: string, catchUpMs = 6 * H) {
  const { clock, advance } = fakeClock(start);
  const { log, lines } = capturingLog();
  const runs: string[] = [];
  // What the scheduler started and has not finished: the test moves the clock on only once it has.
  const busy = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>) => {
    busy.add(p);
    void p.finally(() => busy.delete(p)).catch(() => {});
    return p;
  };
  const hooks = waveHooks(t.ctx);
  const s = startScheduler({
    expression: '0 7 * * *',
    timezone: 'UTC',
    log,
    clock,
    catchUpMs,
    isDone: (date) => isReleased(t.ctx, date),
    waves: { wake: (now, catchUpMs) => track(hooks.wake(now, catchUpMs)) },
    run: (date) =>
      track(
        (async () => {
          const now = new Date(clock.now()).toISOString();
          runs.push(`${date} at ${now.slice(0, 16)}`);
          await sql`update deliveries set status = 'sent', sent_at = ${now}
            where (status = 'sending' or status = 'pending' and (not_before is null or not_before <= ${now}))
            and digest_id = (select id from digests where date = ${date})`.execute(t.ctx.db);
        })(),
      ),
  });
  await s.ready;
  /** Moves the clock on by `ms`, stopping at each quarter hour until the wake-up and its sends are done. */
  const advanceSettled = async (ms: number) => {
    const end = clock.now() + ms;
    while (clock.now() < end) {
      const next = Math.min(end, (Math.floor(clock.now() / WAVE_TICK_MS) + 1) * WAVE_TICK_MS);
      await advance(next - clock.now());
      while (busy.size > 0) {
        await Promise.allSettled([...busy]);
        await new Promise((r) => setImmediate(r));
      }
    }
  };
  return { s, advance: advanceSettled, runs, lines };
}

describe('the scheduler wakes on every quarter hour and sends what is due', () => {
  it('runs a date at the first quarter hour at or after each wave, never before', async () => {
    app = await startTestApp();
    const id = await bareDigest(app.ctx.db, '2026-12-02');
    await plantDeliveries(app.ctx.db, id, [
      { email: 'a@example.com', dueAt: '2026-12-02T17:00:00.000Z' },
      { email: 'b@example.com', dueAt: '2026-12-02T17:20:00.000Z' },
      { email: 'c@example.com', dueAt: '2026-12-02T18:00:00.000Z' },
      { email: 'd@example.com', dueAt: '2026-12-02T23:59:59.000Z' },
    ]);
    const { s, advance, runs } = await scheduleFrom(app, '2026-12-02T16:50:00Z');
    await advance(9 * 60_000);
    expect(runs).toEqual([]);
    await advance(60_000 + 8 * H);
    await s.stop();
    expect(runs).toEqual([
      '2026-12-02 at 2026-12-02T17:00',
      '2026-12-02 at 2026-12-02T17:30',
      '2026-12-02 at 2026-12-02T18:00',
      '2026-12-02 at 2026-12-03T00:00',
    ]);
    expect(await ledgerOf(app.ctx.db, id)).toEqual({
      'a@example.com': 'sent',
      'b@example.com': 'sent',
      'c@example.com': 'sent',
      'd@example.com': 'sent',
    });
    expect(s.notes()).toEqual([]);
  });

  it('after a stop: a wave missed beyond PAPERBOY_CATCHUP is skipped with a note, one within it is sent', async () => {
    app = await startTestApp();
    const db = app.ctx.db;
    const day = await bareDigest(db, '2026-12-02');
    await plantDeliveries(db, day, [
      { email: 'm1@example.com', dueAt: '2026-12-02T17:00:00.000Z' },
      { email: 'm2@example.com', dueAt: '2026-12-02T18:00:00.000Z' },
      { email: 'w1@example.com', dueAt: '2026-12-02T20:00:00.000Z' },
      { email: 'w2@example.com', dueAt: '2026-12-03T09:00:00.000Z' },
    ]);
    // Planned before waves (due_at null) and past the window: neither skipped nor sent by itself.
    const legacy = await bareDigest(db, '2026-12-01');
    await plantDeliveries(db, legacy, [
      { email: 'l1@example.com', dueAt: null, createdAt: '2026-12-01T07:00:00.000Z' },
    ]);
    // Deferred by the receiving server: its own limit, not the wave's; it goes again.
    const deferred = await bareDigest(db, '2026-11-30');
    await plantDeliveries(db, deferred, [
      {
        email: 'd1@example.com',
        dueAt: '2026-11-30T07:00:00.000Z',
        notBefore: '2026-12-03T00:30:00.000Z',
        deferredSince: '2026-11-30T07:01:00.000Z',
      },
    ]);
    // Paused by an admin: left to the admin.
    const paused = await bareDigest(db, '2026-11-29', 'sending', 'pause');
    await plantDeliveries(db, paused, [{ email: 'p1@example.com', dueAt: '2026-11-29T07:00:00.000Z' }]);

    // paperboy was not running from before 17:00 on 2 Dec until 01:00 on 3 Dec.
    const { s, runs, lines } = await scheduleFrom(app, '2026-12-03T01:00:00Z');
    await s.stop();
    expect(runs).toEqual(['2026-11-30 at 2026-12-03T01:00', '2026-12-02 at 2026-12-03T01:00']);
    expect(await ledgerOf(db, day)).toEqual({
      'm1@example.com':
        'skipped: missed its wave (due 2026-12-02 17:00 UTC): paperboy was not running; PAPERBOY_CATCHUP is 6 h',
      'm2@example.com':
        'skipped: missed its wave (due 2026-12-02 18:00 UTC): paperboy was not running; PAPERBOY_CATCHUP is 6 h',
      'w1@example.com': 'sent',
      'w2@example.com': 'pending',
    });
    expect(await ledgerOf(db, legacy)).toEqual({ 'l1@example.com': 'pending' });
    expect(await ledgerOf(db, deferred)).toEqual({ 'd1@example.com': 'sent' });
    expect(await ledgerOf(db, paused)).toEqual({ 'p1@example.com': 'pending' });
    const note =
      "2 deliveries of 2026-12-02 missed their waves by more than PAPERBOY_CATCHUP (6 h): paperboy was not running then, so they were skipped (each one's error says when it was due)";
    expect(s.notes()).toEqual([note]);
    expect(lines.filter((l) => l.event === 'schedule.wave.missed')).toMatchObject([
      { level: 40, digest_date: '2026-12-02', count: 2, msg: note },
    ]);
    // The day's release happened (its digest is sending): no "did not happen" note for it.
    expect(lines.some((l) => l.event === 'schedule.missed')).toBe(false);
  });

  it('with PAPERBOY_CATCHUP of 0 a wave between two wake-ups is sent at the next, one missed by 30 minutes skipped', async () => {
    app = await startTestApp();
    const id = await bareDigest(app.ctx.db, '2026-12-02');
    await plantDeliveries(app.ctx.db, id, [
      { email: 'late@example.com', dueAt: '2026-12-02T16:29:00.000Z' },
      { email: 'a@example.com', dueAt: '2026-12-02T17:10:00.000Z' },
    ]);
    const { s, advance, runs } = await scheduleFrom(app, '2026-12-02T17:00:00Z', 0);
    await advance(H);
    await s.stop();
    expect(runs).toEqual(['2026-12-02 at 2026-12-02T17:15']);
    expect(await ledgerOf(app.ctx.db, id)).toEqual({
      'a@example.com': 'sent',
      'late@example.com':
        'skipped: missed its wave (due 2026-12-02 16:29 UTC): paperboy was not running; PAPERBOY_CATCHUP is 0 h',
    });
  });

  it('runs a date whose rows a send that died left sending, once their claim is 10 minutes old', async () => {
    app = await startTestApp();
    const id = await bareDigest(app.ctx.db, '2026-12-02');
    await plantDeliveries(app.ctx.db, id, [
      {
        email: 'a@example.com',
        dueAt: '2026-12-02T17:00:00.000Z',
        status: 'sending',
        createdAt: '2026-12-02T17:00:00.000Z',
      },
    ]);
    await app.ctx.db.updateTable('deliveries').set({ updated_at: '2026-12-02T17:01:00.000Z' }).execute();
    const { s, advance, runs } = await scheduleFrom(app, '2026-12-02T17:05:00Z');
    await advance(H);
    await s.stop();
    expect(runs).toEqual(['2026-12-02 at 2026-12-02T17:15']);
  });

  it('leaves alone the missed waves of a digest whose send holds its lock (a manual send sends them)', async () => {
    app = await startTestApp();
    const db = app.ctx.db;
    const id = await bareDigest(db, '2026-12-02');
    await plantDeliveries(db, id, [{ email: 'm1@example.com', dueAt: '2026-12-02T17:00:00.000Z' }]);
    await db
      .updateTable('digests')
      .set({ lock_owner: 'other-host/1@1', lock_expires_at: Date.now() + 60_000 })
      .where('id', '=', id)
      .execute();
    expect(await waveHooks(app.ctx).wake(Date.parse('2026-12-03T01:00:00Z'), 6 * H)).toEqual({
      missed: [],
      due: [],
    });
    expect(await ledgerOf(db, id)).toEqual({ 'm1@example.com': 'pending' });
  });

  it('a send that leaves only deliveries waiting for their wave is finished: no try again', async () => {
    const t = await startTestApp();
    app = t;
    const db = t.ctx.db;
    const id = await bareDigest(db, '2026-12-02');
    await plantDeliveries(db, id, [
      { email: 'w1@example.com', dueAt: '2026-12-02T17:00:00.000Z' },
      { email: 'w2@example.com', dueAt: '2026-12-02T18:00:00.000Z' },
      { email: 'x1@example.com', dueAt: '2026-12-02T07:00:00.000Z', notBefore: null },
    ]);
    const report = { ...emptyReport('2026-12-02', 'send'), totals: { sent: 0, failed: 0, skipped: 0, pending: 3 } };
    const at = (iso: string) => unfinishedBesidesWaves(t.ctx, { ok: true, value: report }, Date.parse(iso));
    expect(await at('2026-12-02T08:00:00Z')).toBe('1 delivery still pending');
    await db
      .updateTable('deliveries')
      .set({ status: 'sent' })
      .where('due_at', '=', '2026-12-02T07:00:00.000Z')
      .execute();
    expect(
      await unfinishedBesidesWaves(
        t.ctx,
        { ok: true, value: { ...report, totals: { ...report.totals, sent: 1, pending: 2 } } },
        Date.parse('2026-12-02T08:00:00Z'),
      ),
    ).toBeNull();
    expect(await isReleased(t.ctx, '2026-12-02')).toBe(true);
    expect(await isReleased(t.ctx, '2026-12-03')).toBe(false);
  });

  it.runIf(STORE === 'sqlite')(
    'asks SQLite through the partial index of open rows, per digest and status',
    async () => {
      app = await startTestApp();
      const q = dueDatesQuery(app.ctx.db, '2026-12-02T17:00:00.000Z', '2026-12-02T11:00:00.000Z').compile();
      const plan = await app.ctx.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]),
      );
      expect(plan.rows.map((r) => r.detail).filter((d) => d.includes('deliveries'))).toEqual([
        'SEARCH deliveries USING INDEX deliveries_open (digest_id=? AND status=?)',
        'SEARCH deliveries USING INDEX deliveries_open (digest_id=? AND status=?)',
      ]);
    },
  );
});
