import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Env } from '../../src/config.js';
import { processBounceMaildir } from '../../src/pipeline/process-bounces.js';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { signUp } from '../../src/pipeline/sign-up.js';
import { signToken } from '../../src/subscribers/tokens.js';
import { NO_BOUNCE_RUN } from '../helpers/bounce-run.js';
import { rawHeaders, type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, ROOT, startTestApp, TEST_SECRET, type TestApp } from '../helpers/test-app.js';

/**
 * The double opt-in email as the filters see it: two links in each part (one link alone scores
 * URI_COUNT_ODD), the digests' Feedback-ID, and the digests' VERP envelope with a token of its own.
 */

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
afterEach(async () => {
  await app?.close();
  await sink?.close();
  app = sink = undefined;
});

async function confirmation(extra: Env) {
  sink = await startSmtpSink();
  app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, ...extra });
  const { subscriber } = await signUp(app.ctx, { email: 'new.reader@example.com' });
  const [m] = sink.to('new.reader@example.com');
  if (!m) throw new Error('no confirmation arrived');
  return { m, id: subscriber.id };
}

const links = (html: string) => [...html.matchAll(/<a\s[^>]*href="([^"]*)"/g)].map((x) => x[1]);

describe('the confirmation email', () => {
  it('links the confirmation and the home page in both parts, and carries the Feedback-ID', async () => {
    const { m } = await confirmation({ PAPERBOY_FEEDBACK_ID: 'daily:papers:paperboy' });
    const html = String(m.mail.html);
    const confirm = /https:\/\/papers\.example\.org\/confirm\/[\w.-]+/.exec(html)?.[0];
    expect(links(html)).toEqual([confirm, 'https://papers.example.org/']);
    expect([...(m.mail.text ?? '').matchAll(/https?:\/\/\S+/g)].map((x) => x[0])).toEqual([
      confirm,
      'https://papers.example.org/',
    ]);
    expect(rawHeaders(m.raw, 'feedback-id')).toEqual(['daily:papers:paperboy']);
    // Not a list message: no list fields, no Precedence.
    expect(rawHeaders(m.raw, 'precedence')).toEqual([]);
    expect(rawHeaders(m.raw, 'list-unsubscribe')).toEqual([]);
  });

  it("goes out from the bounce domain's VERP address, its token of its own purpose, when one is set", async () => {
    const { m, id } = await confirmation({ PAPERBOY_BOUNCE_DOMAIN: 'bounces.papers.example.org' });
    expect(m.mailFrom).toBe(`bounce+${signToken(TEST_SECRET, 'confirm-bounce', id)}@bounces.papers.example.org`);
    // Never a delivery's token: a bounce of it cannot be taken for a digest's.
    expect(m.mailFrom).not.toContain(signToken(TEST_SECRET, 'bounce', id));
    expect(rawHeaders(m.raw, 'from')).toEqual(['Daily Papers <digest@papers.example.org>']);
  });

  it('a bounce of it records nothing: not taken for the digest delivery of the same number', async () => {
    const { m, id } = await confirmation({ PAPERBOY_BOUNCE_DOMAIN: 'bounces.papers.example.org' });
    const t = app as TestApp;
    // Readers after the sign-up, so that a delivery has the number the new subscriber has.
    await addActive(t, 'ada@example.com', 'bob@example.com');
    await runDigest(t.ctx, { date: '2026-11-28' });
    const first = await t.ctx.db.selectFrom('deliveries').select('id').orderBy('id').executeTakeFirstOrThrow();
    expect(first.id).toBe(id);

    const maildir = path.join(t.dir, 'bounces');
    mkdirSync(path.join(maildir, 'new'), { recursive: true });
    const token = /^bounce\+([^@]+)@/.exec(m.mailFrom)?.[1] ?? '';
    const dsn = readFileSync(path.join(ROOT, 'test', 'fixtures', 'dsn-hard.eml'), 'utf8')
      .replaceAll('TOKEN_PLACEHOLDER', token)
      .replaceAll('RECIPIENT_PLACEHOLDER', 'new.reader@example.com')
      .replaceAll('MESSAGE_ID_PLACEHOLDER', m.mail.messageId ?? '');
    writeFileSync(path.join(maildir, 'new', '1795900805.M1P1.mx'), dsn);
    expect(await processBounceMaildir(t.ctx, maildir)).toEqual({ ...NO_BOUNCE_RUN, files: 1, ignored: 1 });
    const statuses = await t.ctx.db.selectFrom('subscribers').select(['email', 'status']).orderBy('id').execute();
    expect(statuses).toEqual([
      { email: 'new.reader@example.com', status: 'pending' },
      { email: 'ada@example.com', status: 'active' },
      { email: 'bob@example.com', status: 'active' },
    ]);
  });

  it('goes out from the From address without a bounce domain', async () => {
    const { m } = await confirmation({});
    expect(m.mailFrom).toBe('digest@papers.example.org');
    expect(rawHeaders(m.raw, 'feedback-id')).toEqual([]);
  });
});
