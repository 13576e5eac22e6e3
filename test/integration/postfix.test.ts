import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDkimKey } from '../../src/dkim.js';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { deliveryById, deliveryByMessageId } from '../../src/store/deliveries.js';
import { findSubscriberByEmail, upsertSubscriber } from '../../src/store/subscribers.js';
import { signToken, verifyToken } from '../../src/subscribers/tokens.js';
import { unsubscribeMailAddress } from '../../src/subscribers/unsubscribe-mail.js';
import { dkimChecker, MUST_SIGN, signedHeaders } from '../helpers/dkim.js';
import { sampleTopTitles } from '../helpers/papers.js';
import { type PostfixInstance, startPostfix } from '../helpers/postfix.js';
import { rawHeaders } from '../helpers/smtp-sink.js';
import { expectNobodyBounced, startTestApp, TEST_SECRET, type TestApp } from '../helpers/test-app.js';

const DATE = '2026-11-28';
const FROM_DOMAIN = 'papers.example.org';
const BOUNCE_DOMAIN = 'bounces.papers.example.org';
const MAILTO = 'unsubscribe@papers.example.org';

let app: TestApp | undefined;
let mta: PostfixInstance | undefined;
afterEach(async () => {
  await app?.close();
  await mta?.stop();
  app = mta = undefined;
});

describe('a digest through a real MTA (Postfix)', () => {
  it('is delivered by Postfix into a Maildir, one file per subscriber, DKIM intact under the headers Postfix adds', async () => {
    // Fails loudly ("Postfix is required for this test: …") when Postfix is missing or cannot start.
    mta = await startPostfix({ domain: 'readers.test' });
    const readers = [
      { email: 'ada@readers.test', name: 'Ada Lovelace' },
      { email: 'zoe@readers.test', name: 'Zoë Ångström-Þórsdóttir' },
      { email: 'mei@readers.test', name: '王美丽' },
      { email: 'bob@readers.test', name: null },
    ];

    const key = makeDkimKey(FROM_DOMAIN, 'pb1');
    const smtpUrl = mta.smtpUrl;
    app = await startTestApp((dir) => {
      const file = path.join(dir, 'dkim.pem');
      writeFileSync(file, key.privateKey, { mode: 0o600 });
      return {
        PAPERBOY_SMTP_URL: smtpUrl,
        PAPERBOY_DKIM_DOMAIN: FROM_DOMAIN,
        PAPERBOY_DKIM_SELECTOR: 'pb1',
        PAPERBOY_DKIM_KEY: file,
        PAPERBOY_BOUNCE_DOMAIN: BOUNCE_DOMAIN,
        PAPERBOY_UNSUBSCRIBE_MAILTO: MAILTO,
      };
    });
    for (const r of readers) await upsertSubscriber(app.ctx.db, { email: r.email, name: r.name, status: 'active' });

    const report = await runDigest(app.ctx, { date: DATE });
    expect({ sent: report.sent, failed: report.failed, skipped: report.skipped }).toEqual({
      sent: readers.length,
      failed: 0,
      skipped: 0,
    });

    // Postfix accepted them; now it queues and delivers on its own schedule.
    const files = await mta.waitForDelivery(readers.length, 60_000);
    expect(files).toHaveLength(readers.length);

    // The stub DNS holding the TXT record `paperboy dkim keygen` prints.
    const verify = dkimChecker(key);

    const titles = sampleTopTitles();
    const seen = new Map<string, string>();
    for (const file of files) {
      const raw = readFileSync(file, 'utf8');
      const mail = await simpleParser(raw);
      const to = mail.to && !Array.isArray(mail.to) ? mail.to.value : [];
      expect(to, file).toHaveLength(1);
      const address = to[0]?.address ?? '';
      const reader = readers.find((r) => r.email === address);
      expect(reader, `an address nobody subscribed: ${address}`).toBeDefined();
      expect(seen.has(address), `a second file for ${address}`).toBe(false);
      seen.set(address, file);
      expect(to[0]?.name ?? '').toBe(reader?.name ?? '');
      const sub = await findSubscriberByEmail(app.ctx.db, address);
      if (!sub) throw new Error(`no subscriber ${address}`);

      // What Postfix itself wrote above the message: the envelope sender and its Received line.
      const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
      expect(head.split(/\r?\n/)[0]).toMatch(/^Return-Path: </);
      const returnPath = rawHeaders(raw, 'return-path');
      expect(returnPath).toHaveLength(1);
      const verp = /^<bounce\+([^@>]+)@([^>]+)>$/.exec(returnPath[0] ?? '');
      expect(verp?.[2]).toBe(BOUNCE_DOMAIN);
      const deliveryId = verifyToken(TEST_SECRET, 'bounce', verp?.[1] ?? '');
      expect(deliveryId).not.toBeNull();
      expect((await deliveryById(app.ctx.db, deliveryId ?? 0))?.subscriberId).toBe(sub.id);
      expect(rawHeaders(raw, 'delivered-to')).toEqual([address]);
      const received = rawHeaders(raw, 'received');
      expect(received.some((r) => /by mta\.paperboy\.test \(Postfix\) with E?SMTP id \w+ for <[^>]+>/.test(r))).toBe(
        true,
      );
      expect(received.find((r) => r.includes('(Postfix)'))).toContain(`for <${address}>`);
      // Postfix's headers sit above the signature (they are not signed, and need not be).
      const lines = head.split(/\r?\n/);
      const firstSignature = lines.findIndex((l) => /^dkim-signature:/i.test(l));
      const postfixReceived = lines.findIndex((l) => /^received:/i.test(l));
      expect(firstSignature).toBeGreaterThan(postfixReceived);

      // DKIM still verifies after Postfix handled the message.
      const dkim = await verify(raw);
      expect(dkim.results).toHaveLength(1);
      const [sig] = dkim.results;
      expect(sig?.status.result, JSON.stringify(sig?.status)).toBe('pass');
      expect(sig?.signingDomain).toBe(FROM_DOMAIN);
      expect(sig?.selector).toBe('pb1');
      const h = signedHeaders(raw);
      for (const name of MUST_SIGN) expect(h, name).toContain(name);

      // The message's own headers, as specified.
      for (const name of ['from', 'to', 'subject', 'date', 'message-id']) {
        expect(rawHeaders(raw, name), name).toHaveLength(1);
      }
      expect(mail.from?.value).toEqual([{ name: 'Daily Papers', address: `digest@${FROM_DOMAIN}` }]);
      expect(mail.subject).toBe(`Daily Papers · 28 Nov 2026 · ${titles[0]} + 9 more`);
      expect(mail.date).toBeInstanceOf(Date);
      expect(mail.messageId).toMatch(new RegExp(`^<${DATE}\\.${sub.id}\\.[0-9a-f]{16}@papers\\.example\\.org>$`));
      expect((await deliveryByMessageId(app.ctx.db, mail.messageId ?? ''))?.id).toBe(deliveryId);
      const unsubscribe = `https://${FROM_DOMAIN}/u/${signToken(TEST_SECRET, 'unsubscribe', sub.id)}`;
      // With a bounce domain the mailto is the reader's own (PAPERBOY_UNSUBSCRIBE_MAILTO is set and unused).
      const mailto = unsubscribeMailAddress(TEST_SECRET, sub.id, BOUNCE_DOMAIN);
      expect(mailto).not.toContain(MAILTO);
      expect(rawHeaders(raw, 'list-unsubscribe')).toEqual([`<${unsubscribe}>, <mailto:${mailto}?subject=unsubscribe>`]);
      expect(rawHeaders(raw, 'list-unsubscribe-post')).toEqual(['List-Unsubscribe=One-Click']);
      expect(rawHeaders(raw, 'list-id')).toEqual([`Daily Papers <daily-papers.${FROM_DOMAIN}>`]);

      // Both parts: the text part with every title and the unsubscribe URL, the HTML with the titles.
      const text = mail.text ?? '';
      const flat = text.replace(/\s+/g, ' ');
      for (const t of titles) expect(flat).toContain(t);
      expect(text).toContain(`Unsubscribe: ${unsubscribe}`);
      expect(text).not.toMatch(/<[a-z][^>]*>/i);
      const html = typeof mail.html === 'string' ? mail.html : '';
      expect(html).toMatch(/^<!doctype html>/i);
      for (const t of titles) expect(html).toContain(Handlebars.Utils.escapeExpression(t));
      expect(html).toContain(`href="${unsubscribe}"`);
    }
    expect([...seen.keys()].sort()).toEqual(readers.map((r) => r.email).sort());
    // Postfix delivered each message once: no more files, no more deliveries in its log.
    expect(mta.delivered()).toHaveLength(readers.length);
    expect(mta.log().match(/ status=sent \(delivered to maildir\)/g)).toHaveLength(readers.length);

    // The verification is real: a header changed after signing fails it.
    const one = readFileSync(files[0] ?? '', 'utf8');
    const tampered = one.replace(/^Subject: /m, 'Subject: X');
    expect(tampered).not.toBe(one);
    const bad = await verify(tampered);
    expect(bad.results[0]?.status.result).toBe('fail');
  }, 120_000);

  it('refusing to relay (554 5.7.1) bounces nobody: the readers it takes get the digest, the send stops after a streak, the rest stay pending', async () => {
    mta = await startPostfix({ domain: 'readers.test', relayDenied: true });
    const local = ['ada@readers.test', 'bob@readers.test'];
    const far = Array.from({ length: 30 }, (_, i) => `reader${i + 1}@far${i % 4}.example`);
    const smtpUrl = mta.smtpUrl;
    app = await startTestApp({ PAPERBOY_SMTP_URL: smtpUrl });
    for (const email of [...local, ...far]) await upsertSubscriber(app.ctx.db, { email, name: null, status: 'active' });

    const err = await runDigest(app.ctx, { date: DATE }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ESEND' });
    expect((err as Error).message).toMatch(
      new RegExp(
        `^SMTP 127\\.0\\.0\\.1:${mta.port} refused 10 messages in a row: 554 5\\.7\\.1 <reader\\d+@far\\d\\.example>: Relay access denied$`,
      ),
    );
    const files = await mta.waitForDelivery(local.length, 60_000);
    expect(files).toHaveLength(local.length);
    await expectNobodyBounced(app, [...local, ...far]);
    for (const email of [...local, ...far]) {
      const s = await findSubscriberByEmail(app.ctx.db, email);
      const delivery = await app.ctx.db
        .selectFrom('deliveries')
        .select('status')
        .where('subscriber_id', '=', s?.id ?? 0)
        .executeTakeFirstOrThrow();
      expect({ email, status: delivery.status }).toEqual({ email, status: local.includes(email) ? 'sent' : 'pending' });
    }
  });
});
