import type { Hono } from 'hono';
import { html } from 'hono/html';
import { type Subscriber, WEEKDAY_NAMES } from '../domain.js';
import { errorMessage } from '../errors.js';
import type { AppContext } from '../pipeline/context.js';
import { signUp } from '../pipeline/sign-up.js';
import { listClock } from '../schedule/waves.js';
import { subscriberById } from '../subscribers/directory.js';
import { cleanName } from '../subscribers/email.js';
import { unsubscribe } from '../subscribers/lifecycle.js';
import { savePreferences } from '../subscribers/preferences.js';
import { checkHour, checkTimezone, formClock, type ReaderClock, readerClock } from '../subscribers/reader-clock.js';
import { verifyToken } from '../subscribers/tokens.js';
import { parseTopics } from '../subscribers/topics.js';
import { forgetOneVote, readerVotes, type StoredVote, startOver } from '../subscribers/votes.js';
import { clockFields } from './clock-fields.js';
import { feedSection, readerFeedHref } from './feed-section.js';
import { page } from './layout.js';

const PAUSES = [7, 14, 30, 90];
/** The form's choices, and only they: `keep`, `0` (resume now) or a pause of PAUSES days. */
const PAUSE_CHOICES = new Set(['keep', '0', ...PAUSES.map(String)]);
const FREQUENCY = /^(daily|weekly-([0-6]))$/;

/**
 * `GET /p/:token`: a reader's preferences (name, topics, pause for N days, what their digest learned
 * from their votes, unsubscribe), linked from every digest. `POST /p/:token` with `action` = save |
 * forget (`paper`) | start-over | unsubscribe | resubscribe. Resubscribing
 * after an unsubscribe sends a new confirmation; it does not reactivate by itself.
 */
export function preferencesRoutes(app: Hono, ctx: AppContext): void {
  const { listName } = ctx.config;
  const list = listClock(ctx.config);

  /** The zone and hour sent with a save, checked: a field not sent stays as stored. */
  const clockOf = (body: Record<string, unknown>): { clock: Partial<ReaderClock> } | { error: string } => {
    const zone = body.timezone === undefined ? null : checkTimezone(String(body.timezone).slice(0, 100));
    const hour = body.hour === undefined ? null : checkHour(String(body.hour).slice(0, 10));
    if (zone && !zone.ok) return { error: zone.problem };
    if (hour && !hour.ok) return { error: hour.problem };
    const chosen = formClock({ timezone: zone?.value ?? null, hour: hour?.value ?? null }, list);
    return {
      clock: { ...(zone ? { timezone: chosen.timezone } : {}), ...(hour ? { hour: chosen.hour } : {}) },
    };
  };

  const lookup = async (token: string) => {
    const id = verifyToken(ctx.secret, 'preferences', token);
    return id === null ? undefined : subscriberById(ctx.db, id);
  };
  const invalid = () =>
    page(
      'Invalid link',
      html`<h1>This preferences link is not valid</h1>
        <p>Use the <b>Preferences</b> link at the bottom of any ${listName} email.</p>`,
    );
  const sample = () =>
    page(
      'Sample link',
      html`<h1>This link comes from a test copy or a preview</h1><p>It changes nobody's preferences.</p>`,
    );

  /** What the digest learned from the reader's votes, newest first, each with "Forget this". */
  const learned = (votes: readonly StoredVote[], action: string) =>
    html`<h2>What your digest has learned</h2>
      ${
        votes.length === 0
          ? html`<p class="muted">Nothing yet. Use <b>More like this</b> and <b>Less like this</b> under any paper of a
              ${listName} email: your next digests follow your votes.</p>`
          : html`<ul class="votes">
              ${votes.map(
                (v) => html`<li>
                  <form method="post" action="${action}" class="inline">
                    <input type="hidden" name="action" value="forget">
                    <input type="hidden" name="paper" value="${v.paper.id}">
                    <span>${v.vote > 0 ? 'More like' : 'Less like'} “${v.paper.title}”
                      <span class="muted">(${v.at.slice(0, 10)})</span></span>
                    <button type="submit" class="secondary">Forget this</button>
                  </form>
                </li>`,
              )}
            </ul>
            <form method="post" action="${action}">
              <input type="hidden" name="action" value="start-over">
              <button type="submit" class="secondary">Start over (forget all ${votes.length} votes)</button>
            </form>`
      }`;

  const view = (
    s: Subscriber,
    token: string,
    notice: string | null,
    votes: readonly StoredVote[],
    error: string | null = null,
  ) => {
    const paused = s.pausedUntil && s.pausedUntil > new Date().toISOString() ? s.pausedUntil.slice(0, 10) : null;
    const action = `/p/${token}`;
    const clock = readerClock(s, list);
    if (s.status !== 'active') {
      const state =
        s.status === 'pending'
          ? 'Your subscription waits for its confirmation: use the link in the confirmation email.'
          : `${s.email} is unsubscribed${s.status === 'bounced' ? ' (mail to it bounced)' : ''} and gets no digests.`;
      return page(
        `${listName} preferences`,
        html`<h1>${listName} preferences</h1>
          ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
          <p>${state}</p>
          ${
            s.status === 'pending'
              ? ''
              : html`<form method="post" action="${action}"><input type="hidden" name="action" value="resubscribe">
                  <button type="submit">Subscribe again</button></form>
                  <p class="muted">We will send a confirmation link to ${s.email} first.</p>`
          }`,
      );
    }
    return page(
      `${listName} preferences`,
      html`<h1>${listName} preferences</h1>
        ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
        ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
        <p class="muted">For ${s.email}.${paused ? html` <b>Paused until ${paused}.</b>` : ''}</p>
        <p class="next">Your digest arrives at ${clock.time} (${clock.timezone}).</p>
        <form method="post" action="${action}" class="signup">
          <input type="hidden" name="action" value="save">
          <label>Name <input type="text" name="name" maxlength="100" value="${s.name ?? ''}"></label>
          <label>Topics <span class="muted">(comma-separated keywords, arXiv categories such as cs.LG, or authors as author:Name)</span>
            <input type="text" name="topics" maxlength="600" value="${s.topics.join(', ')}"></label>
          <label>How often
            <select name="frequency">
              <option value="daily" ${s.frequency === 'daily' ? 'selected' : ''}>every day</option>
              ${WEEKDAY_NAMES.map(
                (d, i) =>
                  html`<option value="weekly-${i}" ${s.frequency === 'weekly' && s.weekday === i ? 'selected' : ''}>once a week, the week's best, on ${d}</option>`,
              )}
            </select></label>
          ${clockFields({ timezone: clock.timezone, hour: s.hour ?? list.hour, minute: list.minute, chosen: true })}
          <label class="check"><input type="checkbox" name="send_anyway" value="1" ${s.sendAnyway ? 'checked' : ''}>
            When nothing matches my topics, send me the top papers anyway</label>
          <label>Pause
            <select name="pause">
              <option value="keep">${paused ? `keep the pause (until ${paused})` : 'no pause'}</option>
              ${paused ? html`<option value="0">resume now</option>` : ''}
              ${PAUSES.map((d) => html`<option value="${d}">pause for ${d} days</option>`)}
            </select></label>
          <button type="submit">Save</button>
        </form>
        ${learned(votes, action)}
        ${feedSection(ctx, s.id, token)}
        <h2>Leave</h2>
        <form method="post" action="${action}">
          <input type="hidden" name="action" value="unsubscribe">
          <button type="submit" class="secondary">Unsubscribe</button>
        </form>`,
      { feed: readerFeedHref(ctx, s.id) },
    );
  };

  app.get('/p/:token', async (c) => {
    const token = c.req.param('token');
    if (token === 'preview' || token.startsWith('0.')) return c.html(sample());
    const s = await lookup(token);
    return s ? c.html(view(s, token, null, await readerVotes(ctx.db, s.id))) : c.html(invalid(), 400);
  });

  app.post('/p/:token', async (c) => {
    const token = c.req.param('token');
    if (token === 'preview' || token.startsWith('0.')) return c.html(sample());
    const s = await lookup(token);
    if (!s) return c.html(invalid(), 400);
    const body = await c.req.parseBody();
    const action = String(body.action ?? 'save');
    let notice: string;
    if (action === 'unsubscribe') {
      await unsubscribe(ctx.db, s);
      notice = `You are unsubscribed: ${s.email} gets no more ${listName} emails, starting with the next one.`;
    } else if (action === 'resubscribe') {
      try {
        const { outcome } = await signUp(ctx, { email: s.email });
        notice =
          outcome === 'already-active'
            ? 'You are subscribed.'
            : `A confirmation link is on its way to ${s.email}. Click it to get ${listName} again.`;
      } catch (err) {
        ctx.log.error({ event: 'subscriber.resubscribe.failed', err: errorMessage(err) }, errorMessage(err));
        notice = 'The confirmation email could not be sent just now. Try again later.';
      }
    } else if (action === 'forget') {
      const paperId = String(body.paper ?? '');
      const vote = (await readerVotes(ctx.db, s.id)).find((v) => v.paper.id === paperId);
      await forgetOneVote(ctx.db, s.id, paperId);
      notice = vote ? `Forgotten: “${vote.paper.title}”.` : 'That vote was already forgotten.';
    } else if (action === 'start-over') {
      const n = await startOver(ctx.db, s.id);
      notice = `Started over: ${n} ${n === 1 ? 'vote' : 'votes'} forgotten. Your digest ranks by upvotes and your topics again until you vote.`;
    } else if (s.status === 'active') {
      const pause = String(body.pause ?? 'keep');
      const frequency = FREQUENCY.exec(String(body.frequency ?? 'daily'));
      const clock = clockOf(body);
      if (!PAUSE_CHOICES.has(pause) || !frequency || 'error' in clock) {
        const error = !PAUSE_CHOICES.has(pause)
          ? 'That pause is not one of the choices (keep, 0, 7, 14, 30 or 90 days).'
          : !frequency
            ? 'That frequency is not one of the choices (daily, or weekly-0 to weekly-6).'
            : 'error' in clock
              ? clock.error
              : '';
        return c.html(view(s, token, null, await readerVotes(ctx.db, s.id), error), 400);
      }
      const days = Number(pause);
      const pausedUntil =
        pause === 'keep' ? s.pausedUntil : days > 0 ? new Date(Date.now() + days * 86_400_000).toISOString() : null;
      const weekly = frequency[2];
      await savePreferences(ctx.db, s.id, {
        name: cleanName(String(body.name ?? '')),
        topics: parseTopics(String(body.topics ?? '')),
        pausedUntil,
        frequency: weekly ? 'weekly' : 'daily',
        weekday: weekly ? Number(weekly) : s.weekday,
        sendAnyway: body.send_anyway === '1',
        ...clock.clock,
      });
      notice = 'Saved.';
    } else {
      notice = 'Nothing to save: this address is not subscribed.';
    }
    const fresh = (await subscriberById(ctx.db, s.id)) ?? s;
    return c.html(view(fresh, token, notice, await readerVotes(ctx.db, s.id)));
  });
}
