import { hostname } from 'node:os';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { isPaperboyError } from '../../src/errors.js';
import { type Db, openStore, sqliteHandle } from '../../src/store/db.js';
import { deliveryCounts, deliveryCountsQuery } from '../../src/store/deliveries.js';
import { CLAIM_SQLITE, claimBatch, requeueInFlight } from '../../src/store/delivery-claims.js';
import { addToLedger } from '../../src/store/delivery-plan.js';
import { settleMany } from '../../src/store/delivery-settle.js';
import { acquireDigestLock, insertDigest } from '../../src/store/digests.js';
import { recentPapers, upsertPapers } from '../../src/store/papers.js';
import { subscribersPage, upsertSubscriber } from '../../src/store/subscribers.js';
import { runCli } from '../helpers/cli.js';
import { makePaper } from '../helpers/papers.js';
import { STORE, startTestApp, type TestApp, tempDir, testEnv } from '../helpers/test-app.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const digest = (date: string) => ({
  date,
  subject: 's',
  preheader: 'p',
  html: 'h',
  text: 't',
  webHtml: 'wh',
  webText: 'wt',
  paperIds: [],
  candidateIds: [],
});

/** `n` active subscribers and a digest whose ledger has a pending delivery for each. */
async function pendingLedger(db: Db, n: number) {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    ids.push((await upsertSubscriber(db, { email: `r${i}@example.com`, name: null, status: 'active' })).subscriber.id);
  }
  const d = await insertDigest(db, digest('2026-11-28'));
  await addToLedger(
    db,
    d.id,
    ids.map((subscriberId) => ({ subscriberId, editionId: null, status: 'pending' as const, note: null })),
    (id) => `<${id}@example.com>`,
  );
  return d;
}

/** Each column as `name type`, `?` when nullable, `=` with a default, `+` when generated: the logical schema. */
async function logicalSchema(a: TestApp): Promise<Record<string, string>> {
  // On PostgreSQL, only the test's own schema (pg-boss keeps its tables in another).
  const own =
    STORE === 'postgres'
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(a.ctx.db)).rows[0]?.s
      : undefined;
  const tables = (await a.ctx.db.introspection.getTables()).filter((t) => own === undefined || t.schema === own);
  const out: Record<string, string> = {};
  for (const t of tables.sort((x, y) => x.name.localeCompare(y.name))) {
    out[t.name] = t.columns
      .map((c) => {
        const type = /int/i.test(c.dataType)
          ? 'int'
          : /^(float8|double precision)$/i.test(c.dataType)
            ? 'double'
            : c.dataType.toLowerCase();
        // Every table's key is `id`. SQLite reports primary keys as nullable (a text one even
        // accepts NULL, a quirk it keeps for compatibility); paperboy never writes one.
        const nullable = c.isNullable && c.name !== 'id';
        const flags = c.isAutoIncrementing ? '+' : `${nullable ? '?' : ''}${c.hasDefaultValue ? '=' : ''}`;
        return `${c.name} ${type}${flags}`;
      })
      .join(', ');
  }
  return out;
}

describe(`the store on ${STORE}`, () => {
  it('has the same logical schema on both backends', async () => {
    app = await startTestApp();
    expect(await logicalSchema(app)).toEqual({
      bounces:
        'id int+, subscriber_id int, delivery_id int?, kind text, source text, status text, detail text?, dedupe_key text?, created_at text',
      counters: 'name text, value int',
      deliveries:
        'id int+, digest_id int, subscriber_id int, status text, attempts int=, message_id text, last_error text?, created_at text, updated_at text, sent_at text?, edition_id int?, claimed_by text?, not_before text?, deferred_since text?, due_at text?',
      digest_candidates: 'digest_id int, paper_id text',
      digest_papers: 'digest_id int, paper_id text, position int',
      digests:
        'id int+, date text, subject text, preheader text, html text, text text, web_html text, web_text text, status text, created_at text, sent_at text?, lock_owner text?, lock_expires_at int?, control text=',
      edition_papers: 'edition_id int, paper_id text, position int, matched text=, why text?',
      edition_parts: 'digest_id int, kind text, key text, html text, text text',
      editions:
        'id int+, digest_id int, key text, topics text, frequency text, subject text, html text, text text, created_at text, recipe text?',
      rate_buckets: 'name text, tokens double, updated_ms int',
      papers:
        'id text, title text, summary text, authors text, upvotes int=, published_at text, github_repo text?, ai_summary text?, ai_keywords text=, num_comments int=, thumbnail text?, updated_at text, categories text=',
      subscribers:
        'id int+, email text, name text?, status text, created_at text, updated_at text, topics text=, paused_until text?, status_reason text?, confirmed_at text?, confirm_sent_at text?, soft_bounces int=, frequency text=, weekday int=, send_anyway int=, requested_at text?, requested_name text?, requested_topics text?, timezone text?, hour int?, feed_only int=, feed_version int=, requested_timezone text?, requested_hour int?',
      votes: 'subscriber_id int, paper_id text, vote int, digest_date text, created_at text, updated_at text',
      events: 'id int+, uid text, type text, data text, created_at text',
      webhook_deliveries:
        'id int+, event_id int, url text, status text, attempts int=, next_at text, last_status int?, last_error text?, created_at text, updated_at text',
    });
    if (STORE === 'postgres') {
      // 64-bit where SQLite's integer is relied on for it: ids, references to them, millisecond times.
      const { rows } = await sql<{ c: string }>`select table_name || '.' || column_name as c
        from information_schema.columns where data_type = 'bigint' and table_schema = current_schema()
        order by 1`.execute(app.ctx.db);
      expect(rows.map((r) => r.c)).toEqual([
        'bounces.delivery_id',
        'bounces.id',
        'bounces.subscriber_id',
        'counters.value',
        'deliveries.digest_id',
        'deliveries.edition_id',
        'deliveries.id',
        'deliveries.subscriber_id',
        'digest_candidates.digest_id',
        'digest_papers.digest_id',
        'digests.id',
        'digests.lock_expires_at',
        'edition_papers.edition_id',
        'edition_parts.digest_id',
        'editions.digest_id',
        'editions.id',
        'events.id',
        'rate_buckets.updated_ms',
        'subscribers.id',
        'votes.subscriber_id',
        'webhook_deliveries.event_id',
        'webhook_deliveries.id',
      ]);
    }
  });

  it('never hands one delivery to two claimers running at once', async () => {
    app = await startTestApp();
    const { db } = app.ctx;
    const d = await pendingLedger(db, 120);
    // Four claimers in parallel (on PostgreSQL, each transaction on its own pooled connection).
    const claimed = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const mine: number[] = [];
        for (;;) {
          const batch = await claimBatch(db, d.id, 7);
          if (batch.length === 0) return mine;
          mine.push(...batch.map((b) => b.subscriberId));
        }
      }),
    );
    const all = claimed.flat();
    expect(all.length).toBe(120);
    expect(new Set(all).size).toBe(120);
  });

  it('counts a digest by status from indexes alone, sent rows being the ones no status index holds', async () => {
    app = await startTestApp();
    const { db } = app.ctx;
    const d = await pendingLedger(db, 7);
    const batch = await claimBatch(db, d.id, 6);
    expect(batch.map((b) => b.attempts)).toEqual([1, 1, 1, 1, 1, 1]);
    const [a, b, c, e, f] = batch.map((x) => x.id);
    await settleMany(db, [
      { id: a as number, status: 'sent', error: null },
      { id: b as number, status: 'sent', error: null },
      { id: c as number, status: 'sent', error: null },
      { id: e as number, status: 'failed', error: '550 no such user' },
      { id: f as number, status: 'skipped', error: 'subscriber is unsubscribed' },
    ]);
    // Left: one in flight (the sixth claimed), one never claimed.
    expect(await deliveryCounts(db, d.id)).toEqual({ pending: 1, sending: 1, sent: 3, failed: 1, skipped: 1 });
    expect(await deliveryCounts(db, d.id + 1)).toEqual({ pending: 0, sending: 0, sent: 0, failed: 0, skipped: 0 });
    if (STORE === 'sqlite') {
      // What a dashboard of million-row ledgers and every claim run: index searches, never a scan of the table.
      const lite = sqliteHandle(db);
      if (!lite) throw new Error('no SQLite handle under a SQLite store');
      const plan = (text: string, params: readonly unknown[]) =>
        (lite.prepare(`explain query plan ${text}`).all(...params) as { detail: string }[]).map((r) => r.detail);
      const counts = deliveryCountsQuery(d.id).compile(db);
      expect(plan(counts.sql, counts.parameters)).toEqual([
        'SCAN CONSTANT ROW',
        'SCALAR SUBQUERY 1',
        'SEARCH deliveries USING COVERING INDEX sqlite_autoindex_deliveries_1 (digest_id=?)',
        'SCALAR SUBQUERY 2',
        'SEARCH deliveries USING COVERING INDEX deliveries_open (digest_id=? AND status=?)',
        'SCALAR SUBQUERY 3',
        'SEARCH deliveries USING COVERING INDEX deliveries_open (digest_id=? AND status=?)',
        'SCALAR SUBQUERY 4',
        'SEARCH deliveries USING COVERING INDEX deliveries_closed (digest_id=? AND status=?)',
        'SCALAR SUBQUERY 5',
        'SEARCH deliveries USING COVERING INDEX deliveries_closed (digest_id=? AND status=?)',
      ]);
      // The claim, with the values a send binds to it.
      expect(plan(CLAIM_SQLITE, [d.id, 0, Number.MAX_SAFE_INTEGER, new Date().toISOString(), 200])).toEqual([
        'SEARCH d USING INDEX deliveries_open (digest_id=? AND status=? AND id>? AND id<?)',
        'SEARCH s USING INTEGER PRIMARY KEY (rowid=?)',
      ]);
      expect(
        plan("select distinct claimed_by from deliveries where digest_id = ? and status = 'sending'", [d.id]),
      ).toEqual([
        'SEARCH deliveries USING INDEX deliveries_open (digest_id=? AND status=?)',
        'USE TEMP B-TREE FOR DISTINCT',
      ]);
    }
  });

  it('puts back in-flight deliveries of dead or long-silent claimers only, when asked to spare live ones', async () => {
    app = await startTestApp();
    const { db } = app.ctx;
    const d = await pendingLedger(db, 5);
    const claimed = await claimBatch(db, d.id, 5);
    expect(claimed.length).toBe(5);
    const fresh = new Date().toISOString();
    const old = new Date(Date.now() - 120_000).toISOString();
    // A process gone from this machine (no pid is this large), a live one here (this test), a
    // worker on another machine heard from just now, and one silent for two minutes.
    const owners = [`${hostname()}/4194999`, `${hostname()}/${process.pid}`, 'elsewhere/17', 'elsewhere/18'];
    const times = [fresh, fresh, fresh, old];
    for (const [i, c] of claimed.slice(0, 4).entries()) {
      await db
        .updateTable('deliveries')
        .set({ claimed_by: owners[i] ?? null, updated_at: times[i] ?? fresh })
        .where('id', '=', c.id)
        .execute();
    }
    const cutoff = new Date(Date.now() - 60_000).toISOString();
    expect(await requeueInFlight(db, d.id, cutoff)).toBe(2);
    const status = async () =>
      (await db.selectFrom('deliveries').select(['id', 'status']).orderBy('id').execute()).map((r) => r.status);
    expect(await status()).toEqual(['pending', 'sending', 'sending', 'pending', 'sending']);
    // Without the cutoff (SQLite's single sender, under the digest lock): every one goes back.
    expect(await requeueInFlight(db, d.id)).toBe(3);
    expect(await status()).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
  });

  it('gives the digest lock to exactly one of many owners asking at once', async () => {
    app = await startTestApp();
    const d = await insertDigest(app.ctx.db, digest('2026-11-28'));
    const db = app.ctx.db;
    const got = await Promise.all(
      Array.from({ length: 8 }, (_, i) => acquireDigestLock(db, d.id, `host/${i}/x`, 60_000)),
    );
    expect(got.filter(Boolean)).toHaveLength(1);
    // A millisecond time far past 2^31 is stored and compared as such.
    expect(await acquireDigestLock(db, d.id, 'late', 60_000)).toBe(false);
  });

  it('searches addresses and names ignoring case, with %, _ and \\ taken literally', async () => {
    app = await startTestApp();
    const { db } = app.ctx;
    for (const [email, name] of [
      ['ada@example.com', 'Ada Lovelace'],
      ['alan@example.com', '100% Turing'],
      ['grace_h@example.com', null],
      ['graceh@example.com', 'back\\slash'],
    ] as const) {
      await upsertSubscriber(db, { email, name, status: 'active' });
    }
    const search = async (s: string) =>
      (await subscribersPage(db, { afterId: 0, limit: 10, search: s })).map((r) => r.email);
    expect(await search('LOVELACE')).toEqual(['ada@example.com']);
    expect(await search('100%')).toEqual(['alan@example.com']);
    expect(await search('e_h')).toEqual(['grace_h@example.com']);
    expect(await search('k\\s')).toEqual(['graceh@example.com']);
  });
  it('reads the papers it heard of most recently, newest first, as many as asked (what reader models learn from)', async () => {
    app = await startTestApp();
    const { db } = app.ctx;
    await upsertPapers(
      db,
      ['2611.00003', '2611.00001', '2611.00002'].map((id) => makePaper({ id, title: `t ${id}` })),
    );
    // The next write must carry a later time: wait for the clock's next millisecond.
    const first = Date.now();
    while (Date.now() === first) await new Promise((r) => setImmediate(r));
    await upsertPapers(db, [makePaper({ id: '2611.00009', title: 'newest', categories: ['astro-ph.GA'] })]);
    const got = await recentPapers(db, 3);
    expect(got.map((p) => p.id)).toEqual(['2611.00009', '2611.00001', '2611.00002']);
    expect(got[0]?.title).toBe('newest');
    expect(got[0]?.categories).toEqual(['astro-ph.GA']);
  });
});

describe('a PostgreSQL store that does not answer', () => {
  const url = 'postgres://paperboy:hunter2@127.0.0.1:1/news';

  it('is an ESTORE error naming the host and the fix, never the password', async () => {
    const err = await openStore({ kind: 'postgres', url, schema: null }).catch((e: unknown) => e);
    expect(isPaperboyError(err, 'ESTORE')).toBe(true);
    expect(err).toMatchObject({
      message: expect.stringMatching(
        /^cannot reach the PostgreSQL store at postgres:\/\/paperboy@127\.0\.0\.1:1\/news: /,
      ),
      hint: 'start PostgreSQL there (pg_isready -h HOST tells whether it answers) or correct PAPERBOY_DATABASE_URL',
    });
    expect(String((err as Error).message)).not.toContain('hunter2');
  });

  it('stops the CLI with exit 1 and those two lines', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = await runCli(['send', '--date', '2026-11-28'], testEnv(dir, { PAPERBOY_DATABASE_URL: url }), dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^paperboy: cannot reach the PostgreSQL store at postgres:\/\/paperboy@127\.0\.0\.1:1\/news: connect ECONNREFUSED 127\.0\.0\.1:1\npaperboy: → start PostgreSQL there/,
      );
      expect(r.stderr + r.stdout).not.toContain('hunter2');
    } finally {
      cleanup();
    }
  });
});
