import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context, Hono } from 'hono';
import { stream } from 'hono/streaming';
import { type Subscriber, type SubscriberStatus, WEEKDAY_NAMES } from '../../domain.js';
import { errorMessage } from '../../errors.js';
import { subscriberList } from '../../pipeline/admin-subscribers.js';
import type { AppContext } from '../../pipeline/context.js';
import { listClock } from '../../schedule/waves.js';
import { subscriberById, subscriberHistory, subscriberPagesWithVotes } from '../../subscribers/directory.js';
import { EXPORT_HEADER, exportLine } from '../../subscribers/export-csv.js';
import { importSubscribersCsv } from '../../subscribers/import-csv.js';
import { remove, resubscribe } from '../../subscribers/lifecycle.js';
import { type ListClock, readerClock } from '../../subscribers/reader-clock.js';
import { counted } from '../../text.js';
import { adminMessage, adminView } from './admin-page.js';
import { csrfToken } from './auth.js';

const STATUSES: readonly SubscriberStatus[] = ['active', 'pending', 'unsubscribed', 'bounced'];
const PAGE = 50;
/** Bad rows shown on the import's report (all of them are counted). */
const BAD_SHOWN = 100;
/** A subscriber's latest votes shown on their page. */
const VOTES_SHOWN = 50;

const statusOf = (v: string | undefined): SubscriberStatus | undefined =>
  STATUSES.includes(v as SubscriberStatus) ? (v as SubscriberStatus) : undefined;

const minutes = (iso: string) => iso.slice(0, 16).replace('T', ' ');
const gone = (s: Subscriber) => s.status === 'unsubscribed' || s.status === 'bounced';

/** What a subscriber's page shows of them: each field as its table cell reads. */
function subscriberFields(s: Subscriber, list: ListClock) {
  const clock = readerClock(s, list);
  const byDefault = (yes: boolean) => (yes ? ' (list default)' : '');
  return {
    id: s.id,
    email: s.email,
    name: s.name ?? '',
    status: `${s.status}${s.statusReason ? ` (${s.statusReason})` : ''}`,
    topics: s.topics.length ? s.topics.join(', ') : 'none: the day’s top papers',
    frequency: s.frequency === 'weekly' ? `weekly, on ${WEEKDAY_NAMES[s.weekday]}` : 'daily',
    delivery: `${clock.time}${byDefault(clock.defaultHour)} · ${clock.timezone}${byDefault(clock.defaultZone)}`,
    pausedUntil: s.pausedUntil?.slice(0, 10) ?? '—',
    softBounces: s.softBounces,
    added: minutes(s.createdAt),
    confirmed: s.confirmedAt ? `${minutes(s.confirmedAt)} UTC` : '—',
    action: gone(s)
      ? {
          what: 'resubscribe',
          label: 'Resubscribe',
          cls: '',
          note: 'Resubscribe only when the reader asked to come back.',
        }
      : {
          what: 'remove',
          label: 'Remove',
          cls: 'secondary',
          note: 'Remove suppresses the address: no further digest, and an import does not bring it back.',
        },
  };
}

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
    const { rows, counts } = await subscriberList(ctx, {
      afterId: after,
      limit: PAGE + 1,
      status,
      search: q || undefined,
    });
    const shown = rows.slice(0, PAGE);
    const total = STATUSES.reduce((s, k) => s + counts[k], 0);
    const link = (extra: Record<string, string>) =>
      `/admin/subscribers?${new URLSearchParams({ ...(q ? { q } : {}), ...(status ? { status } : {}), ...extra }).toString()}`;
    return c.html(
      adminView('Subscribers', 'subscribers', 'subscribers', {
        total: counted(total, 'subscriber'),
        counts: STATUSES.map((s) => ({ status: s, count: counts[s], selected: s === status })),
        q,
        status: status ?? null,
        filtered: Boolean(q || status),
        rows: shown.map((s) => ({
          id: s.id,
          email: s.email,
          name: s.name ?? '',
          status: s.status,
          topics: s.topics.join(', '),
          added: s.createdAt.slice(0, 10),
        })),
        firstPage: after > 0 ? link({}) : null,
        nextPage: rows.length > PAGE ? link({ after: String(shown.at(-1)?.id ?? 0) }) : null,
        pageSize: PAGE,
        csrf: csrfToken(ctx, c),
      }),
    );
  });

  app.get('/admin/subscribers/export.csv', async (c) => {
    const status = statusOf(c.req.query('status'));
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="subscribers${status ? `-${status}` : ''}.csv"`);
    c.header('Cache-Control', 'no-store');
    return stream(c, async (out) => {
      await out.write(`${EXPORT_HEADER}\n`);
      for await (const page of subscriberPagesWithVotes(ctx.db, status)) {
        await out.write(`${page.map((r) => exportLine(r.subscriber, r.votes)).join('\n')}\n`);
      }
    });
  });

  app.post('/admin/subscribers/import', async (c) => {
    const body = await c.req.parseBody();
    const file = body.file;
    if (!(file instanceof File) || file.size === 0) {
      return c.html(importAnswer({ error: 'Choose a CSV file to import.' }), 400);
    }
    const dir = await mkdtemp(path.join(tmpdir(), 'paperboy-import-'));
    try {
      const csv = path.join(dir, 'upload.csv');
      await writeFile(csv, Buffer.from(await file.arrayBuffer()));
      const r = await importSubscribersCsv(ctx.db, csv, { resubscribe: body.resubscribe === '1' });
      const name = file.name || 'the file';
      const shown = Math.min(BAD_SHOWN, r.bad.length);
      return c.html(
        importAnswer({
          report: `Imported ${name}: ${counted(r.rows, 'row')} · ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ${r.merged} repeated in the file, ${r.suppressed} left suppressed, ${r.resubscribed} resubscribed, ${counted(r.badCount, 'bad row')} skipped.`,
          bad: r.bad.slice(0, BAD_SHOWN),
          moreBad: r.badCount > shown ? counted(r.badCount - shown, 'more bad row') : null,
        }),
        r.badCount > 0 ? 422 : 200,
      );
    } catch (err) {
      return c.html(importAnswer({ error: `The file was not imported: ${errorMessage(err)}` }), 400);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  const notFound = () => adminMessage('Not found', 'subscribers', 'No such subscriber', null);

  app.get('/admin/subscribers/:id{[0-9]+}', async (c) => {
    const s = await subscriberById(ctx.db, Number(c.req.param('id')));
    if (!s) return c.html(notFound(), 404);
    const { deliveries, bounces, votes } = await subscriberHistory(ctx.db, s.id);
    const done = c.req.query('done');
    return c.html(
      adminView(s.email, 'subscribers', 'subscriber', {
        ...subscriberFields(s, listClock(ctx.config)),
        csrf: csrfToken(ctx, c),
        done: done
          ? done === 'removed'
            ? 'Removed: no further digests; the history is kept.'
            : 'Active again: the next digest goes to this address.'
          : null,
        deliveries: deliveries.map((d) => ({
          date: d.date,
          status: d.status,
          attempts: d.attempts,
          sent: d.sentAt ? d.sentAt.slice(11, 16) : '',
          lastError: d.lastError ?? '',
        })),
        bounces: bounces.map((b) => ({
          when: minutes(b.created_at),
          kind: b.kind,
          source: b.source,
          status: b.status,
          detail: b.detail ?? '',
        })),
        votes: votes.slice(0, VOTES_SHOWN).map((v) => ({
          day: v.at.slice(0, 10),
          vote: v.vote > 0 ? 'More like this' : 'Less like this',
          title: v.paper.title,
        })),
      }),
    );
  });

  const change = (what: 'remove' | 'resubscribe') => async (c: Context) => {
    const s = await subscriberById(ctx.db, Number(c.req.param('id')));
    if (!s) return c.html(notFound(), 404);
    await (what === 'remove' ? remove : resubscribe)(ctx.db, s);
    ctx.log.info(
      { event: `admin.subscriber.${what}`, subscriber_id: s.id },
      `${s.email} ${what === 'remove' ? 'removed' : 'resubscribed'} by an admin`,
    );
    return c.redirect(`/admin/subscribers/${s.id}?done=${what === 'remove' ? 'removed' : 'resubscribed'}`, 303);
  };
  app.post('/admin/subscribers/:id{[0-9]+}/remove', change('remove'));
  app.post('/admin/subscribers/:id{[0-9]+}/resubscribe', change('resubscribe'));
}

/** The import's answer: an error, or the report with its bad rows. */
function importAnswer(a: {
  error?: string;
  report?: string;
  bad?: readonly { line: number; reason: string }[];
  moreBad?: string | null;
}) {
  return adminView('Import', 'subscribers', 'import', {
    error: a.error ?? null,
    report: a.report ?? null,
    bad: a.bad ?? [],
    moreBad: a.moreBad ?? null,
  });
}
