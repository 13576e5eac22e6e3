import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { deliveryCounts } from '../../src/store/deliveries.js';
import { findDigest } from '../../src/store/digests.js';
import { findSubscriberByEmail, setSubscriberStatus, upsertSubscriber } from '../../src/store/subscribers.js';
import { signToken } from '../../src/subscribers/tokens.js';
import { sampleTopTitles } from '../helpers/papers.js';
import { rawHeaders, type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import {
  addActive,
  expectNobodyBounced,
  hfItem,
  sourceFile,
  startTestApp,
  TEST_SECRET,
  type TestApp,
} from '../helpers/test-app.js';

const DATE = '2026-11-28';

/** What a reader of the report checks first: how many were sent, failed and skipped. */
function tally(r: { sent: number; failed: number; skipped: number }) {
  return { sent: r.sent, failed: r.failed, skipped: r.skipped };
}
let app: TestApp | undefined;
let sink: SmtpSink | undefined;
/** More relays, for the tests of several. */
let others: SmtpSink[] = [];

afterEach(async () => {
  await app?.close();
  for (const s of [sink, ...others]) await s?.close();
  app = undefined;
  sink = undefined;
  others = [];
});

describe('send over SMTP', () => {
  it('gives every active subscriber exactly one message with the standard headers, and nobody else any', async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url });
    await addActive(app, 'ada@example.com', 'bob@example.com', 'carol@example.net');
    await upsertSubscriber(app.ctx.db, { email: 'pending@example.com', name: null, status: 'pending' });
    await upsertSubscriber(app.ctx.db, { email: 'gone@example.com', name: null, status: 'unsubscribed' });

    const report = await runDigest(app.ctx, { date: DATE });

    expect(tally(report)).toEqual({ sent: 3, failed: 0, skipped: 0 });
    expect(sink.received.map((r) => r.rcptTo).sort()).toEqual([
      ['ada@example.com'],
      ['bob@example.com'],
      ['carol@example.net'],
    ]);

    const titles = sampleTopTitles();
    const messageIds = new Set<string>();
    for (const r of sink.received) {
      const { mail } = r;
      for (const h of [
        'from',
        'to',
        'subject',
        'date',
        'message-id',
        'list-unsubscribe',
        'list-unsubscribe-post',
        'list-id',
      ]) {
        expect(rawHeaders(r.raw, h), h).toHaveLength(1);
      }
      expect(mail.from?.value).toEqual([{ name: 'Daily Papers', address: 'digest@papers.example.org' }]);
      expect(mail.subject).toBe(`Daily Papers · 28 Nov 2026 · ${titles[0]} + 9 more`);
      expect(rawHeaders(r.raw, 'list-unsubscribe-post')).toEqual(['List-Unsubscribe=One-Click']);
      expect(rawHeaders(r.raw, 'list-id')).toEqual(['Daily Papers <daily-papers.papers.example.org>']);
      const sub = await findSubscriberByEmail(app.ctx.db, r.rcptTo[0] ?? '');
      const token = signToken(TEST_SECRET, 'unsubscribe', sub?.id ?? 0);
      const unsubscribe = { url: `https://papers.example.org/u/${token}` };
      expect(rawHeaders(r.raw, 'list-unsubscribe')).toEqual([`<${unsubscribe.url}>`]);
      expect(mail.messageId).toMatch(new RegExp(`^<${DATE}\\.${sub?.id}\\.[0-9a-f]{16}@papers\\.example\\.org>$`));
      messageIds.add(mail.messageId ?? '');

      // The plain-text part: every title, every link, the unsubscribe URL, no tags, no preheader.
      const text = mail.text ?? '';
      const flat = text.replace(/\s+/g, ' ');
      for (const t of titles) expect(flat).toContain(t);
      expect(text).toContain(`Unsubscribe: ${unsubscribe.url}`);
      expect(text).toContain(`You get this email because ${r.rcptTo[0]} subscribed to Daily Papers.`);
      expect(text).not.toMatch(/<[a-z][^>]*>/i);
      expect(text).not.toContain("Today's top paper");
      // The signature separator keeps its trailing space through quoted-printable (RFC 3676).
      expect(text).toContain(`\n-- \nYou get this email because ${r.rcptTo[0]}`);
      expect(r.raw).toMatch(/\r\n--=20\r\nYou get this email/);
      // The HTML part: the same reader's values, no marker left.
      expect(mail.html).toContain(`href="${unsubscribe.url}"`);
      expect(mail.html).not.toContain('=pb:');
      expect(mail.html).toContain('Today&#x27;s top paper: ');
    }
    expect(messageIds.size).toBe(3);

    const digest = await findDigest(app.ctx.db, DATE);
    expect(digest?.status).toBe('sent');
  });

  it('gives each of many readers, sent over several connections at once, a message of their own, whole', async () => {
    // The send loop reuses its message buffers: a buffer handed on too early would mix two readers'
    // bytes. Names of different lengths make messages of different sizes.
    sink = await startSmtpSink(() => null, { delayMs: (n) => n % 7 });
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_SMTP_POOL: '3' });
    const readers = Array.from({ length: 40 }, (_, i) => ({
      email: `reader${String(i).padStart(2, '0')}@example.com`,
      name: `Reader ${i}${'Ü'.repeat((i * 37) % 90)}`,
    }));
    for (const r of readers) await upsertSubscriber(app.ctx.db, { ...r, status: 'active' });

    const report = await runDigest(app.ctx, { date: DATE });
    expect(report.sent).toBe(40);
    expect(sink.received.length).toBe(40);
    for (const r of sink.received) {
      const email = r.rcptTo[0] ?? '';
      const reader = readers.find((x) => x.email === email);
      const sub = await findSubscriberByEmail(app.ctx.db, email);
      expect(r.mail.to).toMatchObject({ value: [{ address: email, name: reader?.name }] });
      expect(r.mail.messageId).toMatch(new RegExp(`^<${DATE}\\.${sub?.id}\\.[0-9a-f]{16}@papers\\.example\\.org>$`));
      const url = `https://papers.example.org/u/${signToken(TEST_SECRET, 'unsubscribe', sub?.id ?? 0)}`;
      expect(rawHeaders(r.raw, 'list-unsubscribe')).toEqual([`<${url}>`]);
      expect(r.mail.text).toContain(`Unsubscribe: ${url}`);
      expect(r.mail.html).toContain(`href="${url}"`);
      // Nobody else's address anywhere in it, and both parts end as they should.
      const others = readers.filter((x) => x.email !== email && r.raw.includes(x.email));
      expect(others).toEqual([]);
      expect(r.mail.html).toMatch(/<\/html>\s*$/);
      expect(r.mail.text).toContain(`You get this email because ${email} subscribed to Daily Papers.`);
    }
  });

  it('sends nothing twice when the same date is sent again, and only newcomers get it', async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url });
    await addActive(app, 'ada@example.com', 'bob@example.com');
    await runDigest(app.ctx, { date: DATE });
    expect(sink.received).toHaveLength(2);

    const again = await runDigest(app.ctx, { date: DATE });
    expect(again.sent).toBe(0);
    expect(sink.received).toHaveLength(2);

    await addActive(app, 'dave@example.com');
    const third = await runDigest(app.ctx, { date: DATE });
    expect(third.sent).toBe(1);
    expect(sink.received.map((r) => r.rcptTo[0])).toEqual(['ada@example.com', 'bob@example.com', 'dave@example.com']);
    // Everyone got the same digest, the newcomer included.
    expect(new Set(sink.received.map((r) => r.mail.subject)).size).toBe(1);
  });

  it('retries a 451 and delivers once; a 550 fails that delivery and the rest go on', async () => {
    sink = await startSmtpSink((address, attempt) => {
      if (address === 'later@example.com' && attempt === 1) return { code: 451, message: '4.3.0 Try again later' };
      if (address === 'nobody@example.com') return { code: 550, message: '5.1.1 No such user' };
      return null;
    });
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url });
    await addActive(app, 'ada@example.com', 'later@example.com', 'nobody@example.com', 'bob@example.com');

    const report = await runDigest(app.ctx, { date: DATE });

    expect({ sent: report.sent, failed: report.failed }).toEqual({ sent: 3, failed: 1 });
    expect(sink.to('later@example.com')).toHaveLength(1);
    expect(sink.rcptAttempts.get('later@example.com')).toBe(2);
    expect(sink.rcptAttempts.get('nobody@example.com')).toBe(1);
    expect(sink.to('nobody@example.com')).toHaveLength(0);
    expect(report.failures).toEqual([{ email: 'nobody@example.com', error: '550 5.1.1 No such user' }]);
    const digest = await findDigest(app.ctx.db, DATE);
    expect(await deliveryCounts(app.ctx.db, digest?.id ?? 0)).toEqual({
      pending: 0,
      sending: 0,
      sent: 3,
      failed: 1,
      skipped: 0,
      feed: 0,
    });
    // A failed delivery is final: a re-run does not knock again.
    await runDigest(app.ctx, { date: DATE });
    expect(sink.rcptAttempts.get('nobody@example.com')).toBe(1);
  });

  it('gives up on a 4xx after the configured retries and marks the delivery failed (with no time for later passes)', async () => {
    sink = await startSmtpSink((address) =>
      address === 'full@example.com' ? { code: 452, message: '4.2.2 Mailbox full' } : null,
    );
    // PAPERBOY_DEFER_LIMIT=0: no later pass; test/faults/deferrals.test.ts has the default.
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_SMTP_RETRIES: '2', PAPERBOY_DEFER_LIMIT: '0' });
    await addActive(app, 'full@example.com', 'ada@example.com');
    const report = await runDigest(app.ctx, { date: DATE });
    expect(sink.rcptAttempts.get('full@example.com')).toBe(3);
    expect(report.failures).toEqual([
      { email: 'full@example.com', error: '452 4.2.2 Mailbox full (after 3 attempts)' },
    ]);
    expect(sink.to('ada@example.com')).toHaveLength(1);
  });

  it('keeps a hostile paper title out of the headers and escapes it in the HTML', async () => {
    sink = await startSmtpSink();
    const hostile = '<script>alert(1)</script>\r\nBcc: x@evil.example';
    const smtpUrl = sink.url;
    app = await startTestApp((dir) => ({
      PAPERBOY_SMTP_URL: smtpUrl,
      PAPERBOY_SOURCE: sourceFile(dir, [
        hfItem('2511.00001', hostile, 99, { githubRepo: 'javascript:alert(document.cookie)' }),
        hfItem('2511.00002', 'A calm second paper', 5),
      ]),
    }));
    await addActive(app, 'ada@example.com');

    await runDigest(app.ctx, { date: DATE });

    expect(sink.received).toHaveLength(1);
    const [r] = sink.received;
    if (!r) throw new Error('no message');
    expect(r.rcptTo).toEqual(['ada@example.com']);
    expect(r.mail.bcc).toBeUndefined();
    const head = r.raw.split('\r\n\r\n')[0] ?? '';
    expect(head).not.toMatch(/^bcc:/im);
    expect(head.match(/^subject:/gim)).toHaveLength(1);
    expect(r.mail.subject).toBe('Daily Papers · 28 Nov 2026 · <script>alert(1)</script> Bcc: x@evil.example + 1 more');
    expect(r.mail.html).not.toContain('<script>');
    expect(r.mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Bcc: x@evil.example');
    expect(r.mail.html).not.toContain('javascript:');
    expect(r.mail.text).not.toContain('javascript:');
  });

  it('leaves deliveries pending when the relay is down, and the next send delivers them and honours an unsubscribe', async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_SMTP_RETRIES: '1' });
    await addActive(app, 'ada@example.com', 'bob@example.com', 'carol@example.com');
    await sink.close();

    await expect(runDigest(app.ctx, { date: DATE })).rejects.toMatchObject({ code: 'ESEND' });
    await expectOnlyPending(app, 3);

    const bob = await findSubscriberByEmail(app.ctx.db, 'bob@example.com');
    await setSubscriberStatus(app.ctx.db, bob?.id ?? 0, 'unsubscribed');
    sink = await startSmtpSink();
    await app.restart({ PAPERBOY_SMTP_URL: sink.url });

    const report = await runDigest(app.ctx, { date: DATE });
    expect(tally(report)).toEqual({ sent: 2, failed: 0, skipped: 1 });
    expect(sink.received.map((r) => r.rcptTo[0]).sort()).toEqual(['ada@example.com', 'carol@example.com']);
  });
});

/** The date's ledger holds `n` deliveries, every one still pending (nothing sent, failed or skipped). */
async function expectOnlyPending(t: TestApp, n: number): Promise<void> {
  const digest = await findDigest(t.ctx.db, DATE);
  expect(await deliveryCounts(t.ctx.db, digest?.id ?? 0)).toEqual({
    pending: n,
    sending: 0,
    sent: 0,
    failed: 0,
    skipped: 0,
    feed: 0,
  });
}

const READERS = Array.from({ length: 24 }, (_, i) => `reader${i + 1}@example.com`);
/** What a send stopped by a streak of refusals tells the admin to do. */
const STREAK_HINT =
  "the relay refuses these messages for every reader (relaying, policy or content): check its log and PAPERBOY_SMTP_URL's login; the refused deliveries are pending again and go with the next send";

describe('a relay that refuses the session, not the reader', () => {
  it('a wrong SMTP password bounces nobody: the send stops at once with the reply and what to fix, every delivery stays pending, and the fixed setting sends each reader one message', async () => {
    sink = await startSmtpSink(() => null, { auth: { user: 'paperboy', pass: 'right' } });
    app = await startTestApp({ PAPERBOY_SMTP_URL: `smtp://paperboy:wrong@127.0.0.1:${sink.port}` });
    await addActive(app, ...READERS);

    const err = await runDigest(app.ctx, { date: DATE }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ESEND' });
    expect((err as Error).message).toBe(
      `SMTP 127.0.0.1:${sink.port} refused the send: 535 5.7.8 Authentication credentials invalid`,
    );
    expect((err as { hint?: string }).hint).toBe(
      'the relay refused the login: check the user name and password in PAPERBOY_SMTP_URL (percent-encode special characters); deliveries not yet sent stay pending',
    );
    await expectOnlyPending(app, 24);
    await expectNobodyBounced(app, READERS);
    // No retries of a refused login: at most one per connection of the pool (5).
    expect(sink.logins()).toBeGreaterThan(0);
    expect(sink.logins()).toBeLessThanOrEqual(5);
    expect(sink.received).toHaveLength(0);

    await app.restart({ PAPERBOY_SMTP_URL: `smtp://paperboy:right@127.0.0.1:${sink.port}` });
    const report = await runDigest(app.ctx, { date: DATE });
    expect(tally(report)).toEqual({ sent: 24, failed: 0, skipped: 0 });
    expect(sink.received.map((r) => r.rcptTo.join(',')).sort()).toEqual([...READERS].sort());
  });

  it('a sender the relay refuses (550 at MAIL FROM) bounces nobody and names PAPERBOY_FROM', async () => {
    let refuseSender = true;
    sink = await startSmtpSink(() => null, {
      mailFrom: () =>
        refuseSender ? { code: 550, message: '5.7.1 Sender address rejected: not owned by user' } : null,
    });
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url });
    await addActive(app, ...READERS);

    const err = await runDigest(app.ctx, { date: DATE }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ESEND' });
    expect((err as Error).message).toBe(
      `SMTP 127.0.0.1:${sink.port} refused the send: 550 5.7.1 Sender address rejected: not owned by user`,
    );
    expect((err as { hint?: string }).hint).toBe(
      'the relay refused the sender or the message: check that PAPERBOY_FROM (and PAPERBOY_BOUNCE_DOMAIN, if set) is an address this relay may send from, and its size limit; deliveries not yet sent stay pending',
    );
    await expectOnlyPending(app, 24);
    await expectNobodyBounced(app, READERS);
    expect(sink.mailFroms()).toBeLessThanOrEqual(5);

    refuseSender = false;
    const report = await runDigest(app.ctx, { date: DATE });
    expect(report.sent).toBe(24);
    expect(sink.received).toHaveLength(24);
  });

  it('a busy relay (421 at MAIL FROM) is retried, then the send stops with the rest pending and no soft bounce', async () => {
    sink = await startSmtpSink(() => null, {
      mailFrom: () => ({ code: 421, message: '4.7.0 Too many connections, try again later' }),
    });
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_SMTP_RETRIES: '2' });
    await addActive(app, ...READERS);

    const err = await runDigest(app.ctx, { date: DATE }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ESEND' });
    expect((err as Error).message).toBe(
      `SMTP 127.0.0.1:${sink.port} did not take the message: 421 4.7.0 Too many connections, try again later`,
    );
    expect((err as { hint?: string }).hint).toBe(
      'deliveries not yet sent stay pending; run the send again when the server is back',
    );
    await expectOnlyPending(app, 24);
    await expectNobodyBounced(app, READERS);
    // Retried: the first message went three times (once and two retries).
    expect(sink.mailFroms()).toBeGreaterThanOrEqual(3);
  });

  it('a relay that will not relay (554 5.7.1 to every reader) bounces nobody: the send stops after a streak, everything pending, then each reader gets one', async () => {
    let relaying = false;
    sink = await startSmtpSink((address) =>
      relaying ? null : { code: 554, message: `5.7.1 <${address}>: Relay access denied` },
    );
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url });
    const readers = Array.from({ length: 40 }, (_, i) => `reader${i + 1}@domain${i % 5}.example`);
    await addActive(app, ...readers);

    const err = await runDigest(app.ctx, { date: DATE }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ESEND' });
    expect((err as Error).message).toMatch(
      new RegExp(
        `^SMTP 127\\.0\\.0\\.1:${sink.port} refused 10 messages in a row: 554 5\\.7\\.1 <reader\\d+@domain\\d\\.example>: Relay access denied$`,
      ),
    );
    expect((err as { hint?: string }).hint).toBe(STREAK_HINT);
    await expectOnlyPending(app, 40);
    await expectNobodyBounced(app, readers);
    // Stopped early: the streak (10) and the messages already on their connections, not all 40.
    const tried = [...sink.rcptAttempts.values()].reduce((a, b) => a + b, 0);
    expect(tried).toBeGreaterThanOrEqual(10);
    expect(tried).toBeLessThan(40);

    relaying = true;
    const report = await runDigest(app.ctx, { date: DATE });
    expect(tally(report)).toEqual({ sent: 40, failed: 0, skipped: 0 });
    expect(sink.received.map((r) => r.rcptTo.join(',')).sort()).toEqual([...readers].sort());
  });

  it('a domain that refuses the list (550 5.7.1) fails only its readers, bounces nobody, and the rest are sent', async () => {
    sink = await startSmtpSink((address) =>
      address.endsWith('@strict.example') ? { code: 550, message: '5.7.1 Message rejected by policy' } : null,
    );
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url });
    // Thirty readers of one domain in a row (one import), then others: a streak of one domain.
    const strict = Array.from({ length: 30 }, (_, i) => `staff${i + 1}@strict.example`);
    const others = Array.from({ length: 10 }, (_, i) => `reader${i + 1}@open${i % 3}.example`);
    await addActive(app, ...strict, ...others);

    const report = await runDigest(app.ctx, { date: DATE });
    expect(tally(report)).toEqual({ sent: 10, failed: 30, skipped: 0 });
    expect(sink.received.map((r) => r.rcptTo.join(',')).sort()).toEqual([...others].sort());
    // The report lists the first 20 failures.
    expect(report.failures).toHaveLength(20);
    expect(report.failures.every((f) => f.email.endsWith('@strict.example'))).toBe(true);
    expect(new Set(report.failures.map((f) => f.error))).toEqual(new Set(['550 5.7.1 Message rejected by policy']));
    await expectNobodyBounced(app, [...strict, ...others]);
  });

  it('a relay that defers what it will not relay (454 4.7.1) soft-bounces nobody: retried, then the send stops with everything pending', async () => {
    sink = await startSmtpSink((address) => ({ code: 454, message: `4.7.1 <${address}>: Relay access denied` }));
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_SMTP_RETRIES: '1' });
    const readers = Array.from({ length: 30 }, (_, i) => `reader${i + 1}@domain${i % 4}.example`);
    await addActive(app, ...readers);

    const err = await runDigest(app.ctx, { date: DATE }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ESEND' });
    expect((err as Error).message).toMatch(
      new RegExp(
        `^SMTP 127\\.0\\.0\\.1:${sink.port} deferred 10 messages in a row: 454 4\\.7\\.1 <reader\\d+@domain\\d\\.example>: Relay access denied \\(after 2 attempts\\)$`,
      ),
    );
    expect((err as { hint?: string }).hint).toBe(STREAK_HINT);
    await expectOnlyPending(app, 30);
    await expectNobodyBounced(app, readers);
  });
});

describe('several relays in PAPERBOY_SMTP_URL', () => {
  it('one that is down, refuses the login or will not relay is left out: the others carry the whole send, each reader once', async () => {
    const down = await startSmtpSink();
    const downUrl = down.url;
    await down.close();
    const other = await startSmtpSink(() => null, { auth: { user: 'paperboy', pass: 'right' } });
    const denying = await startSmtpSink((address) => ({
      code: 554,
      message: `5.7.1 <${address}>: Relay access denied`,
    }));
    others = [other, denying];
    sink = await startSmtpSink();
    const wrongLogin = `smtp://paperboy:wrong@127.0.0.1:${other.port}`;
    app = await startTestApp({ PAPERBOY_SMTP_URL: `${downUrl},${wrongLogin},${denying.url},${sink.url}` });
    await addActive(app, ...READERS);

    const report = await runDigest(app.ctx, { date: DATE });
    expect(tally(report)).toEqual({ sent: 24, failed: 0, skipped: 0 });
    expect(sink.received.map((r) => r.rcptTo.join(',')).sort()).toEqual([...READERS].sort());
    // Left out after its first refusal (30 s): a few logins, one per connection at most, not one per message.
    expect(other.logins()).toBeGreaterThan(0);
    expect(other.logins()).toBeLessThanOrEqual(5);
    // The relay that will not relay refused its first message, which went on to the next relay.
    expect(denying.received).toHaveLength(0);
    const denied = [...denying.rcptAttempts.values()].reduce((a, b) => a + b, 0);
    expect(denied).toBeGreaterThan(0);
    expect(denied).toBeLessThanOrEqual(5);
    await expectNobodyBounced(app, READERS);
  });
});
