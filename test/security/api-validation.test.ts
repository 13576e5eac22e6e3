import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { findSubscriberByEmail } from '../../src/store/subscribers.js';
import { signToken } from '../../src/subscribers/tokens.js';
import { ADMIN_TOKEN, adminLogin, csrfOf } from '../helpers/admin.js';
import { listen } from '../helpers/http-server.js';
import { rawRequest } from '../helpers/raw-http.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, startTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
afterEach(async () => {
  await http?.close();
  await app?.close();
  await sink?.close();
  app = sink = http = undefined;
});

async function serve() {
  sink = await startSmtpSink();
  app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_ADMIN_TOKEN: ADMIN_TOKEN });
  await addActive(app, 'ada@example.com', 'bob@example.com', 'cy@example.com');
  http = await listen(createApp(app.ctx, { nextRun: () => null }));
  const base = http.url;
  const api = (path: string, body?: string) =>
    rawRequest(base, {
      method: body === undefined ? 'GET' : 'POST',
      path,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body }),
    });
  return { t: app, s: sink, base, api };
}

type Status = { running: boolean; control: string; deliveries: { sent: number; pending: number } | null };
async function settled(api: (p: string) => Promise<{ body: string }>, date: string): Promise<Status> {
  for (let i = 0; i < 400; i++) {
    const s = JSON.parse((await api(`/api/digests/${date}`)).body) as Status;
    if (!s.running && s.deliveries?.pending === 0) return s;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${date}: not settled`);
}

const BROKEN_MULTIPART = {
  headers: { 'content-type': 'multipart/form-data; boundary=XYZ' },
  body: '--XYZ\r\nContent-Disposition: form-data; name="email"\r\n\r\nada@example.com',
};
const UNREADABLE = 'The form could not be read: the body is not valid multipart/form-data or urlencoded data.';

describe('the JSON API validates its bodies', () => {
  it('refuses a send body it does not understand with 400 naming the field, and starts nothing', async () => {
    const { t, s, api } = await serve();
    const cases: [string, string][] = [
      ['null', 'the body must be a JSON object'],
      ['[]', 'the body must be a JSON object'],
      ['"send"', 'the body must be a JSON object'],
      ['1', 'the body must be a JSON object'],
      ['{"dryRun":"true"}', '"dryRun" must be true or false'],
      ['{"dryRun":1}', '"dryRun" must be true or false'],
      ['{"dry_run":true}', 'unknown field "dry_run" (the fields are "dryRun" and "to")'],
      ['{"dryRun":true,"force":true}', 'unknown field "force" (the fields are "dryRun" and "to")'],
      ['{"to":5}', '"to" must be an email address'],
      ['{"to":null}', '"to" must be an email address'],
      ['{not json', 'the body is not JSON'],
    ];
    for (const [body, error] of cases) {
      const res = await api('/api/digests/2026-11-28/send', body);
      expect({ body, status: res.status, answer: JSON.parse(res.body) }).toEqual({
        body,
        status: 400,
        answer: { error },
      });
    }
    const status = await api('/api/digests/2026-11-28');
    expect(status.status).toBe(404);
    expect(JSON.parse(status.body)).toEqual({ error: 'no digest for 2026-11-28' });
    const ledger = await t.ctx.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(ledger.n)).toBe(0);
    expect(s.received).toHaveLength(0);
  });

  it('takes an empty body as "start a send", and pause, resume and cancel take no body', async () => {
    const { s, api } = await serve();
    const started = await api('/api/digests/2026-11-28/send', '');
    expect(started.status).toBe(202);
    expect((await settled(api, '2026-11-28')).deliveries?.sent).toBe(3);
    expect(s.received).toHaveLength(3);
    for (const [body, error] of [
      ['{"force":true}', 'unknown field "force" (this call takes no body)'],
      ['null', 'this call takes no body'],
      ['pause', 'the body is not JSON'],
    ]) {
      const res = await api('/api/digests/2026-11-28/pause', body);
      expect({ body, status: res.status, answer: JSON.parse(res.body) }).toEqual({
        body,
        status: 400,
        answer: { error },
      });
    }
    expect(JSON.parse((await api('/api/digests/2026-11-28')).body)).toMatchObject({ control: 'run' });
    const paused = await api('/api/digests/2026-11-28/pause', '');
    expect(JSON.parse(paused.body)).toEqual({ date: '2026-11-28', control: 'pause' });
    expect((await api('/api/digests/2026-11-28/resume', '{}')).status).toBe(200);
    expect(await settled(api, '2026-11-28')).toMatchObject({ control: 'run', deliveries: { sent: 3 } });
    expect(s.received).toHaveLength(3);
  });
});

describe('a form that cannot be read', () => {
  it('answers 400 and changes nothing: sign-up, one-click unsubscribe, preferences, admin', async () => {
    const { t, s, base } = await serve();
    const ada = await findSubscriberByEmail(t.ctx.db, 'ada@example.com');
    const cookie = await adminLogin(base);
    const csrf = csrfOf((await rawRequest(base, { path: '/admin', headers: { cookie } })).body);
    for (const [path, headers] of [
      ['/subscribe', {}],
      [`/u/${signToken(t.ctx.secret, 'unsubscribe', ada?.id ?? 0)}`, {}],
      [`/p/${signToken(t.ctx.secret, 'preferences', ada?.id ?? 0)}`, {}],
      ['/admin/test', { cookie, 'x-csrf-token': csrf }],
      ['/admin/login', {}],
    ] as const) {
      const res = await rawRequest(base, {
        method: 'POST',
        path,
        headers: { ...BROKEN_MULTIPART.headers, ...headers },
        body: BROKEN_MULTIPART.body,
      });
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body).toContain(`<p>${UNREADABLE}</p>`);
    }
    expect((await findSubscriberByEmail(t.ctx.db, 'ada@example.com'))?.status).toBe('active');
    expect(s.received).toHaveLength(0);
  });
});
