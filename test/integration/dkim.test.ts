import { generateKeyPairSync } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { makeDkimKey } from '../../src/dkim.js';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { signUp } from '../../src/pipeline/sign-up.js';
import { runCli } from '../helpers/cli.js';
import { dkimChecker, MUST_SIGN, signedHeaders } from '../helpers/dkim.js';
import { rawHeaders, type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, startTestApp, type TestApp, tempDir, testEnv } from '../helpers/test-app.js';

/**
 * The h= of a digest's signature (DKIM_HEADERS, each oversigned), Feedback-ID set: the fields a
 * digest has are named twice, the ones it lacks (Cc, Reply-To, Sender, In-Reply-To, References) once.
 */
const DIGEST_H =
  'from:from:to:to:cc:reply-to:sender:subject:subject:date:date:message-id:message-id:in-reply-to:references:' +
  'list-id:list-id:list-unsubscribe:list-unsubscribe:list-unsubscribe-post:list-unsubscribe-post:list-archive:list-archive:' +
  'list-help:list-help:list-subscribe:list-subscribe:feedback-id:feedback-id:mime-version:mime-version:content-type:content-type';

/** The first signature's result for a raw message. */
async function result(verify: ReturnType<typeof dkimChecker>, raw: string): Promise<string | undefined> {
  return (await verify(raw)).results[0]?.status.result;
}

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
afterEach(async () => {
  await app?.close();
  await sink?.close();
  app = sink = undefined;
});

describe('DKIM', () => {
  it('signs every message so that it verifies against the published key, List-Unsubscribe-Post included', async () => {
    sink = await startSmtpSink();
    const key = makeDkimKey('papers.example.org', 'pb1');
    const smtp = sink.url;
    app = await startTestApp((dir) => {
      const file = path.join(dir, 'dkim.pem');
      writeFileSync(file, key.privateKey);
      return {
        PAPERBOY_SMTP_URL: smtp,
        PAPERBOY_DKIM_DOMAIN: 'papers.example.org',
        PAPERBOY_DKIM_SELECTOR: 'pb1',
        PAPERBOY_DKIM_KEY: file,
        PAPERBOY_FEEDBACK_ID: 'daily:papers:paperboy',
      };
    });
    await addActive(app, 'ada@example.com', 'bob@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    expect(sink.received).toHaveLength(2);

    // A stub DNS holding the TXT record `paperboy dkim keygen` prints.
    const verify = dkimChecker(key);
    for (const m of sink.received) {
      const result = await verify(m.raw);
      const [sig] = result.results;
      expect(sig?.status.result).toBe('pass');
      expect(sig?.signingDomain).toBe('papers.example.org');
      expect(sig?.selector).toBe('pb1');
      const h = signedHeaders(m.raw);
      for (const name of MUST_SIGN) expect(h, name).toContain(name);
      // Every field once, and once more where a copy added in transit must break the signature.
      expect(h.join(':')).toBe(DIGEST_H);
      expect(rawHeaders(m.raw, 'feedback-id')).toEqual(['daily:papers:paperboy']);
    }
    const raw = sink.received[0]?.raw ?? '';
    // A changed header breaks the signature: the check is real.
    expect(await result(verify, raw.replace(/^Subject: /m, 'Subject: X'))).toBe('fail');
    // So does a field added above the signed ones (oversigned): a second Subject, From, List-Unsubscribe
    // or Content-Type, and a Reply-To the digest lacks (replies to the signed message would go elsewhere).
    for (const added of [
      'Subject: You won a prize',
      'From: Bank <security@bank.example>',
      'List-Unsubscribe: <https://evil.example/u>',
      'Reply-To: attacker@evil.example',
      'Content-Type: text/plain; charset=us-ascii',
      'Feedback-ID: x:y:z',
    ]) {
      expect(await result(verify, `${added}\r\n${raw}`), added).toBe('fail');
    }
    // Below the signature, unchanged, it still passes: the failures are the added fields'.
    expect(await result(verify, raw)).toBe('pass');
  });

  it('signs the confirmation email too', async () => {
    sink = await startSmtpSink();
    const key = makeDkimKey('papers.example.org', 'pb1');
    const smtp = sink.url;
    app = await startTestApp(() => ({
      PAPERBOY_SMTP_URL: smtp,
      PAPERBOY_DKIM_DOMAIN: 'papers.example.org',
      PAPERBOY_DKIM_SELECTOR: 'pb1',
      PAPERBOY_DKIM_KEY: key.privateKey,
    }));
    expect((await signUp(app.ctx, { email: 'new.reader@example.com', name: 'Zoë' })).outcome).toBe('created');
    expect(sink.received).toHaveLength(1);
    const raw = sink.received[0]?.raw ?? '';
    const [sig] = (await dkimChecker(key)(raw)).results;
    expect(sig?.status.result).toBe('pass');
    // The digests' h=: the fields it lacks (the list fields, Feedback-ID unset here) are named once: none may be added.
    expect(signedHeaders(raw).join(':')).toBe(
      'from:from:to:to:cc:reply-to:sender:subject:subject:date:date:message-id:message-id:in-reply-to:references:' +
        'list-id:list-unsubscribe:list-unsubscribe-post:list-archive:list-help:list-subscribe:feedback-id:' +
        'mime-version:mime-version:content-type:content-type',
    );
    for (const added of ['Subject: Urgent', 'Reply-To: attacker@evil.example']) {
      expect(await result(dkimChecker(key), `${added}\r\n${raw}`), added).toBe('fail');
    }
  });

  it('refuses a key under 1024 bits and a half-set configuration at start-up', () => {
    const { dir, cleanup } = tempDir();
    try {
      const weak = generateKeyPairSync('rsa', {
        modulusLength: 512,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      }).privateKey;
      const file = path.join(dir, 'weak.pem');
      writeFileSync(file, weak);
      const env = testEnv(dir, {
        PAPERBOY_DKIM_DOMAIN: 'papers.example.org',
        PAPERBOY_DKIM_SELECTOR: 'pb1',
        PAPERBOY_DKIM_KEY: file,
      });
      expect(() => loadConfig(env, dir)).toThrowError(
        'PAPERBOY_DKIM_KEY: the key has 512 bits; receivers ignore DKIM keys under 1024 bits (make one with: paperboy dkim keygen)',
      );
      expect(() => loadConfig(testEnv(dir, { PAPERBOY_DKIM_DOMAIN: 'papers.example.org' }), dir)).toThrowError(
        'PAPERBOY_DKIM_KEY: set all three of PAPERBOY_DKIM_DOMAIN, PAPERBOY_DKIM_SELECTOR and PAPERBOY_DKIM_KEY, or none',
      );
    } finally {
      cleanup();
    }
  });

  it('`paperboy dkim keygen` writes the key and prints the record; doctor checks alignment with From', async () => {
    const { dir, cleanup } = tempDir();
    try {
      // --out names a folder that does not exist yet: it is made (private), not an ENOENT.
      const keys = path.join(dir, 'keys', 'dkim');
      const gen = await runCli(
        ['dkim', 'keygen', '--selector', 'pb1', '--domain', 'Papers.Example.org', '--out', keys],
        {},
        dir,
      );
      expect([gen.code, gen.stderr]).toEqual([0, '']);
      const file = path.join(keys, 'pb1.Papers.Example.org.private.pem');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(keys).mode & 0o777).toBe(0o700);
      expect(gen.stdout).toMatch(
        /^pb1\._domainkey\.papers\.example\.org\. IN TXT \( "v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]+" ("[A-Za-z0-9+/=]+" )*\)$/m,
      );
      expect(gen.stdout).toContain(`PAPERBOY_DKIM_KEY=${file}\n`);

      const base = {
        ...testEnv(dir, {}),
        PAPERBOY_LOG_LEVEL: 'error',
        PAPERBOY_DKIM_SELECTOR: 'pb1',
        PAPERBOY_DKIM_KEY: file,
      };
      const aligned = await runCli(['doctor'], { ...base, PAPERBOY_DKIM_DOMAIN: 'papers.example.org' }, dir);
      expect(aligned.stdout).toMatch(
        /^ok {4}dkim {6}signed as pb1\._domainkey\.papers\.example\.org \(2048 bits\), aligned with From \(papers\.example\.org\)$/m,
      );
      const misaligned = await runCli(['doctor'], { ...base, PAPERBOY_DKIM_DOMAIN: 'other.example.net' }, dir);
      expect(misaligned.code).toBe(1);
      expect(misaligned.stdout).toContain(
        'FAIL  dkim      the DKIM domain other.example.net is not the From domain papers.example.org: DMARC alignment fails',
      );
    } finally {
      cleanup();
    }
  });
});
