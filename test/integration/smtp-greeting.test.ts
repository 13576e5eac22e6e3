import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { signUp } from '../../src/pipeline/sign-up.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, startTestApp, type TestApp, tempDir, testEnv } from '../helpers/test-app.js';

/**
 * The name paperboy gives in EHLO (PAPERBOY_SMTP_NAME, else the From domain): receivers score a
 * greeting of `[127.0.0.1]` or a machine's private name. Seen by a real SMTP server, on every path
 * a message takes: the digest (one sender on SQLite, the cluster's workers on PostgreSQL, each
 * worker with its own transport when there are several relays) and the confirmation.
 */

let app: TestApp | undefined;
const sinks: SmtpSink[] = [];
afterEach(async () => {
  await app?.close();
  for (const s of sinks.splice(0)) await s.close();
  app = undefined;
});

async function sink(): Promise<SmtpSink> {
  const s = await startSmtpSink();
  sinks.push(s);
  return s;
}

describe('the EHLO name', () => {
  it('is the From domain by default, for the digest and the confirmation', async () => {
    const smtp = await sink();
    app = await startTestApp({ PAPERBOY_SMTP_URL: smtp.url });
    await addActive(app, 'ada@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    await signUp(app.ctx, { email: 'new.reader@example.com' });
    expect(smtp.received.map((m) => [m.rcptTo[0], m.clientName])).toEqual([
      ['ada@example.com', 'papers.example.org'],
      ['new.reader@example.com', 'papers.example.org'],
    ]);
  });

  it('is PAPERBOY_SMTP_NAME when set, through every relay of several', async () => {
    const [one, two] = [await sink(), await sink()];
    app = await startTestApp({
      PAPERBOY_SMTP_URL: `${one.url},${two.url}`,
      PAPERBOY_SMTP_NAME: 'Mail.Papers.Example.org',
    });
    await addActive(app, 'a@example.com', 'b@example.com', 'c@example.com', 'd@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    await signUp(app.ctx, { email: 'new.reader@example.com' });
    const received = [...one.received, ...two.received];
    expect(received).toHaveLength(5);
    expect(new Set(received.map((m) => m.clientName))).toEqual(new Set(['mail.papers.example.org']));
  });

  it('refuses a value that is not a host name, naming the variable and what it expects', () => {
    const { dir, cleanup } = tempDir();
    try {
      for (const bad of ['[127.0.0.1]', 'mail server.example.org', 'mail_1.example.org', '-mail.example.org']) {
        expect(() => loadConfig(testEnv(dir, { PAPERBOY_SMTP_NAME: bad }), dir), bad).toThrowError(
          'PAPERBOY_SMTP_NAME: expected the host name paperboy gives in EHLO, such as mail.example.org (unset: the domain of PAPERBOY_FROM)',
        );
      }
      expect(loadConfig(testEnv(dir, { PAPERBOY_SMTP_NAME: ' mx1.example.org ' }), dir).smtpName).toBe(
        'mx1.example.org',
      );
    } finally {
      cleanup();
    }
  });
});
