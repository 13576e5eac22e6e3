import { backoffMs, nextPassDue } from './backoff.js';
import { classifyFailure, softBounceCounts } from './smtp-reply.js';
import type { SmtpError } from './transport.js';

/** Where the delivery stands in this pass, and the send's settings: all `decide` needs. */
export interface FailureState {
  /** Tries of this message in a row that met no relay (1 for the first). */
  tries: number;
  /** Earlier deferrals of this delivery by the receiving server in this pass. */
  deferrals: number;
  /** When the receiving server first deferred it past a pass's retries (ISO), or null. */
  deferredSince: string | null;
  /** The send has stopped: nothing more is handed over, nothing waits in the pass. */
  halted: boolean;
  /** Retries of a 4xx or a dropped connection before the delivery is given up (in the pass). */
  retries: number;
  retryDelayMs: number;
  /** How long a deferred delivery stays pending for later passes after its first deferral (0: it fails then). */
  deferLimitMs: number;
  now: number;
}

/** What the send does with a delivery whose message the relay did not take. */
export type Decision =
  /** Try again in this pass after `waitMs`: the relay was not there, or the receiving server deferred it. */
  | { do: 'retry'; cause: 'connection' | 'deferred'; attempt: number; waitMs: number }
  /** Pending for a later pass, not before `notBefore`; `streak`: it counts towards the relay's reject streak. */
  | { do: 'defer'; attempt: number; notBefore: number; since: string; streak: boolean }
  /** Failed, and a bounce of the address: `hard` (5xx about it), `soft` (4xx about it that outlived the deferral limit). */
  | { do: 'bounce'; bounce: 'hard' | 'soft'; attempt?: number }
  /** Failed, not the address's fault (policy, content, relaying): no bounce; counts towards the reject streak. */
  | { do: 'reject'; attempt?: number }
  /** The relay cannot take this send (unreachable, or a setting is wrong): the send stops, the delivery stays pending. */
  | { do: 'stop'; why: 'unreachable' | 'refused' };

/**
 * The failure policy: an SMTP reply (or its absence) and where the delivery stands → settle as
 * failed with or without a bounce, try again, leave pending for later, or stop the send. Pure.
 */
export function decide(err: SmtpError, s: FailureState): Decision {
  const kind = classifyFailure(err);
  if (kind === 'connection') {
    if (s.tries > s.retries) return { do: 'stop', why: 'unreachable' };
    return { do: 'retry', cause: 'connection', attempt: s.tries, waitMs: backoffMs(s.tries, s.retryDelayMs) };
  }
  if (kind === 'permanent') return { do: 'bounce', bounce: 'hard' };
  if (kind === 'rejected') return { do: 'reject' };
  if (kind === 'refused') return { do: 'stop', why: 'refused' };
  return deferral(err, s);
}

/**
 * A 4xx to the recipient or the message (greylisting, a full mailbox, a busy system): tried again
 * with backoff within the pass; past the retries pending for a later pass until `deferLimitMs` after
 * its first such deferral; only then failed, as a soft bounce when the reply is about the address.
 */
function deferral(err: SmtpError, s: FailureState): Decision {
  const attempt = s.deferrals + 1;
  if (attempt <= s.retries && !s.halted) {
    return { do: 'retry', cause: 'deferred', attempt, waitMs: backoffMs(attempt, s.retryDelayMs) };
  }
  const aboutAddress = softBounceCounts(err);
  const since = s.deferredSince ?? new Date(s.now).toISOString();
  if (s.halted || s.now - Date.parse(since) < s.deferLimitMs) {
    const notBefore = nextPassDue(s.now, Date.parse(since));
    return { do: 'defer', attempt, notBefore, since, streak: !aboutAddress && !s.halted };
  }
  // Deferred for policy or by the system, not for the address: no soft bounce.
  return aboutAddress ? { do: 'bounce', bounce: 'soft', attempt } : { do: 'reject', attempt };
}
