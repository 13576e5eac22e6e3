import { Hono } from 'hono';
import { html } from 'hono/html';
import type { Config } from '../config.js';
import { isIsoDate } from '../select/dates.js';
import type { Db } from '../store/db.js';
import { findDigest, latestDigest, listDigests } from '../store/digests.js';
import { page } from './layout.js';
import { outboxRoutes } from './outbox-routes.js';
import { formatInTimeZone } from './time.js';
import { unsubscribeRoutes } from './unsubscribe-routes.js';

export interface AppDeps {
  db: Db;
  secret: string;
  config: Pick<Config, 'listName' | 'timezone' | 'smtpUrl' | 'outboxDir' | 'schedule'>;
  /** When the scheduler fires next (null: no scheduler in this process). */
  nextRun: () => Date | null;
}

/** The HTTP app as a value: `serve` listens with it, tests call it. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const { listName, timezone } = deps.config;

  app.get('/', async (c) => {
    const latest = await latestDigest(deps.db);
    if (latest) return c.html(latest.webHtml);
    const next = deps.nextRun();
    return c.html(
      page(
        listName,
        html`<h1>${listName}</h1>
          <p>A daily email of the most upvoted research papers of the day, from the Hugging Face daily papers
          list, sent by paperboy.</p>
          <p>${
            next ? `The first digest goes out on ${formatInTimeZone(next, timezone)}.` : 'No digest has gone out yet.'
          }</p>
          <p class="muted">Admins: add subscribers with <code>paperboy subscribers add EMAIL</code> and send now with
          <code>paperboy send</code>.${deps.config.smtpUrl ? '' : ' Outbox mode: messages are kept in the '}${
            deps.config.smtpUrl ? '' : html`<a href="/outbox">outbox</a>.`
          }</p>`,
      ),
    );
  });

  app.get('/digests', async (c) => {
    const digests = await listDigests(deps.db);
    return c.html(
      page(
        `${listName} archive`,
        html`<h1>${listName} archive</h1>
          ${digests.length === 0 ? html`<p>No digest has gone out yet.</p>` : ''}
          <ul>${digests.map((d) => html`<li><a href="/digests/${d.date}">${d.date}</a> · ${d.subject}</li>`)}</ul>`,
      ),
    );
  });

  app.get('/digests/:date', async (c) => {
    const date = c.req.param('date');
    const digest = isIsoDate(date) ? await findDigest(deps.db, date) : undefined;
    if (!digest) {
      return c.html(
        page('Not found', html`<h1>No digest for ${date}</h1><p><a href="/digests">All digests</a></p>`),
        404,
      );
    }
    return c.html(digest.webHtml);
  });

  app.get('/healthz', (c) => c.text('ok'));

  unsubscribeRoutes(app, { db: deps.db, secret: deps.secret, listName });
  outboxRoutes(app, { outboxDir: deps.config.smtpUrl ? null : deps.config.outboxDir });

  app.notFound((c) => c.html(page('Not found', html`<h1>Not found</h1><p><a href="/">${listName}</a></p>`), 404));
  return app;
}
