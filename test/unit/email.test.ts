import { describe, expect, it } from 'vitest';
import { classifyFailure, refusedHint } from '../../src/send/retry.js';
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
  const failure = (message: string, fields: { responseCode?: number; code?: string; command?: string }) =>
    Object.assign(new Error(message), fields);

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

  it('name the setting to fix', () => {
    expect(refusedHint(failure('x', { code: 'EAUTH', command: 'AUTH PLAIN' }))).toContain('PAPERBOY_SMTP_URL');
    expect(refusedHint(failure('x', { code: 'EENVELOPE', command: 'MAIL FROM' }))).toContain('PAPERBOY_FROM');
    expect(refusedHint(failure('x', { code: 'EPROTOCOL', command: 'CONN' }))).toContain("the relay's log");
  });
});

describe('the address rule', () => {
  it('accepts quoted local parts, IP literals and internationalized addresses', () => {
    expect(normalizeEmail('"john smith"@example.com')).toBe('"john smith"@example.com');
    expect(normalizeEmail('"a\\"b"@example.com')).toBe('"a\\"b"@example.com');
    expect(normalizeEmail('postmaster@[192.0.2.1]')).toBe('postmaster@[192.0.2.1]');
    expect(normalizeEmail('ops@[IPv6:2001:DB8::1]')).toBe('ops@[IPv6:2001:db8::1]');
    expect(normalizeEmail('josé@Bücher.DE')).toBe('josé@bücher.de');
    expect(normalizeEmail('用户@例子.广告')).toBe('用户@例子.广告');
    expect(normalizeEmail('bob@xn--bcher-kva.de')).toBe('bob@bücher.de');
  });

  it('refuses two addresses, unbalanced quotes, bare IPs, hidden line breaks and overlong addresses', () => {
    for (const bad of [
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
