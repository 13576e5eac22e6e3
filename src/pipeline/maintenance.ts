import { errorMessage } from '../errors.js';
import { expireSignUps } from '../subscribers/lifecycle.js';
import type { AppContext } from './context.js';
import { processBounceMaildir } from './process-bounces.js';

/** Deletes sign-ups that were never confirmed within PAPERBOY_CONFIRM_TTL_DAYS. */
export async function expireUnconfirmed(ctx: AppContext, now = Date.now()): Promise<number> {
  const before = new Date(now - ctx.config.confirmTtlDays * 86_400_000).toISOString();
  const n = await expireSignUps(ctx.db, before);
  if (n > 0) ctx.log.info({ event: 'subscriber.pending.expired', count: n }, `${n} unconfirmed sign-ups expired`);
  return n;
}

/** What `serve` does every few minutes: expire unconfirmed sign-ups, apply bounce reports and unsubscribe mails. */
export async function maintain(ctx: AppContext): Promise<void> {
  try {
    await expireUnconfirmed(ctx);
    if (ctx.config.bounceMaildir) {
      const r = await processBounceMaildir(ctx, ctx.config.bounceMaildir);
      if (r.files > 0)
        ctx.log.info(
          { event: 'bounce.maildir.processed', ...r },
          `${r.files} bounce reports and unsubscribe mails read`,
        );
    }
  } catch (err) {
    ctx.log.error({ event: 'maintenance.failed', err: errorMessage(err) }, errorMessage(err));
  }
}
