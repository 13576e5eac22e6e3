import type { SmtpError } from './transport.js';

export type Failure =
  /** 4xx: the server asks to try again later. */
  | 'temporary'
  /** 5xx: the server refused this message for good. */
  | 'permanent'
  /** No SMTP reply at all (connection refused, timeout, TLS): the relay is not there, not the address's fault. */
  | 'connection';

/** How a failed send is treated, from nodemailer's error. */
export function classifyFailure(err: SmtpError): Failure {
  const code = err.responseCode;
  if (typeof code === 'number') {
    if (code >= 500) return 'permanent';
    if (code >= 400) return 'temporary';
  }
  return 'connection';
}

/** Backoff before retry `attempt` (1-based): base, 2×base, 4×base … capped at 5 minutes. */
export function backoffMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** (attempt - 1), 300_000);
}

/** One line for the ledger: "451 4.3.0 Try again later". */
export function failureText(err: SmtpError): string {
  return (err.response ?? err.message).replace(/\s+/g, ' ').trim().slice(0, 500);
}
