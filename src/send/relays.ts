import { smtpTransport } from './smtp.js';
import type { Transport } from './transport.js';

/**
 * Several SMTP relays as one transport for a single sender (the SQLite store): each message goes to
 * the next relay in turn. On PostgreSQL each worker takes one relay instead (`relayFor`).
 */
export function relaysTransport(urls: readonly string[], opts: { pool: number }): Transport {
  const relays = urls.map((u) => smtpTransport(u, opts));
  const [only] = relays;
  if (relays.length === 1 && only) return only;
  let next = 0;
  return {
    kind: 'smtp',
    description: relays.map((r) => r.description).join(', '),
    send(message) {
      const relay = relays[next++ % relays.length] as Transport;
      return relay.send(message);
    },
    async verify() {
      for (const r of relays) await r.verify();
    },
    async close() {
      for (const r of relays) await r.close();
    },
  };
}

/** The relay of worker number `ordinal`: workers take the relays in turn. */
export function relayFor(urls: readonly string[], ordinal: number): string | undefined {
  return urls[ordinal % urls.length];
}
