import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { errorMessage, isPaperboyError } from '../../errors.js';
import { digestStatus } from '../../pipeline/admin-status.js';
import type { AppContext } from '../../pipeline/context.js';
import { recentDigests } from '../../pipeline/digests.js';
import { runDigest } from '../../pipeline/run-digest.js';
import { controlSend, type SendRegistry } from '../../pipeline/sends.js';
import { dateProblem } from '../../select/dates.js';

const SendBody = z.strictObject({
  dryRun: z.boolean({ error: '"dryRun" must be true or false' }).optional(),
  to: z.string({ error: '"to" must be an email address' }).optional(),
});
const NoBody = z.strictObject({});

/**
 * The JSON body of a call, validated: an empty body is `{}`; anything else must be a JSON object
 * with only the schema's fields, of their types. The error names the field.
 */
async function jsonBody<T extends z.ZodType>(
  c: Context,
  schema: T,
  fields: string,
): Promise<{ ok: true; body: z.infer<T> } | { ok: false; error: string }> {
  const text = await c.req.text();
  let value: unknown = {};
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      return { ok: false, error: 'the body is not JSON' };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: fields === '' ? 'this call takes no body' : 'the body must be a JSON object' };
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, body: parsed.data };
  const issue = parsed.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    return {
      ok: false,
      error: `unknown field "${issue.keys[0]}" (${fields === '' ? 'this call takes no body' : `the fields are ${fields}`})`,
    };
  }
  return { ok: false, error: issue?.message ?? 'the body is not valid' };
}

/**
 * The admin API (JSON, `Authorization: Bearer PAPERBOY_ADMIN_TOKEN`):
 * `GET /api/digests`, `GET /api/digests/:date`, `POST /api/digests/:date/send` with
 * `{"dryRun"?: bool, "to"?: email}` (an empty body starts the send) — the same as the CLI's
 * `send` — and `POST /api/digests/:date/pause|resume|cancel`, which take no body. A body of any
 * other shape is answered 400 naming the field, and nothing starts.
 */
export function adminApi(app: Hono, ctx: AppContext, sends: SendRegistry): void {
  app.get('/api/digests', async (c) => c.json({ digests: await recentDigests(ctx, 100) }));

  app.get('/api/digests/:date', async (c) => {
    const date = c.req.param('date');
    if (dateProblem(date)) return c.json({ error: dateProblem(date) }, 400);
    const s = await digestStatus(ctx, sends, date);
    return s.status === 'none' && !s.running ? c.json({ error: `no digest for ${date}` }, 404) : c.json(s);
  });

  app.post('/api/digests/:date/:action{pause|resume|cancel}', async (c) => {
    const date = c.req.param('date');
    if (dateProblem(date)) return c.json({ error: dateProblem(date) }, 400);
    const input = await jsonBody(c, NoBody, '');
    if (!input.ok) return c.json({ error: input.error }, 400);
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
    if (dateProblem(date)) return c.json({ error: dateProblem(date) }, 400);
    const input = await jsonBody(c, SendBody, '"dryRun" and "to"');
    if (!input.ok) return c.json({ error: input.error }, 400);
    const body = input.body;
    try {
      if (body.dryRun === true || body.to !== undefined) {
        const report = await runDigest(ctx, { date, dryRun: body.dryRun === true, to: body.to });
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
