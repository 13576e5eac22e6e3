import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { smtpTransport } from './smtp.js';
import { classifyFailure, failureText } from './smtp-reply.js';
import type { SmtpError, Transport } from './transport.js';

/** How long a relay that failed is left out before it is tried again; doubled while it keeps failing. */
export const RELAY_COOL_DOWN_MS = 30_000;
const MAX_COOL_DOWN_MS = 300_000;

interface Relay {
  transport: Transport;
  /** Left out of the turn until this time (ms since the epoch); 0: in the turn. */
  downUntil: number;
  /** Failures in a row (the cool-down doubles with each). */
  failures: number;
}

export interface RelaysOptions {
  pool: number;
  /** The host name given in EHLO (PAPERBOY_SMTP_NAME). */
  name?: string;
  /** Messages per SMTP connection (PAPERBOY_SMTP_MAX_MESSAGES). */
  maxMessages?: number;
  /** Connection, greeting and socket timeouts; nodemailer's 30 s / 60 s when unset. */
  timeoutMs?: number;
  log?: Logger;
  /**
   * `turns` (one sender on SQLite): each message goes to the next relay in turn. `primary` (a
   * worker of the cluster): the first relay takes every message, the others only while it is out.
   */
  order?: 'turns' | 'primary';
  /** The clock (tests). */
  now?: () => number;
}

/** The relays' options every sending process takes from the settings: the worker's transport is the main one's. */
export function relaysSettings(
  config: Pick<Config, 'smtpPool' | 'smtpMaxMessages' | 'smtpName'>,
): Pick<RelaysOptions, 'pool' | 'maxMessages' | 'name'> {
  return { pool: config.smtpPool, maxMessages: config.smtpMaxMessages, name: config.smtpName };
}

/**
 * Several SMTP relays as one transport. A relay that does not answer or refuses the session (login,
 * sender: a `connection` or `refused` failure) is left out for a cool-down and the message goes to
 * the next one at once, so one relay down does not stop a send the others can carry. A message a
 * relay refuses for policy (a `rejected` failure, e.g. 554 5.7.1 Relay access denied) is offered to
 * the next relay too, and the relay is left out when another takes it. A refusal of the address
 * (5.1.1) is passed on as it is. Only when every relay failed for a message does its error reach
 * the send loop (retries, then the send stops).
 */
export function relaysTransport(urls: readonly string[], opts: RelaysOptions): Transport {
  const transports = urls.map((u) => smtpTransport(u, opts));
  const [only] = transports;
  if (transports.length === 1 && only) return only;
  return relaysOf(transports, opts);
}

/** The failover logic over any transports (exported for tests with transports of their own). */
export function relaysOf(
  transports: readonly Transport[],
  opts: Pick<RelaysOptions, 'log' | 'order' | 'now'>,
): Transport {
  const relays: Relay[] = transports.map((transport) => ({ transport, downUntil: 0, failures: 0 }));
  const now = opts.now ?? Date.now;
  const order = opts.order ?? 'turns';
  let next = 0;

  /** The relay for this attempt: the first in the turn that is in and untried; if none is in, the untried one back soonest. */
  const pick = (tried: ReadonlySet<Relay>): Relay | undefined => {
    const start = order === 'turns' ? next++ % relays.length : 0;
    const t = now();
    let soonest: Relay | undefined;
    for (let i = 0; i < relays.length; i++) {
      const r = relays[(start + i) % relays.length] as Relay;
      if (tried.has(r)) continue;
      if (r.downUntil <= t) return r;
      if (!soonest || r.downUntil < soonest.downUntil) soonest = r;
    }
    return soonest;
  };

  const leaveOut = (r: Relay, err: SmtpError) => {
    r.failures++;
    const ms = Math.min(RELAY_COOL_DOWN_MS * 2 ** (r.failures - 1), MAX_COOL_DOWN_MS);
    const wasIn = r.downUntil <= now();
    r.downUntil = now() + ms;
    if (wasIn) {
      opts.log?.warn(
        { event: 'relay.out', relay: r.transport.description, reply: failureText(err), seconds: ms / 1000 },
        `${r.transport.description} failed (${failureText(err)}): the other relays take its messages for ${ms / 1000} s`,
      );
    }
  };

  return {
    kind: 'smtp',
    description: relays.map((r) => r.transport.description).join(', '),
    async send(message) {
      const tried = new Set<Relay>();
      /** Relays that refused this message itself (a `rejected` failure): left out if another takes it. */
      const refusedIt: { relay: Relay; err: SmtpError }[] = [];
      let last: unknown;
      for (let r = pick(tried); r; r = pick(tried)) {
        tried.add(r);
        try {
          const result = await r.transport.send(message);
          for (const f of refusedIt) leaveOut(f.relay, f.err);
          if (r.failures > 0) {
            opts.log?.info(
              { event: 'relay.in', relay: r.transport.description },
              `${r.transport.description} takes messages again`,
            );
          }
          r.failures = 0;
          r.downUntil = 0;
          return result;
        } catch (err) {
          const kind = classifyFailure(err as SmtpError);
          if (kind === 'rejected') refusedIt.push({ relay: r, err: err as SmtpError });
          else if (kind === 'connection' || kind === 'refused') leaveOut(r, err as SmtpError);
          else throw err;
          last = err;
        }
      }
      throw last;
    },
    async verify() {
      for (const r of relays) await r.transport.verify();
    },
    async close() {
      for (const r of relays) await r.transport.close();
    },
  };
}

/** The relays of worker number `ordinal`, its own first: workers take the relays in turn, the rest stand by. */
export function relaysFor(urls: readonly string[], ordinal: number): string[] {
  const start = ordinal % urls.length;
  return [...urls.slice(start), ...urls.slice(0, start)];
}
