import type { MiddlewareHandler } from 'hono';
import { STYLE_SOURCE } from './layout.js';

/**
 * paperboy's own pages: their one inline <style>, frames of this origin, forms to it; never framed;
 * no script, but for a page that names its one inline script (the sign-up page's zone filler).
 */
export function pageCsp(scriptSource: string | null = null): string {
  const script = scriptSource ? `script-src ${scriptSource}; ` : '';
  return `default-src 'none'; ${script}style-src ${STYLE_SOURCE}; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;
}
const PAGE_CSP = pageCsp();

/** Email HTML is shown as it is, but may run nothing and load nothing but images. */
const EMAIL =
  "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; font-src https:; base-uri 'none'; form-action 'none'";
/** A message of the outbox, opened on its own. */
export const EMAIL_CSP = `${EMAIL}; frame-ancestors 'none'`;
/** Email HTML that paperboy's own pages frame: the web version (home page) and the admin preview. */
export const FRAMED_EMAIL_CSP = `${EMAIL}; frame-ancestors 'self'`;

/**
 * On every response: a CSP (the page one unless the route set the email one), nosniff, and no
 * Referer, so a link followed from a page whose URL holds a token (/u/, /p/, /confirm/) leaks nothing.
 */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  const h = c.res.headers;
  if (!h.has('content-security-policy')) h.set('Content-Security-Policy', PAGE_CSP);
  h.set('X-Content-Type-Options', 'nosniff');
  h.set('Referrer-Policy', 'no-referrer');
};
