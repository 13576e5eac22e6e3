import type { SubscriberStatus } from '../../domain.js';
import { PaperboyError } from '../../errors.js';
import { emailProblem, normalizeEmail } from '../../subscribers/email.js';

export const STATUSES: SubscriberStatus[] = ['pending', 'active', 'unsubscribed', 'bounced'];

/** An address given on the command line, normalized, or EUSAGE saying what is wrong with it. */
export function emailArg(value: string): string {
  const email = normalizeEmail(value);
  if (!email) throw new PaperboyError('EUSAGE', `"${value}" is not an email address: ${emailProblem(value)}`);
  return email;
}

/** `--status`: one of STATUSES, or EUSAGE. */
export function statusOption(value: string | undefined): SubscriberStatus | undefined {
  if (value !== undefined && !STATUSES.includes(value as SubscriberStatus)) {
    throw new PaperboyError('EUSAGE', `--status: "${value}" is not one of ${STATUSES.join(', ')}`);
  }
  return value as SubscriberStatus | undefined;
}
