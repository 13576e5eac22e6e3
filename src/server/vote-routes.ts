import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { Paper } from '../domain.js';
import type { AppContext } from '../pipeline/context.js';
import { readerEditions } from '../pipeline/reader-edition.js';
import { personalize } from '../render/personalize.js';
import { preferencesUrl, recipientValues } from '../send/message.js';
import { subscriberById } from '../subscribers/directory.js';
import { verifyVoteToken } from '../subscribers/tokens.js';
import { castVote, currentVote, forgetOneVote, paperToVoteOn } from '../subscribers/votes.js';
import { readerFeedHref, withFeedLink } from './feed-section.js';
import { EMAIL_CSP } from './headers.js';
import { page } from './layout.js';

const WORDS = {
  up: { button: 'More like this', done: 'more papers like', value: 1 },
  down: { button: 'Less like this', done: 'fewer papers like', value: -1 },
} as const;

/**
 * `GET /v/:token/:paper/up|down` shows one button and changes nothing (link scanners prefetch
 * GETs); the `POST` records the reader's vote — the latest per reader and paper wins, a repeat
 * changes nothing — and answers a page with Undo and a link to the preferences.
 * `POST /v/:token/:paper/undo` forgets it. The token names the reader and the digest's date; the
 * paper must have been a candidate of that digest (or, for a weekly one, of the week before it).
 * `GET /v/:token` is the reader's own edition of that date on the web ("View in browser"), its
 * vote links working as the email's do.
 */
export function voteRoutes(app: Hono, ctx: AppContext): void {
  const readEdition = readerEditions(ctx.db);
  const listName = ctx.config.listName;
  const invalid = () =>
    page(
      'Invalid link',
      html`<h1>This link is not valid</h1>
        <p>It may have been cut when it was copied. Use the <b>More like this</b> and <b>Less like this</b> links
        of a ${listName} email.</p>`,
    );
  const sample = () =>
    page(
      'Sample link',
      html`<h1>This link comes from a test copy or a preview</h1>
        <p>It records nothing. In a real ${listName} email it tells the next digests what its reader wants.</p>`,
    );

  /** The reader, the paper and the date of a vote link, or the page to answer instead. */
  const resolve = async (token: string, paperId: string) => {
    if (token === 'preview' || token.startsWith('0.'))
      return { ok: false as const, answer: sample(), status: 200 as const };
    const who = verifyVoteToken(ctx.secret, token);
    const reader = who ? await subscriberById(ctx.db, who.id) : undefined;
    if (!who || !reader) return { ok: false as const, answer: invalid(), status: 400 as const };
    const paper = await paperToVoteOn(ctx.db, paperId, who.date);
    if (!paper) return { ok: false as const, answer: invalid(), status: 404 as const };
    return { ok: true as const, reader, paper, date: who.date };
  };
  const title = (p: Paper) => `“${p.title.length > 200 ? `${p.title.slice(0, 199)}…` : p.title}”`;

  app.get('/v/:token', async (c) => {
    const token = c.req.param('token');
    // A test copy or a preview has no edition of its own: the public web versions.
    if (token === 'preview' || token.startsWith('0.')) return c.redirect('/digests', 302);
    const who = verifyVoteToken(ctx.secret, token);
    const reader = who ? await subscriberById(ctx.db, who.id) : undefined;
    if (!who || !reader) return c.html(invalid(), 400);
    const { digest, content } = await readEdition(reader.id, who.date);
    if (!content) return digest ? c.redirect(`/digests/${who.date}`, 302) : c.html(invalid(), 404);
    const feed = await readerFeedHref(ctx, reader.id);
    const values = recipientValues(ctx.messageSettings, {
      subscriberId: reader.id,
      email: reader.email,
      name: reader.name,
      messageId: '',
      digestDate: who.date,
      deliveryId: null,
    });
    if (feed) values.feedUrl = feed;
    c.header('Content-Security-Policy', EMAIL_CSP);
    // The page holds the reader's links (a token in its URL): not for caches or search engines.
    c.header('Cache-Control', 'private, no-store');
    c.header('X-Robots-Tag', 'noindex');
    return c.html(withFeedLink(personalize(content.html, values, 'html'), feed));
  });

  app.get('/v/:token/:paper/:dir{up|down}', async (c) => {
    const token = c.req.param('token');
    const dir = c.req.param('dir') as 'up' | 'down';
    const r = await resolve(token, c.req.param('paper'));
    if (!r.ok) return c.html(r.answer, r.status);
    const w = WORDS[dir];
    const current = await currentVote(ctx.db, r.reader.id, r.paper.id);
    const action = `/v/${token}/${encodeURIComponent(r.paper.id)}/${dir}`;
    return c.html(
      page(
        w.button,
        html`<h1>${w.button}?</h1>
          <p>${title(r.paper)}</p>
          ${current === w.value ? html`<p class="muted">You said so already; saying it again changes nothing.</p>` : ''}
          <form method="post" action="${action}"><button type="submit">${w.button}</button></form>
          <p class="muted">Your next digests learn from it: ${w.done} this one.</p>`,
        { feed: readerFeedHref(ctx, r.reader.id) },
      ),
    );
  });

  app.post('/v/:token/:paper/:dir{up|down}', async (c) => {
    const token = c.req.param('token');
    const dir = c.req.param('dir') as 'up' | 'down';
    const r = await resolve(token, c.req.param('paper'));
    if (!r.ok) return c.html(r.answer, r.status);
    const w = WORDS[dir];
    const outcome = await castVote(ctx.db, {
      subscriberId: r.reader.id,
      paperId: r.paper.id,
      vote: w.value,
      digestDate: r.date,
    });
    if (outcome === 'recorded') {
      ctx.log.info({ event: 'vote.recorded', subscriber_id: r.reader.id, paper_id: r.paper.id, vote: w.value }, 'vote');
    }
    const base = `/v/${token}/${encodeURIComponent(r.paper.id)}`;
    const prefs = preferencesUrl({ baseUrl: '', secret: ctx.secret }, r.reader.id);
    return c.html(
      page(
        'Thanks',
        html`<h1>Noted: ${w.done} this</h1>
          <p>${title(r.paper)}</p>
          <p>Your next ${listName} digests take it into account.</p>
          <form method="post" action="${base}/undo"><button type="submit">Undo</button></form>
          <p class="muted"><a href="${prefs}">See what your digest has learned</a> (and forget any of it).</p>`,
        { feed: readerFeedHref(ctx, r.reader.id) },
      ),
    );
  });

  app.post('/v/:token/:paper/undo', async (c) => {
    const token = c.req.param('token');
    const r = await resolve(token, c.req.param('paper'));
    if (!r.ok) return c.html(r.answer, r.status);
    await forgetOneVote(ctx.db, r.reader.id, r.paper.id);
    const base = `/v/${token}/${encodeURIComponent(r.paper.id)}`;
    return c.html(
      page(
        'Undone',
        html`<h1>Undone</h1>
          <p>Your vote on ${title(r.paper)} is forgotten.</p>
          <form method="post" action="${base}/up"><button type="submit">More like this</button></form>
          <form method="post" action="${base}/down"><button type="submit">Less like this</button></form>`,
        { feed: readerFeedHref(ctx, r.reader.id) },
      ),
    );
  });
}
