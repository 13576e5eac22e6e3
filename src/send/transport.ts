import type Mail from 'nodemailer/lib/mailer/index.js';

/**
 * nodemailer's message options. paperboy hands over a ready `raw` message with its `envelope`,
 * signed already when a DKIM key is set, which nodemailer sends as it is: a digest assembled by
 * assemble.ts, the confirmation composed and signed by composed.ts.
 */
export type OutgoingMessage = Mail.Options;

export interface TransportResult {
  /** The server's reply (SMTP) or where the message was written (outbox). */
  response: string;
}

/**
 * Where messages go. The send loop knows only this: SMTP and the outbox folder are adapters.
 * A failed send throws an Error with `responseCode` (the SMTP reply code) when the server gave one.
 */
export interface Transport {
  readonly kind: 'smtp' | 'outbox';
  readonly description: string;
  /** Once this settles, the transport must not read `message.raw` again: the send loop reuses its bytes. */
  send(message: OutgoingMessage): Promise<TransportResult>;
  /** Checks that messages can go: the SMTP server answers EHLO and accepts the login; the outbox is writable. */
  verify(): Promise<void>;
  close(): Promise<void>;
}

export interface SmtpError extends Error {
  responseCode?: number;
  response?: string;
  code?: string;
  /** The SMTP command the server answered (nodemailer's: 'CONN', 'EHLO', 'AUTH PLAIN', 'MAIL FROM', 'RCPT TO', 'DATA', …). */
  command?: string;
}
