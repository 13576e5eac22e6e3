import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, startTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
afterEach(async () => {
  await app?.close();
  await sink?.close();
  app = sink = undefined;
});

const readers = Array.from({ length: 25 }, (_, i) => `reader${i}@example.com`);

describe('messages per SMTP connection (PAPERBOY_SMTP_MAX_MESSAGES)', () => {
  it('opens a new connection after that many messages, and by default keeps one for the whole small send', async () => {
    for (const [max, connections] of [
      ['10', 3],
      [undefined, 1],
    ] as const) {
      sink = await startSmtpSink();
      app = await startTestApp({
        PAPERBOY_SMTP_URL: sink.url,
        PAPERBOY_SMTP_POOL: '1',
        ...(max ? { PAPERBOY_SMTP_MAX_MESSAGES: max } : {}),
      });
      await addActive(app, ...readers);
      expect((await runDigest(app.ctx, { date: '2026-11-28' })).sent).toBe(25);
      expect({ max, connections: sink.connections() }).toEqual({ max, connections });
      await app.close();
      await sink.close();
      app = sink = undefined;
    }
  });
});
