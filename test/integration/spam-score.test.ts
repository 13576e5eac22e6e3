import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../../src/config.js';
import { makeDkimKey } from '../../src/dkim.js';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { signUp } from '../../src/pipeline/sign-up.js';
import { findSubscriberByEmail, upsertSubscriber } from '../../src/store/subscribers.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { type SpamScore, spamScores } from '../helpers/spamassassin.js';
import { hfItem, sourceFile, startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Every kind of message paperboy sends, scored by Debian's SpamAssassin offline
 * (`spamassassin -t -L`, helpers/spamassassin.ts): each must score 0.0 or less. The messages are
 * real ones: sent by the app's send path to an SMTP server in-process and taken from there.
 */

const DATE = '2026-11-28';
let sink: SmtpSink;
const apps: TestApp[] = [];
let scores: Map<string, SpamScore>;

/** The settings of a real deployment: DKIM, a feedback id, a VERP bounce domain. */
function deployment(dir: string, extra: Env = {}): Env {
  const key = makeDkimKey('papers.example.org', 'pb1');
  const file = path.join(dir, 'dkim.pem');
  writeFileSync(file, key.privateKey);
  return {
    PAPERBOY_SMTP_URL: sink.url,
    PAPERBOY_DKIM_DOMAIN: 'papers.example.org',
    PAPERBOY_DKIM_SELECTOR: 'pb1',
    PAPERBOY_DKIM_KEY: file,
    PAPERBOY_FEEDBACK_ID: 'daily:papers:paperboy',
    PAPERBOY_BOUNCE_DOMAIN: 'bounces.papers.example.org',
    ...extra,
  };
}

/** 40 papers with long abstracts and long author lists: the digest is shortened to fit its budget. */
const HEAVY = Array.from({ length: 40 }, (_, i) => {
  const summary = 'This abstract goes on and on about sparse attention and learned routing. '.repeat(60);
  return {
    ...hfItem(`2511.${20000 + i}`, `Scaling sparse attention to very long contexts, part ${i}`, 100 - i, {
      summary,
      authors: Array.from({ length: 50 }, (_, k) => ({ name: `Author Number${k}` })),
      githubRepo: `https://github.com/example/repo-${i}`,
    }),
    summary,
  };
});

beforeAll(async () => {
  sink = await startSmtpSink();
  // The day's digest, a topic reader's own edition and a confirmation, from one app…
  const day = await startTestApp((dir) => deployment(dir));
  apps.push(day);
  await upsertSubscriber(day.ctx.db, { email: 'reader@example.com', name: 'Ada Lovelace', status: 'active' });
  await upsertSubscriber(day.ctx.db, {
    email: 'topics@example.com',
    name: null,
    status: 'active',
    topics: ['sparse neural networks'],
  });
  await runDigest(day.ctx, { date: DATE });
  await signUp(day.ctx, { email: 'new.reader@example.com' });
  // …and a heavy day from another.
  const heavy = await startTestApp((dir) =>
    deployment(dir, { PAPERBOY_SOURCE: sourceFile(dir, HEAVY), PAPERBOY_PAPERS_PER_DIGEST: '40' }),
  );
  apps.push(heavy);
  await upsertSubscriber(heavy.ctx.db, { email: 'heavy@example.com', name: null, status: 'active' });
  await runDigest(heavy.ctx, { date: DATE });

  const kinds: [string, string][] = [
    ['digest', 'reader@example.com'],
    ['topic edition', 'topics@example.com'],
    ['heavy day', 'heavy@example.com'],
    ['confirmation', 'new.reader@example.com'],
  ];
  const raws = kinds.map(([kind, to]) => {
    const got = sink.to(to);
    if (got.length !== 1) throw new Error(`the ${kind} to ${to}: ${got.length} messages arrived, not 1`);
    return got[0]?.raw ?? '';
  });
  const scored = await spamScores(raws, day.dir);
  scores = new Map(kinds.map(([kind], i) => [kind, scored[i] as SpamScore]));
});

afterAll(async () => {
  for (const a of apps) await a.close();
  await sink?.close();
});

describe('SpamAssassin (Debian rules, offline)', () => {
  it('sends the topic reader their own edition, not the digest', async () => {
    const app = apps[0] as TestApp;
    const reader = await findSubscriberByEmail(app.ctx.db, 'topics@example.com');
    const row = await app.ctx.db
      .selectFrom('deliveries')
      .select('edition_id')
      .where('subscriber_id', '=', reader?.id ?? -1)
      .executeTakeFirstOrThrow();
    expect(row.edition_id).not.toBeNull();
  });

  for (const kind of ['digest', 'topic edition', 'heavy day', 'confirmation']) {
    it(`scores the ${kind} at 0.0 points or less`, () => {
      const s = scores.get(kind);
      // The rules that fired are in the message: whoever sees this fail sees which rule to look at.
      expect(s?.score, `${kind}: ${s?.score} points, rules: ${s?.rules.join(', ') || 'none'}`).toBeLessThanOrEqual(0);
    });
  }
});
