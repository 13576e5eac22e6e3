/**
 * doctor's DNS checks: the DKIM key published for the configured one, SPF at the envelope sender's
 * domain for the sending host, a DMARC record for the From domain, reverse DNS of the sending host.
 * Each says what to publish when something is missing; a DNS outage is a warning.
 */
import { isIP } from 'node:net';
import type { Config } from '../config.js';
import { dkimPublicKey, dkimRecord } from '../dkim.js';
import { isPaperboyError } from '../errors.js';
import type { DnsLookups } from './dns-lookups.js';
import type { Check } from './doctor-check.js';
import { checkSpf, spfRecord } from './spf.js';

/** The addresses receivers see mail come from, and what they are; or why they are unknown. */
type SendingHost = { ips: string[]; label: string } | { ips: null; why: string };

const PRIVATE = /^(127\.|10\.|192\.168\.|169\.254\.|172\.(1[6-9]|2\d|3[01])\.|::1$|f[cd]|fe80:)/i;

async function sendingHost(config: Config, dns: DnsLookups): Promise<SendingHost> {
  if (config.sendingIp) return { ips: [config.sendingIp], label: 'PAPERBOY_SENDING_IP' };
  const host = new URL(config.smtpUrl ?? '').hostname.replace(/^\[|\]$/g, '');
  const ips = isIP(host) ? [host] : await dns.a(host);
  if (ips.length === 0) return { ips: null, why: `the relay ${host} has no address in DNS` };
  if (ips.every((ip) => PRIVATE.test(ip))) {
    return {
      ips: null,
      why: `the relay ${host} is a private address, receivers see another: set PAPERBOY_SENDING_IP to check it`,
    };
  }
  return { ips, label: isIP(host) ? 'the relay' : `the relay ${host}` };
}

async function dkimCheck(dkim: NonNullable<Config['dkim']>, dns: DnsLookups): Promise<Check> {
  const expected = dkimPublicKey(dkim.privateKey);
  const { name, record } = dkimRecord(dkim.domain, dkim.selector, expected);
  const publish = `publish: ${record}`;
  const keys = (await dns.txt(name)).flatMap((t) => {
    const p = /(?:^|;)\s*p=([^;]*)/i.exec(t);
    return p ? [(p[1] ?? '').replace(/\s+/g, '')] : [];
  });
  if (keys.length === 0) {
    return {
      name: 'dkim-dns',
      status: 'warn',
      detail: `no DKIM key at ${name}: receivers cannot verify the signatures`,
      fix: publish,
    };
  }
  if (keys.includes(expected)) {
    return { name: 'dkim-dns', status: 'ok', detail: `${name} publishes the public key of PAPERBOY_DKIM_KEY` };
  }
  return {
    name: 'dkim-dns',
    status: 'fail',
    detail: keys.every((k) => k === '')
      ? `the key at ${name} is revoked (empty p=): every signature fails`
      : `${name} publishes another key than PAPERBOY_DKIM_KEY's: every signature fails`,
    fix: `${publish} (or set PAPERBOY_DKIM_KEY to the key published there)`,
  };
}

/** `ip4:1.2.3.4` or `ip6:…` put first into `record`: the record that lets `ip` send as well. */
function withAddress(record: string, ip: string): string {
  return record.replace(/^v=spf1/i, `v=spf1 ip${isIP(ip)}:${ip}`);
}

async function spfCheck(config: Config, host: SendingHost, dns: DnsLookups): Promise<Check> {
  const domain = config.bounceDomain ?? config.from.domain;
  const role = config.bounceDomain ? 'PAPERBOY_BOUNCE_DOMAIN' : 'the From domain';
  const sample = host.ips ? `ip${isIP(host.ips[0] ?? '')}:${host.ips[0]}` : 'ip4:YOUR.SENDING.ADDRESS';
  const missing: Check = {
    name: 'spf',
    status: 'warn',
    detail: `no SPF record (v=spf1) at ${domain} (${role}, the envelope sender's)`,
    fix: `publish: ${domain}. IN TXT "v=spf1 ${sample} ~all"`,
  };
  if (!host.ips) {
    const record = await spfRecord(dns, domain);
    if (record === null) return missing;
    if (Array.isArray(record)) return severalSpf(domain, record.length);
    return { name: 'spf', status: 'ok', detail: `${domain}: "${record}"; not evaluated: ${host.why}` };
  }
  const terms = new Set<string>();
  for (const ip of host.ips) {
    const r = await checkSpf(dns, ip, domain);
    if (r.result === 'pass' && r.term) terms.add(r.term);
    if (r.result === 'none') return missing;
    if (r.result === 'permerror') {
      const several = r.record === null ? /^(\d+) SPF records at (\S+)$/.exec(r.reason) : null;
      if (several) return severalSpf(several[2] ?? domain, Number(several[1]));
      return {
        name: 'spf',
        status: 'warn',
        detail: `the SPF record at ${domain} is broken (${r.reason}): receivers treat it as an error`,
        fix: 'fix the record: one v=spf1 record, at most 10 DNS lookups, every include: with a record of its own',
      };
    }
    if (r.result === 'unknown') {
      return { name: 'spf', status: 'ok', detail: `${r.domain}: "${r.record}"; not evaluated for ${ip}: ${r.reason}` };
    }
    if (r.result !== 'pass') {
      const record = await spfRecord(dns, domain);
      return {
        name: 'spf',
        status: 'warn',
        detail: `the SPF record at ${domain} does not cover ${ip} (${host.label}): ${r.result}`,
        fix:
          typeof record === 'string'
            ? `publish: ${domain}. IN TXT "${withAddress(record, ip)}" (a mail provider relaying on: its include: instead)`
            : missing.fix,
      };
    }
  }
  return {
    name: 'spf',
    status: 'ok',
    detail: `${domain} lets ${host.ips.join(', ')} (${host.label}) send, by ${[...terms].join(', ')}`,
  };
}

function severalSpf(domain: string, n: number): Check {
  return {
    name: 'spf',
    status: 'warn',
    detail: `${n} SPF records at ${domain}: receivers treat that as an error (permerror)`,
    fix: `merge them into one v=spf1 TXT record at ${domain}`,
  };
}

async function dmarcCheck(domain: string, dns: DnsLookups): Promise<Check> {
  // The From domain's own record, else its organisational domain's (the last two labels: a
  // simplification of the public suffix list that is right for most domains).
  const labels = domain.split('.');
  const candidates = labels.length > 2 ? [domain, labels.slice(-2).join('.')] : [domain];
  for (const d of candidates) {
    const records = (await dns.txt(`_dmarc.${d}`)).filter((t) => /^v=DMARC1\s*(;|$)/i.test(t));
    if (records.length > 1) {
      return {
        name: 'dmarc',
        status: 'warn',
        detail: `${records.length} DMARC records at _dmarc.${d}: receivers ignore them all`,
        fix: `keep one v=DMARC1 TXT record at _dmarc.${d}`,
      };
    }
    const [record] = records;
    if (record) {
      const policy = /(?:^|;)\s*p=\s*([a-z]+)/i.exec(record)?.[1]?.toLowerCase() ?? '(none given)';
      const whose = d === domain ? '' : `, the organisational domain's, for ${domain}`;
      return { name: 'dmarc', status: 'ok', detail: `_dmarc.${d} publishes policy p=${policy}${whose}` };
    }
  }
  return {
    name: 'dmarc',
    status: 'warn',
    detail: `no DMARC record at _dmarc.${domain}: Gmail and Yahoo require one of bulk senders`,
    fix: `publish: _dmarc.${domain}. IN TXT "v=DMARC1; p=none; rua=mailto:postmaster@${domain}"`,
  };
}

async function ptrCheck(config: Config, host: SendingHost, dns: DnsLookups): Promise<Check> {
  if (!host.ips) return { name: 'ptr', status: 'ok', detail: `not checked: ${host.why}` };
  const named: string[] = [];
  for (const ip of host.ips) {
    const names = await dns.ptr(ip);
    if (names.length === 0) {
      return {
        name: 'ptr',
        status: 'warn',
        detail: `${ip} (${host.label}) has no PTR record: receivers distrust a host without reverse DNS`,
        fix: `ask whoever runs ${ip} (the hosting provider) to name it in reverse DNS, e.g. mail.${config.from.domain}, a name that resolves back to ${ip}`,
      };
    }
    let back: string | undefined;
    for (const name of names) {
      const forward = isIP(ip) === 6 ? await dns.aaaa(name) : await dns.a(name);
      if (forward.includes(ip)) {
        back = name;
        break;
      }
    }
    if (!back) {
      const [name] = names;
      return {
        name: 'ptr',
        status: 'warn',
        detail: `${ip} (${host.label}) is ${names.join(', ')} in reverse DNS, which does not resolve back to ${ip}`,
        fix: `publish: ${name}. IN ${isIP(ip) === 6 ? 'AAAA' : 'A'} ${ip}`,
      };
    }
    named.push(`${ip} is ${back}`);
  }
  return { name: 'ptr', status: 'ok', detail: `${named.join(', ')} (${host.label}), which resolves back to it` };
}

/** The DNS checks in order; one `dns` line when mail stays here or the DNS servers do not answer. */
export async function dnsChecks(config: Config, dns: DnsLookups): Promise<Check[]> {
  if (!config.smtpUrl) {
    return [{ name: 'dns', status: 'ok', detail: 'not checked: no PAPERBOY_SMTP_URL, nothing leaves this machine' }];
  }
  const dkim = config.dkim;
  const names = [...(dkim ? ['dkim-dns'] : []), 'spf', 'dmarc', 'ptr'];
  /** One line for the checks the DNS servers did not answer for. */
  const unanswered = (err: unknown, which: string[]): Check => {
    if (!isPaperboyError(err, 'EDNS')) throw err;
    const what = which.map((n) => n.replace('-dns', '').toUpperCase()).join(', ');
    return { name: 'dns', status: 'warn', detail: `${err.message}: ${what} not checked`, fix: err.hint ?? '' };
  };
  let host: SendingHost;
  try {
    host = await sendingHost(config, dns);
  } catch (err) {
    return [unanswered(err, names)];
  }
  const results = await Promise.allSettled([
    ...(dkim ? [dkimCheck(dkim, dns)] : []),
    spfCheck(config, host, dns),
    dmarcCheck(config.from.domain, dns),
    ptrCheck(config, host, dns),
  ]);
  const answered = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ err: r.reason, name: names[i] ?? '' }] : []));
  // A server that stops answering fails every later question: one line for them, not one each.
  const [first] = failed;
  return first
    ? [
        ...answered,
        unanswered(
          first.err,
          failed.map((f) => f.name),
        ),
      ]
    : answered;
}
