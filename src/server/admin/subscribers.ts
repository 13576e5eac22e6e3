import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import { stream } from 'hono/streaming';
import { type SubscriberStatus, WEEKDAY_NAMES } from '../../domain.js';
import { errorMessage } from '../../errors.js';
import type { AppContext } from '../../pipeline/context.js';
import { bouncesOf } from '../../store/bounces.js';
import { deliveriesOf } from '../../store/deliveries.js';
import {
  countSubscribersByStatus,
  findSubscriber,
  setSubscriberStatus,
  subscribersPage,
} from '../../store/subscribers.js';
import { voteLists, votesOf } from '../../store/votes.js';
import { EXPORT_HEADER, exportLine } from '../../subscribers/export-csv.js';
import { importSubscribersCsv } from '../../subscribers/import-csv.js';
import { counted } from '../../text.js';
import { adminPage } from './admin-page.js';
import { csrfToken } from './auth.js';

const STATUSES: readonly SubscriberStatus[] = ['active', 'pending', 'unsubscribed', 'bounced'];
const PAGE = 50;
/** Bad rows shown on the import's report (all of them are counted). */
const BAD_SHOWN = 100;

const statusOf = (v: string | undefined): SubscriberStatus | undefined =>
  STATUSES.includes(v as SubscriberStatus) ? (v as SubscriberStatus) : undefined;

/**
 * The admin's subscribers: a list with search and a status filter, paged by keyset (the last id
 * seen, so a page costs the same at row 1,000,000 as at row 1); one subscriber's page with their
 * deliveries, votes and bounces, Remove and Resubscribe; CSV import with the CLI's rules and
 * report; CSV export.
 */
export function adminSubscribers(app: Hono, ctx: AppContext): void {
  app.get('/admin/subscribers', async (c) => {
    const q = (c.req.query('q') ?? '').trim().slice(0, 200);
    const status = statusOf(c.req.query('status'));
    const after = Math.max(0, Number.parseInt(c.req.query('after') ?? '0', 10) || 0);
    const rows = await subscribersPage(ctx.db, { afterId: after, limit: PAGE + 1, status, search: q || undefined });
    const shown = rows.slice(0, PAGE);
    const more = rows.length > PAGE;
    const counts = await countSubscribersByStatus(ctx.db);
    const total = STATUSES.reduce((s, k) => s + counts[k], 0);
    const link = (extra: Record<string, string>) =>
      `/admin/subscribers?${new URLSearchParams({ ...(q ? { q } : {}), ...(status ? { status } : {}), ...extra }).toString()}`;
    const csrf = csrfToken(ctx, c);
    return c.html(
      adminPage(
        'Subscribers',
        'subscribers',
        html`<h1>Subscribers</h1>
          <p>${counted(total, 'subscriber')}: ${STATUSES.map(
            (s, i) => html`${i ? ' · ' : ''}<a href="/admin/subscribers?status=${s}">${`${counts[s]} ${s}`}</a>`,
          )}</p>
          <form method="get" action="/admin/subscribers" class="filters" role="search">
            <label>Search <input type="search" name="q" value="${q}" placeholder="address or name"></label>
            <label>Status <select name="status"><option value="">any</option>${STATUSES.map(
              (s) => html`<option value="${s}"${s === status ? html` selected` : ''}>${s}</option>`,
            )}</select></label>
            <button type="submit">Show</button>
          </form>
          ${
            shown.length === 0
              ? html`<p>No subscriber${q || status ? ' matches' : ' yet'}.</p>`
              : html`<div class="wrap-table"><table><thead><tr><th>Email</th><th>Name</th><th>Status</th><th>Topics</th><th class="nowrap">Added</th></tr></thead><tbody>
              ${shown.map(
                (s) =>
                  html`<tr><td><a href="/admin/subscribers/${s.id}">${s.email}</a></td><td>${s.name ?? ''}</td><td>${s.status}</td><td>${s.topics.join(', ')}</td><td class="nowrap">${s.createdAt.slice(0, 10)}</td></tr>`,
              )}</tbody></table></div>`
          }
          <p>${after > 0 ? html`<a href="${link({})}">← First page</a> ` : ''}${
            more ? html`<a href="${link({ after: String(shown.at(-1)?.id ?? 0) })}" rel="next">Next ${PAGE} →</a>` : ''
          }</p>
          <h2>Export</h2>
          <p><a href="/admin/subscribers/export.csv${status ? `?status=${status}` : ''}">Download ${status ? `the ${status} subscribers` : 'every subscriber'} as CSV</a> <span class="muted">(email, name, topics, status, status_reason, created_at, votes: what <code>subscribers import</code> reads)</span></p>
          <h2>Import</h2>
          <form method="post" action="/admin/subscribers/import" enctype="multipart/form-data" class="signup">
            <input type="hidden" name="csrf" value="${csrf}">
            <label>CSV file with a header line: <code>email</code>, and optionally <code>name</code>, <code>topics</code>, <code>status</code>
              <input type="file" name="file" accept=".csv,text/csv" required></label>
            <label class="check"><input type="checkbox" name="resubscribe" value="1"> Make unsubscribed and bounced addresses listed as active active again (only when they asked to come back)</label>
            <button type="submit">Import</button>
          </form>`,
      ),
    );
  });

  app.get('/admin/subscribers/export.csv', async (c) => {
    const status = statusOf(c.req.query('status'));
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="subscribers${status ? `-${status}` : ''}.csv"`);
    c.header('Cache-Control', 'no-store');
    return stream(c, async (out) => {
      await out.write(`${EXPORT_HEADER}\n`);
      for (let afterId = 0; ; ) {
        const page = await subscribersPage(ctx.db, { afterId, limit: 1000, status });
        if (page.length === 0) break;
        const votes = await voteLists(
          ctx.db,
          page.map((s) => s.id),
        );
        await out.write(`${page.map((s) => exportLine(s, votes.get(s.id) ?? '')).join('\n')}\n`);
        afterId = page.at(-1)?.id ?? afterId;
      }
    });
  });

  app.post('/admin/subscribers/import', async (c) => {
    const body = await c.req.parseBody();
    const file = body.file;
    if (!(file instanceof File) || file.size === 0) {
      return c.html(importAnswer(html`<p class="error">Choose a CSV file to import.</p>`), 400);
    }
    const dir = await mkdtemp(path.join(tmpdir(), 'paperboy-import-'));
    try {
      const csv = path.join(dir, 'upload.csv');
      await writeFile(csv, Buffer.from(await file.arrayBuffer()));
      const r = await importSubscribersCsv(ctx.db, csv, { resubscribe: body.resubscribe === '1' });
      const name = file.name || 'the file';
      return c.html(
        importAnswer(
          html`<p class="notice" role="status">Imported ${name}: ${counted(r.rows, 'row')} · ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ${r.merged} repeated in the file, ${r.suppressed} left suppressed, ${r.resubscribed} resubscribed, ${counted(r.badCount, 'bad row')} skipped.</p>
          ${
            r.bad.length
              ? html`<h2>Bad rows (not imported)</h2><div class="wrap-table"><table><thead><tr><th class="nowrap">Line</th><th>Why</th></tr></thead><tbody>${r.bad
                  .slice(0, BAD_SHOWN)
                  .map(
                    (b) => html`<tr><td class="num">${b.line}</td><td>${b.reason}</td></tr>`,
                  )}</tbody></table></div>${r.badCount > Math.min(BAD_SHOWN, r.bad.length) ? html`<p class="muted">… and ${counted(r.badCount - Math.min(BAD_SHOWN, r.bad.length), 'more bad row')} (<code>paperboy subscribers import FILE --errors OUT.csv</code> lists them all).</p>` : ''}`
              : ''
          }`,
        ),
        r.badCount > 0 ? 422 : 200,
      );
    } catch (err) {
      return c.html(importAnswer(html`<p class="error">The file was not imported: ${errorMessage(err)}</p>`), 400);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  app.get('/admin/subscribers/:id{[0-9]+}', async (c) => {
    const s = await findSubscriber(ctx.db, Number(c.req.param('id')));
    if (!s) return c.html(adminPage('Not found', 'subscribers', html`<h1>No such subscriber</h1>`), 404);
    const [deliveries, bounces, votes] = await Promise.all([
      deliveriesOf(ctx.db, s.id),
      bouncesOf(ctx.db, s.id),
      votesOf(ctx.db, s.id, 50),
    ]);
    const csrf = csrfToken(ctx, c);
    const action = (what: 'remove' | 'resubscribe', label: string, cls = '') =>
      html`<form method="post" action="/admin/subscribers/${s.id}/${what}"><input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="${cls}">${label}</button></form>`;
    const done = c.req.query('done');
    return c.html(
      adminPage(
        s.email,
        'subscribers',
        html`<h1>${s.email}</h1>
          ${done ? html`<p class="notice" role="status">${done === 'removed' ? 'Removed: no further digests; the history is kept.' : 'Active again: the next digest goes to this address.'}</p>` : ''}
          <table class="headers">
            <tr><td>Name</td><td>${s.name ?? ''}</td></tr>
            <tr><td>Status</td><td>${s.status}${s.statusReason ? ` (${s.statusReason})` : ''}</td></tr>
            <tr><td>Topics</td><td>${s.topics.length ? s.topics.join(', ') : 'none: the day’s top papers'}</td></tr>
            <tr><td>Frequency</td><td>${s.frequency === 'weekly' ? `weekly, on ${WEEKDAY_NAMES[s.weekday]}` : 'daily'}</td></tr>
            <tr><td>Paused until</td><td>${s.pausedUntil?.slice(0, 10) ?? '—'}</td></tr>
            <tr><td>Soft bounces</td><td>${s.softBounces} in a row</td></tr>
            <tr><td>Added</td><td>${s.createdAt.slice(0, 16).replace('T', ' ')} UTC</td></tr>
            <tr><td>Confirmed</td><td>${s.confirmedAt ? `${s.confirmedAt.slice(0, 16).replace('T', ' ')} UTC` : '—'}</td></tr>
          </table>
          <div class="controls">${
            s.status === 'unsubscribed' || s.status === 'bounced'
              ? action('resubscribe', 'Resubscribe')
              : action('remove', 'Remove', 'secondary')
          }</div>
          <p class="muted">${
            s.status === 'unsubscribed' || s.status === 'bounced'
              ? 'Resubscribe only when the reader asked to come back.'
              : 'Remove suppresses the address: no further digest, and an import does not bring it back.'
          }</p>
          <h2>Deliveries</h2>
          ${
            deliveries.length
              ? html`<div class="wrap-table"><table><thead><tr><th class="nowrap">Digest</th><th>Status</th><th class="num">Attempts</th><th class="nowrap">Sent</th><th>Last error</th></tr></thead><tbody>${deliveries.map(
                  (d) =>
                    html`<tr><td class="nowrap"><a href="/admin/digests/${d.date}">${d.date}</a></td><td>${d.status}</td><td class="num">${d.attempts}</td><td class="nowrap">${d.sentAt ? d.sentAt.slice(11, 16) : ''}</td><td>${d.lastError ?? ''}</td></tr>`,
                )}</tbody></table></div>`
              : html`<p class="muted">None yet.</p>`
          }
          <h2>Bounces</h2>
          ${
            bounces.length
              ? html`<div class="wrap-table"><table><thead><tr><th class="nowrap">When</th><th>Kind</th><th>From</th><th>Status</th><th>Detail</th></tr></thead><tbody>${bounces.map(
                  (b) =>
                    html`<tr><td class="nowrap">${b.created_at.slice(0, 16).replace('T', ' ')}</td><td>${b.kind}</td><td>${b.source}</td><td>${b.status}</td><td>${b.detail ?? ''}</td></tr>`,
                )}</tbody></table></div>`
              : html`<p class="muted">None.</p>`
          }
          <h2>Votes</h2>
          ${
            votes.length
              ? html`<ul>${votes.map((v) => html`<li>${v.at.slice(0, 10)} · ${v.vote > 0 ? 'More like this' : 'Less like this'} · ${v.paper.title}</li>`)}</ul>`
              : html`<p class="muted">None.</p>`
          }
          <p><a href="/admin/subscribers">All subscribers</a></p>`,
      ),
    );
  });

  const change = (what: 'remove' | 'resubscribe') => async (c: Context) => {
    const s = await findSubscriber(ctx.db, Number(c.req.param('id')));
    if (!s) return c.html(adminPage('Not found', 'subscribers', html`<h1>No such subscriber</h1>`), 404);
    if (what === 'remove') await setSubscriberStatus(ctx.db, s.id, 'unsubscribed', 'removed');
    else await setSubscriberStatus(ctx.db, s.id, 'active');
    ctx.log.info(
      { event: `admin.subscriber.${what}`, subscriber_id: s.id },
      `${s.email} ${what === 'remove' ? 'removed' : 'resubscribed'} by an admin`,
    );
    return c.redirect(`/admin/subscribers/${s.id}?done=${what === 'remove' ? 'removed' : 'resubscribed'}`, 303);
  };
  app.post('/admin/subscribers/:id{[0-9]+}/remove', change('remove'));
  app.post('/admin/subscribers/:id{[0-9]+}/resubscribe', change('resubscribe'));
}

function importAnswer(body: ReturnType<typeof html>) {
  return adminPage(
    'Import',
    'subscribers',
    html`<h1>Import</h1>${body}<p><a href="/admin/subscribers">Subscribers</a></p>`,
  );
}
