import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { SmtpError, Transport } from './transport.js';

/**
 * nodemailer's pooled SMTP transport from `smtp://user:pass@host:port` or `smtps://…`.
 * Query parameters `?requireTLS=true`, `?ignoreTLS=true`, `?rejectUnauthorized=false` are honoured.
 */
export function smtpTransport(
  url: string,
  opts: {
    pool: number;
    maxMessages?: number;
    /** Connection, greeting and socket timeouts (doctor: short). */
    timeoutMs?: number;
    /** The host name given in EHLO (PAPERBOY_SMTP_NAME); nodemailer's default is the machine's name or [IP]. */
    name?: string;
  },
): Transport {
  const u = new URL(url);
  const secure = u.protocol === 'smtps:';
  const q = u.searchParams;
  const options: SMTPPool.Options = {
    pool: true,
    ...(opts.name ? { name: opts.name } : {}),
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    maxConnections: opts.pool,
    // nodemailer's default is 100, and a new connection (TCP, EHLO, STARTTLS, AUTH) every 100
    // messages costs a send of 20,000 messages 200 handshakes per connection: PAPERBOY_SMTP_MAX_MESSAGES.
    maxMessages: opts.maxMessages ?? 1000,
    requireTLS: q.get('requireTLS') === 'true',
    ignoreTLS: q.get('ignoreTLS') === 'true',
    tls: { rejectUnauthorized: q.get('rejectUnauthorized') !== 'false' },
    connectionTimeout: opts.timeoutMs ?? 30_000,
    greetingTimeout: opts.timeoutMs ?? 30_000,
    socketTimeout: opts.timeoutMs ?? 60_000,
  };
  if (u.username) options.auth = { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) };
  const transporter = nodemailer.createTransport(options);
  return {
    kind: 'smtp',
    description: `SMTP ${u.hostname}:${options.port}`,
    async send(message) {
      const info = await transporter.sendMail(message);
      // With one recipient a rejection throws; a partial reject comes back here without a throw.
      if (info.rejected.length > 0) {
        const first = (info as { rejectedErrors?: SmtpError[] }).rejectedErrors?.[0];
        const err: SmtpError = new Error(first?.response ?? `recipient rejected: ${String(info.rejected[0])}`);
        if (first?.responseCode !== undefined) err.responseCode = first.responseCode;
        throw err;
      }
      return { response: info.response };
    },
    async verify() {
      await transporter.verify();
    },
    async close() {
      transporter.close();
    },
  };
}
