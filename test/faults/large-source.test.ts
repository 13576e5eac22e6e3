import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { findDigest } from '../../src/store/digests.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, hfItem, sourceFile, startTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
afterEach(async () => {
  await app?.close();
  await sink?.close();
  app = sink = undefined;
});

describe('a source answering more items than SQLite takes variables in one statement', () => {
  it('stores all 33,000 papers and sends the digest (the queries over the pool go in chunks)', async () => {
    // SQLite allows 32,766 bound values per statement, PostgreSQL 65,535.
    const items = Array.from({ length: 33_000 }, (_, i) =>
      hfItem(`2511.${String(i).padStart(5, '0')}`, `Paper number ${i}`, i % 997),
    );
    sink = await startSmtpSink();
    app = await startTestApp((dir) => ({
      PAPERBOY_SMTP_URL: sink?.url ?? '',
      PAPERBOY_SOURCE: sourceFile(dir, items),
    }));
    await addActive(app, 'ada@example.com', 'bob@example.com');
    const report = await runDigest(app.ctx, { date: '2026-11-28' });
    expect({ sent: report.sent, failed: report.failed, papers: report.papers }).toEqual({
      sent: 2,
      failed: 0,
      papers: 10,
    });
    const digest = await findDigest(app.ctx.db, '2026-11-28');
    const pool = await app.ctx.db
      .selectFrom('digest_candidates')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('digest_id', '=', digest?.id ?? 0)
      .executeTakeFirstOrThrow();
    expect(Number(pool.n)).toBe(33_000);
    // The most upvoted (996) come first: papers 996, 1993, 2990, …
    expect(sink.to('ada@example.com')[0]?.mail.text).toContain('Paper number 996\n');
    // A second date: the pool of 33,000 is checked against the papers already sent, in chunks too.
    const second = await runDigest(app.ctx, { date: '2026-11-29' });
    expect({ sent: second.sent, failed: second.failed, papers: second.papers }).toEqual({
      sent: 2,
      failed: 0,
      papers: 10,
    });
  }, 120_000);
});
