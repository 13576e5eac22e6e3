import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { PaperboyError } from '../errors.js';

/**
 * The DNS questions doctor asks. A name that does not exist or has no record of the type gives
 * `[]`; a server that does not answer (timeout, refused, failure) throws an EDNS error.
 */
export interface DnsLookups {
  /** The TXT records, each record's strings joined. */
  txt(name: string): Promise<string[]>;
  a(name: string): Promise<string[]>;
  aaaa(name: string): Promise<string[]>;
  /** The mail exchangers' host names. */
  mx(name: string): Promise<string[]>;
  /** The names of an IP address (reverse DNS). */
  ptr(ip: string): Promise<string[]>;
  /** Who answers: `the system's resolver` or the servers of PAPERBOY_DNS_SERVERS. */
  readonly servers: string;
}

/** `5.113.0.203.in-addr.arpa` for 203.0.113.5; the nibbles under ip6.arpa for an IPv6 address. */
export function reverseName(ip: string): string {
  if (isIP(ip) === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const [head = '', tail = ''] = ip.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = [...groups(head), ...Array<string>(ip.includes('::') ? missing : 0).fill('0'), ...groups(tail)];
  return `${[...all.map((g) => g.padStart(4, '0')).join('')].reverse().join('.')}.ip6.arpa`;
}

/** Answers that mean "no such record", not "no answer". */
const NO_RECORD = new Set(['ENOTFOUND', 'ENODATA', 'ENONAME']);

/**
 * Lookups through node's resolver (c-ares): `servers` (PAPERBOY_DNS_SERVERS) or the system's, each
 * query given up after `timeoutMs` (two tries). Once a server has not answered, the later questions
 * fail at once: doctor says the DNS is out instead of waiting for every question.
 */
export function dnsLookups(servers: string[] | null, timeoutMs: number): DnsLookups {
  const resolver = new Resolver({ timeout: Math.ceil(timeoutMs / 3), tries: 2 });
  if (servers) resolver.setServers(servers);
  const who = servers ? servers.join(', ') : "the system's resolver";
  let out: PaperboyError | null = null;
  const ask = async <T>(question: () => Promise<T[]>): Promise<T[]> => {
    if (out) throw out;
    try {
      return await question();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      if (NO_RECORD.has(code)) return [];
      out = new PaperboyError('EDNS', `no answer from ${who} (${code})`, {
        hint: 'check the network, or PAPERBOY_DNS_SERVERS',
      });
      throw out;
    }
  };
  return {
    servers: who,
    txt: (name) => ask(async () => (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''))),
    a: (name) => ask(() => resolver.resolve4(name)),
    aaaa: (name) => ask(() => resolver.resolve6(name)),
    mx: (name) => ask(async () => (await resolver.resolveMx(name)).map((m) => m.exchange)),
    // A PTR query, not resolver.reverse(): that one says ENOTFOUND for a server that does not answer.
    ptr: (ip) => ask(() => resolver.resolvePtr(reverseName(ip))),
  };
}
