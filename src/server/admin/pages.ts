import type { Hono } from 'hono';
import { html } from 'hono/html';
import { errorMessage, isPaperboyError } from '../../errors.js';
import type { AppContext } from '../../pipeline/context.js';
import { checkSendDate, runDigest } from '../../pipeline/run-digest.js';
import { controlSend, type SendRegistry } from '../../pipeline/sends.js';
import { dateProblem } from '../../select/dates.js';
import {
  deliveriesByDigestDate,
  latestFailures,
  sentPerMinute,
  subscriberMovements,
} from '../../store/admin-figures.js';
import { findDigest, listDigests } from '../../store/digests.js';
import { editionsOf } from '../../store/editions.js';
import { countSubscribersByStatus } from '../../store/subscribers.js';
import { voteTally } from '../../store/votes.js';
import { counted } from '../../text.js';
import { dateInZone, formatInTimeZone } from '../../time-zone.js';
import { adminPage } from './admin-page.js';
import { csrfToken } from './auth.js';
import { lastDays, lines, stackedBars, subscriberSeries } from './charts.js';
import { digestStatus } from './status.js';

/** The admin UI: dashboard, manual send with a confirm step, live progress, test send. */
/** Editions listed on a digest's page (the rest counted). */
const EDITIONS_SHOWN = 50;

export function adminPages(
  app: Hono,
  ctx: AppContext,
  sends: SendRegistry,
  nextRun: () => Date | null,
  notes: () => string[],
): void {
  const { timezone } = ctx.config;
  const today = () => dateInZone(new Date(), timezone);

  app.get('/admin', async (c) => {
    const next = nextRun();
    const subs = await countSubscribersByStatus(ctx.db);
    const digests = await Promise.all((await listDigests(ctx.db, 14)).map((d) => digestStatus(ctx, sends, d.date)));
    const errors = await latestFailures(ctx.db);
    const days = lastDays(today(), 30);
    const [perDigest, moves] = await Promise.all([
      deliveriesByDigestDate(ctx.db, days[0] ?? today()),
      subscriberMovements(ctx.db),
    ]);
    const byDate = new Map(perDigest.map((d) => [d.date, d]));
    const people = subscriberSeries(days, moves);
    const csrf = csrfToken(ctx, c);
    return c.html(
      adminPage(
        'paperboy admin',
        'dashboard',
        html`<h1>paperboy admin</h1>
          <p>Next scheduled run: <b>${next ? formatInTimeZone(next, timezone) : 'none (no scheduler in this process)'}</b></p>
          ${notes().map((n) => html`<p class="error" role="alert">Scheduler: ${n}</p>`)}
          <p>Subscribers: <a href="/admin/subscribers?status=active">${subs.active} active</a> · <a href="/admin/subscribers?status=pending">${subs.pending} pending</a> · <a href="/admin/subscribers?status=unsubscribed">${subs.unsubscribed} unsubscribed</a> · <a href="/admin/subscribers?status=bounced">${subs.bounced} bounced</a></p>
          ${stackedBars('Deliveries per day, last 30 days', days, [
            { name: 'sent', cls: 'c-sent', values: days.map((d) => byDate.get(d)?.sent ?? 0) },
            { name: 'failed', cls: 'c-failed', values: days.map((d) => byDate.get(d)?.failed ?? 0) },
            { name: 'bounced', cls: 'c-bounced', values: days.map((d) => byDate.get(d)?.bounced ?? 0) },
          ])}
          ${lines('Subscribers over time, last 30 days', days, [
            { name: 'active', cls: 'c-active', values: people.active },
            { name: 'unsubscribed', cls: 'c-unsub', values: people.unsubscribed },
            { name: 'bounced', cls: 'c-bounced', values: people.bounced },
          ])}
          <h2>Send</h2>
          <form method="get" action="/admin/send" class="signup">
            <label>Date <input type="date" name="date" value="${today()}" required></label>
            <button type="submit">Review and send…</button>
          </form>
          <p><a href="/admin/preview?date=${today()}">Preview today's email</a></p>
          <form method="post" action="/admin/test" class="signup">
            <input type="hidden" name="csrf" value="${csrf}">
            <input type="hidden" name="date" value="${today()}">
            <label>Send a test copy of today's email to <input type="email" name="to" required></label>
            <button type="submit">Send test</button>
          </form>
          <h2>Recent digests</h2>
          <table>
            <tr><th>Date</th><th>Status</th><th>Editions</th><th>Sent</th><th>Failed</th><th>Skipped</th><th>Bounced</th></tr>
            ${digests.map(
              (
                d,
              ) => html`<tr><td><a href="/admin/digests/${d.date}">${d.date}</a></td><td>${d.running ? 'sending…' : d.status}</td>
                <td>${d.editions}</td><td>${d.deliveries?.sent ?? 0}</td><td>${d.deliveries?.failed ?? 0}</td>
                <td>${d.deliveries?.skipped ?? 0}</td><td>${d.bounced}</td></tr>`,
            )}
          </table>
          <h2>Latest errors</h2>
          ${
            errors.length === 0
              ? html`<p class="muted">None.</p>`
              : html`<table><tr><th>Date</th><th>To</th><th>Error</th></tr>${errors.map(
                  (e) => html`<tr><td>${e.date}</td><td>${e.email}</td><td>${e.last_error ?? ''}</td></tr>`,
                )}</table>`
          }
          ${
            // Without a token there is no login (loopback only): nothing to log out of.
            ctx.config.adminToken
              ? html`<form method="post" action="/admin/logout"><input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="secondary">Log out</button></form>`
              : html`<p class="muted">Open to this machine only (no PAPERBOY_ADMIN_TOKEN set).</p>`
          }`,
      ),
    );
  });

  app.get('/admin/send', async (c) => {
    const date = c.req.query('date') ?? today();
    if (dateProblem(date))
      return c.html(adminPage('Send', 'dashboard', html`<h1>Not a date</h1><p>${dateProblem(date)}</p>`), 400);
    let summary: string;
    try {
      checkSendDate(date, timezone);
      const dry = await runDigest(ctx, { date, dryRun: true });
      summary = `${dry.recipients} subscribers would receive “${dry.subject}” (${dry.papers} papers in the public digest).`;
    } catch (err) {
      return c.html(
        adminPage(
          'Send',
          'dashboard',
          html`<h1>Nothing to send for ${date}</h1><p>${errorMessage(err)}</p><p><a href="/admin">Back</a></p>`,
        ),
        422,
      );
    }
    return c.html(
      adminPage(
        `Send ${date}`,
        'dashboard',
        html`<h1>Send the digest of ${date}?</h1>
          <p>${summary}</p>
          <p class="muted">Anyone who already got this date's digest gets nothing more.</p>
          <form method="post" action="/admin/send">
            <input type="hidden" name="csrf" value="${csrfToken(ctx, c)}">
            <input type="hidden" name="date" value="${date}">
            <button type="submit">Send now</button>
          </form>
          <p><a href="/admin/preview?date=${date}">Preview it first</a> · <a href="/admin">Cancel</a></p>`,
      ),
    );
  });

  app.post('/admin/send', async (c) => {
    const date = String((await c.req.parseBody()).date ?? '');
    if (dateProblem(date))
      return c.html(adminPage('Send', 'dashboard', html`<h1>Not a date</h1><p>${dateProblem(date)}</p>`), 400);
    try {
      sends.start(date);
    } catch (err) {
      if (isPaperboyError(err, 'EBUSY')) {
        return c.html(
          adminPage(
            'Already sending',
            'dashboard',
            html`<h1>A send of ${date} is already running</h1><p><a href="/admin/digests/${date}">Watch it</a></p>`,
          ),
          409,
        );
      }
      if (isPaperboyError(err, 'EUSAGE')) {
        return c.html(
          adminPage(
            'Not sent',
            'dashboard',
            html`<h1>${date} is not sent</h1><p>${err.message}</p><p><a href="/admin">Back</a></p>`,
          ),
          400,
        );
      }
      throw err;
    }
    return c.redirect(`/admin/digests/${date}`, 303);
  });

  app.get('/admin/digests', async (c) => {
    const digests = await Promise.all((await listDigests(ctx.db, 60)).map((d) => digestStatus(ctx, sends, d.date)));
    return c.html(
      adminPage(
        'Digests',
        'digests',
        html`<h1>Digests</h1>
          ${
            digests.length === 0
              ? html`<p>No digest yet. <a href="/admin">Send one</a> or wait for the scheduler.</p>`
              : html`<div class="wrap-table"><table>
            <thead><tr><th class="nowrap">Date</th><th>Subject</th><th>Status</th><th class="num">Editions</th><th class="num">Sent</th><th class="num">Failed</th><th class="num">Skipped</th><th class="num">Pending</th><th class="num">Bounced</th></tr></thead><tbody>
            ${digests.map(
              (d) =>
                html`<tr><td class="nowrap"><a href="/admin/digests/${d.date}">${d.date}</a></td><td>${d.subject ?? ''}</td><td>${d.running ? 'sending…' : d.status}</td>
                <td class="num">${d.editions}</td><td class="num">${d.deliveries?.sent ?? 0}</td><td class="num">${d.deliveries?.failed ?? 0}</td>
                <td class="num">${d.deliveries?.skipped ?? 0}</td><td class="num">${(d.deliveries?.pending ?? 0) + (d.deliveries?.sending ?? 0)}</td><td class="num">${d.bounced}</td></tr>`,
            )}</tbody></table></div>`
          }`,
      ),
    );
  });

  app.get('/admin/digests/:date', async (c) => {
    const date = c.req.param('date');
    if (dateProblem(date))
      return c.html(adminPage('Digest', 'digests', html`<h1>Not a date</h1><p>${dateProblem(date)}</p>`), 400);
    const s = await digestStatus(ctx, sends, date);
    const d = s.deliveries;
    const digest = await findDigest(ctx.db, date);
    const editions = digest ? await editionsOf(ctx.db, digest.id) : [];
    const votes = digest ? await voteTally(ctx.db, date) : [];
    const minutes = digest ? await sentPerMinute(ctx.db, digest.id) : [];
    let cumulative = 0;
    const progress = minutes.map((m) => {
      cumulative += m.count;
      return cumulative;
    });
    const p = s.progress;
    return c.html(
      adminPage(
        `Digest ${date}`,
        'digests',
        html`${s.running ? html`<meta http-equiv="refresh" content="2">` : ''}
          <h1>Digest of ${date}</h1>
          <p>${s.subject ?? 'Not built yet.'}</p>
          <p role="status">${
            s.running
              ? `Sending: ${p?.done ?? 0} of ${p?.total ?? 0} · ${p?.ratePerSecond ?? 0} messages/s${p?.etaSeconds != null ? ` · about ${p.etaSeconds} s left` : ''}`
              : `Status: ${s.status}`
          }</p>
          <p>Sent ${d?.sent ?? 0} · failed ${d?.failed ?? 0} · skipped ${d?.skipped ?? 0} · pending ${(d?.pending ?? 0) + (d?.sending ?? 0)} · editions ${s.editions} · bounced ${s.bounced}</p>
          ${
            s.stopped
              ? html`<p role="alert" class="stopped">The last send stopped at ${s.stopped.at.slice(11, 19)} UTC: ${s.stopped.message}${s.stopped.hint ? html`<br>→ ${s.stopped.hint}` : ''}</p>`
              : ''
          }
          ${
            s.status === 'none'
              ? ''
              : html`<div class="controls">${(
                  s.running
                    ? (['pause', 'cancel'] as const)
                    : s.control !== 'run' || (d && d.pending > 0)
                      ? (['resume', 'cancel'] as const)
                      : ([] as const)
                ).map(
                  (a) =>
                    html`<form method="post" action="/admin/digests/${date}/${a}"><input type="hidden" name="csrf" value="${csrfToken(ctx, c)}"><button type="submit" class="${a === 'cancel' ? 'secondary' : ''}">${a[0]?.toUpperCase()}${a.slice(1)}</button></form>`,
                )}</div>
                ${s.control !== 'run' ? html`<p>An admin asked to <b>${s.control}</b> this send.</p>` : ''}`
          }
          ${
            minutes.length > 1
              ? lines(
                  'Messages sent over time (UTC)',
                  minutes.map((m) => m.day.slice(11, 16)),
                  [{ name: 'sent', cls: 'c-sent', values: progress }],
                )
              : ''
          }
          ${
            editions.length
              ? html`<h2>Editions</h2><ul>${editions
                  .slice(0, EDITIONS_SHOWN)
                  .map(
                    (e) =>
                      html`<li><a href="/admin/preview?date=${date}&amp;edition=${e.id}">#${e.id}</a> · ${e.frequency} · ${e.topics.length ? e.topics.join(', ') : 'no topics'} · ${counted(e.papers.length, 'paper')} · ${counted(e.subscribers, 'reader')}</li>`,
                  )}</ul>${editions.length > EDITIONS_SHOWN ? html`<p class="muted">… and ${editions.length - EDITIONS_SHOWN} more editions (readers with votes get their own).</p>` : ''}`
              : ''
          }
          ${
            votes.length
              ? html`<h2>Votes from this digest</h2>
                  <table><thead><tr><th>Paper</th><th>More like this</th><th>Less like this</th></tr></thead><tbody>
                  ${votes.map((v) => html`<tr><td>${v.title}</td><td>${v.up}</td><td>${v.down}</td></tr>`)}
                  </tbody></table>
                  <p class="muted">Counts only: who voted is the readers' own business (their preferences page).</p>`
              : ''
          }
          <p><a href="/admin/preview?date=${date}">Preview</a> · <a href="/digests/${date}">Web version</a> · <a href="/admin">Dashboard</a></p>`,
      ),
    );
  });

  app.post('/admin/digests/:date/:action{pause|resume|cancel}', async (c) => {
    const date = c.req.param('date');
    try {
      await controlSend(ctx, sends, date, c.req.param('action') as 'pause' | 'resume' | 'cancel');
    } catch (err) {
      return c.html(
        adminPage('Not done', 'digests', html`<h1>${errorMessage(err)}</h1><p><a href="/admin">Dashboard</a></p>`),
        400,
      );
    }
    return c.redirect(`/admin/digests/${date}`, 303);
  });

  app.post('/admin/test', async (c) => {
    const body = await c.req.parseBody();
    const date = String(body.date ?? today());
    const to = String(body.to ?? '');
    try {
      const r = await runDigest(ctx, { date, to });
      return c.html(
        adminPage(
          'Test sent',
          'dashboard',
          html`<h1>Test copy sent</h1><p>“${r.subject}” went to ${to}.</p><p><a href="/admin">Dashboard</a></p>`,
        ),
      );
    } catch (err) {
      return c.html(
        adminPage(
          'Test not sent',
          'dashboard',
          html`<h1>The test copy was not sent</h1><p>${errorMessage(err)}</p><p><a href="/admin">Dashboard</a></p>`,
        ),
        400,
      );
    }
  });
}
