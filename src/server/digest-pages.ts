import { format, parseISO } from 'date-fns';
import { html } from 'hono/html';
import { escapeHtml } from '../render/helpers.js';
import { digestSubject } from '../render/subject.js';

/**
 * One entry of the archive (`/digests`): the digest's subject as the link, without the list name
 * and the date it starts with (the page is the list's and the date follows as text), then the date.
 * A subject of another shape (a list renamed since) is shown whole.
 */
export function archiveItem(d: { date: string; subject: string }, listName: string) {
  const prefix = [false, true]
    .map((weekly) => digestSubject(listName, d.date, '', weekly))
    .find((p) => d.subject.startsWith(p));
  const headline = (prefix ? d.subject.slice(prefix.length) : '') || d.subject;
  return html`<li><a href="/digests/${d.date}">${headline}</a>
    <span class="muted"><time datetime="${d.date}">${format(parseISO(d.date), 'EEEE, d MMMM yyyy')}</time></span></li>`;
}

/** The site bar's looks: the email's own style sheet knows nothing of it (its page allows inline styles). */
const BAR_STYLE = `<style>
  .pb-site { background: #ffffff; border-bottom: 1px solid #e4e7eb;
    font-family: -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; }
  .pb-site-in { max-width: 600px; margin: 0 auto; padding: 10px 24px; box-sizing: border-box; display: flex;
    flex-wrap: wrap; align-items: center; gap: 6px 18px; }
  .pb-site a { color: #0b3d91; font-size: 15px; line-height: 1.4; text-decoration: none; }
  .pb-site a.pb-site-name { flex: 1 1 auto; font-weight: 700; color: #1f2933; overflow-wrap: anywhere; }
  .pb-site a.pb-site-sub { background: #0b3d91; color: #ffffff; font-weight: 600; padding: 7px 14px; border-radius: 6px; }
  @media (prefers-color-scheme: dark) {
    .pb-site { background: #1b1f24; border-color: #323a44; }
    .pb-site a { color: #8ab4f8; }
    .pb-site a.pb-site-name { color: #e4e7eb; }
    .pb-site a.pb-site-sub { background: #2f6fdb; color: #ffffff; }
  }
</style>`;

/**
 * The public web version of a digest as a page of the site: the email HTML with a bar on top — the
 * list's name (home), the archive and Subscribe — added as it is served, so every stored digest and
 * any template gets it. The home page frames the digest without it (`?framed=1`).
 */
export function withSiteBar(emailHtml: string, listName: string): string {
  const name = escapeHtml(listName);
  const bar =
    `<nav class="pb-site" aria-label="${name}"><div class="pb-site-in">` +
    `<a class="pb-site-name" href="/">${name}</a><a href="/digests">Archive</a>` +
    `<a class="pb-site-sub" href="/#subscribe">Subscribe</a></div></nav>`;
  const head = /<\/head\s*>/i.exec(emailHtml);
  const withStyle = head
    ? emailHtml.slice(0, head.index) + BAR_STYLE + emailHtml.slice(head.index)
    : BAR_STYLE + emailHtml;
  const body = /<body\b[^>]*>/i.exec(withStyle);
  if (!body) return bar + withStyle;
  const at = body.index + body[0].length;
  return withStyle.slice(0, at) + bar + withStyle.slice(at);
}
