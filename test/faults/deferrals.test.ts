import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { deliveryCounts } from '../../src/store/deliveries.js';
import { findDigest } from '../../src/store/digests.js';
import { findSubscriberByEmail } from '../../src/store/subscribers.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, capturingLog, startTestApp, type TestApp } from '../helpers/test-app.js';

const DATE = '2026-11-28';
let app: TestApp | undefined;
let sink: SmtpSink | undefined;
afterEach(async () => {
  await app?.close();
  await sink?.close();
  app = sink = undefined;
});

const greylisted = { code: 451, message: '4.7.1 Greylisted, please try again later' };

async function ledgerRow(t: TestApp, email: string) {
  return t.ctx.db
    .selectFrom('deliveries')
    .innerJoin('subscribers', 'subscribers.id', 'deliveries.subscriber_id')
    .select([
      'deliveries.id',
      'deliveries.status',
      'deliveries.not_before',
      'deliveries.deferred_since',
      'deliveries.last_error',
    ])
    .where('subscribers.email', '=', email)
    .executeTakeFirstOrThrow();
}

async function bounces(t: TestApp): Promise<number> {
  const r = await t.ctx.db
    .selectFrom('bounces')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

describe('deliveries the receiving server defers (4xx)', () => {
  it('wait for their retry without holding a sender: everyone else goes first', async () => {
    sink = await startSmtpSink((address, attempt) => (address.startsWith('grey') && attempt === 1 ? greylisted : null));
    // One connection, two senders: before, two deferred readers held both senders through the backoff.
    // The backoff is long next to ten messages even on a loaded machine (at 2 s, with the suite's
    // files three at a time beside other builds, the retry once came before the last three).
    app = await startTestApp({
      PAPERBOY_SMTP_URL: sink.url,
      PAPERBOY_SMTP_POOL: '1',
      PAPERBOY_SMTP_RETRIES: '1',
      PAPERBOY_RETRY_DELAY_MS: '5000',
    });
    const others = Array.from({ length: 10 }, (_, i) => `reader${i}@example.com`);
    await addActive(app, 'grey1@example.com', 'grey2@example.net', ...others);
    const report = await runDigest(app.ctx, { date: DATE });
    expect({ sent: report.sent, failed: report.failed, deferred: report.deferred }).toEqual({
      sent: 12,
      failed: 0,
      deferred: 0,
    });
    expect(sink.received.map((r) => r.rcptTo[0])).toEqual([...others, 'grey1@example.com', 'grey2@example.net']);
    expect(sink.rcptAttempts.get('grey1@example.com')).toBe(2);
  }, 90_000);

  it('stay pending past a pass’s retries, are not tried before they are due, and go with a later pass once', async () => {
    sink = await startSmtpSink((address, attempt) =>
      address === 'grey@example.com' && attempt <= 2 ? greylisted : null,
    );
    const { log, lines } = capturingLog();
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_SMTP_RETRIES: '1' }, { log });
    await addActive(app, 'ada@example.com', 'grey@example.com');

    const first = await runDigest(app.ctx, { date: DATE });
    expect({ sent: first.sent, failed: first.failed, deferred: first.deferred, totals: first.totals }).toEqual({
      sent: 1,
      failed: 0,
      deferred: 1,
      totals: { sent: 1, failed: 0, skipped: 0, pending: 1 },
    });
    const row = await ledgerRow(app, 'grey@example.com');
    expect(row.status).toBe('pending');
    expect(row.last_error).toBe('451 4.7.1 Greylisted, please try again later (after 2 attempts)');
    expect(row.deferred_since).not.toBeNull();
    expect(Date.parse(row.not_before ?? '')).toBeGreaterThan(Date.parse(row.deferred_since ?? ''));
    expect(first.nextTry).toBe(row.not_before);
    expect((await findDigest(app.ctx.db, DATE))?.status).toBe('sending');
    // Named a deferral in the log, never a refusal.
    const deferrals = lines.filter((l) => l.event === 'delivery.deferred').map((l) => l.msg);
    expect(deferrals[0]).toBe(
      'grey@example.com: deferred by the receiving server (451 4.7.1 Greylisted, please try again later); tried again in 20 ms',
    );
    expect(deferrals[1]).toMatch(
      /^grey@example\.com: still deferred by the receiving server \(451 4\.7\.1 Greylisted, please try again later \(after 2 attempts\)\); pending, tried again from \d\d:\d\d:\d\d UTC$/,
    );
    expect(lines.some((l) => l.msg.includes('refused'))).toBe(false);

    // Not due yet: a send now leaves it alone.
    const later = new Date(Date.now() + 3_600_000).toISOString();
    await app.ctx.db.updateTable('deliveries').set({ not_before: later }).where('id', '=', row.id).execute();
    const early = await runDigest(app.ctx, { date: DATE });
    expect({ sent: early.sent, deferred: early.deferred, nextTry: early.nextTry }).toEqual({
      sent: 0,
      deferred: 1,
      nextTry: later,
    });
    expect(sink.rcptAttempts.get('grey@example.com')).toBe(2);

    // Due: the next pass sends it, once, and the date is done.
    await app.ctx.db
      .updateTable('deliveries')
      .set({ not_before: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', row.id)
      .execute();
    const due = await runDigest(app.ctx, { date: DATE });
    expect({ sent: due.sent, deferred: due.deferred, pending: due.totals.pending }).toEqual({
      sent: 1,
      deferred: 0,
      pending: 0,
    });
    expect(sink.to('grey@example.com')).toHaveLength(1);
    expect(sink.to('ada@example.com')).toHaveLength(1);
    expect((await findDigest(app.ctx.db, DATE))?.status).toBe('sent');
    expect(await bounces(app)).toBe(0);
  });

  it('fail once PAPERBOY_DEFER_LIMIT has passed since the first deferral: a soft bounce only when about the mailbox', async () => {
    sink = await startSmtpSink((address) =>
      address === 'full@example.com'
        ? { code: 452, message: '4.2.2 Mailbox full' }
        : address === 'grey@example.com'
          ? greylisted
          : null,
    );
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_SMTP_RETRIES: '1', PAPERBOY_DEFER_LIMIT: '4h' });
    await addActive(app, 'ada@example.com', 'full@example.com', 'grey@example.com');
    const first = await runDigest(app.ctx, { date: DATE });
    expect({ sent: first.sent, failed: first.failed, deferred: first.deferred }).toEqual({
      sent: 1,
      failed: 0,
      deferred: 2,
    });
    expect(await findSubscriberByEmail(app.ctx.db, 'full@example.com')).toMatchObject({ softBounces: 0 });

    // Five hours of passes later: the limit is spent.
    const fiveHoursAgo = new Date(Date.now() - 5 * 3_600_000).toISOString();
    await app.ctx.db
      .updateTable('deliveries')
      .set({ deferred_since: fiveHoursAgo, not_before: fiveHoursAgo })
      .where('status', '=', 'pending')
      .execute();
    const last = await runDigest(app.ctx, { date: DATE });
    expect({ failed: last.failed, deferred: last.deferred }).toEqual({ failed: 2, deferred: 0 });
    expect(last.failures).toEqual([
      { email: 'full@example.com', error: '452 4.2.2 Mailbox full (after 2 attempts)' },
      { email: 'grey@example.com', error: '451 4.7.1 Greylisted, please try again later (after 2 attempts)' },
    ]);
    expect(await findSubscriberByEmail(app.ctx.db, 'full@example.com')).toMatchObject({
      status: 'active',
      softBounces: 1,
    });
    expect(await findSubscriberByEmail(app.ctx.db, 'grey@example.com')).toMatchObject({
      status: 'active',
      softBounces: 0,
    });
    const digest = await findDigest(app.ctx.db, DATE);
    expect(await deliveryCounts(app.ctx.db, digest?.id ?? 0)).toEqual({
      pending: 0,
      sending: 0,
      sent: 1,
      failed: 2,
      skipped: 0,
      feed: 0,
    });
  });
});
