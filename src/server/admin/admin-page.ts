import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { page } from '../layout.js';
import { view } from './views.js';

export type AdminSection = 'dashboard' | 'digests' | 'subscribers' | 'preview' | 'outbox';

const SECTIONS: readonly [AdminSection, string, string][] = [
  ['dashboard', 'Dashboard', '/admin'],
  ['digests', 'Digests', '/admin/digests'],
  ['subscribers', 'Subscribers', '/admin/subscribers'],
  ['preview', 'Preview', '/admin/preview'],
  ['outbox', 'Outbox', '/outbox'],
];

/** An admin page: the navigation every admin page has, then the body, on the wide layout. */
export function adminPage(
  title: string,
  section: AdminSection | null,
  body: HtmlEscapedString | Promise<HtmlEscapedString>,
) {
  const nav = view('nav', {
    links: SECTIONS.map(([key, label, href]) => ({ label, href, current: key === section })),
  });
  return page(title, html`${raw(nav)}${body}`, { wide: true });
}

/** An admin page whose body is templates/admin/NAME.hbs rendered with `data`. */
export function adminView(title: string, section: AdminSection | null, name: string, data: object) {
  return adminPage(title, section, raw(view(name, data)));
}

/** A short admin page: a heading, a line of text and a link, each left out when null. */
export function adminMessage(
  title: string,
  section: AdminSection | null,
  heading: string,
  text: string | null,
  link: { href: string; label: string } | null = null,
) {
  return adminView(title, section, 'message', { heading, text, link });
}
