import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** The socket's peer address; '' when the app is called without a socket. */
export function socketAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? '';
  } catch {
    return '';
  }
}

/**
 * The client's address, for rate limits: behind a trusted proxy the last X-Forwarded-For entry
 * (the address the nearest proxy saw; earlier entries are the client's to forge), else the socket's.
 */
export function clientIp(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  return socketAddress(c) || 'unknown';
}

const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The Host the client asked for, lower-cased, with its port if any; '' when it is not a host name. */
export function requestHost(c: Context): string {
  const host = (c.req.header('host') ?? new URL(c.req.url).host).toLowerCase();
  return /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(host) ? host : '';
}

function hostname(host: string): string {
  return host.replace(/:\d+$/, '');
}

/** A Host naming this machine: localhost, 127.0.0.1 or [::1], any port. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(hostname(host));
}

/**
 * A client on this machine talking to paperboy itself: a loopback socket, no header a proxy adds
 * (a proxy on this machine makes every request loopback) and a loopback Host.
 */
export function isDirectLoopback(c: Context): boolean {
  return (
    LOOPBACK_ADDRESSES.has(socketAddress(c)) &&
    c.req.header('x-forwarded-for') === undefined &&
    c.req.header('forwarded') === undefined &&
    c.req.header('x-real-ip') === undefined &&
    isLoopbackHost(requestHost(c))
  );
}
