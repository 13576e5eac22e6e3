import { existsSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/pipeline/context.js';
import { latestSendDate } from '../../src/select/dates.js';
import { createApp } from '../../src/server/app.js';
import { upsertSubscriber } from '../../src/store/subscribers.js';
import { ADMIN_TOKEN, adminLogin, csrfOf } from '../helpers/admin.js';
import { runCli } from '../helpers/cli.js';
import { listen } from '../helpers/http-server.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { startTestApp, type TestApp, tempDir, testEnv } from '../helpers/test-app.js';

const FUTURE = '2999-12-31';
let sink: SmtpSink | undefined;
let app: TestApp | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await http?.close();
  await app?.close();
  await sink?.close();
  sink = app = http = undefined;
  for (const c of cleanups.splice(0)) c();
});

async function cliWithReaders(n: number) {
  sink = await startSmtpSink();
  const { dir, cleanup } = tempDir('paperboy-dates-');
  cleanups.push(cleanup);
  const env = testEnv(dir, { PAPERBOY_SMTP_URL: sink.url });
  const ctx = await createContext(loadConfig(env, dir), pino({ level: 'silent' }));
  for (let i = 0; i < n; i++)
    await upsertSubscriber(ctx.db, { email: `reader${i}@example.com`, name: null, status: 'active' });
  await ctx.close();
  return { dir, env, s: sink };
}

describe('a send of a date in the future', () => {
  it('is refused by `send` unless --force, and nothing is stored or sent; dry runs and tomorrow are fine', async () => {
    const { dir, env, s } = await cliWithReaders(2);
    const tomorrow = latestSendDate(new Date(), 'UTC');
    const refused = await runCli(['send', '--date', FUTURE], env, dir);
    expect({ code: refused.code, stdout: refused.stdout, stderr: refused.stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `paperboy: ${FUTURE} is in the future: a digest can be sent for ${tomorrow} (tomorrow in UTC) at the latest\n` +
        `paperboy: → send it on its day; to send it now all the same: paperboy send --date ${FUTURE} --force\n`,
    });
    expect(s.received).toHaveLength(0);
    expect((await runCli(['digests', 'list'], env, dir)).stdout).toBe('');

    const dry = await runCli(['send', '--date', FUTURE, '--dry-run'], env, dir);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`${FUTURE}: dry run, nothing sent`);

    const ahead = await runCli(['send', '--date', tomorrow], env, dir);
    expect(ahead.code).toBe(0);
    expect(s.received).toHaveLength(2);

    const forced = await runCli(['send', '--date', FUTURE, '--force'], env, dir);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`${FUTURE}: sent 2, failed 0, skipped 0`);
  });

  it('is refused by the admin and the API with the same words, and nothing starts', async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_ADMIN_TOKEN: ADMIN_TOKEN });
    await upsertSubscriber(app.ctx.db, { email: 'ada@example.com', name: null, status: 'active' });
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    const tomorrow = latestSendDate(new Date(), 'UTC');
    const message = `${FUTURE} is in the future: a digest can be sent for ${tomorrow} (tomorrow in UTC) at the latest`;

    const api = await fetch(`${http.url}/api/digests/${FUTURE}/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(api.status).toBe(400);
    expect(await api.json()).toEqual({
      error: `${message} (send it on its day; to send it now all the same: paperboy send --date ${FUTURE} --force)`,
    });

    const cookie = await adminLogin(http.url);
    const confirm = await fetch(`${http.url}/admin/send?date=${FUTURE}`, { headers: { cookie } });
    expect(confirm.status).toBe(422);
    const confirmPage = await confirm.text();
    expect(confirmPage).toContain(message);
    expect(confirmPage).not.toContain('Send now');

    const dashboard = await (await fetch(`${http.url}/admin`, { headers: { cookie } })).text();
    const posted = await fetch(`${http.url}/admin/send`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: csrfOf(dashboard), date: FUTURE }).toString(),
      redirect: 'manual',
    });
    expect(posted.status).toBe(400);
    expect(await posted.text()).toContain(message);
    expect(sink.received).toHaveLength(0);
    const stored = await app.ctx.db.selectFrom('digests').select('date').execute();
    expect(stored).toEqual([]);
  });
});

describe('paperboy digests delete', () => {
  it('deletes a digest sent to nobody, with its archive, so its papers can go out another day', async () => {
    const { dir, env, s } = await cliWithReaders(0);
    const first = await runCli(['send', '--date', '2026-11-28'], env, dir);
    expect(first.code).toBe(0);
    const lead = (out: string) => /· 2\d Nov 2026 · ([^"]+)"/.exec(out)?.[1];
    expect(lead(first.stdout)).toBeDefined();
    const archive = path.join(dir, 'digests', '2026-11-28');
    expect(existsSync(archive)).toBe(true);
    const del = await runCli(['digests', 'delete', '2026-11-28'], env, dir);
    expect({ code: del.code, stderr: del.stderr }).toEqual({ code: 0, stderr: '' });
    expect(del.stdout).toMatch(
      /^deleted the digest of 2026-11-28 \("Daily Papers · 28 Nov 2026 · .+"\) with its 0 unsent deliveries; its papers can go out in another digest\n$/,
    );
    expect(existsSync(archive)).toBe(false);
    expect((await runCli(['digests', 'list'], env, dir)).stdout).toBe('');

    // The same papers head the next day's digest again: nothing of the deleted one counts as sent.
    const ctx = await createContext(loadConfig(env, dir), pino({ level: 'silent' }));
    await upsertSubscriber(ctx.db, { email: 'ada@example.com', name: null, status: 'active' });
    await ctx.close();
    const next = await runCli(['send', '--date', '2026-11-29'], env, dir);
    expect(next.code).toBe(0);
    expect(lead(next.stdout)).toBe(lead(first.stdout));
    expect(s.received).toHaveLength(1);
  });

  it('refuses a digest that reached anyone, and a date with no digest', async () => {
    const { dir, env } = await cliWithReaders(1);
    expect((await runCli(['send', '--date', '2026-11-28'], env, dir)).code).toBe(0);
    const del = await runCli(['digests', 'delete', '2026-11-28'], env, dir);
    expect(del).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'paperboy: the digest of 2026-11-28 went to readers already: it stays\n' +
        'paperboy: → a digest that reached anyone is kept (its archive, and no reader getting its papers twice, depend on it)\n',
    });
    const none = await runCli(['digests', 'delete', '2026-11-01'], env, dir);
    expect(none).toEqual({
      code: 1,
      stdout: '',
      stderr: 'paperboy: no digest for 2026-11-01\npaperboy: → `paperboy digests list` shows the dates\n',
    });
  });
});
