import { describe, expect, it } from 'vitest';
import { REJECT_DOMAINS, REJECT_STREAK, REJECT_STREAK_ONE_DOMAIN, RejectStreak } from '../../src/send/reject-streak.js';
import { classifyFailure, refusedHint, softBounceCounts } from '../../src/send/smtp-reply.js';
import { enhancedStatus } from '../../src/smtp-status.js';
import { bounceKind } from '../../src/subscribers/dsn.js';
import { cleanName, normalizeEmail } from '../../src/subscribers/email.js';

describe('addresses', () => {
  it('are trimmed, the domain lower-cased, the local part kept', () => {
    expect(normalizeEmail('  Ada.Lovelace@Example.ORG ')).toBe('Ada.Lovelace@example.org');
    expect(normalizeEmail('user+tag@sub.example.co.uk')).toBe('user+tag@sub.example.co.uk');
  });

  it('refuse what is not an address', () => {
    for (const bad of [
      '',
      'plain',
      '@example.com',
      'a@',
      'a b@example.com',
      'a@exa mple.com',
      'a@b',
      'a..b@example.com',
      'a@example.com\r\nBcc: x@y.z',
    ]) {
      expect(normalizeEmail(bad), bad).toBeNull();
    }
  });

  it('names become one safe line', () => {
    expect(cleanName(' Ada\r\nBcc: x ')).toBe('Ada Bcc: x');
    expect(cleanName('   ')).toBeNull();
    expect(cleanName(undefined)).toBeNull();
  });
});

describe('SMTP failures', () => {
  const failure = (
    message: string,
    fields: { responseCode?: number; response?: string; code?: string; command?: string },
  ) => Object.assign(new Error(message), fields);

  it('are temporary for 4xx, permanent for 5xx, a connection problem without a code', () => {
    expect(classifyFailure(failure('x', { responseCode: 451 }))).toBe('temporary');
    expect(classifyFailure(failure('x', { responseCode: 550 }))).toBe('permanent');
    expect(classifyFailure(failure('x', { code: 'ECONNECTION' }))).toBe('connection');
  });

  it('blame the address only for a reply to RCPT TO or to the message itself', () => {
    expect(classifyFailure(failure('x', { responseCode: 450, code: 'EENVELOPE', command: 'RCPT TO' }))).toBe(
      'temporary',
    );
    expect(classifyFailure(failure('x', { responseCode: 550, code: 'EENVELOPE', command: 'RCPT TO' }))).toBe(
      'permanent',
    );
    expect(classifyFailure(failure('x', { responseCode: 552, code: 'EMESSAGE', command: 'DATA' }))).toBe('permanent');
    expect(classifyFailure(failure('x', { responseCode: 451, code: 'EMESSAGE', command: 'DATA' }))).toBe('temporary');
  });

  it('are the relay refusing a setting for a 5xx to the login, the sender or the greeting, and retried for a 4xx', () => {
    expect(classifyFailure(failure('Invalid login', { responseCode: 535, code: 'EAUTH', command: 'AUTH PLAIN' }))).toBe(
      'refused',
    );
    expect(classifyFailure(failure('x', { responseCode: 550, code: 'EENVELOPE', command: 'MAIL FROM' }))).toBe(
      'refused',
    );
    expect(classifyFailure(failure('x', { responseCode: 554, code: 'EPROTOCOL', command: 'CONN' }))).toBe('refused');
    expect(classifyFailure(failure('x', { responseCode: 421, code: 'EENVELOPE', command: 'MAIL FROM' }))).toBe(
      'connection',
    );
    expect(classifyFailure(failure('x', { responseCode: 421, code: 'EPROTOCOL', command: 'CONN' }))).toBe('connection');
    expect(classifyFailure(failure('x', { responseCode: 454, code: 'EAUTH', command: 'AUTH LOGIN' }))).toBe(
      'connection',
    );
  });

  it("sort nodemailer's own refusals without a reply: the recipient's, or a setting's", () => {
    expect(classifyFailure(failure('Invalid recipient "a b"', { code: 'EENVELOPE', command: 'API' }))).toBe(
      'permanent',
    );
    expect(classifyFailure(failure('Invalid sender "x"', { code: 'EENVELOPE', command: 'API' }))).toBe('refused');
    expect(classifyFailure(failure('Missing credentials for "PLAIN"', { code: 'EAUTH', command: 'API' }))).toBe(
      'refused',
    );
    expect(
      classifyFailure(failure('Message size larger than allowed 1000', { code: 'EMESSAGE', command: 'MAIL FROM' })),
    ).toBe('refused');
    expect(classifyFailure(failure('Timeout', { code: 'ETIMEDOUT', command: 'CONN' }))).toBe('connection');
  });

  it('read the enhanced status code of a 5xx: only an address problem is a hard bounce', () => {
    const rcpt = (response: string) =>
      classifyFailure(failure('x', { responseCode: Number(response.slice(0, 3)), response, command: 'RCPT TO' }));
    expect(rcpt('550 5.1.1 <a@example.com>: Recipient address rejected: User unknown')).toBe('permanent');
    expect(rcpt('550-5.1.1 The email account that you tried to reach does not exist.')).toBe('permanent');
    expect(rcpt('550 5.2.1 Mailbox disabled')).toBe('permanent');
    expect(rcpt('550 5.4.1 Recipient address rejected: Access denied')).toBe('permanent');
    expect(rcpt('550 5.4.4 Unable to route')).toBe('permanent');
    expect(rcpt('550 User unknown')).toBe('permanent');
    expect(rcpt('552 5.2.2 Mailbox full')).toBe('temporary');
    expect(rcpt('554 5.7.1 <a@example.com>: Relay access denied')).toBe('rejected');
    expect(rcpt('554 Relay access denied')).toBe('rejected');
    expect(rcpt('550-5.7.1 Our system has detected that this message is likely unsolicited mail.')).toBe('rejected');
    expect(rcpt('550 5.4.5 Daily user sending quota exceeded.')).toBe('rejected');
    expect(rcpt('552 5.3.4 Message size exceeds fixed limit')).toBe('rejected');
    expect(enhancedStatus('250 2.0.0 Ok: queued as 1234')).toEqual([2, 0, 0]);
    expect(enhancedStatus('550 No such user')).toBeNull();
  });

  it('say the relay refuses every message after a streak across domains, not after one domain refusing its readers', () => {
    const streak = new RejectStreak();
    const hits = Array.from({ length: REJECT_STREAK }, (_, i) => streak.add(`r${i}@d${i % REJECT_DOMAINS}.example`));
    expect(hits.indexOf(true)).toBe(REJECT_STREAK - 1);
    streak.clear();
    expect(streak.length).toBe(0);
    const oneDomain = Array.from({ length: REJECT_STREAK_ONE_DOMAIN }, (_, i) => streak.add(`r${i}@strict.example`));
    expect(oneDomain.indexOf(true)).toBe(REJECT_STREAK_ONE_DOMAIN - 1);
  });

  it('count a 4xx that outlived the retries as a soft bounce only when it is about the address or mailbox', () => {
    const deferred = (response: string) => failure('x', { responseCode: Number(response.slice(0, 3)), response });
    expect(softBounceCounts(deferred('452 4.2.2 Mailbox full'))).toBe(true);
    expect(softBounceCounts(deferred('450 4.1.1 Recipient address rejected: unverified address'))).toBe(true);
    expect(softBounceCounts(deferred('451 Try again later'))).toBe(true);
    expect(softBounceCounts(deferred('454 4.7.1 <a@example.com>: Relay access denied'))).toBe(false);
    expect(softBounceCounts(deferred('451 4.3.0 Temporary system problem'))).toBe(false);
  });

  it('sort bounce reports by the same rule: a refusal of the message is no bounce, 4.x.x or 5.x.x', () => {
    const report = (status: string, action = 'failed') => ({
      recipient: 'a@example.com',
      action,
      status,
      diagnostic: null,
    });
    expect(bounceKind(report('5.1.1'))).toBe('hard');
    expect(bounceKind(report('5.2.2'))).toBe('soft');
    expect(bounceKind(report('4.2.2'))).toBe('soft');
    expect(bounceKind(report('4.4.1'))).toBe('soft');
    expect(bounceKind(report('5.7.26'))).toBe('refused');
    expect(bounceKind(report('4.7.1'))).toBe('refused');
    expect(bounceKind(report('4.4.7', 'delayed'))).toBeNull();
    expect(bounceKind(report('2.0.0', 'delivered'))).toBeNull();
  });

  it('name the setting to fix', () => {
    expect(refusedHint(failure('x', { code: 'EAUTH', command: 'AUTH PLAIN' }))).toBe(
      'the relay refused the login: check the user name and password in PAPERBOY_SMTP_URL (percent-encode special characters); deliveries not yet sent stay pending',
    );
    expect(refusedHint(failure('x', { code: 'EENVELOPE', command: 'MAIL FROM' }))).toBe(
      'the relay refused the sender or the message: check that PAPERBOY_FROM (and PAPERBOY_BOUNCE_DOMAIN, if set) is an address this relay may send from, and its size limit; deliveries not yet sent stay pending',
    );
    expect(refusedHint(failure('x', { code: 'EPROTOCOL', command: 'CONN' }))).toBe(
      "check PAPERBOY_SMTP_URL and the relay's log; deliveries not yet sent stay pending",
    );
  });
});

describe('the address rule', () => {
  it('accepts IP literals and internationalized addresses; a quoted dot-atom is stored unquoted', () => {
    expect(normalizeEmail('"ada.l"@example.com')).toBe('ada.l@example.com');
    expect(normalizeEmail('"ünï"@example.com')).toBe('ünï@example.com');
    expect(normalizeEmail('postmaster@[192.0.2.1]')).toBe('postmaster@[192.0.2.1]');
    expect(normalizeEmail('ops@[IPv6:2001:DB8::1]')).toBe('ops@[IPv6:2001:db8::1]');
    expect(normalizeEmail('josé@Bücher.DE')).toBe('josé@bücher.de');
    expect(normalizeEmail('用户@例子.广告')).toBe('用户@例子.广告');
    expect(normalizeEmail('bob@xn--bcher-kva.de')).toBe('bob@bücher.de');
  });

  it('refuses two addresses, quoted local parts that are no dot-atom, bare IPs, hidden line breaks and overlong addresses', () => {
    for (const bad of [
      // Mail libraries rewrite these (nodemailer drops the backslashes, unquotes the space): another mailbox.
      '"john smith"@example.com',
      '"a\\"b"@example.com',
      '"a\\\\b"@example.com',
      '"a\\b"@example.com',
      '"a..b"@example.com',
      '"a@b"@example.com',
      '""@example.com',
      'a@example.com, b@example.com',
      'a@example.com b@example.com',
      '"unclosed@example.com',
      'a@192.0.2.1',
      'a@[300.1.1.1]',
      'a@exa\tmple.com',
      'a@exa\nmple.com',
      `${'x'.repeat(65)}@example.com`,
      `${'x'.repeat(64)}@${`${'l'.repeat(60)}.`.repeat(4)}com`,
      'a@-example.com',
      'a@example..com',
    ]) {
      expect(normalizeEmail(bad), bad).toBeNull();
    }
  });
});
