import { errorMessage } from '../errors.js';
import { SCHEDULER_LOOP_MS } from '../schedule/scheduler.js';
import { dialectOf } from '../store/db.js';
import { pendingMigrations, queueState } from '../store/health.js';
import type { AppContext } from './context.js';

/** One check of /readyz: ok or not, and a short reason (never a secret or a URL). */
export interface Check {
  ok: boolean;
  detail: string;
}

const STORE_TIMEOUT_MS = 2000;

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms).unref()),
  ]);
}

/**
 * Whether this process can do its work: the store answers and its migrations are current, the
 * scheduler's loop ran within twice its longest sleep (when this process runs one), and on
 * PostgreSQL the queue answers (or is not made yet: the first send makes it).
 */
export async function readiness(
  ctx: AppContext,
  scheduler: { lastLoop(): number | null } | null,
  now = Date.now(),
): Promise<{ ok: boolean; checks: Record<string, Check> }> {
  const checks: Record<string, Check> = {};
  try {
    const pending = await within(pendingMigrations(ctx.db), STORE_TIMEOUT_MS);
    checks.store = { ok: true, detail: 'answers' };
    checks.migrations =
      pending.length === 0
        ? { ok: true, detail: 'current' }
        : { ok: false, detail: `not applied: ${pending.join(', ')}` };
  } catch (err) {
    checks.store = { ok: false, detail: `does not answer: ${errorMessage(err).slice(0, 120)}` };
  }
  if (scheduler) {
    const last = scheduler.lastLoop();
    const late = last === null ? null : now - last;
    checks.scheduler =
      late === null
        ? { ok: false, detail: 'not started' }
        : late <= 2 * SCHEDULER_LOOP_MS
          ? { ok: true, detail: `ran ${Math.round(late / 1000)} s ago` }
          : { ok: false, detail: `last ran ${Math.round(late / 60_000)} min ago` };
  }
  if (dialectOf(ctx.db) === 'postgres' && checks.store?.ok) {
    const schema = `${ctx.config.database.kind === 'postgres' ? (ctx.config.database.schema ?? 'paperboy') : 'paperboy'}_pgboss`;
    try {
      const state = await within(queueState(ctx.db, schema), STORE_TIMEOUT_MS);
      checks.queue = { ok: true, detail: state === 'ok' ? 'answers' : 'not made yet (the first send makes it)' };
    } catch (err) {
      checks.queue = { ok: false, detail: `does not answer: ${errorMessage(err).slice(0, 120)}` };
    }
  }
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}
