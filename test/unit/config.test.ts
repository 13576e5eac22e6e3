import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseFrom, readEnv } from '../../src/config.js';
import { contrastRatio } from '../../src/config-values.js';
import { describeStore } from '../../src/store/db.js';

describe('config', () => {
  it('has working defaults for every setting', () => {
    const c = loadConfig({}, '/srv/paperboy');
    expect({ ...c, samplesPath: undefined, templatesDir: undefined }).toEqual({
      database: { kind: 'sqlite', path: '/srv/paperboy/data/paperboy.db' },
      smtpUrl: null,
      smtpUrls: [],
      from: { name: 'Paperboy', address: 'paperboy@localhost', domain: 'localhost' },
      baseUrl: 'http://localhost:3000',
      secret: null,
      sources: [{ kind: 'hf' }],
      hfApiUrl: 'https://huggingface.co/api/daily_papers',
      arxivApiUrl: 'https://export.arxiv.org/api/query',
      arxivCategories: true,
      arxivIntervalMs: 3000,
      arxivMaxResults: 200,
      papersPerDigest: 10,
      timezone: 'UTC',
      schedule: '0 7 * * *',
      port: 3000,
      host: null,
      archiveDir: '/srv/paperboy/digests',
      outboxDir: '/srv/paperboy/outbox',
      listName: 'Daily Papers',
      brand: { logo: null, accent: '#0b3d91', accentDark: '#8ab4f8', thumbnails: false },
      listId: 'daily-papers.localhost',
      unsubscribeMailto: null,
      webhooks: null,
      smtpName: 'localhost',
      smtpPool: 5,
      smtpMaxMessages: 1000,
      rateLimit: 0,
      workerExpirySeconds: 50,
      smtpRetries: 3,
      retryDelayMs: 2000,
      sourceTimeoutMs: 15000,
      sourceRetries: 2,
      logLevel: 'info',
      samplesPath: undefined,
      templatesDir: undefined,
      softBounceLimit: 3,
      confirmTtlDays: 7,
      bounceMaildir: null,
      bounceDomain: null,
      dnsServers: null,
      sendingIp: null,
      trustProxy: false,
      sendDays: [0, 1, 2, 3, 4, 5, 6],
      adminToken: null,
      catchUpMs: 6 * 3_600_000,
      deferLimitMs: 4 * 3_600_000,
      dkim: null,
      feedbackId: null,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads the documented forms of each setting', () => {
    const c = loadConfig(
      {
        PAPERBOY_DATABASE_URL: 'sqlite:///var/lib/paperboy/db.sqlite',
        PAPERBOY_SMTP_URL: 'smtps://user:p%40ss@mail.example.org:465',
        PAPERBOY_FROM: 'Research Digest <digest@Papers.Example.org>',
        PAPERBOY_BASE_URL: 'https://papers.example.org/',
        PAPERBOY_SOURCE: 'file:./samples/daily-papers.json',
        PAPERBOY_TIMEZONE: 'Europe/Paris',
        PAPERBOY_SCHEDULE: '30 6 * * 1-5',
      },
      '/srv',
    );
    expect(c.database).toEqual({ kind: 'sqlite', path: '/var/lib/paperboy/db.sqlite' });
    expect(c.smtpUrl).toBe('smtps://user:p%40ss@mail.example.org:465');
    expect(c.from).toEqual({
      name: 'Research Digest',
      address: 'digest@Papers.Example.org',
      domain: 'papers.example.org',
    });
    expect(c.baseUrl).toBe('https://papers.example.org');
    expect(c.sources).toEqual([{ kind: 'file', path: path.resolve('./samples/daily-papers.json') }]);
    expect(c.listId).toBe('daily-papers.papers.example.org');
  });

  it('listens on the address PAPERBOY_HOST names, and refuses a host name', () => {
    expect(loadConfig({ PAPERBOY_HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
    expect(loadConfig({ PAPERBOY_HOST: '[::1]' }).host).toBe('::1');
    expect(() => loadConfig({ PAPERBOY_HOST: 'papers.example.org' })).toThrowError(
      'PAPERBOY_HOST: expected an IP address to listen on, such as 127.0.0.1 or ::1 (empty: every interface)',
    );
  });

  it('takes several relays, comma-separated, and names the bad one', () => {
    const c = loadConfig({ PAPERBOY_SMTP_URL: 'smtp://a.example.org:25, smtps://u:p%2Cw@b.example.org:465' });
    expect(c.smtpUrls).toEqual(['smtp://a.example.org:25', 'smtps://u:p%2Cw@b.example.org:465']);
    expect(c.smtpUrl).toBe('smtp://a.example.org:25');
    expect(() => loadConfig({ PAPERBOY_SMTP_URL: 'smtp://a.example.org:25,mail.example.org' })).toThrowError(
      'PAPERBOY_SMTP_URL: relay 2 of 2: expected smtp://user:pass@host:port or smtps://user:pass@host:port, several separated by commas (unset it to write to the outbox)',
    );
  });

  it("takes doctor's DNS servers (IP and port, comma-separated) and sending address, and names a bad one", () => {
    const c = loadConfig({
      PAPERBOY_DNS_SERVERS: '127.0.0.1:5353, [::1]:53,9.9.9.9',
      PAPERBOY_SENDING_IP: '203.0.113.5',
    });
    expect([c.dnsServers, c.sendingIp]).toEqual([['127.0.0.1:5353', '[::1]:53', '9.9.9.9'], '203.0.113.5']);
    expect(() => loadConfig({ PAPERBOY_DNS_SERVERS: '127.0.0.1:5353,dns.example.org' })).toThrowError(
      'PAPERBOY_DNS_SERVERS: expected IP addresses with an optional port, comma-separated, e.g. 127.0.0.1:5353,[::1]:53; got "dns.example.org"',
    );
    expect(() => loadConfig({ PAPERBOY_SENDING_IP: 'mail.example.org' })).toThrowError(
      'PAPERBOY_SENDING_IP: expected the public IP address mail leaves from, e.g. 203.0.113.5',
    );
  });

  it('takes a logo (https, with its size) and link colours that read at WCAG AA, and says why one does not', () => {
    const c = loadConfig({
      PAPERBOY_LOGO_URL: 'https://papers.example.org/logo.png?v=1&x=2',
      PAPERBOY_LOGO_SIZE: '120x40',
      PAPERBOY_ACCENT: '#B3261E',
    });
    // The dark accent derived from the light one: mixed with white until 4.5:1 on the dark card.
    expect(c.brand).toEqual({
      logo: { url: 'https://papers.example.org/logo.png?v=1&x=2', width: 120, height: 40 },
      accent: '#b3261e',
      accentDark: '#ce726d',
      thumbnails: false,
    });
    expect(contrastRatio('#ce726d', '#1b1f24')).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio('#ca6762', '#1b1f24')).toBeLessThan(4.5); // the step before
    expect(loadConfig({ PAPERBOY_ACCENT_DARK: '#ffd166' }).brand.accentDark).toBe('#ffd166');
    // The logo's URL as the URL parser writes it: no raw space or quote reaches the HTML.
    expect(loadConfig({ PAPERBOY_LOGO_URL: 'https://x.example/my logo".png' }).brand.logo?.url).toBe(
      'https://x.example/my%20logo%22.png',
    );
    expect(() =>
      loadConfig({
        PAPERBOY_LOGO_URL: 'http://papers.example.org/logo.png',
        PAPERBOY_LOGO_SIZE: '40',
        PAPERBOY_ACCENT: '#7fb3ff',
        PAPERBOY_ACCENT_DARK: '#0b3d91',
      }),
    ).toThrowError(
      [
        'PAPERBOY_LOGO_URL: expected an https:// URL of the logo image (mail clients block or warn on http: images), got "http://papers.example.org/logo.png"',
        'PAPERBOY_LOGO_SIZE: expected the logo\'s size in CSS pixels as WIDTHxHEIGHT (8 to 552 wide, 8 to 200 high), e.g. 120x40, got "40"',
        'PAPERBOY_ACCENT: #7fb3ff has a contrast of 2.1:1 against the white card; link text needs 4.5:1 (WCAG AA): pick a darker colour, e.g. #0b3d91',
        'PAPERBOY_ACCENT_DARK: #0b3d91 has a contrast of 1.6:1 against the dark-mode card (#1b1f24); link text needs 4.5:1 (WCAG AA): pick a lighter colour, e.g. #8ab4f8, or leave it unset to derive one',
      ].join('\n'),
    );
    expect(loadConfig({ PAPERBOY_THUMBNAILS: '1' }).brand.thumbnails).toBe(true);
    expect(() => loadConfig({ PAPERBOY_THUMBNAILS: 'yes' })).toThrowError(
      "PAPERBOY_THUMBNAILS: expected 1 (show the top papers' thumbnails) or 0",
    );
    expect(() => loadConfig({ PAPERBOY_ACCENT: 'blue' })).toThrowError(
      'PAPERBOY_ACCENT: expected a colour as #rrggbb, e.g. #0b3d91, got "blue"',
    );
  });

  it('reports every bad variable at once', () => {
    expect(() =>
      loadConfig({
        PAPERBOY_FROM: 'Evil\r\nBcc: x <a@b.c>',
        PAPERBOY_BASE_URL: 'javascript:alert(1)',
        PAPERBOY_SECRET: 'short',
        PAPERBOY_SOURCE: 'ftp://x',
        PAPERBOY_SCHEDULE: 'every morning',
        PAPERBOY_DATABASE_URL: 'postgres://paperboy:hunter2@localhost/',
      }),
    ).toThrowError(
      [
        'PAPERBOY_DATABASE_URL: expected postgres://user:password@host:5432/database (percent-encode special characters): the database name is missing',
        'PAPERBOY_FROM: expected "Name <address@domain>" or "address@domain", got "Evil\\r\\nBcc: x <a@b.c>"',
        'PAPERBOY_BASE_URL: expected an http:// or https:// URL, got "javascript:alert(1)"',
        'PAPERBOY_SECRET: expected at least 32 characters (got 5); generate one with: openssl rand -hex 32',
        'PAPERBOY_SOURCE: "ftp://x" is not a source (expected hf, file:PATH, arxiv:CATEGORY[,CATEGORY…] or arxiv:q=QUERY)',
        'PAPERBOY_SCHEDULE: expected a cron expression such as "0 7 * * *" (minute hour day month weekday)',
      ].join('\n'),
    );
  });

  it('reads a PostgreSQL store URL, with an optional schema, and shows it without the password', () => {
    const secret = 'x'.repeat(32);
    const c = loadConfig({
      PAPERBOY_DATABASE_URL: 'postgresql://paperboy:s%40cret@db.example.org:5433/news?schema=paperboy&sslmode=require',
      PAPERBOY_SECRET: secret,
    });
    expect(c.database).toEqual({
      kind: 'postgres',
      url: 'postgresql://paperboy:s%40cret@db.example.org:5433/news?sslmode=require',
      schema: 'paperboy',
    });
    expect(describeStore(c.database)).toBe(
      'postgresql://paperboy@db.example.org:5433/news?sslmode=require (schema paperboy)',
    );
    const plain = loadConfig({ PAPERBOY_DATABASE_URL: 'postgres://db.example.org/news', PAPERBOY_SECRET: secret });
    expect(plain.database).toEqual({ kind: 'postgres', url: 'postgres://db.example.org/news', schema: null });
  });

  it('requires PAPERBOY_SECRET with PostgreSQL (every machine signs with one key), and a plain schema name', () => {
    expect(() =>
      loadConfig({ PAPERBOY_DATABASE_URL: 'postgres://u:hunter2@db.example.org/news?schema=Bad-Name' }),
    ).toThrowError(
      [
        'PAPERBOY_DATABASE_URL: expected ?schema= to be a lower-case name (letters, digits, _), such as paperboy',
        'PAPERBOY_SECRET: required with a PostgreSQL store (every process must sign links with the same key); generate one with: openssl rand -hex 32',
      ].join('\n'),
    );
  });

  it('parses From addresses', () => {
    expect(parseFrom('a@b.org')).toEqual({ name: '', address: 'a@b.org', domain: 'b.org' });
    expect(parseFrom('"Quoted" <a@b.org>')).toBeNull();
    expect(parseFrom('no address')).toBeNull();
  });

  it('takes .env under the environment', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-env-'));
    writeFileSync(path.join(dir, '.env'), 'PAPERBOY_PORT=4000\nPAPERBOY_LIST_NAME="From File"\n');
    const env = readEnv({ PAPERBOY_PORT: '5000' }, dir);
    expect(env.PAPERBOY_PORT).toBe('5000');
    expect(env.PAPERBOY_LIST_NAME).toBe('From File');
    expect(readEnv({ A: '1' }, tmpdir())).toEqual({ A: '1' });
  });
});
