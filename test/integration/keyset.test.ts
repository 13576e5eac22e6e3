import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { deliveryCounts } from '../../src/store/deliveries.js';
import { findDigest } from '../../src/store/digests.js';
import { findSubscriberByEmail, setSubscriberStatus, upsertSubscriber } from '../../src/store/subscribers.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const DATE = '2026-11-28';
let app: TestApp | undefined;
let sink: SmtpSink | undefined;

afterEach(async () => {
  await app?.close();
  await sink?.close();
  app = undefined;
  sink = undefined;
});

const reader = (i: number) => `reader${String(i).padStart(4, '0')}@example.com`;

describe('a send while the list changes', () => {
  it('visits every subscriber exactly once when subscribers are added and removed during the send', async () => {
    // A relay slow enough that the list can change while the send is on its first batches.
    sink = await startSmtpSink(() => null, { delayMs: 4 });
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_SMTP_POOL: '2' });
    for (let i = 1; i <= 450; i++)
      await upsertSubscriber(app.ctx.db, { email: reader(i), name: null, status: 'active' });

    const send = runDigest(app.ctx, { date: DATE });
    while (sink.received.length < 40) await sleep(5);

    // Mid-send: 30 readers leave (the last ids: their rows are planned but not yet claimed),
    // and 50 join (ids after everyone's).
    for (let i = 421; i <= 450; i++) {
      const s = await findSubscriberByEmail(app.ctx.db, reader(i));
      if (s) await setSubscriberStatus(app.ctx.db, s.id, 'unsubscribed', 'unsubscribed');
    }
    for (let i = 451; i <= 500; i++)
      await upsertSubscriber(app.ctx.db, { email: reader(i), name: null, status: 'active' });
    const sentWhenChanged = sink.received.length;

    const report = await send;
    expect(sentWhenChanged).toBeLessThan(300);

    const got = new Map<string, number>();
    for (const r of sink.received) for (const to of r.rcptTo) got.set(to, (got.get(to) ?? 0) + 1);
    const stayed = Array.from({ length: 420 }, (_, k) => reader(k + 1));
    const joined = Array.from({ length: 50 }, (_, k) => reader(451 + k));
    const left = Array.from({ length: 30 }, (_, k) => reader(421 + k));
    // Everyone who stayed or joined: exactly one message; nobody who left: none.
    expect([...stayed, ...joined].filter((e) => got.get(e) !== 1)).toEqual([]);
    expect(left.filter((e) => got.has(e))).toEqual([]);
    expect(sink.received).toHaveLength(470);
    expect({ sent: report.sent, failed: report.failed, skipped: report.skipped }).toEqual({
      sent: 470,
      failed: 0,
      skipped: 30,
    });
    const digest = await findDigest(app.ctx.db, DATE);
    expect(await deliveryCounts(app.ctx.db, digest?.id ?? -1)).toEqual({
      pending: 0,
      sending: 0,
      sent: 470,
      failed: 0,
      skipped: 30,
      feed: 0,
    });
  });
});
