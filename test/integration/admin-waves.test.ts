import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { ADMIN_TOKEN, adminLogin } from '../helpers/admin.js';
import { listen } from '../helpers/http-server.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { bareDigest, plantDeliveries } from '../helpers/waves.js';

/** What each test opened, closed after it (last first). */
const opened: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
});

/** A test app with the admin token, closed after the test. */
async function adminApp(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await startTestApp({ PAPERBOY_ADMIN_TOKEN: ADMIN_TOKEN, ...env });
  opened.push(t);
  return t;
}

/** The dashboard's waves: its heading and table, as served. */
async function wavesOnDashboard(t: TestApp): Promise<string> {
  const http = await listen(createApp(t.ctx, { nextRun: () => null }));
  opened.push(http);
  const cookie = await adminLogin(http.url);
  const res = await fetch(`${http.url}/admin`, { headers: { cookie } });
  expect(res.status).toBe(200);
  const page = await res.text();
  return /<h2>Waves of[\s\S]*?<\/table>/.exec(page)?.[0] ?? 'no waves on the dashboard';
}

describe('the dashboard shows the day’s waves', () => {
  it('per hour of UTC and of the list’s zone: due, sent, pending, failed or skipped', async () => {
    const app = await adminApp({ PAPERBOY_TIMEZONE: 'Europe/Berlin' });
    const db = app.ctx.db;
    // The day before: sent, not the latest.
    await plantDeliveries(db, await bareDigest(db, '2026-12-01', 'sent'), [
      { email: 'old@example.com', dueAt: '2026-12-01T06:00:00.000Z', status: 'sent' },
    ]);
    // Built, not released: no waves yet.
    await bareDigest(db, '2026-12-03', 'ready');
    const id = await bareDigest(db, '2026-12-02', 'sending');
    await plantDeliveries(db, id, [
      // Planned before waves: due at the release, 07:00 in Berlin (06:00 UTC).
      { email: 'legacy@example.com', dueAt: null, status: 'sent' },
      { email: 'a@example.com', dueAt: '2026-12-02T17:00:00.000Z', status: 'sent' },
      { email: 'b@example.com', dueAt: '2026-12-02T17:00:00.000Z', status: 'sent' },
      { email: 'c@example.com', dueAt: '2026-12-02T17:00:00.000Z', status: 'failed' },
      { email: 'd@example.com', dueAt: '2026-12-02T18:00:00.000Z', status: 'sending' },
      { email: 'e@example.com', dueAt: '2026-12-02T18:30:00.000Z' },
      { email: 'f@example.com', dueAt: '2026-12-03T01:00:00.000Z', status: 'skipped' },
      { email: 'g@example.com', dueAt: '2026-12-03T01:00:00.000Z' },
    ]);
    const row = (...cells: (string | number)[]) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
    expect(await wavesOnDashboard(app)).toBe(
      '<h2>Waves of 2 Dec</h2>\n<table>\n' +
        '  <tr><th>Due (UTC)</th><th>Due (Europe/Berlin)</th><th>Due</th><th>Sent</th><th>Pending</th><th>Failed or skipped</th></tr>\n' +
        `  ${row('06:00', '07:00', 1, 1, 0, 0)}${row('17:00', '18:00', 3, 2, 0, 1)}${row('18:00', '19:00', 2, 0, 2, 0)}` +
        `${row('3 Dec 01:00', '3 Dec 02:00', 2, 0, 1, 1)}\n</table>`,
    );
  });

  it('shows none before any digest is released', async () => {
    const app = await adminApp();
    await bareDigest(app.ctx.db, '2026-12-03', 'ready');
    expect(await wavesOnDashboard(app)).toBe('no waves on the dashboard');
  });
});
