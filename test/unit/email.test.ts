import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../src/send/retry.js';
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
  it('are temporary for 4xx, permanent for 5xx, a connection problem without a code', () => {
    expect(classifyFailure(Object.assign(new Error('x'), { responseCode: 451 }))).toBe('temporary');
    expect(classifyFailure(Object.assign(new Error('x'), { responseCode: 550 }))).toBe('permanent');
    expect(classifyFailure(Object.assign(new Error('x'), { code: 'ECONNECTION' }))).toBe('connection');
  });
});
