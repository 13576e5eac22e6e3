import type { SubscriberStatus } from '../domain.js';
import { countSubscribersByStatus, subscribersPage } from '../store/subscribers.js';
import type { AppContext } from './context.js';

/** One page of the admin's subscriber list (keyset: the last id seen) and the counts by status. */
export async function subscriberList(
  ctx: AppContext,
  opts: { afterId: number; limit: number; status?: SubscriberStatus; search?: string },
) {
  const rows = await subscribersPage(ctx.db, opts);
  const counts = await countSubscribersByStatus(ctx.db);
  return { rows, counts };
}
