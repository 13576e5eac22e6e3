import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface Received {
  /** MAIL FROM and RCPT TO as the server saw them. */
  mailFrom: string;
  rcptTo: string[];
  /** The name the client gave in its greeting (EHLO or HELO). */
  clientName: string;
  raw: string;
  mail: ParsedMail;
}

type RcptRule = (address: string, attempt: number) => { code: number; message: string } | null;

export interface SmtpSink {
  url: string;
  port: number;
  received: Received[];
  /** RCPT TO attempts per address (accepted or not). */
  rcptAttempts: Map<string, number>;
  /** Connections opened so far. */
  connections: () => number;
  /** AUTH attempts so far (with `auth` set), accepted or not. */
  logins: () => number;
  /** MAIL FROM commands so far, accepted or not. */
  mailFroms: () => number;
  to(address: string): Received[];
  close(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 and a free port, keeping every message it accepts,
 * parsed with mailparser. `rcpt` may answer a given address with a 4xx or 5xx code, `mailFrom` the
 * sender; with `auth` the server requires a login and refuses any other (535).
 */
export async function startSmtpSink(
  rcpt: RcptRule = () => null,
  opts: {
    /** How long the server takes to accept message n (1-based): a number, or a function of n. */
    delayMs?: number | ((n: number) => number);
    auth?: { user: string; pass: string };
    mailFrom?: (address: string) => { code: number; message: string } | null;
    /** Listen on this port (a relay that comes back where it was); default: a free one. */
    port?: number;
  } = {},
): Promise<SmtpSink> {
  let accepted = 0;
  const received: Received[] = [];
  const rcptAttempts = new Map<string, number>();
  let connections = 0;
  let logins = 0;
  let mailFroms = 0;
  const refuse = (rule: { code: number; message: string }) =>
    Object.assign(new Error(rule.message), { responseCode: rule.code });
  const server = new SMTPServer({
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    logger: false,
    onConnect(_session, cb) {
      connections++;
      cb();
    },
    onAuth(auth, _session, cb) {
      logins++;
      if (auth.username === opts.auth?.user && auth.password === opts.auth?.pass) cb(null, { user: auth.username });
      else cb(refuse({ code: 535, message: '5.7.8 Authentication credentials invalid' }));
    },
    onMailFrom(address, _session, cb) {
      mailFroms++;
      const rule = opts.mailFrom?.(address.address);
      cb(rule ? refuse(rule) : undefined);
    },
    onRcptTo(address, _session, cb) {
      const addr = address.address.toLowerCase();
      const attempt = (rcptAttempts.get(addr) ?? 0) + 1;
      rcptAttempts.set(addr, attempt);
      const rule = rcpt(addr, attempt);
      if (rule) {
        cb(refuse(rule));
        return;
      }
      cb();
    },
    onData(stream, session: SMTPServerSession, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((mail) => {
            received.push({
              mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              rcptTo: session.envelope.rcptTo.map((r) => r.address),
              clientName: session.hostNameAppearsAs,
              raw: raw.toString('utf8'),
              mail,
            });
            const delay = typeof opts.delayMs === 'function' ? opts.delayMs(++accepted) : (opts.delayMs ?? 0);
            if (delay > 0) setTimeout(cb, delay);
            else cb();
          })
          .catch(cb);
      });
    },
  });
  // A client that dies mid-session (the kill -9 test) resets its connection: smtp-server reports
  // that as an 'error' event, which must not become an uncaught exception of the test process.
  const connectionErrors: Error[] = [];
  server.on('error', (err: Error) => connectionErrors.push(err));
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    rcptAttempts,
    connections: () => connections,
    logins: () => logins,
    mailFroms: () => mailFroms,
    to: (address) => received.filter((r) => r.rcptTo.includes(address)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Every value of header `name` in a raw message, unfolded, exactly as sent. */
export function rawHeaders(raw: string, name: string): string[] {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const prefix = `${name.toLowerCase()}:`;
  return unfolded
    .split(/\r?\n/)
    .filter((l) => l.toLowerCase().startsWith(prefix))
    .map((l) => l.slice(prefix.length).trim());
}

/** Polls until `count` messages have reached `address` (a background send), or fails after `ms`. */
export async function waitForMail(sink: SmtpSink, address: string, count = 1, ms = 10_000): Promise<Received[]> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const got = sink.to(address);
    if (got.length >= count) return got;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no ${count} message(s) for ${address} within ${ms} ms (got ${sink.to(address).length})`);
}

/** The paper titles of a digest's text part, in order (` 1. Title` … `10. Title` lines). */
export function textTitles(text: string | undefined): string[] {
  return [...(text ?? '').matchAll(/^ ?\d+\. (.+)$/gm)].map((m) => m[1] ?? '');
}

/** Per message the sink has for `email`, its paper titles in order. */
export function titlesTo(sink: SmtpSink, email: string): string[][] {
  return sink.to(email).map((m) => textTitles(m.mail.text));
}
