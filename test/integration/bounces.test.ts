import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processBounceMaildir } from '../../src/pipeline/process-bounces.js';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { bouncesOf } from '../../src/store/bounces.js';
import { findSubscriberByEmail } from '../../src/store/subscribers.js';
import { NO_BOUNCE_RUN } from '../helpers/bounce-run.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, ROOT, startTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
afterEach(async () => {
  await app?.close();
  await sink?.close();
  app = sink = undefined;
});

const sub = async (t: TestApp, email: string) => findSubscriberByEmail(t.ctx.db, email);

const NONE = NO_BOUNCE_RUN;

describe('bounces at send time', () => {
  it('a 5xx is a hard bounce: the address is bounced at once and not tried again', async () => {
    sink = await startSmtpSink((a) => (a === 'gone@example.com' ? { code: 550, message: '5.1.1 User unknown' } : null));
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url });
    await addActive(app, 'gone@example.com', 'ada@example.com');
    await runDigest(app.ctx, { date: '2026-11-27' });
    const gone = await sub(app, 'gone@example.com');
    expect(gone).toMatchObject({ status: 'bounced', statusReason: 'hard-bounce' });
    expect((await bouncesOf(app.ctx.db, gone?.id ?? 0)).map((b) => [b.kind, b.source, b.status, b.detail])).toEqual([
      ['hard', 'smtp', '550', '550 5.1.1 User unknown'],
    ]);
    await runDigest(app.ctx, { date: '2026-11-28' });
    expect(sink.rcptAttempts.get('gone@example.com')).toBe(1);
    expect(sink.to('ada@example.com')).toHaveLength(2);
  });

  it('a 4xx that outlives the retries is a soft bounce; three in a row bounce the address, a delivery in between resets the count', async () => {
    let acceptFlaky = false;
    sink = await startSmtpSink((a) => {
      if (a === 'full@example.com') return { code: 452, message: '4.2.2 Mailbox full' };
      if (a === 'flaky@example.com' && !acceptFlaky) return { code: 450, message: '4.2.1 Mailbox busy, try later' };
      return null;
    });
    // PAPERBOY_DEFER_LIMIT=0: final once a pass's retries are spent (test/faults/deferrals.test.ts: later passes).
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_SMTP_RETRIES: '0', PAPERBOY_DEFER_LIMIT: '0' });
    await addActive(app, 'full@example.com', 'flaky@example.com');

    await runDigest(app.ctx, { date: '2026-11-25' });
    expect(await sub(app, 'full@example.com')).toMatchObject({ status: 'active', softBounces: 1 });
    await runDigest(app.ctx, { date: '2026-11-26' });
    expect(await sub(app, 'full@example.com')).toMatchObject({ status: 'active', softBounces: 2 });
    expect(await sub(app, 'flaky@example.com')).toMatchObject({ status: 'active', softBounces: 2 });
    acceptFlaky = true;
    await runDigest(app.ctx, { date: '2026-11-27' });
    expect(await sub(app, 'full@example.com')).toMatchObject({
      status: 'bounced',
      statusReason: 'soft-bounces',
      softBounces: 3,
    });
    expect(await sub(app, 'flaky@example.com')).toMatchObject({ status: 'active', softBounces: 0 });
  });
});

describe('bounce reports (RFC 3464) from a Maildir', () => {
  it('finds the delivery by its VERP address, applies the report once, and moves it to cur/', async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_BOUNCE_DOMAIN: 'bounces.papers.example.org' });
    await addActive(app, 'ada@example.com', 'bob@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });

    const [sent] = sink.to('ada@example.com');
    const token = /^bounce\+([0-9a-z]+\.[A-Za-z0-9_-]{43})@bounces\.papers\.example\.org$/.exec(
      sent?.mailFrom ?? '',
    )?.[1];
    expect(token).toBeDefined();
    // The From header is unchanged; only the envelope sender carries the token.
    expect(sent?.mail.from?.value[0]?.address).toBe('digest@papers.example.org');

    const maildir = path.join(app.dir, 'bounces');
    mkdirSync(path.join(maildir, 'new'), { recursive: true });
    const dsn = readFileSync(path.join(ROOT, 'test', 'fixtures', 'dsn-hard.eml'), 'utf8')
      .replaceAll('TOKEN_PLACEHOLDER', token ?? '')
      .replaceAll('RECIPIENT_PLACEHOLDER', 'ada@example.com')
      .replaceAll('MESSAGE_ID_PLACEHOLDER', sent?.mail.messageId ?? '');
    writeFileSync(path.join(maildir, 'new', '1795900805.M1P1.mx'), dsn);

    const first = await processBounceMaildir(app.ctx, maildir);
    expect(first).toEqual({ ...NONE, files: 1, applied: 1, bounced: 1 });
    const ada = await sub(app, 'ada@example.com');
    expect(ada).toMatchObject({ status: 'bounced', statusReason: 'hard-bounce' });
    expect((await bouncesOf(app.ctx.db, ada?.id ?? 0)).map((b) => [b.kind, b.source, b.status])).toEqual([
      ['hard', 'dsn', '5.1.1'],
    ]);
    expect(readdirSync(path.join(maildir, 'new'))).toEqual([]);
    expect(readdirSync(path.join(maildir, 'cur'))).toEqual(['1795900805.M1P1.mx:2,S']);

    // The folder again: nothing new. The same report delivered a second time: counted once.
    expect(await processBounceMaildir(app.ctx, maildir)).toEqual(NONE);
    writeFileSync(path.join(maildir, 'new', '1795900999.M2P2.mx'), dsn);
    expect(await processBounceMaildir(app.ctx, maildir)).toEqual({ ...NONE, files: 1, duplicates: 1 });
    expect(await bouncesOf(app.ctx.db, ada?.id ?? 0)).toHaveLength(1);
    expect((await sub(app, 'bob@example.com'))?.status).toBe('active');
  });

  it('falls back to the echoed Message-ID and ignores reports about mail that is not ours', async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url });
    await addActive(app, 'ada@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    const [sent] = sink.to('ada@example.com');
    expect(sent?.mailFrom).toBe('digest@papers.example.org');

    const fixture = readFileSync(path.join(ROOT, 'test', 'fixtures', 'dsn-hard.eml'), 'utf8').replaceAll(
      'bounce+TOKEN_PLACEHOLDER@bounces.papers.example.org',
      'digest@papers.example.org',
    );
    const maildir = path.join(app.dir, 'bounces');
    mkdirSync(path.join(maildir, 'new'), { recursive: true });
    writeFileSync(
      path.join(maildir, 'new', 'a'),
      fixture
        .replaceAll('RECIPIENT_PLACEHOLDER', 'ada@example.com')
        .replaceAll('MESSAGE_ID_PLACEHOLDER', sent?.mail.messageId ?? ''),
    );
    writeFileSync(
      path.join(maildir, 'new', 'b'),
      fixture
        .replaceAll('RECIPIENT_PLACEHOLDER', 'someone@example.com')
        .replaceAll('MESSAGE_ID_PLACEHOLDER', '<not-ours@example.net>')
        .replace('<20261128070005.4F2A51C0123@mx.example.net>', '<other-report@mx.example.net>'),
    );
    expect(await processBounceMaildir(app.ctx, maildir)).toEqual({
      ...NONE,
      files: 2,
      applied: 1,
      bounced: 1,
      ignored: 1,
    });
    expect((await sub(app, 'ada@example.com'))?.status).toBe('bounced');
  });

  it('does not bounce a reader for a refusal of the message (5.7.26 DMARC): logged and counted, the reader stays active', async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_BOUNCE_DOMAIN: 'bounces.papers.example.org' });
    await addActive(app, 'ada@example.com', 'bob@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    const maildir = path.join(app.dir, 'bounces');
    mkdirSync(path.join(maildir, 'new'), { recursive: true });
    const dsnFor = (address: string, status: string, reportId: string) => {
      const [sent] = sink?.to(address) ?? [];
      const token = /^bounce\+([^@]+)@/.exec(sent?.mailFrom ?? '')?.[1] ?? '';
      return readFileSync(path.join(ROOT, 'test', 'fixtures', 'dsn-hard.eml'), 'utf8')
        .replaceAll('TOKEN_PLACEHOLDER', token)
        .replaceAll('RECIPIENT_PLACEHOLDER', address)
        .replaceAll('MESSAGE_ID_PLACEHOLDER', sent?.mail.messageId ?? '')
        .replaceAll('5.1.1', status)
        .replace('<20261128070005.4F2A51C0123@mx.example.net>', reportId);
    };
    writeFileSync(path.join(maildir, 'new', 'a'), dsnFor('ada@example.com', '5.7.26', '<dmarc@mx.example.net>'));
    writeFileSync(path.join(maildir, 'new', 'b'), dsnFor('bob@example.com', '5.2.2', '<full@mx.example.net>'));

    expect(await processBounceMaildir(app.ctx, maildir)).toEqual({ ...NONE, files: 2, applied: 1, refused: 1 });
    expect(await sub(app, 'ada@example.com')).toMatchObject({ status: 'active', softBounces: 0 });
    const ada = await sub(app, 'ada@example.com');
    expect(await bouncesOf(app.ctx.db, ada?.id ?? 0)).toEqual([]);
    // A full mailbox (5.2.2) is a soft bounce, not a hard one.
    const bob = await sub(app, 'bob@example.com');
    expect(bob).toMatchObject({ status: 'active', softBounces: 1 });
    expect((await bouncesOf(app.ctx.db, bob?.id ?? 0)).map((b) => [b.kind, b.source, b.status])).toEqual([
      ['soft', 'dsn', '5.2.2'],
    ]);
  });
});
