import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppContext } from '../pipeline/context.js';
import { subscriberById } from '../subscribers/directory.js';
import { unsubscribe } from '../subscribers/lifecycle.js';
import { verifyToken } from '../subscribers/tokens.js';
import { page } from './layout.js';

/** Links in test copies and previews: they look like the real thing and unsubscribe nobody. */
function isSampleToken(token: string): boolean {
  return token === 'preview' || token.startsWith('0.');
}

/**
 * `GET /u/:token` shows a button and changes nothing (link scanners prefetch GETs).
 * `POST /u/:token` unsubscribes, with or without the RFC 8058 body `List-Unsubscribe=One-Click`,
 * urlencoded or multipart, no cookie, no redirect: 200 and a page saying so. Idempotent.
 */
export function unsubscribeRoutes(app: Hono, ctx: AppContext): void {
  const deps = { db: ctx.db, secret: ctx.secret, listName: ctx.config.listName };
  const invalid = () =>
    page(
      'Invalid link',
      html`<h1>This unsubscribe link is not valid</h1>
        <p>It may have been cut when it was copied. Use the <b>Unsubscribe</b> link at the bottom of any
        ${deps.listName} email, or reply to it and ask to be removed.</p>`,
    );
  const sample = () =>
    page(
      'Sample link',
      html`<h1>This link comes from a test copy or a preview</h1>
        <p>It unsubscribes nobody. In a real ${deps.listName} email this link unsubscribes its reader.</p>`,
    );

  /** The subscriber a valid token was signed for; undefined for a bad token or an unknown id. */
  const lookup = async (token: string) => {
    const id = verifyToken(deps.secret, 'unsubscribe', token);
    return id === null ? undefined : subscriberById(deps.db, id);
  };

  app.get('/u/:token', async (c) => {
    const token = c.req.param('token');
    if (isSampleToken(token)) return c.html(sample());
    const subscriber = await lookup(token);
    if (!subscriber) return c.html(invalid(), 400);
    if (subscriber.status === 'unsubscribed') {
      return c.html(
        page(
          'Unsubscribed',
          html`<h1>You are unsubscribed</h1><p>${subscriber.email} gets no more ${deps.listName} emails.</p>`,
        ),
      );
    }
    return c.html(
      page(
        `Unsubscribe from ${deps.listName}`,
        html`<h1>Unsubscribe from ${deps.listName}?</h1>
          <p>${subscriber.email} will get no more digests.</p>
          <form method="post" action="/u/${token}"><button type="submit">Unsubscribe</button></form>`,
      ),
    );
  });

  app.post('/u/:token', async (c) => {
    const token = c.req.param('token');
    if (isSampleToken(token)) return c.html(sample());
    const subscriber = await lookup(token);
    if (!subscriber) return c.html(invalid(), 400);
    await unsubscribe(deps.db, subscriber);
    return c.html(
      page(
        'Unsubscribed',
        html`<h1>You are unsubscribed</h1>
          <p>${subscriber.email} gets no more ${deps.listName} emails, starting with the next one.</p>
          <p class="muted">Changed your mind? <a href="/">Subscribe again</a> (we will ask you to confirm).</p>`,
      ),
    );
  });
}
