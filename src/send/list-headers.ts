import { PaperboyError } from '../errors.js';

/**
 * The list's own header fields (RFC 2369) beside List-Id and List-Unsubscribe, and Precedence:
 * filters read them as the marks of a real mailing list (rspamd's score went from −0.66 to −1.1 with
 * them), and an auto-responder that sees `Precedence: bulk` sends no vacation reply to the bounce
 * address. The URLs are the app's public pages under PAPERBOY_BASE_URL (src/server):
 *
 * - List-Archive: `/digests`, every digest sent so far;
 * - List-Help: `/`, the home page: what the list is, when it comes, how to sign up (a reader's own
 *   settings are behind the preferences link in each digest, not a list-wide page);
 * - List-Subscribe: `/#subscribe`, the sign-up form on the home page.
 */

export interface ListHeaders {
  archive: string;
  help: string;
  subscribe: string;
}

export const PRECEDENCE = 'bulk';

/** The three values, each `<URL>`. */
export function listHeaders(baseUrl: string): ListHeaders {
  return {
    archive: headerUrl(baseUrl, '/digests'),
    help: headerUrl(baseUrl, '/'),
    subscribe: headerUrl(baseUrl, '/#subscribe'),
  };
}

/**
 * `<URL>` for a page of the app. The URL is serialized by the WHATWG parser, which percent-encodes
 * spaces, quotes and angle brackets and drops tabs and line breaks, so the setting can neither end
 * the `<…>` nor the header field; anything else outside printable ASCII is refused here.
 */
export function headerUrl(baseUrl: string, page: string): string {
  const href = new URL(`${baseUrl.replace(/\/+$/, '')}${page}`).href;
  if (!/^https?:\/\/[\x21-\x7e]+$/.test(href) || /[<>]/.test(href)) {
    throw new PaperboyError('ECONFIG', `PAPERBOY_BASE_URL: ${JSON.stringify(href)} cannot go in a header field`, {
      hint: 'set it to the https:// address of the web app, e.g. https://papers.example.org',
    });
  }
  return `<${href}>`;
}
