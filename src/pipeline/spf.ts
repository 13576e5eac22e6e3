/**
 * A small SPF evaluator (RFC 7208) for doctor: does a domain's record let an address send? It
 * evaluates `all`, `ip4:`, `ip6:`, `a`, `mx`, `include:` and `redirect=`, with their CIDR lengths
 * and qualifiers and the limit of 10 lookups; a record that needs `exists:`, `ptr` or macros is
 * `unknown` (not evaluated), not guessed.
 */
import { BlockList, isIP } from 'node:net';
import type { DnsLookups } from './dns-lookups.js';

export type SpfResult =
  | { result: 'pass' | 'fail' | 'softfail' | 'neutral'; record: string; domain: string; term: string | null }
  | { result: 'none' | 'permerror' | 'unknown'; record: string | null; domain: string; reason: string };

const QUALIFIER = { '+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral' } as const;
const LOOKUP_LIMIT = 10;

/** The one `v=spf1` record of `domain`: null when none, an array when several (an error). */
export async function spfRecord(dns: DnsLookups, domain: string): Promise<string | null | string[]> {
  const records = (await dns.txt(domain)).filter((t) => /^v=spf1(\s|$)/i.test(t));
  if (records.length === 0) return null;
  return records.length === 1 ? (records[0] ?? null) : records;
}

function inNetwork(ip: string, net: string, prefix: number | null): boolean {
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (isIP(net) !== isIP(ip)) return false;
  const list = new BlockList();
  try {
    list.addSubnet(net, prefix ?? (family === 'ipv6' ? 128 : 32), family);
  } catch {
    return false; // a prefix out of range: the term matches nothing
  }
  return list.check(ip, family);
}

/** `name:arg/24//64` → its parts; null for a term this evaluator does not take. */
function parseTerm(term: string) {
  const m = /^([+\-~?]?)([a-z0-9]+)(?::([^/]+))?(?:\/(\d+))?(?:\/\/(\d+))?$/i.exec(term);
  if (!m) return null;
  const [, q, name, arg, cidr4, cidr6] = m;
  return {
    qualifier: QUALIFIER[(q || '+') as keyof typeof QUALIFIER],
    name: (name ?? '').toLowerCase(),
    arg: arg ?? null,
    cidr4: cidr4 === undefined ? null : Number(cidr4),
    cidr6: cidr6 === undefined ? null : Number(cidr6),
  };
}

/**
 * Why a record's terms are not valid SPF, or null: a syntax error anywhere makes the whole record a
 * permerror (RFC 7208 §4.6), even when an earlier term would have matched.
 */
function syntaxError(terms: readonly string[]): string | null {
  let redirects = 0;
  for (const term of terms) {
    const modifier = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(term);
    if (modifier) {
      if (modifier[1]?.toLowerCase() === 'redirect' && ++redirects > 1) return 'redirect= given twice';
      continue;
    }
    const t = parseTerm(term);
    if (!t) return `"${term}" is not an SPF term`;
    const bad = `"${term}" is not a valid ${t.name} term`;
    if (t.name === 'all' && (t.arg !== null || t.cidr4 !== null || t.cidr6 !== null)) return bad;
    if (t.name === 'ip4' && (t.arg === null || isIP(t.arg) !== 4 || (t.cidr4 ?? 0) > 32 || t.cidr6 !== null))
      return bad;
    if (t.name === 'ip6' && (t.arg === null || isIP(t.arg) !== 6 || (t.cidr4 ?? 0) > 128 || t.cidr6 !== null))
      return bad;
    if ((t.name === 'a' || t.name === 'mx') && ((t.cidr4 ?? 0) > 32 || (t.cidr6 ?? 0) > 128)) return bad;
  }
  return null;
}

/** Evaluates the SPF record of `domain` for `ip`. */
export async function checkSpf(dns: DnsLookups, ip: string, domain: string): Promise<SpfResult> {
  return evaluate(dns, ip, domain, { lookups: 0, voids: 0 });
}

/** Lookups that found nothing (RFC 7208 §4.6.4): more than two make the record a permerror. */
const VOID_LIMIT = 2;

async function evaluate(
  dns: DnsLookups,
  ip: string,
  domain: string,
  count: { lookups: number; voids: number },
): Promise<SpfResult> {
  const found = await spfRecord(dns, domain);
  if (found === null) return { result: 'none', record: null, domain, reason: `no SPF record at ${domain}` };
  if (Array.isArray(found)) {
    return { result: 'permerror', record: null, domain, reason: `${found.length} SPF records at ${domain}` };
  }
  const record = found;
  const stop = (result: 'permerror' | 'unknown', reason: string): SpfResult => ({ result, record, domain, reason });
  const v6 = isIP(ip) === 6;
  let redirect: string | null = null;
  const terms = record
    .split(/\s+/)
    .slice(1)
    .filter((t) => t !== '');
  const syntax = syntaxError(terms.filter((t) => !t.includes('%{')));
  if (syntax) return stop('permerror', `${domain}: ${syntax}`);
  for (const term of terms) {
    if (term.includes('%{')) return stop('unknown', `${domain} uses macros (${term})`);
    const modifier = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(term);
    if (modifier) {
      if (modifier[1]?.toLowerCase() === 'redirect') redirect = modifier[2] ?? null;
      continue;
    }
    const t = parseTerm(term);
    if (!t) return stop('permerror', `${domain}: "${term}" is not an SPF term`);
    const prefix = v6 ? t.cidr6 : t.cidr4;
    let match = false;
    if (t.name === 'all') match = true;
    // ip4:/ip6: take one prefix length (`/n`); a and mx take `/n` for IPv4 and `//n` for IPv6.
    else if (t.name === 'ip4' || t.name === 'ip6') match = t.arg !== null && inNetwork(ip, t.arg, t.cidr4);
    else if (t.name === 'a' || t.name === 'mx' || t.name === 'include') {
      if (++count.lookups > LOOKUP_LIMIT) return stop('permerror', `more than ${LOOKUP_LIMIT} DNS lookups`);
      const target = t.arg ?? domain;
      if (t.name === 'include') {
        const inner = await evaluate(dns, ip, target, count);
        if (inner.result === 'none') return stop('permerror', `include:${target} has no SPF record`);
        if (inner.result === 'permerror' || inner.result === 'unknown') return inner;
        match = inner.result === 'pass';
      } else {
        const hosts = t.name === 'a' ? [target] : await dns.mx(target);
        if (hosts.length > 10) return stop('permerror', `mx:${target} has ${hosts.length} MX records (10 at most)`);
        if (hosts.length === 0 && ++count.voids > VOID_LIMIT) {
          return stop('permerror', `more than ${VOID_LIMIT} lookups found nothing`);
        }
        for (const host of hosts) {
          const addresses = v6 ? await dns.aaaa(host) : await dns.a(host);
          if (addresses.length === 0 && ++count.voids > VOID_LIMIT) {
            return stop('permerror', `more than ${VOID_LIMIT} lookups found nothing`);
          }
          if (addresses.some((a) => inNetwork(ip, a, prefix))) match = true;
        }
      }
    } else return stop('unknown', `${domain} uses ${t.name}`);
    if (match) return { result: t.qualifier, record, domain, term };
  }
  if (redirect) {
    if (++count.lookups > LOOKUP_LIMIT) return stop('permerror', `more than ${LOOKUP_LIMIT} DNS lookups`);
    const inner = await evaluate(dns, ip, redirect, count);
    return inner.result === 'none' ? stop('permerror', `redirect=${redirect} has no SPF record`) : inner;
  }
  return { result: 'neutral', record, domain, term: null };
}
