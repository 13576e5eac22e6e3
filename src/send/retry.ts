import { PaperboyError } from '../errors.js';
import type { SmtpError } from './transport.js';

export type Failure =
  /** 4xx to the recipient or the message: the server asks to try again later. */
  | 'temporary'
  /** 5xx about the address (no such mailbox, disabled, no route): a hard bounce. */
  | 'permanent'
  /**
   * 5xx to this message, not about the address: policy or content (5.7.x, 5.6.x), size (5.3.4,
   * 5.2.3), protocol, or "relay access denied". The delivery fails without a bounce against the
   * reader; many in a row mean the relay refuses everything (the send loop stops, `rejectStreak`).
   */
  | 'rejected'
  /**
   * No SMTP reply at all (connection refused, timeout, TLS), or a 4xx before the recipient was named
   * (greeting, login, sender: the relay is busy): the relay is not there, not the address's fault.
   */
  | 'connection'
  /**
   * A 5xx before the recipient was named: the relay refused the login, the sender or the message
   * size; or the outbox cannot write (a full disk). A setting is wrong; nothing is the address's
   * fault and no retry can help.
   */
  | 'refused';

/** The SMTP commands whose reply is about this recipient or this message (nodemailer's `command`). */
const ABOUT_THE_MESSAGE = new Set(['RCPT TO', 'DATA']);

/**
 * How a failed send is treated, from nodemailer's error. Only a reply to RCPT TO or to the message
 * itself says anything about the address: a refused login (535) or sender (550 at MAIL FROM) would
 * otherwise mark every reader of the list as bounced, one by one.
 */
export function classifyFailure(err: SmtpError): Failure {
  const code = err.responseCode;
  if (typeof code !== 'number' || code < 400) {
    // nodemailer's own checks, before or without a reply: an address it cannot send to is that
    // address's problem; a sender, login or message it refuses is a setting's.
    if (err.code === 'EENVELOPE') return /recipient/i.test(err.message) ? 'permanent' : 'refused';
    if (err.code === 'EAUTH' || err.code === 'EMESSAGE' || err.code === 'EREQUIRETLS') return 'refused';
    // The outbox could not write the file (a full disk, no permission): no retry helps this run.
    if (err instanceof PaperboyError && err.code === 'ESEND') return 'refused';
    return 'connection';
  }
  const aboutMessage = err.command === undefined || ABOUT_THE_MESSAGE.has(err.command);
  if (!aboutMessage) return code >= 500 ? 'refused' : 'connection';
  if (code < 500) return 'temporary';
  return permanentKind(err.response ?? err.message);
}

/** The enhanced status code (RFC 3463), alone or after the reply code: "550 5.1.1 …" → [5, 1, 1]. */
export function enhancedStatus(reply: string): [number, number, number] | null {
  const m = /^(?:\d{3}[ -])?([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(reply.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/**
 * What a failure's status says, whether permanent (5.x.x) or temporary (4.x.x), in an SMTP reply or
 * a bounce report: about the address (X.1 addressing, X.2.1 mailbox disabled, X.4.1 and X.4.4: the
 * address's domain takes no mail, Microsoft answers an unknown address 5.4.1), a full mailbox
 * (X.2.2), or only this message (policy, content, size, the sending system: X.7.x, X.6.x, X.3.4,
 * X.4.5 quota …), which says nothing about the reader and is never a bounce of theirs.
 */
export function statusKind([, subject, detail]: readonly [number, number, number]): 'address' | 'full' | 'message' {
  if (subject === 1 || (subject === 2 && detail === 1) || (subject === 4 && (detail === 1 || detail === 4))) {
    return 'address';
  }
  if (subject === 2 && detail === 2) return 'full';
  return 'message';
}

/**
 * A 5xx to the recipient or the message. Without an enhanced code, the reply is taken to be about
 * the address unless it says the relay refuses to relay.
 */
function permanentKind(reply: string): Failure {
  const status = enhancedStatus(reply);
  if (!status) return /relay|authenticat/i.test(reply) ? 'rejected' : 'permanent';
  const kind = statusKind(status);
  return kind === 'address' ? 'permanent' : kind === 'full' ? 'temporary' : 'rejected';
}

/**
 * Whether a 4xx to the recipient or the message that outlived the retries is a soft bounce of the
 * address: yes when its status is about the address or mailbox, or it has none; no for the rest
 * (4.7.1 "Relay access denied" from a relay that defers what it will not relay, policy, the system).
 */
export function softBounceCounts(err: SmtpError): boolean {
  const status = enhancedStatus(err.response ?? err.message);
  return status === null || statusKind(status) !== 'message';
}

/** What to fix when the relay refused a send before the recipient (a `refused` failure). */
export function refusedHint(err: SmtpError): string {
  const command = err.command ?? '';
  if (err.code === 'EAUTH' || command.startsWith('AUTH')) {
    return 'the relay refused the login: check the user name and password in PAPERBOY_SMTP_URL (percent-encode special characters); deliveries not yet sent stay pending';
  }
  if (command === 'MAIL FROM') {
    return 'the relay refused the sender or the message: check that PAPERBOY_FROM (and PAPERBOY_BOUNCE_DOMAIN, if set) is an address this relay may send from, and its size limit; deliveries not yet sent stay pending';
  }
  return "check PAPERBOY_SMTP_URL and the relay's log; deliveries not yet sent stay pending";
}

/** Backoff before retry `attempt` (1-based): base, 2×base, 4×base … capped at 5 minutes. */
export function backoffMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** (attempt - 1), 300_000);
}

/** One line for the ledger: "451 4.3.0 Try again later". */
export function failureText(err: SmtpError): string {
  return (err.response ?? err.message).replace(/\s+/g, ' ').trim().slice(0, 500);
}

/**
 * Refusals of the `rejected` kind in a row (no message accepted between them) that mean the relay
 * refuses every message, not a few readers': at least `REJECT_STREAK` across `REJECT_DOMAINS`
 * recipient domains (one domain that blocks the list fails its readers and the send goes on), or
 * `REJECT_STREAK_ONE_DOMAIN` to a single domain.
 */
export const REJECT_STREAK = 10;
export const REJECT_DOMAINS = 3;
export const REJECT_STREAK_ONE_DOMAIN = 100;

/** Consecutive `rejected` refusals of a send, and whether they mean the relay refuses them all. */
export class RejectStreak {
  /** Refusals in the streak. */
  length = 0;
  private readonly domains = new Set<string>();

  /** Counts a refusal to `email`; true when the streak now says the relay refuses every message. */
  add(email: string): boolean {
    this.length++;
    this.domains.add(email.slice(email.lastIndexOf('@') + 1).toLowerCase());
    return (
      (this.length >= REJECT_STREAK && this.domains.size >= REJECT_DOMAINS) || this.length >= REJECT_STREAK_ONE_DOMAIN
    );
  }

  /** A message was accepted: the streak is over. */
  clear(): void {
    if (this.length === 0) return;
    this.length = 0;
    this.domains.clear();
  }
}
