import { describe, expect, it } from 'vitest';
import { baseUrlPortWarning, loadConfig } from '../../src/config.js';
import { fileProblem } from '../../src/errors.js';
import { dateProblem } from '../../src/select/dates.js';
import { emailProblem } from '../../src/subscribers/email.js';
import { counted } from '../../src/text.js';

describe('what a person is told', () => {
  it('says which part of a date is wrong', () => {
    expect(dateProblem('2026-11-27')).toBeNull();
    expect(dateProblem('2026-13-01')).toBe('"2026-13-01": month 13 is out of range (01 to 12)');
    expect(dateProblem('2026-00-10')).toBe('"2026-00-10": month 00 is out of range (01 to 12)');
    expect(dateProblem('2026-02-30')).toBe('"2026-02-30": February 2026 has 28 days, so day 30 does not exist');
    expect(dateProblem('2028-02-30')).toBe('"2028-02-30": February 2028 has 29 days, so day 30 does not exist');
    expect(dateProblem('2026-11-00')).toBe('"2026-11-00": November 2026 has 30 days, so day 00 does not exist');
    expect(dateProblem('27/11/2026')).toBe('"27/11/2026" is not a date in the form YYYY-MM-DD (e.g. 2026-11-27)');
  });

  it('says why an address is refused', () => {
    expect(emailProblem('bob@example.com')).toBeNull();
    expect(emailProblem('bob@example')).toBe('the domain "example" has no dot (e.g. example.com)');
    expect(emailProblem('bob.example.com')).toBe('it has no @');
    expect(emailProblem('@example.com')).toBe('nothing comes before the @');
    expect(emailProblem('bob@')).toBe('nothing comes after the @');
    expect(emailProblem('  ')).toBe('it is empty');
    expect(emailProblem('bo b@example.com')).toBe(
      'the part before the @ ("bo b") holds spaces, commas, brackets or dots in the wrong place',
    );
    expect(emailProblem('bob@exa_mple.com')).toBe('"exa_mple.com" is not a mail domain');
    expect(emailProblem('bob\n@example.com')).toBe('it holds a control character');
  });

  it('counts in words: singular for one', () => {
    expect(counted(1, 'paper')).toBe('1 paper');
    expect(counted(0, 'paper')).toBe('0 papers');
    expect(counted(2, 'bad row')).toBe('2 bad rows');
    expect(counted(12345, 'reader')).toBe('12,345 readers');
  });

  it('names file errors in words', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(fileProblem(err('ENOENT'))).toBe('no such file');
    expect(fileProblem(err('EISDIR'))).toBe('it is a folder, not a file');
    expect(fileProblem(err('EACCES'))).toBe('permission denied');
    expect(fileProblem(err('EMFILE'))).toBe('EMFILE');
  });
});

describe('the base URL of a local install', () => {
  const env = { PAPERBOY_SECRET: 'x'.repeat(32) };
  it('follows PAPERBOY_PORT when unset', () => {
    expect(loadConfig({ ...env }).baseUrl).toBe('http://localhost:3000');
    expect(loadConfig({ ...env, PAPERBOY_PORT: '3917' }).baseUrl).toBe('http://localhost:3917');
    expect(
      loadConfig({ ...env, PAPERBOY_PORT: '3917', PAPERBOY_BASE_URL: 'https://papers.example.org/' }).baseUrl,
    ).toBe('https://papers.example.org');
  });

  it('is warned about when it names this machine on another port than the one served', () => {
    expect(baseUrlPortWarning('http://localhost:3000', 3000)).toBeNull();
    expect(baseUrlPortWarning('https://papers.example.org', 3917)).toBeNull();
    expect(baseUrlPortWarning('http://127.0.0.1', 80)).toBeNull();
    expect(baseUrlPortWarning('http://localhost:3000', 3917)).toBe(
      'PAPERBOY_BASE_URL is http://localhost:3000 but paperboy serves port 3917: the links in emails, the feed and the confirmation lead nowhere (set PAPERBOY_BASE_URL=http://localhost:3917, or leave it unset to follow PAPERBOY_PORT)',
    );
    expect(baseUrlPortWarning('http://[::1]:8080', 3917)).toMatch(/^PAPERBOY_BASE_URL is http:\/\/\[::1\]:8080 but/);
  });
});
