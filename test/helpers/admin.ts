import { expect } from 'vitest';
import { rawRequest } from './raw-http.js';

export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

/** The connection a client at `address` would have: the third argument of `app.request()`. */
export function fromAddress(address: string) {
  return { incoming: { socket: { remoteAddress: address, remotePort: 50000, remoteFamily: 'IPv4' } } };
}

/** Logs in with the admin token over HTTP and returns the session cookie (`pb_admin=…`). */
export async function adminLogin(base: string, token = ADMIN_TOKEN, headers: Record<string, string> = {}) {
  const res = await rawRequest(base, {
    method: 'POST',
    path: '/admin/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ token, next: '/admin' }).toString(),
  });
  expect(res.status).toBe(303);
  const cookie = String(res.headers['set-cookie'] ?? '');
  return cookie.split(';')[0] ?? '';
}

/** The CSRF token of the forms on an admin page. */
export function csrfOf(page: string): string {
  return /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
}
