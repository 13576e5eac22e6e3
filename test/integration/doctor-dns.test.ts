// doctor's DNS checks against a real DNS server on 127.0.0.1 (test/helpers/dns-server.ts): the DKIM
// key `paperboy dkim keygen` printed, SPF for the sending host, DMARC, reverse DNS, and an outage.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDkimKey } from '../../src/dkim.js';
import { runCli } from '../helpers/cli.js';
import { type DnsRecords, type DnsServer, startDnsServer } from '../helpers/dns-server.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { tempDir, testEnv } from '../helpers/test-app.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function sinkAndFolder(): Promise<{ sink: SmtpSink; dir: string }> {
  const sink = await startSmtpSink();
  const t = tempDir('paperboy-doctor-dns-');
  cleanups.push(t.cleanup, () => sink.close());
  return { sink, dir: t.dir };
}

async function dnsServer(zone: Record<string, DnsRecords>, opts: { silent?: boolean } = {}): Promise<DnsServer> {
  const s = await startDnsServer(zone, opts);
  cleanups.push(() => s.close());
  return s;
}

/** `paperboy dkim keygen` into a folder that does not exist yet: the key file, and the record it printed. */
async function keygen(dir: string): Promise<{ file: string; record: string; value: string }> {
  const out = path.join(dir, 'keys', 'dkim');
  const gen = await runCli(
    ['dkim', 'keygen', '--selector', 'pb1', '--domain', 'papers.example.org', '--out', out],
    {},
    dir,
  );
  expect([gen.code, gen.stderr]).toEqual([0, '']);
  const record = gen.stdout.split('\n').find((l) => l.startsWith('pb1._domainkey.')) ?? '';
  const value = [...record.matchAll(/"([^"]*)"/g)].map((m) => m[1]).join('');
  return { file: path.join(out, 'pb1.papers.example.org.private.pem'), record, value };
}

/** doctor's lines (and their fix lines) for the checks named. */
async function doctor(dir: string, env: Record<string, string>, names: string[]) {
  const r = await runCli(['doctor'], testEnv(dir, { PAPERBOY_LOG_LEVEL: 'error', ...env }), dir);
  const lines = r.stdout.split('\n');
  const pick = (wanted: string[]) =>
    lines.flatMap((l, i) => {
      const name = /^(?:ok|warn|FAIL) +(\S+)/.exec(l)?.[1];
      if (!name || !wanted.includes(name)) return [];
      const fix = lines[i + 1]?.startsWith(' ') ? [lines[i + 1] ?? ''] : [];
      return [l, ...fix];
    });
  const picked = pick(names);
  const bounces = pick(['bounces']);
  return {
    code: r.code,
    lines: picked,
    bounces,
    names: lines.map((l) => /^(?:ok|warn|FAIL) +(\S+)/.exec(l)?.[1]).filter(Boolean),
  };
}

/** A relay, the DNS server, the key keygen wrote: the settings of a sender that signs. */
function signing(sink: SmtpSink, dns: DnsServer, keyFile: string, extra: Record<string, string> = {}) {
  return {
    PAPERBOY_SMTP_URL: sink.url,
    PAPERBOY_DNS_SERVERS: dns.address,
    PAPERBOY_DKIM_DOMAIN: 'papers.example.org',
    PAPERBOY_DKIM_SELECTOR: 'pb1',
    PAPERBOY_DKIM_KEY: keyFile,
    ...extra,
  };
}

const FIX = `      ${''.padEnd(9)} → `;
const CHECKS = ['dkim-dns', 'spf', 'dmarc', 'ptr', 'dns'];

describe('doctor checks DNS', () => {
  it('passes the key keygen printed, SPF through include: for the sending address, DMARC and forward-confirmed reverse DNS', async () => {
    const { sink, dir } = await sinkAndFolder();
    const key = await keygen(dir);
    const dns = await dnsServer({
      'pb1._domainkey.papers.example.org': { TXT: [key.value] },
      'bounces.papers.example.org': {
        TXT: ['v=spf1 include:_spf.papers.example.org -all', 'google-site-verification=x'],
      },
      '_spf.papers.example.org': { TXT: ['v=spf1 mx:papers.example.org ip4:198.51.100.0/24 ip4:203.0.113.0/24 -all'] },
      'papers.example.org': { MX: ['mx.papers.example.org'] },
      'mx.papers.example.org': { A: ['192.0.2.1'] },
      '_dmarc.papers.example.org': { TXT: ['v=DMARC1; p=quarantine; rua=mailto:dmarc@papers.example.org'] },
      '5.113.0.203.in-addr.arpa': { PTR: ['mail.papers.example.org'] },
      'mail.papers.example.org': { A: ['203.0.113.5'] },
    });
    const env = signing(sink, dns, key.file, {
      PAPERBOY_SENDING_IP: '203.0.113.5',
      PAPERBOY_BOUNCE_DOMAIN: 'bounces.papers.example.org',
    });
    const r = await doctor(dir, env, CHECKS);
    expect(r.lines).toEqual([
      'ok    dkim-dns  pb1._domainkey.papers.example.org publishes the public key of PAPERBOY_DKIM_KEY',
      'ok    spf       bounces.papers.example.org lets 203.0.113.5 (PAPERBOY_SENDING_IP) send, by include:_spf.papers.example.org',
      'ok    dmarc     _dmarc.papers.example.org publishes policy p=quarantine',
      'ok    ptr       203.0.113.5 is mail.papers.example.org (PAPERBOY_SENDING_IP), which resolves back to it',
    ]);
    expect(r.code).toBe(0);
    // After the mail server (and, with a bounce domain, whether its mail is read), before the source.
    expect(r.names.slice(6)).toEqual(['mail', 'bounces', 'dkim-dns', 'spf', 'dmarc', 'ptr', 'source']);
    expect(r.bounces).toEqual([
      'warn  bounces   nothing reads the bounces (bounce+…@bounces.papers.example.org) and unsubscribe mails (unsubscribe+…@bounces.papers.example.org): no PAPERBOY_BOUNCE_MAILDIR',
      `${FIX}deliver mail for bounces.papers.example.org into a Maildir and set PAPERBOY_BOUNCE_MAILDIR to it (serve reads it every 5 minutes), or run paperboy bounces process --maildir DIR from cron`,
    ]);
    // The envelope domain's SPF was asked, then the include's, and the mx of it was looked at.
    expect(dns.questions).toContain('TXT _spf.papers.example.org');
    expect(dns.questions).toContain('MX papers.example.org');
  });

  it('says what to publish: the record keygen printed, an SPF record that adds the address, a DMARC record, reverse DNS', async () => {
    const { sink, dir } = await sinkAndFolder();
    const key = await keygen(dir);
    const dns = await dnsServer({
      'papers.example.org': { TXT: ['v=spf1 ip4:198.51.100.0/24 ~all'] },
      'mail.papers.example.org': { A: ['203.0.113.9'] },
      '5.113.0.203.in-addr.arpa': { PTR: ['mail.papers.example.org'] },
    });
    const env = signing(sink, dns, key.file, { PAPERBOY_SENDING_IP: '203.0.113.5' });
    const r = await doctor(dir, env, CHECKS);
    expect(r.lines).toEqual([
      'warn  dkim-dns  no DKIM key at pb1._domainkey.papers.example.org: receivers cannot verify the signatures',
      `${FIX}publish: ${key.record}`,
      'warn  spf       the SPF record at papers.example.org does not cover 203.0.113.5 (PAPERBOY_SENDING_IP): softfail',
      `${FIX}publish: papers.example.org. IN TXT "v=spf1 ip4:203.0.113.5 ip4:198.51.100.0/24 ~all" (a mail provider relaying on: its include: instead)`,
      'warn  dmarc     no DMARC record at _dmarc.papers.example.org: Gmail and Yahoo require one of bulk senders',
      `${FIX}publish: _dmarc.papers.example.org. IN TXT "v=DMARC1; p=none; rua=mailto:postmaster@papers.example.org"`,
      'warn  ptr       203.0.113.5 (PAPERBOY_SENDING_IP) is mail.papers.example.org in reverse DNS, which does not resolve back to 203.0.113.5',
      `${FIX}publish: mail.papers.example.org. IN A 203.0.113.5`,
    ]);
    // Warnings only: doctor still succeeds.
    expect(r.code).toBe(0);
  });

  it('fails a published key that is not the configured one; without PAPERBOY_SENDING_IP a relay on loopback is not evaluated', async () => {
    const { sink, dir } = await sinkAndFolder();
    const key = await keygen(dir);
    const other = makeDkimKey('papers.example.org', 'pb1');
    const dns = await dnsServer({
      'pb1._domainkey.papers.example.org': { TXT: [other.record.replace(/^.*?\( "|" \)$/g, '').replace(/" "/g, '')] },
      'papers.example.org': { TXT: ['v=spf1 a mx -all'] },
      // The organisational domain's DMARC record covers the subdomain.
      '_dmarc.example.org': { TXT: ['v=DMARC1; p=reject'] },
    });
    const r = await doctor(dir, signing(sink, dns, key.file), CHECKS);
    const why = 'the relay 127.0.0.1 is a private address, receivers see another: set PAPERBOY_SENDING_IP to check it';
    expect(r.lines).toEqual([
      "FAIL  dkim-dns  pb1._domainkey.papers.example.org publishes another key than PAPERBOY_DKIM_KEY's: every signature fails",
      `${FIX}publish: ${key.record} (or set PAPERBOY_DKIM_KEY to the key published there)`,
      `ok    spf       papers.example.org: "v=spf1 a mx -all"; not evaluated: ${why}`,
      "ok    dmarc     _dmarc.example.org publishes policy p=reject, the organisational domain's, for papers.example.org",
      `ok    ptr       not checked: ${why}`,
    ]);
    expect(r.code).toBe(1);
  });

  it('two SPF records are an error receivers see; a record that needs exists: is shown, not guessed', async () => {
    const { sink, dir } = await sinkAndFolder();
    const dns = await dnsServer({
      'papers.example.org': { TXT: ['v=spf1 ip4:203.0.113.5 -all', 'v=spf1 mx ~all'] },
      'bounces.papers.example.org': { TXT: ['v=spf1 include:_spf.papers.example.org -all'] },
      '_spf.papers.example.org': { TXT: ['v=spf1 exists:%{i}._ip.papers.example.org -all'] },
    });
    const env = { PAPERBOY_SMTP_URL: sink.url, PAPERBOY_DNS_SERVERS: dns.address, PAPERBOY_SENDING_IP: '203.0.113.5' };
    const two = await doctor(dir, env, ['spf']);
    expect(two.lines).toEqual([
      'warn  spf       2 SPF records at papers.example.org: receivers treat that as an error (permerror)',
      `${FIX}merge them into one v=spf1 TXT record at papers.example.org`,
    ]);
    const macro = await doctor(dir, { ...env, PAPERBOY_BOUNCE_DOMAIN: 'bounces.papers.example.org' }, ['spf']);
    expect(macro.lines).toEqual([
      'ok    spf       _spf.papers.example.org: "v=spf1 exists:%{i}._ip.papers.example.org -all"; not evaluated for 203.0.113.5: _spf.papers.example.org uses macros (exists:%{i}._ip.papers.example.org)',
    ]);
  });

  it('a DNS server that does not answer is one warning, not a hang or a crash; in outbox mode DNS is not asked', async () => {
    const { sink, dir } = await sinkAndFolder();
    const silent = await dnsServer({}, { silent: true });
    const env = {
      PAPERBOY_SMTP_URL: sink.url,
      PAPERBOY_DNS_SERVERS: silent.address,
      PAPERBOY_SENDING_IP: '203.0.113.5',
    };
    const r = await doctor(dir, env, CHECKS);
    expect(r.lines).toEqual([
      `warn  dns       no answer from ${silent.address} (ETIMEOUT): SPF, DMARC, PTR not checked`,
      `${FIX}check the network, or PAPERBOY_DNS_SERVERS`,
    ]);
    expect(r.code).toBe(0);
    // Asked, given up on, and not asked again for each record.
    expect(silent.questions.length).toBeGreaterThan(0);
    expect(silent.questions.length).toBeLessThanOrEqual(6);

    const outbox = await doctor(dir, { PAPERBOY_DNS_SERVERS: silent.address }, CHECKS);
    expect(outbox.lines).toEqual(['ok    dns       not checked: no PAPERBOY_SMTP_URL, nothing leaves this machine']);
  });
});
