import { describe, expect, it } from 'vitest';
import type { DnsLookups } from '../../src/pipeline/dns-lookups.js';
import { reverseName } from '../../src/pipeline/dns-lookups.js';
import { checkSpf } from '../../src/pipeline/spf.js';

/** The evaluator's logic over a table of records (doctor-dns.test.ts asks a real DNS server). */
function zone(txt: Record<string, string[]>, a: Record<string, string[]> = {}, mx: Record<string, string[]> = {}) {
  const dns: DnsLookups = {
    servers: 'a table',
    txt: async (n) => txt[n] ?? [],
    a: async (n) => a[n] ?? [],
    aaaa: async (n) => a[n]?.filter((x) => x.includes(':')) ?? [],
    mx: async (n) => mx[n] ?? [],
    ptr: async () => [],
  };
  return { dns };
}

describe('SPF', () => {
  it('matches ip4 and ip6 networks, a and mx with a prefix, and follows include: and redirect=', async () => {
    const { dns } = zone(
      {
        'example.org': ['v=spf1 ip6:2001:db8::/32 a/30 include:_a.example.org redirect=_b.example.org'],
        '_a.example.org': ['v=spf1 mx:example.net -all'],
        '_b.example.org': ['v=spf1 ip4:192.0.2.0/24 ~all'],
      },
      { 'example.org': ['198.51.100.4'], 'mx.example.net': ['203.0.113.7'] },
      { 'example.net': ['mx.example.net'] },
    );
    const r = (ip: string) => checkSpf(dns, ip, 'example.org').then((x) => [x.result, 'term' in x ? x.term : x.reason]);
    expect(await r('2001:db8::25')).toEqual(['pass', 'ip6:2001:db8::/32']);
    expect(await r('198.51.100.7')).toEqual(['pass', 'a/30']);
    expect(await r('203.0.113.7')).toEqual(['pass', 'include:_a.example.org']);
    // Not in the include (its -all is its own "no match"): on to redirect=, whose ~all decides.
    expect(await r('192.0.2.9')).toEqual(['pass', 'ip4:192.0.2.0/24']);
    expect(await r('198.51.100.8')).toEqual(['softfail', '~all']);
  });

  it('says none, permerror and unknown rather than guess', async () => {
    const { dns } = zone({
      'two.example': ['v=spf1 -all', 'v=spf1 +all'],
      'loop.example': ['v=spf1 include:loop.example'],
      'exists.example': ['v=spf1 exists:%{i}.bl.example -all'],
      'ptr.example': ['v=spf1 ptr -all'],
      'neutral.example': ['v=spf1 ip4:192.0.2.1'],
      'inc.example': ['v=spf1 include:none.example -all'],
    });
    const r = (d: string) => checkSpf(dns, '192.0.2.9', d).then((x) => [x.result, 'reason' in x ? x.reason : x.term]);
    expect(await r('none.example')).toEqual(['none', 'no SPF record at none.example']);
    expect(await r('two.example')).toEqual(['permerror', '2 SPF records at two.example']);
    expect(await r('loop.example')).toEqual(['permerror', 'more than 10 DNS lookups']);
    expect(await r('exists.example')).toEqual(['unknown', 'exists.example uses macros (exists:%{i}.bl.example)']);
    expect(await r('ptr.example')).toEqual(['unknown', 'ptr.example uses ptr']);
    expect(await r('neutral.example')).toEqual(['neutral', null]);
    expect(await r('inc.example')).toEqual(['permerror', 'include:none.example has no SPF record']);
  });

  it('says permerror for a record receivers refuse, even when a term before the error matches', async () => {
    const mxs = Array.from({ length: 11 }, (_, i) => `mx${i}.example.net`);
    const { dns } = zone(
      {
        'voids.example': ['v=spf1 a:n1.example a:n2.example a:n3.example ip4:203.0.113.5 -all'],
        'two-voids.example': ['v=spf1 a:n1.example a:n2.example ip4:203.0.113.5 -all'],
        'cidr.example': ['v=spf1 ip4:203.0.113.5/33 ip4:203.0.113.0/24 -all'],
        'short.example': ['v=spf1 ip4:203.0.113.5 ip4:203.0.113 -all'],
        'v6-in-v4.example': ['v=spf1 ip4:2001:db8::1 -all'],
        'redirects.example': ['v=spf1 redirect=a.example redirect=b.example'],
        'mx11.example': ['v=spf1 mx -all'],
      },
      {},
      { 'mx11.example': mxs },
    );
    const r = (d: string) => checkSpf(dns, '203.0.113.5', d).then((x) => [x.result, 'reason' in x ? x.reason : x.term]);
    expect(await r('voids.example')).toEqual(['permerror', 'more than 2 lookups found nothing']);
    // Two void lookups are allowed.
    expect(await r('two-voids.example')).toEqual(['pass', 'ip4:203.0.113.5']);
    expect(await r('cidr.example')).toEqual([
      'permerror',
      'cidr.example: "ip4:203.0.113.5/33" is not a valid ip4 term',
    ]);
    expect(await r('short.example')).toEqual(['permerror', 'short.example: "ip4:203.0.113" is not a valid ip4 term']);
    expect(await r('v6-in-v4.example')).toEqual([
      'permerror',
      'v6-in-v4.example: "ip4:2001:db8::1" is not a valid ip4 term',
    ]);
    expect(await r('redirects.example')).toEqual(['permerror', 'redirects.example: redirect= given twice']);
    expect(await r('mx11.example')).toEqual(['permerror', 'mx:mx11.example has 11 MX records (10 at most)']);
  });

  it('names addresses for reverse DNS', () => {
    expect(reverseName('203.0.113.5')).toBe('5.113.0.203.in-addr.arpa');
    expect(reverseName('2001:db8::1')).toBe(`1.0.0.0.${'0.'.repeat(20)}8.b.d.0.1.0.0.2.ip6.arpa`);
  });
});
