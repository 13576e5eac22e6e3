import type { Hono } from 'hono';
import { html } from 'hono/html';
import { type Subscriber, WEEKDAY_NAMES } from '../domain.js';
import { errorMessage } from '../errors.js';
import type { AppContext } from '../pipeline/context.js';
import { newestDigest } from '../pipeline/digests.js';
import { type ConfirmProblem, checkConfirmToken, confirmSubscriber, signUp } from '../pipeline/sign-up.js';
import { dueAt, listClock } from '../schedule/waves.js';
import { preferencesUrl } from '../send/message.js';
import { subscriberById } from '../subscribers/directory.js';
import { normalizeEmail } from '../subscribers/email.js';
import { checkHour, checkTimezone, formClock, readerClock } from '../subscribers/reader-clock.js';
import { parseTopics } from '../subscribers/topics.js';
import { formatInTimeZone } from '../time-zone.js';
import { clientIp } from './client.js';
import { clockFields, ZONE_SCRIPT_SOURCE, zoneScript } from './clock-fields.js';
import { pageCsp } from './headers.js';
import { page } from './layout.js';
import { rateLimiter } from './rate-limit.js';

/** What the sign-up form was sent back with. */
interface FormValues {
  email?: string;
  name?: string;
  topics?: string;
  timezone?: string;
  hour?: string;
}

/** The home page's CSP: the page one, and its one script (the zone filler). */
const HOME_CSP = pageCsp(ZONE_SCRIPT_SOURCE);

/**
 * `GET /`: the sign-up form beside the latest digest. `POST /subscribe`: double opt-in, answering
 * the same page whatever the address's state (no list enumeration) and before any mail is sent.
 * `GET /confirm/:token` shows a button; `POST /confirm/:token` activates.
 */
export function signupRoutes(app: Hono, ctx: AppContext, opts: { nextRun: () => Date | null }): void {
  const { listName, timezone } = ctx.config;
  const list = listClock(ctx.config);
  const allow = rateLimiter(10, 10 * 60_000);

  const form = (error: string | null, values: FormValues = {}) => {
    const hour = checkHour(values.hour ?? '');
    return html`
    <form method="post" action="/subscribe" class="signup" id="subscribe">
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <label>Email <input type="email" name="email" required autocomplete="email" value="${values.email ?? ''}"></label>
      <label>Name <span class="muted">(optional)</span> <input type="text" name="name" autocomplete="name" maxlength="100" value="${values.name ?? ''}"></label>
      <label>Topics <span class="muted">(optional, comma-separated, e.g. sparse attention, cs.LG, author:Name)</span>
        <input type="text" name="topics" maxlength="600" value="${values.topics ?? ''}"></label>
      ${clockFields({
        timezone: values.timezone ?? list.timezone,
        hour: (hour.ok ? hour.value : null) ?? list.hour,
        minute: list.minute,
        chosen: values.timezone !== undefined,
      })}
      <button type="submit">Subscribe</button>
      <p class="muted">We send a confirmation link first; nothing else arrives until you click it.</p>
    </form>
    ${zoneScript}`;
  };

  const home = async (error: string | null, values: FormValues = {}) => {
    const latest = await newestDigest(ctx);
    const next = opts.nextRun();
    return page(
      listName,
      html`<h1>${listName}</h1>
        <p>The day's most upvoted research papers from the Hugging Face daily papers list, in your inbox every
        morning${next ? html` — the next one on ${formatInTimeZone(next, timezone)}` : ''}.</p>
        ${form(error, values)}
        ${
          latest
            ? html`<h2>The latest digest</h2>
              <p class="muted"><a href="/digests/${latest.date}">${latest.subject}</a> · <a href="/digests">all digests</a></p>
              <iframe class="digest" title="The latest digest" src="/digests/${latest.date}?framed=1" sandbox="allow-top-navigation-by-user-activation"></iframe>`
            : html`<p class="muted">${next ? `The first digest goes out on ${formatInTimeZone(next, timezone)}.` : 'No digest has gone out yet.'}</p>`
        }`,
    );
  };

  /** Links on from a page at the end of the sign-up: back home, and the digests sent so far. */
  const pagesNav = html`<nav class="pages"><a href="/">Home</a><a href="/digests">Past digests</a></nav>`;

  /** What a confirmed reader gets, and when: their topics, the next digest (on their clock), their preferences. */
  const welcome = (s: Subscriber, first: boolean) => {
    const next = opts.nextRun();
    const clock = readerClock(s, list);
    const when =
      s.frequency === 'weekly'
        ? `Your digest comes once a week, on ${WEEKDAY_NAMES[s.weekday] ?? 'Sunday'}, at ${clock.time} (${clock.timezone}), with the week's best papers.`
        : next
          ? `${first ? 'Your first' : 'The next'} digest arrives on ${formatInTimeZone(new Date(dueAt(s, next.getTime(), list)), clock.timezone)}.`
          : 'The next digest is yours.';
    return html`<p>${
      s.topics.length ? `Your topics: ${s.topics.join(', ')}.` : "You chose no topics: you get the day's top papers."
    }</p>
      <p class="next">${when}</p>
      <p class="muted">Change your topics, how often the digest comes, or pause it on your preferences page: its link
      is at the bottom of every digest.</p>
      <nav class="pages"><a href="${preferencesUrl({ baseUrl: '', secret: ctx.secret }, s.id)}">Your preferences</a>
        <a href="/digests">Past digests</a><a href="/">Home</a></nav>`;
  };

  app.get('/', async (c) => {
    c.header('Content-Security-Policy', HOME_CSP);
    return c.html(await home(null));
  });

  app.post('/subscribe', async (c) => {
    const body = await c.req.parseBody();
    const values = {
      email: String(body.email ?? '').slice(0, 320),
      name: String(body.name ?? '').slice(0, 200),
      topics: String(body.topics ?? '').slice(0, 1000),
      ...(body.timezone === undefined ? {} : { timezone: String(body.timezone).slice(0, 100) }),
      ...(body.hour === undefined ? {} : { hour: String(body.hour).slice(0, 10) }),
    };
    const zone = checkTimezone(values.timezone ?? '');
    const hour = checkHour(values.hour ?? '');
    const problem = !normalizeEmail(values.email)
      ? 'That does not look like an email address.'
      : !zone.ok
        ? zone.problem
        : !hour.ok
          ? hour.problem
          : null;
    if (problem || !zone.ok || !hour.ok) {
      c.header('Content-Security-Policy', HOME_CSP);
      return c.html(await home(problem, values), 400);
    }
    if (!allow(clientIp(c, ctx.config.trustProxy))) {
      return c.html(
        page('Too many sign-ups', html`<h1>Too many sign-ups from here</h1><p>Try again in a few minutes.</p>`),
        429,
      );
    }
    const topics = parseTopics(values.topics);
    const clock = formClock({ timezone: zone.value, hour: hour.value }, list);
    const shown = readerClock(clock, list);
    // Answer now, mail later: the page and its timing are the same for a new, pending or active address.
    signUp(ctx, { email: values.email, name: values.name, topics, ...clock })
      .then(({ outcome, subscriber }) =>
        ctx.log.info({ event: 'subscriber.signup', subscriber_id: subscriber.id, outcome }, 'sign-up'),
      )
      .catch((err) => ctx.log.error({ event: 'subscriber.signup.failed', err: errorMessage(err) }, errorMessage(err)));
    const days = ctx.config.confirmTtlDays;
    return c.html(
      page(
        'Check your inbox',
        html`<h1>Check your inbox</h1>
          <p>If ${values.email.trim()} can receive mail, a link to confirm your subscription to ${listName} is on its way.
          Nothing else is sent until you click it.</p>
          <p>${
            topics.length
              ? `Once you confirm, your digest follows your topics: ${topics.join(', ')}.`
              : "You chose no topics: your digest brings the day's top papers. You can add topics later on your preferences page."
          }</p>
          <p>Each digest arrives at ${shown.time} (${shown.timezone}).</p>
          <p class="muted">The link expires in ${days} ${days === 1 ? 'day' : 'days'}. Already subscribed? Then nothing changes.</p>
          ${pagesNav}`,
      ),
    );
  });

  const tokenProblem = (reason: ConfirmProblem) => {
    const again = html`<a href="/">Sign up again</a> to get a new one.`;
    switch (reason) {
      case 'expired':
        return page(
          'Link expired',
          html`<h1>This confirmation link has expired</h1>
            <p>Links work for ${ctx.config.confirmTtlDays} days. ${again}</p>`,
        );
      case 'superseded':
        return page(
          'Link replaced',
          html`<h1>This confirmation link has been replaced</h1>
            <p>A newer confirmation email went to this address: use the link in the latest one, or ${again}</p>`,
        );
      case 'closed':
        return page(
          'Link no longer valid',
          html`<h1>This confirmation link no longer works</h1>
            <p>The address has left the list since this link was sent. ${again}</p>`,
        );
      default:
        return page(
          'Invalid link',
          html`<h1>This confirmation link is not valid</h1>
            <p>It may have been cut when it was copied. ${again}</p>`,
        );
    }
  };
  const problemStatus = (reason: ConfirmProblem) => (reason === 'invalid' ? 400 : 410);

  app.get('/confirm/:token', async (c) => {
    const check = await checkConfirmToken(ctx, c.req.param('token'));
    if (!check.ok) return c.html(tokenProblem(check.reason), problemStatus(check.reason));
    const s = check.subscriber;
    if (s.status === 'active') {
      return c.html(
        page('Subscribed', html`<h1>You are subscribed</h1><p>${s.email} gets ${listName}.</p>${welcome(s, false)}`),
      );
    }
    return c.html(
      page(
        `Confirm your subscription to ${listName}`,
        html`<h1>Confirm your subscription</h1>
          <p>${s.email} will get ${listName} every morning.</p>
          <form method="post" action="/confirm/${c.req.param('token')}"><button type="submit">Confirm</button></form>`,
      ),
    );
  });

  app.post('/confirm/:token', async (c) => {
    const check = await checkConfirmToken(ctx, c.req.param('token'));
    if (!check.ok) return c.html(tokenProblem(check.reason), problemStatus(check.reason));
    if (!(await confirmSubscriber(ctx, check.subscriber)) && check.subscriber.status !== 'active') {
      // The request closed between the check and the update (an unsubscribe, a bounce).
      return c.html(tokenProblem('closed'), problemStatus('closed'));
    }
    const s = (await subscriberById(ctx.db, check.subscriber.id)) ?? check.subscriber;
    return c.html(
      page('Subscribed', html`<h1>Welcome to ${listName}</h1><p>${s.email} is confirmed.</p>${welcome(s, true)}`),
    );
  });
}
