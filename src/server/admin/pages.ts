import type { Hono } from 'hono';
import { errorMessage, isPaperboyError } from '../../errors.js';
import { dashboardFigures, digestDetail } from '../../pipeline/admin-dashboard.js';
import type { DigestStatus } from '../../pipeline/admin-status.js';
import { recentDigestStatuses } from '../../pipeline/admin-status.js';
import type { AppContext } from '../../pipeline/context.js';
import { checkSendDate, runDigest } from '../../pipeline/run-digest.js';
import { controlSend, type SendRegistry } from '../../pipeline/sends.js';
import { dateProblem } from '../../select/dates.js';
import { counted } from '../../text.js';
import { dateInZone, formatInTimeZone } from '../../time-zone.js';
import { adminMessage, adminView } from './admin-page.js';
import { csrfToken } from './auth.js';
import { lastDays, lines, stackedBars, subscriberSeries } from './charts.js';

/** The admin UI: dashboard, manual send with a confirm step, live progress, test send. */
/** Editions listed on a digest's page (the rest counted). */
const EDITIONS_SHOWN = 50;

/** A digest's row in the dashboard's and the digests page's tables. */
function digestRow(d: DigestStatus) {
  return {
    date: d.date,
    subject: d.subject ?? '',
    status: d.running ? 'sending…' : d.status,
    editions: d.editions,
    sent: d.deliveries?.sent ?? 0,
    failed: d.deliveries?.failed ?? 0,
    skipped: d.deliveries?.skipped ?? 0,
    pending: (d.deliveries?.pending ?? 0) + (d.deliveries?.sending ?? 0),
    bounced: d.bounced,
  };
}

/** The line under a digest's subject: its progress while it runs here, else its status. */
function statusLine(s: DigestStatus): string {
  const p = s.progress;
  return s.running
    ? `Sending: ${p?.done ?? 0} of ${p?.total ?? 0} · ${p?.ratePerSecond ?? 0} messages/s${p?.etaSeconds != null ? ` · about ${p.etaSeconds} s left` : ''}`
    : `Status: ${s.status}`;
}

/** The buttons of a digest's page: pause or cancel while it runs, resume or cancel while it waits. */
function controlsOf(s: DigestStatus) {
  if (s.status === 'none') return null;
  const d = s.deliveries;
  const actions = s.running
    ? (['pause', 'cancel'] as const)
    : s.control !== 'run' || (d && d.pending > 0)
      ? (['resume', 'cancel'] as const)
      : [];
  return {
    actions: actions.map((a) => ({
      action: a,
      label: `${a[0]?.toUpperCase()}${a.slice(1)}`,
      cls: a === 'cancel' ? 'secondary' : '',
    })),
    asked: s.control !== 'run' ? s.control : null,
  };
}

export function adminPages(
  app: Hono,
  ctx: AppContext,
  sends: SendRegistry,
  nextRun: () => Date | null,
  notes: () => string[],
): void {
  const { timezone } = ctx.config;
  const today = () => dateInZone(new Date(), timezone);
  const notADate = (section: 'dashboard' | 'digests', title: string, problem: string) =>
    adminMessage(title, section, 'Not a date', problem);

  app.get('/admin', async (c) => {
    const next = nextRun();
    const days = lastDays(today(), 30);
    const f = await dashboardFigures(ctx, sends, days[0] ?? today());
    const byDate = new Map(f.perDigest.map((d) => [d.date, d]));
    const people = subscriberSeries(days, f.movements);
    return c.html(
      adminView('paperboy admin', 'dashboard', 'dashboard', {
        nextRun: next ? formatInTimeZone(next, timezone) : 'none (no scheduler in this process)',
        notes: notes(),
        subscribers: f.subscribers,
        deliveriesChart: stackedBars('Deliveries per day, last 30 days', days, [
          { name: 'sent', cls: 'c-sent', values: days.map((d) => byDate.get(d)?.sent ?? 0) },
          { name: 'failed', cls: 'c-failed', values: days.map((d) => byDate.get(d)?.failed ?? 0) },
          { name: 'bounced', cls: 'c-bounced', values: days.map((d) => byDate.get(d)?.bounced ?? 0) },
        ]),
        subscribersChart: lines('Subscribers over time, last 30 days', days, [
          { name: 'active', cls: 'c-active', values: people.active },
          { name: 'unsubscribed', cls: 'c-unsub', values: people.unsubscribed },
          { name: 'bounced', cls: 'c-bounced', values: people.bounced },
        ]),
        today: today(),
        csrf: csrfToken(ctx, c),
        digests: f.digests.map(digestRow),
        waves: f.waves,
        errors: f.errors.map((e) => ({ date: e.date, email: e.email, error: e.last_error ?? '' })),
        // Without a token there is no login (loopback only): nothing to log out of.
        loggedIn: Boolean(ctx.config.adminToken),
      }),
    );
  });

  app.get('/admin/send', async (c) => {
    const date = c.req.query('date') ?? today();
    const problem = dateProblem(date);
    if (problem) return c.html(notADate('dashboard', 'Send', problem), 400);
    let summary: string;
    try {
      checkSendDate(date, timezone);
      const dry = await runDigest(ctx, { date, dryRun: true });
      summary = `${dry.recipients} subscribers would receive “${dry.subject}” (${dry.papers} papers in the public digest).`;
    } catch (err) {
      return c.html(
        adminMessage('Send', 'dashboard', `Nothing to send for ${date}`, errorMessage(err), {
          href: '/admin',
          label: 'Back',
        }),
        422,
      );
    }
    return c.html(adminView(`Send ${date}`, 'dashboard', 'send-confirm', { date, summary, csrf: csrfToken(ctx, c) }));
  });

  app.post('/admin/send', async (c) => {
    const date = String((await c.req.parseBody()).date ?? '');
    const problem = dateProblem(date);
    if (problem) return c.html(notADate('dashboard', 'Send', problem), 400);
    try {
      sends.start(date);
    } catch (err) {
      if (isPaperboyError(err, 'EBUSY')) {
        return c.html(
          adminMessage('Already sending', 'dashboard', `A send of ${date} is already running`, null, {
            href: `/admin/digests/${date}`,
            label: 'Watch it',
          }),
          409,
        );
      }
      if (isPaperboyError(err, 'EUSAGE')) {
        return c.html(
          adminMessage('Not sent', 'dashboard', `${date} is not sent`, err.message, { href: '/admin', label: 'Back' }),
          400,
        );
      }
      throw err;
    }
    return c.redirect(`/admin/digests/${date}`, 303);
  });

  app.get('/admin/digests', async (c) => {
    const digests = await recentDigestStatuses(ctx, sends, 60);
    return c.html(adminView('Digests', 'digests', 'digests', { digests: digests.map(digestRow) }));
  });

  app.get('/admin/digests/:date', async (c) => {
    const date = c.req.param('date');
    const problem = dateProblem(date);
    if (problem) return c.html(notADate('digests', 'Digest', problem), 400);
    const { status: s, editions, votes, minutes } = await digestDetail(ctx, sends, date);
    let cumulative = 0;
    const progress = minutes.map((m) => {
      cumulative += m.count;
      return cumulative;
    });
    return c.html(
      adminView(`Digest ${date}`, 'digests', 'digest', {
        ...digestRow(s),
        running: s.running,
        subject: s.subject ?? 'Not built yet.',
        statusLine: statusLine(s),
        editionCount: s.editions,
        stopped: s.stopped && { time: s.stopped.at.slice(11, 19), message: s.stopped.message, hint: s.stopped.hint },
        controls: controlsOf(s),
        csrf: csrfToken(ctx, c),
        chart:
          minutes.length > 1
            ? lines(
                'Messages sent over time (UTC)',
                minutes.map((m) => m.day.slice(11, 16)),
                [{ name: 'sent', cls: 'c-sent', values: progress }],
              )
            : null,
        editions: editions.slice(0, EDITIONS_SHOWN).map((e) => ({
          id: e.id,
          frequency: e.frequency,
          topics: e.topics.length ? e.topics.join(', ') : 'no topics',
          papers: counted(e.papers.length, 'paper'),
          readers: counted(e.subscribers, 'reader'),
        })),
        moreEditions: editions.length > EDITIONS_SHOWN ? editions.length - EDITIONS_SHOWN : 0,
        votes,
      }),
    );
  });

  app.post('/admin/digests/:date/:action{pause|resume|cancel}', async (c) => {
    const date = c.req.param('date');
    try {
      await controlSend(ctx, sends, date, c.req.param('action') as 'pause' | 'resume' | 'cancel');
    } catch (err) {
      return c.html(
        adminMessage('Not done', 'digests', errorMessage(err), null, { href: '/admin', label: 'Dashboard' }),
        400,
      );
    }
    return c.redirect(`/admin/digests/${date}`, 303);
  });

  app.post('/admin/test', async (c) => {
    const body = await c.req.parseBody();
    const date = String(body.date ?? today());
    const to = String(body.to ?? '');
    const dashboard = { href: '/admin', label: 'Dashboard' };
    try {
      const r = await runDigest(ctx, { date, to });
      return c.html(
        adminMessage('Test sent', 'dashboard', 'Test copy sent', `“${r.subject}” went to ${to}.`, dashboard),
      );
    } catch (err) {
      return c.html(
        adminMessage('Test not sent', 'dashboard', 'The test copy was not sent', errorMessage(err), dashboard),
        400,
      );
    }
  });
}
