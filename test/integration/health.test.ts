// /healthz and /readyz (issue 23, item 1): JSON, no auth, no secrets; /readyz is 503 while the store
// does not answer, a migration is missing or the scheduler's loop has not run within its interval.
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/pipeline/context.js';
import { readiness } from '../../src/pipeline/health.js';
import { createApp } from '../../src/server/app.js';
import { listen } from '../helpers/http-server.js';
import { STORE, startTestApp, type TestApp, tempDir, testEnv } from '../helpers/test-app.js';

const opened: { close: () => Promise<void> | void }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
});

/** The store's own checks when it answers: the queue's too on PostgreSQL (no send has made it). */
const answering = {
  store: { ok: true, detail: 'answers' },
  migrations: { ok: true, detail: 'current' },
  ...(STORE === 'postgres' ? { queue: { ok: true, detail: 'not made yet (the first send makes it)' } } : {}),
};

async function served(t: TestApp, lastLoop: () => number | null) {
  const http = await listen(createApp(t.ctx, { nextRun: () => null, scheduler: { lastLoop } }));
  opened.push(http);
  return async (path: string) => {
    const res = await fetch(`${http.url}${path}`);
    const body = (await res.json()) as { status: string; checks: Record<string, unknown> };
    return { status: res.status, cache: res.headers.get('cache-control'), body };
  };
}

describe('health', () => {
  it('/healthz says the process answers; /readyz checks the store, its migrations and the scheduler', async () => {
    const t = await startTestApp();
    opened.push(t);
    let last: number | null = null;
    const get = await served(t, () => last);
    expect(await get('/healthz')).toEqual({
      status: 200,
      cache: 'no-store',
      body: { status: 'ok', checks: { process: { ok: true, detail: 'answers' } } },
    });
    // Before the scheduler's start-up check is done.
    expect(await get('/readyz')).toEqual({
      status: 503,
      cache: 'no-store',
      body: { status: 'not ready', checks: { ...answering, scheduler: { ok: false, detail: 'not started' } } },
    });
    last = Date.now() - 31 * 60_000;
    expect((await get('/readyz')).body.checks.scheduler).toEqual({ ok: false, detail: 'last ran 31 min ago' });
    last = Date.now();
    expect(await get('/readyz')).toEqual({
      status: 200,
      cache: 'no-store',
      body: { status: 'ok', checks: { ...answering, scheduler: { ok: true, detail: 'ran 0 s ago' } } },
    });
    // A store one migration behind this paperboy (an upgrade not yet applied).
    await sql`delete from kysely_migration where name = '0019-feed-deliveries'`.execute(t.ctx.db);
    expect(await get('/readyz')).toEqual({
      status: 503,
      cache: 'no-store',
      body: {
        status: 'not ready',
        checks: {
          ...answering,
          migrations: { ok: false, detail: 'not applied: 0019-feed-deliveries' },
          scheduler: { ok: true, detail: 'ran 0 s ago' },
        },
      },
    });
  });

  it('/readyz of a process whose store does not answer is 503 and says so without a secret', async () => {
    const { dir, cleanup } = tempDir('paperboy-health-');
    opened.push({ close: cleanup });
    const ctx = await createContext(loadConfig(testEnv(dir), dir), pino({ level: 'silent' }));
    await ctx.db.destroy();
    const r = await readiness(ctx, null);
    expect(r.ok).toBe(false);
    expect(Object.keys(r.checks)).toEqual(['store']);
    expect(r.checks.store?.ok).toBe(false);
    expect(r.checks.store?.detail.startsWith('does not answer: ')).toBe(true);
    expect(JSON.stringify(r)).not.toContain(testEnv(dir).PAPERBOY_SECRET ?? '?');
  });
});
