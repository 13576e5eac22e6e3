import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { findSubscriberByEmail, setSubscriberStatus, upsertSubscriber } from '../../src/store/subscribers.js';
import { addActive, startTestApp, type TestApp } from '../helpers/test-app.js';

const DATE = '2026-11-27';
let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('a dry run of a digest already sent', () => {
  it('counts exactly the readers a send would still mail: the newcomers, not a reader who left after their copy', async () => {
    app = await startTestApp();
    await addActive(app, 'a@example.com', 'b@example.com', 'c@example.com');
    // Left before the send: not mailed, not counted.
    await upsertSubscriber(app.ctx.db, { email: 'gone@example.com', name: null, status: 'unsubscribed' });
    const first = await runDigest(app.ctx, { date: DATE });
    expect({ sent: first.sent, skipped: first.skipped }).toEqual({ sent: 3, skipped: 0 });

    // After the send: a reader who had their copy leaves, and two newcomers confirm.
    const a = await findSubscriberByEmail(app.ctx.db, 'a@example.com');
    await setSubscriberStatus(app.ctx.db, a?.id ?? 0, 'unsubscribed', 'unsubscribed');
    await addActive(app, 'd@example.com', 'e@example.com');

    const dry = await runDigest(app.ctx, { date: DATE, dryRun: true });
    expect(dry.mode).toBe('dry-run');
    expect(dry.recipients).toBe(2);
    // …and the send says the same.
    const second = await runDigest(app.ctx, { date: DATE });
    expect(second.sent).toBe(2);
    expect((await runDigest(app.ctx, { date: DATE, dryRun: true })).recipients).toBe(0);
  });
});
