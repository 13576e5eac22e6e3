import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppContext } from '../pipeline/context.js';
import { escapeHtml } from '../render/helpers.js';
import { subscriberById } from '../subscribers/directory.js';
import { chooseFeedOnly, readerFeedLink, renewFeedLink } from '../subscribers/feed.js';
import { verifyToken } from '../subscribers/tokens.js';
import { page } from './layout.js';

/** The reader's private feed URL, for the `<link rel="alternate">` of their own pages. */
export async function readerFeedHref(ctx: AppContext, subscriberId: number): Promise<string | undefined> {
  return (await readerFeedLink(ctx.db, ctx.messageSettings, subscriberId))?.url;
}

/** The reader's own edition on the web (an email's HTML) with their private feed named in its head. */
export function withFeedLink(emailHtml: string, href: string | undefined): string {
  if (!href) return emailHtml;
  const link = `<link rel="alternate" type="application/atom+xml" title="Your private feed" href="${escapeHtml(href)}">`;
  const at = emailHtml.indexOf('</head>');
  return at < 0 ? emailHtml : `${emailHtml.slice(0, at)}${link}\n${emailHtml.slice(at)}`;
}

/**
 * The preferences page's "Your private feed": the reader's feed URL to copy, "New feed link"
 * (the old link stops working) and "Feed only (no email)". Its forms post to `/p/TOKEN/feed`: the
 * reader's preferences token in the URL is what lets them, as for the page's other forms (no
 * other site knows it; the page's CSP allows forms to this site only).
 */
export async function feedSection(ctx: AppContext, subscriberId: number, prefsToken: string) {
  const link = await readerFeedLink(ctx.db, ctx.messageSettings, subscriberId);
  if (!link) return html``;
  const action = `/p/${prefsToken}/feed`;
  return html`<h2 id="feed">Your private feed</h2>
    <p>Your own digest as an Atom feed, for a feed reader: the papers of your emails, why each was chosen, and the
      <b>More like this</b> and <b>Less like this</b> links. Keep it to yourself: whoever has the link can read it.</p>
    <label>Feed URL <input type="text" readonly value="${link.url}" class="feed-url" aria-label="Your private feed URL"></label>
    <p><a href="${link.url}">Open your feed</a></p>
    <form method="post" action="${action}">
      <input type="hidden" name="action" value="new-link">
      <button type="submit" class="secondary">New feed link</button>
    </form>
    <p class="muted">A new link replaces this one, which then stops working (if it was shared by mistake).</p>
    <form method="post" action="${action}">
      <input type="hidden" name="action" value="feed-only">
      <input type="hidden" name="feed_only" value="${link.feedOnly ? '0' : '1'}">
      ${
        link.feedOnly
          ? html`<p><b>Feed only:</b> you get no email; your feed keeps coming.</p>
              <button type="submit" class="secondary">Email me again</button>`
          : html`<button type="submit" class="secondary">Feed only (no email)</button>`
      }
    </form>`;
}

/** `POST /p/:token/feed` with `action` = new-link | feed-only (`feed_only` = 1 | 0). */
export function feedSectionRoutes(app: Hono, ctx: AppContext): void {
  const { listName } = ctx.config;
  app.post('/p/:token/feed', async (c) => {
    const token = c.req.param('token');
    if (token === 'preview' || token.startsWith('0.')) {
      return c.html(
        page('Sample link', html`<h1>This link comes from a test copy or a preview</h1><p>It changes nothing.</p>`),
      );
    }
    const id = verifyToken(ctx.secret, 'preferences', token);
    const s = id === null ? undefined : await subscriberById(ctx.db, id);
    if (!s) {
      return c.html(
        page(
          'Invalid link',
          html`<h1>This preferences link is not valid</h1>
        <p>Use the <b>Preferences</b> link at the bottom of any ${listName} email.</p>`,
        ),
        400,
      );
    }
    const body = await c.req.parseBody();
    const back = html`<p><a href="/p/${token}">Back to your preferences</a></p>`;
    if (body.action === 'new-link') {
      const url = (await renewFeedLink(ctx.db, ctx.messageSettings, s.id)) ?? '';
      return c.html(
        page(
          'New feed link',
          html`<h1>Your new feed link</h1>
            <p class="notice" role="status">Your old feed link no longer works. Give your feed reader this one:</p>
            <label>Feed URL <input type="text" readonly value="${url}" class="feed-url" aria-label="Your private feed URL"></label>
            ${back}`,
          { feed: url },
        ),
      );
    }
    if (body.action === 'feed-only' && (body.feed_only === '1' || body.feed_only === '0')) {
      const on = body.feed_only === '1';
      await chooseFeedOnly(ctx.db, s.id, on);
      const url = (await readerFeedHref(ctx, s.id)) ?? '';
      return c.html(
        page(
          on ? 'Feed only' : 'Email again',
          html`<h1>${on ? 'Feed only' : 'Email again'}</h1>
            <p class="notice" role="status">${
              on
                ? `You get no more ${listName} emails, starting with the next digest. Your feed keeps coming, with the same papers an email would have had.`
                : `Your ${listName} digests come by email again, starting with the next one. Your feed keeps coming too.`
            }</p>
            <p>Your feed: <a href="${url}">${url}</a></p>
            ${back}`,
          { feed: url },
        ),
      );
    }
    return c.html(page('Not understood', html`<h1>That is not one of the choices</h1>${back}`), 400);
  });
}
