import type { IsoDate, Subscriber } from '../domain.js';
import { errorMessage } from '../errors.js';
import { dateProblem } from '../select/dates.js';
import { subscriberByEmail } from '../subscribers/directory.js';
import { normalizeEmail } from '../subscribers/email.js';
import type { AppContext } from './context.js';
import { type Preview, previewDigest } from './preview.js';

/**
 * The admin's preview of `date`, for the reader at `email` or the `edition` number when given: the
 * preview, or why there is none (a bad date, no such reader or edition, a render error).
 */
export async function previewForAdmin(
  ctx: AppContext,
  date: IsoDate,
  email: string | undefined,
  edition: string | undefined,
): Promise<Preview | string> {
  const problem = dateProblem(date);
  if (problem) return problem;
  let subscriber: Subscriber | undefined;
  if (email) {
    const normalized = normalizeEmail(email);
    subscriber = normalized ? await subscriberByEmail(ctx.db, normalized) : undefined;
    if (!subscriber) return `${email} is not a subscriber`;
  }
  if (edition !== undefined && !/^\d+$/.test(edition)) return `edition "${edition}" is not an edition number`;
  try {
    return await previewDigest(ctx, date, subscriber, edition === undefined ? undefined : Number(edition));
  } catch (err) {
    return errorMessage(err);
  }
}
