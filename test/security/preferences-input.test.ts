import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { findSubscriberByEmail, upsertSubscriber } from '../../src/store/subscribers.js';
import { signToken } from '../../src/subscribers/tokens.js';
import { listen } from '../helpers/http-server.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
afterEach(async () => {
  await http?.close();
  await app?.close();
  app = http = undefined;
});

describe('the preferences form takes only the choices it offers', () => {
  it('answers 400 to another pause or frequency and changes nothing; an offered choice is saved', async () => {
    app = await startTestApp();
    await upsertSubscriber(app.ctx.db, { email: 'ada@example.com', name: 'Ada', status: 'active', topics: ['rl'] });
    const before = await findSubscriberByEmail(app.ctx.db, 'ada@example.com');
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    const path = `/p/${signToken(app.ctx.secret, 'preferences', before?.id ?? 0)}`;
    const save = (fields: Record<string, string>) =>
      rawRequest(http?.url ?? '', {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ action: 'save', name: 'Mallory', topics: 'spam', ...fields }).toString(),
      });
    const cases: [Record<string, string>, string][] = [
      [{ pause: '1e10' }, 'That pause is not one of the choices (keep, 0, 7, 14, 30 or 90 days).'],
      [{ pause: 'Infinity' }, 'That pause is not one of the choices (keep, 0, 7, 14, 30 or 90 days).'],
      [{ pause: '-7' }, 'That pause is not one of the choices (keep, 0, 7, 14, 30 or 90 days).'],
      [{ pause: '3' }, 'That pause is not one of the choices (keep, 0, 7, 14, 30 or 90 days).'],
      [{ pause: '7.5' }, 'That pause is not one of the choices (keep, 0, 7, 14, 30 or 90 days).'],
      [{ frequency: 'weekly-7' }, 'That frequency is not one of the choices (daily, or weekly-0 to weekly-6).'],
      [{ frequency: 'monthly' }, 'That frequency is not one of the choices (daily, or weekly-0 to weekly-6).'],
    ];
    for (const [fields, error] of cases) {
      const res = await save(fields);
      expect({ fields, status: res.status }).toEqual({ fields, status: 400 });
      expect(res.body).toContain(`<p class="error" role="alert">${error}</p>`);
    }
    expect(await findSubscriberByEmail(app.ctx.db, 'ada@example.com')).toEqual(before);

    const ok = await save({ pause: '14', frequency: 'weekly-3' });
    expect(ok.status).toBe(200);
    const after = await findSubscriberByEmail(app.ctx.db, 'ada@example.com');
    expect(after).toMatchObject({ name: 'Mallory', topics: ['spam'], frequency: 'weekly', weekday: 3 });
    const days = (Date.parse(after?.pausedUntil ?? '') - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(14);
  });
});
