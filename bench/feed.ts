// A reader's private feed (GET /feed/TOKEN) from a SQLite store holding 10,000 readers' histories:
// 30 days of sent editions each (a tenth of the readers with their own edition every day, the rest
// sharing one of 40 per day), 10 papers an edition with why lines. The rows are inserted directly.
// Timed per request through the app (token, reader, validators, rows, papers, Atom), over random
// readers: median and p99; beside it, in the same run, a bare indexed select of a reader's ledger
// rows and the public /feed.xml (the baselines), and the 304 of a poll with If-None-Match.
// Arguments: [readers = 10000] [days = 30] [requests = 2000].
import os from 'node:os';
import { createApp } from '../src/server/app.js';
import { sqliteHandle } from '../src/store/db.js';
import { signFeedToken } from '../src/subscribers/tokens.js';
import { addSubscribers, arxivRows, benchApp, fmt } from './lib.js';

const readers = Number(process.argv[2] ?? 10_000);
const days = Number(process.argv[3] ?? 30);
const requests = Number(process.argv[4] ?? 2000);
const PER_EDITION = 10;
const SHARED = 40;

const bench = await benchApp({});
try {
  const t0 = performance.now();
  await addSubscribers(bench.ctx.db, readers);
  const lite = sqliteHandle(bench.ctx.db);
  if (!lite) throw new Error('the feed bench runs on SQLite');
  const rows = arxivRows();
  const now = new Date().toISOString();
  const dates = Array.from({ length: days }, (_, d) => new Date(Date.UTC(2026, 10, 1 + d)).toISOString().slice(0, 10));
  lite.transaction(() => {
    const paper = lite.prepare(
      `insert into papers (id, title, summary, authors, upvotes, published_at, ai_keywords, num_comments, categories, updated_at)
       values (?, ?, '', ?, 0, ?, '[]', 0, '[]', ?)`,
    );
    rows.forEach((r, i) => {
      paper.run(
        r.id,
        r.title,
        JSON.stringify([`Author ${i}`, `Author ${i + 1}`, 'A. N. Other', 'Fourth Author']),
        now,
        now,
      );
    });
    const digest = lite.prepare(
      `insert into digests (date, subject, preheader, html, text, web_html, web_text, status, created_at, sent_at)
       values (?, ?, '', '', '', '', '', 'sent', ?, ?)`,
    );
    const edition = lite.prepare(
      `insert into editions (digest_id, key, topics, frequency, subject, html, text, recipe, created_at)
       values (?, ?, '[]', 'daily', ?, '', '', ?, ?)`,
    );
    const editionPaper = lite.prepare(
      'insert into edition_papers (edition_id, paper_id, position, matched, why) values (?, ?, ?, ?, ?)',
    );
    const delivery = lite.prepare(
      `insert into deliveries (digest_id, subscriber_id, status, attempts, message_id, created_at, updated_at, sent_at, edition_id)
       values (?, ?, 'sent', 1, ?, ?, ?, ?, ?)`,
    );
    const addEdition = (digestId: number, key: string, date: string, seed: number, personal: boolean) => {
      const picks = Array.from({ length: PER_EDITION }, (_, k) => rows[(seed * 7 + k * 13) % rows.length]);
      const id = Number(
        edition.run(digestId, key, `Daily Papers · ${date} · ${picks[0]?.title ?? ''}`, personal ? '{}' : null, now)
          .lastInsertRowid,
      );
      picks.forEach((p, k) => {
        editionPaper.run(
          id,
          p?.id,
          k,
          '[]',
          k % 2 === 0 ? `Because you liked “${rows[(seed + k) % rows.length]?.title.slice(0, 80)}”` : 'Matches: cs.LG',
        );
      });
      return id;
    };
    dates.forEach((date, d) => {
      const sentAt = `${date}T07:00:00.000Z`;
      const digestId = Number(digest.run(date, `Daily Papers · ${date}`, sentAt, sentAt).lastInsertRowid);
      const shared = Array.from({ length: SHARED }, (_, e) =>
        addEdition(digestId, `shared-${e}`, date, d * 100 + e, false),
      );
      for (let r = 1; r <= readers; r++) {
        const editionId =
          r % 10 === 0 ? addEdition(digestId, `reader-${r}`, date, d * 7919 + r, true) : (shared[r % SHARED] as number);
        delivery.run(digestId, r, `<${date}.${r}@bench>`, sentAt, sentAt, sentAt, editionId);
      }
    });
  });
  lite.prepare('analyze').run();
  const counts = lite
    .prepare(
      `select (select count(*) from deliveries) as deliveries, (select count(*) from editions) as editions,
        (select count(*) from edition_papers) as papers`,
    )
    .get() as { deliveries: number; editions: number; papers: number };
  console.log(
    `store: ${fmt(readers)} readers × ${days} days: ${fmt(counts.deliveries)} deliveries, ${fmt(counts.editions)} editions, ` +
      `${fmt(counts.papers)} edition papers (built in ${fmt((performance.now() - t0) / 1000, 1)} s)`,
  );

  const app = createApp(bench.ctx, { nextRun: () => null });
  const secret = bench.ctx.secret;
  const randomReader = () => 1 + Math.floor(Math.random() * readers);
  const bare = lite.prepare('select id, edition_id, updated_at from deliveries where subscriber_id = ?');
  // Per request, the CPU time of this process (the handler's work: all of it runs on this thread,
  // better-sqlite3 included), and the wall time, which on a shared machine also counts the others.
  const cpu: Record<string, number[]> = {};
  const timed = async (f: () => Promise<void> | void, name = '') => {
    const c0 = process.cpuUsage();
    const at = performance.now();
    await f();
    const wall = performance.now() - at;
    const c = process.cpuUsage(c0);
    const list = cpu[name] ?? [];
    list.push((c.user + c.system) / 1000);
    cpu[name] = list;
    return wall;
  };
  const feed = async (id: number, headers: Record<string, string> = {}) => {
    const res = await app.request(`/feed/${signFeedToken(secret, id, 0)}`, { headers });
    // The bytes, as a client receives them (decoding them is the client's work).
    const body = await res.arrayBuffer();
    if (res.status !== (headers['if-none-match'] ? 304 : 200)) throw new Error(`GET /feed: ${res.status}`);
    return { etag: res.headers.get('etag') ?? '', body };
  };
  // Warm-up: the code compiled, the store's pages in the cache.
  for (let i = 0; i < 200; i++) await feed(randomReader());
  const sample = await feed(1);
  const entries = Buffer.from(sample.body).toString('utf8').split('<entry>').length - 1;

  const full: number[] = [];
  const own: number[] = [];
  const shared: number[] = [];
  const polls: number[] = [];
  const selects: number[] = [];
  for (let i = 0; i < requests; i++) {
    const id = randomReader();
    selects.push(await timed(() => void bare.all(id), 'select'));
    let etag = '';
    const wall = await timed(
      async () => {
        etag = (await feed(id)).etag;
      },
      // Every tenth reader has editions of their own (their HTML made for them); the others share.
      id % 10 === 0 ? 'own' : 'shared',
    );
    full.push(wall);
    (id % 10 === 0 ? own : shared).push(wall);
    polls.push(await timed(() => feed(id, { 'if-none-match': etag }).then(() => undefined), 'poll'));
  }
  const publicFeed: number[] = [];
  for (let i = 0; i < Math.min(requests, 200); i++) {
    publicFeed.push(await timed(async () => void (await (await app.request('/feed.xml')).arrayBuffer()), 'public'));
  }
  const q = (xs: number[], p: number) =>
    [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;
  const line = (name: string, xs: number[], key: string) => {
    const c = cpu[key] ?? [];
    console.log(
      `  ${name.padEnd(38)} CPU median ${fmt(q(c, 0.5), 3)} ms  p99 ${fmt(q(c, 0.99), 3)} ms   ` +
        `wall median ${fmt(q(xs, 0.5), 3)} ms  p99 ${fmt(q(xs, 0.99), 3)} ms`,
    );
  };
  console.log(
    `${fmt(requests)} requests over random readers; a feed holds ${entries} entries, ${fmt(sample.body.byteLength / 1024, 1)} KB`,
  );
  cpu.full = [...(cpu.own ?? []), ...(cpu.shared ?? [])];
  line('GET /feed/TOKEN (200, whole feed)', full, 'full');
  line('  of readers sharing editions (9 in 10)', shared, 'shared');
  line('  of readers with their own editions', own, 'own');
  line('GET /feed/TOKEN, If-None-Match (304)', polls, 'poll');
  line('baseline: bare select of the rows', selects, 'select');
  line('baseline: GET /feed.xml (public)', publicFeed, 'public');
  const c = cpu.full ?? [];
  console.log(
    `  target ≤ 5 ms per 200 (CPU): median ${q(c, 0.5) <= 5 ? 'met' : 'NOT met'}, p99 ${q(c, 0.99) <= 5 ? 'met' : 'NOT met'}`,
  );
  console.log(
    `  load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${new Date().toISOString()}`,
  );
} finally {
  await bench.close();
}
