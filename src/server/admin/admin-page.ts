import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { page } from '../layout.js';

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
  return page(
    title,
    html`<nav class="admin" aria-label="Admin">${SECTIONS.map(([key, label, href]) =>
      key === section ? html`<a href="${href}" aria-current="page">${label}</a>` : html`<a href="${href}">${label}</a>`,
    )}</nav>${body}`,
    { wide: true },
  );
}
