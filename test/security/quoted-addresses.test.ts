import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { createApp } from '../../src/server/app.js';
import { deliveriesOf } from '../../src/store/deliveries.js';
import { findSubscriberByEmail } from '../../src/store/subscribers.js';
import { runCli } from '../helpers/cli.js';
import { listen } from '../helpers/http-server.js';
import { type SmtpSink, startSmtpSink, waitForMail } from '../helpers/smtp-sink.js';
import { addActive, startTestApp, type TestApp, tempDir, testEnv } from '../helpers/test-app.js';

// Item 17 of issue 17: an address is stored only in a form that is sent exactly as stored.

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await http?.close();
  await app?.close();
  await sink?.close();
  app = sink = http = undefined;
  for (const c of cleanups.splice(0)) c();
});

// Each is a mailbox of its own, which nodemailer would mail as another (backslashes dropped, quotes lost).
const QUOTED = ['"a\\b"@example.com', '"a\\\\b"@example.com', '"a\\"b"@example.com', '"john smith"@example.com'];

describe('quoted local parts', () => {
  it('the sign-up form refuses them and stores and sends nothing; a quoted dot-atom is stored and mailed unquoted', async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url });
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    for (const email of QUOTED) {
      const res = await fetch(`${http.url}/subscribe`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email }).toString(),
      });
      expect({ email, status: res.status }).toEqual({ email, status: 400 });
      expect(await res.text()).toContain('That does not look like an email address.');
    }
    const ok = await fetch(`${http.url}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: '"ada.l"@example.com' }).toString(),
    });
    expect(ok.status).toBe(200);
    const [mail] = await waitForMail(sink, 'ada.l@example.com');
    expect(mail?.rcptTo).toEqual(['ada.l@example.com']);
    const rows = await app.ctx.db.selectFrom('subscribers').select('email').execute();
    expect(rows).toEqual([{ email: 'ada.l@example.com' }]);
    expect(sink.received).toHaveLength(1);
  });

  it('`subscribers add` and `subscribers import` refuse them, naming the address and the line', async () => {
    const { dir, cleanup } = tempDir('paperboy-quoted-');
    cleanups.push(cleanup);
    const env = testEnv(dir);
    const add = await runCli(['subscribers', 'add', '"john smith"@example.com'], env, dir);
    expect(add.code).toBe(1);
    expect(add.stderr.trim()).toBe(
      'paperboy: ""john smith"@example.com" is not an email address: a quoted part before the @ is refused: mail programs rewrite quoted addresses, so the mail would go elsewhere',
    );

    const file = path.join(dir, 'list.csv');
    writeFileSync(file, `email\nok@example.com\n"""a\\b""@example.com"\n`);
    const imp = await runCli(['subscribers', 'import', file], env, dir);
    expect(imp.code).toBe(3);
    expect(imp.stderr.trim()).toBe(`${file} line 3: ${JSON.stringify('"a\\b"@example.com')} is not an email address`);
    expect(imp.stdout.replace(/ in \d+\.\d s /, ' in … s ')).toBe(
      `imported ${file}: 2 rows in … s · 1 added, 0 updated, 0 unchanged, 0 repeated in the file, 0 left suppressed, 0 resubscribed, 1 bad row skipped\n`,
    );
  });

  it('a quoted address stored by an earlier version is not mailed to another mailbox: its delivery fails, saying why', async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url });
    await addActive(app, 'plain@example.com');
    const now = new Date().toISOString();
    await app.ctx.db
      .insertInto('subscribers')
      .values({ email: '"a\\b"@example.com', name: null, status: 'active', created_at: now, updated_at: now })
      .execute();
    const report = await runDigest(app.ctx, { date: '2026-11-28' });
    expect(report).toMatchObject({ sent: 1, failed: 1 });
    expect(sink.received.map((m) => m.rcptTo)).toEqual([['plain@example.com']]);
    const quoted = await findSubscriberByEmail(app.ctx.db, '"a\\b"@example.com');
    const [delivery] = await deliveriesOf(app.ctx.db, quoted?.id ?? 0);
    expect(delivery).toMatchObject({
      status: 'failed',
      lastError: 'a quoted local part cannot be sent exactly as stored; correct the address',
    });
  });
});
