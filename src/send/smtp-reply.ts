import { PaperboyError } from '../errors.js';
import { enhancedStatus, statusKind } from '../smtp-status.js';
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

/** One line for the ledger: "451 4.3.0 Try again later". */
export function failureText(err: SmtpError): string {
  return (err.response ?? err.message).replace(/\s+/g, ' ').trim().slice(0, 500);
}
