// The mailto unsubscribe of List-Unsubscribe: each reader's own `unsubscribe+TOKEN@bounce-domain`,
// delivered into the bounce Maildir as an MTA would, read back by the bounce processing.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { maintain } from '../../src/pipeline/maintenance.js';
import { processBounceMaildir } from '../../src/pipeline/process-bounces.js';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { findSubscriberByEmail } from '../../src/store/subscribers.js';
import { signToken } from '../../src/subscribers/tokens.js';
import { unsubscribeMailAddress } from '../../src/subscribers/unsubscribe-mail.js';
import { NO_BOUNCE_RUN } from '../helpers/bounce-run.js';
import { runCli } from '../helpers/cli.js';
import { type PostfixInstance, startPostfix } from '../helpers/postfix.js';
import { rawHeaders, type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, ROOT, startTestApp, TEST_SECRET, type TestApp, testEnv } from '../helpers/test-app.js';

const DOMAIN = 'bounces.papers.example.org';

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
let mta: PostfixInstance | undefined;
afterEach(async () => {
  await app?.close();
  await sink?.close();
  await mta?.stop();
  app = sink = mta = undefined;
});

const sub = async (email: string) => {
  if (!app) throw new Error('no app');
  return findSubscriberByEmail(app.ctx.db, email);
};

/** A mail to `to` as Postfix's local delivery writes it into a Maildir: the envelope recipient in Delivered-To. */
function deliveredMail(to: string, opts: { from: string; header?: string }): string {
  return [
    `Return-Path: <${opts.from}>`,
    `Delivered-To: ${to}`,
    'Received: from mail.elsewhere.example (mail.elsewhere.example [192.0.2.7])',
    '\tby mx.papers.example.org (Postfix) with ESMTPS id 7A1B2C3D4E',
    `\tfor <${to}>; Sun, 29 Nov 2026 06:00:00 +0000 (UTC)`,
    `From: A Mail Client <${opts.from}>`,
    // A client may put anything here (a list-unsubscribe helper, an alias): the envelope counts.
    `To: ${opts.header ?? 'undisclosed-recipients:;'}`,
    'Subject: unsubscribe',
    'Date: Sun, 29 Nov 2026 06:00:00 +0000',
    `Message-ID: <${Math.random().toString(36).slice(2)}@elsewhere.example>`,
    '',
    'unsubscribe',
    '',
  ].join('\r\n');
}

describe('unsubscribe by mail (List-Unsubscribe mailto)', () => {
  it("a mail to the reader's own address from the digest unsubscribes them, whoever sends it; the next send skips them", async () => {
    sink = await startSmtpSink();
    app = await startTestApp((dir) => ({
      PAPERBOY_SMTP_URL: sink?.url ?? '',
      PAPERBOY_BOUNCE_DOMAIN: DOMAIN,
      PAPERBOY_BOUNCE_MAILDIR: path.join(dir, 'bounces'),
      // Set too, and unused: with a bounce domain each reader has an address of their own.
      PAPERBOY_UNSUBSCRIBE_MAILTO: 'unsubscribe@papers.example.org',
    }));
    await addActive(app, 'ada@example.com', 'bob@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    const ada = await sub('ada@example.com');
    const bob = await sub('bob@example.com');
    const adaId = ada?.id ?? 0;

    const [sent] = sink.to('ada@example.com');
    const header = rawHeaders(sent?.raw ?? '', 'list-unsubscribe');
    const mailto = unsubscribeMailAddress(TEST_SECRET, adaId, DOMAIN);
    expect(header).toEqual([
      `<https://papers.example.org/u/${signToken(TEST_SECRET, 'unsubscribe', adaId)}>, <mailto:${mailto}?subject=unsubscribe>`,
    ]);
    // As a mail client reads it (mailparser), and within RFC 5321's 64 octets of local part.
    const parsed = sent?.mail.headers.get('list') as { unsubscribe?: { mail?: string } } | undefined;
    expect(parsed?.unsubscribe?.mail).toBe(`${mailto}?subject=unsubscribe`);
    const local = mailto.slice(0, mailto.indexOf('@'));
    expect(local).toMatch(/^unsubscribe\+[0-9a-z]+\.[0-9a-f]{32}$/);
    expect(Buffer.byteLength(local)).toBeLessThanOrEqual(64);
    // Bob's is his own.
    expect(rawHeaders(sink.to('bob@example.com')[0]?.raw ?? '', 'list-unsubscribe')[0]).toContain(
      `<mailto:${unsubscribeMailAddress(TEST_SECRET, bob?.id ?? 0, DOMAIN)}?subject=unsubscribe>`,
    );

    // The MTA delivers the mail (sent from another address than ada's) into the bounce Maildir.
    const maildir = path.join(app.dir, 'bounces');
    mkdirSync(path.join(maildir, 'new'), { recursive: true });
    const mail = deliveredMail(mailto, { from: 'someone.else@elsewhere.example' });
    writeFileSync(path.join(maildir, 'new', '1795986000.M1P1.mx'), mail);
    // What serve runs every 5 minutes.
    await maintain(app.ctx);
    expect(await sub('ada@example.com')).toMatchObject({ status: 'unsubscribed', statusReason: 'unsubscribed' });
    expect((await sub('bob@example.com'))?.status).toBe('active');
    expect(readdirSync(path.join(maildir, 'new'))).toEqual([]);
    expect(readdirSync(path.join(maildir, 'cur'))).toEqual(['1795986000.M1P1.mx:2,S']);

    // The same message again (a second delivery): nothing changes, and it is counted as such.
    writeFileSync(path.join(maildir, 'new', '1795986001.M2P2.mx'), mail);
    expect(await processBounceMaildir(app.ctx, maildir)).toEqual({
      ...NO_BOUNCE_RUN,
      files: 1,
      unsubscribeUnchanged: 1,
    });
    expect(await sub('ada@example.com')).toMatchObject({ status: 'unsubscribed', statusReason: 'unsubscribed' });

    await runDigest(app.ctx, { date: '2026-11-29' });
    expect(sink.to('ada@example.com')).toHaveLength(1);
    expect(sink.to('bob@example.com')).toHaveLength(2);
    // doctor says where these mails are read, and that the fixed address is not used.
    const env = testEnv(app.dir, {
      PAPERBOY_BOUNCE_DOMAIN: DOMAIN,
      PAPERBOY_BOUNCE_MAILDIR: maildir,
      PAPERBOY_UNSUBSCRIBE_MAILTO: 'unsubscribe@papers.example.org',
    });
    const doctor = await runCli(['doctor'], env, app.dir);
    expect(doctor.stdout.split('\n').filter((l) => / bounces /.test(l))).toEqual([
      `ok    bounces   bounces and unsubscribe mails to ${DOMAIN} are read from ${maildir}; ` +
        'PAPERBOY_UNSUBSCRIBE_MAILTO (unsubscribe@papers.example.org) is not used: each reader has an unsubscribe address of their own',
    ]);
  });

  it('a forged or damaged token unsubscribes nobody and is reported; a bounce report quoting a digest does not unsubscribe', async () => {
    sink = await startSmtpSink();
    app = await startTestApp((dir) => ({
      PAPERBOY_SMTP_URL: sink?.url ?? '',
      PAPERBOY_BOUNCE_DOMAIN: DOMAIN,
      PAPERBOY_BOUNCE_MAILDIR: path.join(dir, 'bounces'),
    }));
    await addActive(app, 'ada@example.com', 'bob@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    const bobId = (await sub('bob@example.com'))?.id ?? 0;
    const real = unsubscribeMailAddress(TEST_SECRET, bobId, DOMAIN);
    // Bob's id with a signature one digit off; one signed with another secret; the https link's token.
    const flipped = real.replace(/([0-9a-f])@/, (_, d: string) => `${d === '0' ? '1' : '0'}@`);
    const otherSecret = unsubscribeMailAddress('another-secret-of-at-least-32-characters!', bobId, DOMAIN);
    const maildir = path.join(app.dir, 'bounces');
    mkdirSync(path.join(maildir, 'new'), { recursive: true });
    writeFileSync(path.join(maildir, 'new', 'a'), deliveredMail(flipped, { from: 'bob@example.com' }));
    writeFileSync(
      path.join(maildir, 'new', 'b'),
      deliveredMail(otherSecret, { from: 'mallory@example.net', header: otherSecret }),
    );
    // A bounce report of ada's digest quotes its headers, bob's mailto among them: it is a report, not an unsubscribe.
    const [toAda] = sink.to('ada@example.com');
    const verp = /^bounce\+([^@]+)@/.exec(toAda?.mailFrom ?? '')?.[1] ?? '';
    const dsn = readFileSync(path.join(ROOT, 'test', 'fixtures', 'dsn-hard.eml'), 'utf8')
      .replaceAll('TOKEN_PLACEHOLDER', verp)
      .replaceAll('RECIPIENT_PLACEHOLDER', 'ada@example.com')
      .replaceAll('MESSAGE_ID_PLACEHOLDER', toAda?.mail.messageId ?? '')
      .replace(
        'Subject: Daily Papers',
        `List-Unsubscribe: <mailto:${real}?subject=unsubscribe>\nSubject: Daily Papers`,
      );
    writeFileSync(path.join(maildir, 'new', 'c'), dsn);

    const env = testEnv(app.dir, {
      PAPERBOY_BOUNCE_DOMAIN: DOMAIN,
      PAPERBOY_BOUNCE_MAILDIR: maildir,
      PAPERBOY_LOG_LEVEL: 'warn',
    });
    const r = await runCli(['bounces', 'process'], env, app.dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `${maildir}: 3 messages · 1 bounces applied (1 addresses now bounced) · 0 already applied · ` +
        '0 refusals of the message, not bounces · 0 not ours or not bounces · ' +
        '0 readers unsubscribed by mail (0 already gone, 2 with a forged or damaged token)\n',
    );
    // Each refusal is in the log, with the file it came from.
    const refusals = r.stderr.split('\n').filter((l) => l.includes('unsubscribe.mail.refused'));
    expect(refusals.map((l) => (JSON.parse(l) as { file: string }).file)).toEqual(['a', 'b']);
    expect((await sub('bob@example.com'))?.status).toBe('active');
    expect(await sub('ada@example.com')).toMatchObject({ status: 'bounced', statusReason: 'hard-bounce' });
    expect(readdirSync(path.join(maildir, 'cur')).sort()).toEqual(['a:2,S', 'b:2,S', 'c:2,S']);
  });

  it('a real MTA (Postfix) delivers the mail into the bounce Maildir; its Delivered-To names the reader', async () => {
    // Postfix takes mail for the bounce domain into one Maildir: PAPERBOY_BOUNCE_MAILDIR.
    mta = await startPostfix({ domain: DOMAIN });
    sink = await startSmtpSink();
    const maildir = mta.maildir;
    app = await startTestApp({
      PAPERBOY_SMTP_URL: sink.url,
      PAPERBOY_BOUNCE_DOMAIN: DOMAIN,
      PAPERBOY_BOUNCE_MAILDIR: maildir,
    });
    await addActive(app, 'ada@example.com', 'bob@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    const [sent] = sink.to('ada@example.com');
    const list = sent?.mail.headers.get('list') as { unsubscribe?: { mail?: string } } | undefined;
    const mailto = (list?.unsubscribe?.mail ?? '').replace(/\?.*$/, '');

    // A mail client's server hands the mail to Postfix; the header names no recipient, only the envelope does.
    const client = nodemailer.createTransport({ host: '127.0.0.1', port: mta.port, secure: false, ignoreTLS: true });
    await client.sendMail({
      envelope: { from: 'someone.else@elsewhere.example', to: mailto },
      from: 'someone.else@elsewhere.example',
      subject: 'unsubscribe',
      text: 'unsubscribe',
    });
    client.close();
    const [file] = await mta.waitForDelivery(1);
    expect(rawHeaders(readFileSync(file ?? '', 'utf8'), 'delivered-to')).toEqual([mailto]);

    await maintain(app.ctx);
    expect(await sub('ada@example.com')).toMatchObject({ status: 'unsubscribed', statusReason: 'unsubscribed' });
    expect((await sub('bob@example.com'))?.status).toBe('active');
    expect(mta.delivered()).toEqual([]);
    expect(readdirSync(path.join(maildir, 'cur'))).toEqual([`${path.basename(file ?? '')}:2,S`]);
  }, 120_000);
});
