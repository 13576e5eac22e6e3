import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppContext } from '../pipeline/context.js';
import { digestOfDate, feedEntries, recentDigests } from '../pipeline/digests.js';
import { readiness } from '../pipeline/health.js';
import { SendRegistry } from '../pipeline/sends.js';
import { isIsoDate } from '../select/dates.js';
import { adminApi } from './admin/api.js';
import { adminAuth } from './admin/auth.js';
import { adminPages } from './admin/pages.js';
import { adminPreview } from './admin/preview.js';
import { adminSubscribers } from './admin/subscribers.js';
import { bodyLimits, readableForms } from './body.js';
import { archiveItem, withSiteBar } from './digest-pages.js';
import { atomFeed } from './feed.js';
import { FRAMED_EMAIL_CSP, securityHeaders } from './headers.js';
import { page } from './layout.js';
import { outboxRoutes } from './outbox-routes.js';
import { preferencesRoutes } from './preferences-routes.js';
import { readerFeedRoutes } from './reader-feed.js';
import { signupRoutes } from './signup-routes.js';
import { unsubscribeRoutes } from './unsubscribe-routes.js';
import { voteRoutes } from './vote-routes.js';

export interface AppOptions {
  /** When the scheduler fires next (null: no scheduler in this process). */
  nextRun: () => Date | null;
  /** The sends running in this process (shared with the scheduler). */
  sends?: SendRegistry;
  /** The scheduler's notes (runs missed and skipped), for the dashboard. */
  notes?: () => string[];
  /** The scheduler's loop, for /readyz (none: this process runs no scheduler). */
  scheduler?: { lastLoop(): number | null };
}

/** The HTTP app as a value: `serve` listens with it, tests call it. */
export function createApp(ctx: AppContext, opts: AppOptions): Hono {
  const app = new Hono();
  const { listName } = ctx.config;
  app.use(securityHeaders, bodyLimits, readableForms);

  signupRoutes(app, ctx, opts);

  app.get('/digests', async (c) => {
    const digests = await recentDigests(ctx);
    return c.html(
      page(
        `${listName} archive`,
        html`<h1>${listName} archive</h1>
          ${digests.length === 0 ? html`<p>No digest has gone out yet.</p>` : ''}
          <ul class="archive">${digests.map((d) => archiveItem(d, listName))}</ul>
          <p><a href="/">Subscribe</a></p>`,
      ),
    );
  });

  app.get('/digests/:date', async (c) => {
    const date = c.req.param('date');
    const digest = isIsoDate(date) ? await digestOfDate(ctx, date) : undefined;
    if (!digest) {
      return c.html(
        page('Not found', html`<h1>No digest for ${date}</h1><p><a href="/digests">All digests</a></p>`),
        404,
      );
    }
    c.header('Content-Security-Policy', FRAMED_EMAIL_CSP); // email HTML, framed by the home page
    // Framed by the home page: its links leave the frame. On its own: the site's bar on top.
    return c.html(c.req.query('framed') ? linksLeaveFrame(digest.webHtml) : withSiteBar(digest.webHtml, listName));
  });

  app.get('/feed.xml', async (c) => {
    const entries = await feedEntries(ctx, 50);
    c.header('Content-Type', 'application/atom+xml; charset=utf-8');
    return c.body(atomFeed({ baseUrl: ctx.config.baseUrl, listName, digests: entries }));
  });

  // Health for load balancers and orchestrators (no auth, no secrets): /healthz says the process
  // answers; /readyz that it can work (store, migrations, scheduler, queue), 503 when not.
  app.get('/healthz', (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json({ status: 'ok', checks: { process: { ok: true, detail: 'answers' } } });
  });
  app.get('/readyz', async (c) => {
    const r = await readiness(ctx, opts.scheduler ?? null);
    c.header('Cache-Control', 'no-store');
    return c.json({ status: r.ok ? 'ok' : 'not ready', checks: r.checks }, r.ok ? 200 : 503);
  });

  const sends = opts.sends ?? new SendRegistry(ctx);
  adminAuth(app, ctx); // guards the admin, /api and /outbox: before their routes
  adminPages(app, ctx, sends, opts.nextRun, opts.notes ?? (() => []));
  adminPreview(app, ctx);
  adminSubscribers(app, ctx);
  adminApi(app, ctx, sends);

  unsubscribeRoutes(app, ctx);
  voteRoutes(app, ctx);
  preferencesRoutes(app, ctx);
  readerFeedRoutes(app, ctx);
  outboxRoutes(app, { outboxDir: ctx.config.smtpUrl ? null : ctx.config.outboxDir });

  app.notFound((c) => c.html(page('Not found', html`<h1>Not found</h1><p><a href="/">${listName}</a></p>`), 404));
  return app;
}

/**
 * Every link of a page that the home page frames opens in the whole window, not in the small frame
 * (a paper's page inside the box, or a blank box offline): `target="_top"` on each link that names
 * no target of its own.
 */
export function linksLeaveFrame(html: string): string {
  return html.replace(/<a\s(?![^>]*\btarget=)/gi, '<a target="_top" ');
}
