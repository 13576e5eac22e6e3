import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { createApp } from '../../src/server/app.js';
import { findDigest } from '../../src/store/digests.js';
import { spawnCli } from '../helpers/cli.js';
import { listen } from '../helpers/http-server.js';
import {
  addActive,
  hfItem,
  STORE,
  sourceFile,
  startTestApp,
  type TestApp,
  tempDir,
  testEnv,
} from '../helpers/test-app.js';

let app: TestApp | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
afterEach(async () => {
  await http?.close();
  await app?.close();
  app = http = undefined;
});

async function serveApp(t: TestApp, nextRun: Date | null = null) {
  http = await listen(createApp(t.ctx, { nextRun: () => nextRun }));
  return http.url;
}

describe('HTTP server', () => {
  it('GET / offers the sign-up form, says when the first digest goes out, then shows the latest digest', async () => {
    app = await startTestApp({ PAPERBOY_TIMEZONE: 'Europe/Paris' });
    const base = await serveApp(app, new Date('2026-11-29T06:00:00Z'));
    const before = await fetch(`${base}/`);
    expect(before.status).toBe(200);
    const page = await before.text();
    expect(page).toContain('<h1>Daily Papers</h1>');
    expect(page).toContain('<form method="post" action="/subscribe" class="signup" id="subscribe">');
    expect(page).toContain('The first digest goes out on Sunday, 29 November 2026 at 07:00 (Europe/Paris).');

    await addActive(app, 'ada@example.com');
    const report = await runDigest(app.ctx, { date: '2026-11-28' });
    const after = await (await fetch(`${base}/`)).text();
    expect(after).toContain('<form method="post" action="/subscribe" class="signup" id="subscribe">');
    expect(after).toContain(
      '<iframe class="digest" title="The latest digest" src="/digests/2026-11-28?framed=1" sandbox="allow-top-navigation-by-user-activation"></iframe>',
    );
    expect(after).toContain(`<a href="/digests/2026-11-28">${report.subject}</a>`);
    const web = await (await fetch(`${base}/digests/2026-11-28`)).text();
    expect(web).toContain('<h1 style="margin:0;font-size:28px;line-height:1.2;font-weight:700;">Daily Papers</h1>');
    expect(web).toContain('Web version · Saturday, 28 November 2026');
    // The web version carries nothing personal.
    expect(web).not.toContain('ada@example.com');
    expect(web).not.toContain('/u/');
    expect(web).not.toContain('/p/');
  });

  it('serves /digests/:date and a 404 page for a date without a digest', async () => {
    app = await startTestApp();
    await addActive(app, 'ada@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    const base = await serveApp(app);
    const ok = await fetch(`${base}/digests/2026-11-28`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Saturday, 28 November 2026');
    const missing = await fetch(`${base}/digests/2026-11-27`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('No digest for 2026-11-27');
    const bogus = await fetch(`${base}/digests/..%2F..%2Fetc`);
    expect(bogus.status).toBe(404);
    const list = await (await fetch(`${base}/digests`)).text();
    const subject = (await findDigest(app.ctx.db, '2026-11-28'))?.subject ?? '';
    // The subject is the link (without the list's name and the date), the date follows as text.
    expect(list).toContain(`<a href="/digests/2026-11-28">${subject.replace('Daily Papers · 28 Nov 2026 · ', '')}</a>`);
    expect(list).toContain('<time datetime="2026-11-28">Saturday, 28 November 2026</time>');
    expect(list.match(/href="\/digests\/2026-11-28"/g)).toHaveLength(1);
  });

  it('lists the outbox and shows each message as HTML, text and raw', async () => {
    app = await startTestApp();
    await addActive(app, 'ada@example.com', 'bob@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    const base = await serveApp(app);
    const outbox = path.join(app.dir, 'outbox');
    const files = readdirSync(outbox);
    expect(files).toHaveLength(2);

    const list = await (await fetch(`${base}/outbox`)).text();
    expect(list).toContain(` instead of being sent. 2 messages.</p>`);
    for (const f of files) expect(list).toContain(`<a href="/outbox/${f}">Daily Papers · 28 Nov 2026 · `);
    expect(list).toContain('ada@example.com');

    // Newest first, in the order written: the same second (and the same file-system tick) too.
    const order = [...list.matchAll(/<td>([a-z]+@example\.com)<\/td>/g)].map((m) => m[1]);
    const byAge = files
      .map((f) => ({
        to: /^To: (.*)\r?$/m.exec(readFileSync(path.join(outbox, f), 'utf8'))?.[1],
        at: statSync(path.join(outbox, f)).mtimeMs,
      }))
      .sort((x, y) => y.at - x.at);
    expect(new Set(byAge.map((x) => x.at)).size).toBe(2);
    expect(order).toEqual(byAge.map((x) => x.to));

    // A message: From, To, Subject and Date, the way back to the list, the email framed.
    const view = await fetch(`${base}/outbox/${files[0]}`);
    expect(view.status).toBe(200);
    const page = await view.text();
    expect(page).toContain('<a href="/outbox">← Outbox</a>');
    expect(page).toContain('<tr><td>From</td><td>&quot;Daily Papers&quot; &lt;digest@papers.example.org&gt;</td></tr>');
    expect(page).toMatch(/<tr><td>To<\/td><td>(ada|bob)@example\.com<\/td><\/tr>/);
    expect(page).toMatch(/<h1>Daily Papers · 28 Nov 2026 · [^<]+<\/h1>/);
    expect(page).toContain(`<iframe class="email" title="The email" src="/outbox/${files[0]}/html"></iframe>`);
    const html = await fetch(`${base}/outbox/${files[0]}/html`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await html.text()).toContain('Saturday, 28 November 2026');
    const text = await (await fetch(`${base}/outbox/${files[0]}/text`)).text();
    expect(text).toMatch(/^Daily Papers — Saturday, 28 November 2026\n/);
    const raw = await (await fetch(`${base}/outbox/${files[0]}/raw`)).text();
    expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
    expect((await fetch(`${base}/outbox/..%2Fdata%2Fsecret`)).status).toBe(404);
  });

  it('`paperboy serve` (npm start) comes up on embedded defaults, answers GET /, and stops on SIGTERM', async () => {
    const { dir, cleanup } = tempDir('paperboy-serve-');
    try {
      // No PAPERBOY_SECRET on SQLite: a key is generated into the data folder. A PostgreSQL store
      // requires one (every machine must sign alike), so there the test's key stays.
      const env = { ...testEnv(dir, { PAPERBOY_PORT: '0' }), ...(STORE === 'sqlite' ? { PAPERBOY_SECRET: '' } : {}) };
      const child = spawnCli(['serve'], env, dir);
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /running on (http:\/\/localhost:\d+)/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
      });
      expect(out).toMatch(/next digest: \w+day, \d+ \w+ \d{4} at 07:00 \(UTC\)/);
      expect(out).toContain(`mail: outbox mode: messages are written to ${path.join(dir, 'outbox')}`);
      const res = await fetch(`${url}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<form method="post" action="/subscribe" class="signup" id="subscribe">');
      const code = await new Promise<number | null>((resolve) => {
        child.on('exit', resolve);
        child.kill('SIGTERM');
      });
      expect(code).toBe(0);
      // The signing key was generated once and kept in the data folder.
      if (STORE === 'sqlite') expect(readdirSync(path.join(dir, 'data'))).toContain('secret');
    } finally {
      cleanup();
    }
  });

  it('serves an Atom feed of the digests that a real XML parser reads, with absolute links and escaped titles', async () => {
    app = await startTestApp((dir) => ({
      PAPERBOY_SOURCE: sourceFile(dir, [
        hfItem('2511.00001', 'Plain title', 9),
        hfItem('2511.00002', '<b>Bold</b> & "quoted"', 8),
        hfItem('2511.00003', 'Third', 1),
      ]),
      PAPERBOY_PAPERS_PER_DIGEST: '2',
    }));
    await addActive(app, 'ada@example.com');
    await runDigest(app.ctx, { date: '2026-11-27' });
    await runDigest(app.ctx, { date: '2026-11-28' });
    const base = await serveApp(app);
    const res = await fetch(`${base}/feed.xml`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const xml = await res.text();
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      isArray: (n) => n === 'entry' || n === 'link',
    }).parse(xml);
    const feed = doc.feed;
    expect(feed.xmlns).toBe('http://www.w3.org/2005/Atom');
    expect(feed.id).toBe('https://papers.example.org/feed.xml');
    expect(feed.title).toBe('Daily Papers');
    expect(Number.isNaN(Date.parse(feed.updated))).toBe(false);
    expect(feed.link.map((l: { rel: string; href: string }) => `${l.rel} ${l.href}`)).toEqual([
      'self https://papers.example.org/feed.xml',
      'alternate https://papers.example.org/digests',
    ]);
    expect(feed.entry.map((e: { id: string; title: string }) => [e.id, e.title])).toEqual([
      ['https://papers.example.org/digests/2026-11-28', 'Daily Papers · 28 Nov 2026 · Third (1 paper)'],
      ['https://papers.example.org/digests/2026-11-27', 'Daily Papers · 27 Nov 2026 · Plain title + 1 more'],
    ]);
    const older = feed.entry[1];
    expect(older.link[0].href).toBe('https://papers.example.org/digests/2026-11-27');
    expect(older.content.type).toBe('html');
    expect(older.content['#text']).toContain('&lt;b&gt;Bold&lt;/b&gt; &amp; &quot;quoted&quot;</a>');
    expect(Number.isNaN(Date.parse(older.updated))).toBe(false);
  });
});
