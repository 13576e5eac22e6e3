import type { Hono } from 'hono';
import { errorMessage, isPaperboyError } from '../../errors.js';
import type { AppContext } from '../../pipeline/context.js';
import { runDigest } from '../../pipeline/run-digest.js';
import { controlSend, type SendRegistry } from '../../pipeline/sends.js';
import { isIsoDate } from '../../select/dates.js';
import { listDigests } from '../../store/digests.js';
import { digestStatus } from './status.js';

/**
 * The admin API (JSON, `Authorization: Bearer PAPERBOY_ADMIN_TOKEN`):
 * `GET /api/digests`, `GET /api/digests/:date`, `POST /api/digests/:date/send` with
 * `{"dryRun"?: bool, "to"?: email}` — the same as the CLI's `send` — and
 * `POST /api/digests/:date/pause|resume|cancel`.
 */
export function adminApi(app: Hono, ctx: AppContext, sends: SendRegistry): void {
  app.get('/api/digests', async (c) => c.json({ digests: await listDigests(ctx.db, 100) }));

  app.get('/api/digests/:date', async (c) => {
    const date = c.req.param('date');
    if (!isIsoDate(date)) return c.json({ error: `"${date}" is not a date (YYYY-MM-DD)` }, 400);
    const s = await digestStatus(ctx, sends, date);
    return s.status === 'none' && !s.running ? c.json({ error: `no digest for ${date}` }, 404) : c.json(s);
  });

  app.post('/api/digests/:date/:action{pause|resume|cancel}', async (c) => {
    const date = c.req.param('date');
    if (!isIsoDate(date)) return c.json({ error: `"${date}" is not a date (YYYY-MM-DD)` }, 400);
    try {
      return c.json(await controlSend(ctx, sends, date, c.req.param('action') as 'pause' | 'resume' | 'cancel'));
    } catch (err) {
      if (isPaperboyError(err, 'ENOTFOUND')) return c.json({ error: errorMessage(err) }, 404);
      if (isPaperboyError(err, 'EBUSY')) return c.json({ error: errorMessage(err) }, 409);
      return c.json({ error: errorMessage(err) }, 500);
    }
  });

  app.post('/api/digests/:date/send', async (c) => {
    const date = c.req.param('date');
    if (!isIsoDate(date)) return c.json({ error: `"${date}" is not a date (YYYY-MM-DD)` }, 400);
    let body: { dryRun?: unknown; to?: unknown } = {};
    try {
      const text = await c.req.text();
      body = text ? (JSON.parse(text) as typeof body) : {};
    } catch {
      return c.json({ error: 'the body is not JSON' }, 400);
    }
    if (body.to !== undefined && typeof body.to !== 'string')
      return c.json({ error: '"to" must be an email address' }, 400);
    try {
      if (body.dryRun === true || typeof body.to === 'string') {
        const report = await runDigest(ctx, { date, dryRun: body.dryRun === true, to: body.to as string | undefined });
        return c.json(report);
      }
      sends.start(date);
      ctx.log.info({ event: 'admin.send.started', digest_date: date }, `send of ${date} started from the API`);
      return c.json({ date, started: true, status: `/api/digests/${date}` }, 202);
    } catch (err) {
      if (isPaperboyError(err, 'EBUSY')) return c.json({ error: errorMessage(err) }, 409);
      if (isPaperboyError(err, 'EUSAGE')) return c.json({ error: errorMessage(err) }, 400);
      if (isPaperboyError(err, 'ENOPAPERS')) return c.json({ error: errorMessage(err) }, 422);
      return c.json({ error: errorMessage(err) }, 500);
    }
  });
}
