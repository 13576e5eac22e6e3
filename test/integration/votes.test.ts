import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { createApp } from '../../src/server/app.js';
import { EMAIL_CSP } from '../../src/server/headers.js';
import { findSubscriberByEmail } from '../../src/store/subscribers.js';
import { votesOf } from '../../src/store/votes.js';
import { signToken, signVoteToken } from '../../src/subscribers/tokens.js';
import { runCli } from '../helpers/cli.js';
import { listen } from '../helpers/http-server.js';
import { type SmtpSink, startSmtpSink, textTitles } from '../helpers/smtp-sink.js';
import { addActive, startTestApp, TEST_SECRET, type TestApp, testEnv } from '../helpers/test-app.js';

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
afterEach(async () => {
  await http?.close();
  await app?.close();
  await sink?.close();
  app = sink = http = undefined;
});

describe('votes from the email', () => {
  it('GET shows one button and records nothing; POST records, a repeat changes nothing, the latest wins, Undo forgets', async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url });
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    await addActive(app, 'ada@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    const mail = sink.to('ada@example.com')[0];
    const up = /More like this: (https:\/\/papers\.example\.org\/v\/\S+\/up)/.exec(mail?.mail.text ?? '')?.[1] ?? '';
    expect(up).toMatch(/^https:\/\/papers\.example\.org\/v\/[0-9a-z]+\.[0-9a-z]+\.[\w-]{43}\/[^/]+\/up$/);
    expect(String(mail?.mail.html)).toContain(`href="${up}"`);
    const url = up.replace('https://papers.example.org', http.url);
    const ada = await findSubscriberByEmail(app.ctx.db, 'ada@example.com');
    const db = app.ctx.db;
    const votes = async () => (await votesOf(db, ada?.id ?? 0)).map((v) => [v.paper.id, v.vote]);
    const paperId = decodeURIComponent(url.split('/').at(-2) ?? '');

    const page = await fetch(url);
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('<h1>More like this?</h1>');
    expect(body).toContain(`<form method="post" action="/v/`);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await votes()).toEqual([]);

    const posted = await fetch(url, { method: 'POST' });
    expect(posted.status).toBe(200);
    const thanks = await posted.text();
    expect(thanks).toContain('<h1>Noted: more papers like this</h1>');
    expect(thanks).toContain('<button type="submit">Undo</button>');
    expect(thanks).toMatch(/<a href="\/p\/[0-9a-z]+\.[\w-]{43}">See what your digest has learned<\/a>/);
    expect(await votes()).toEqual([[paperId, 1]]);
    expect((await fetch(url, { method: 'POST' })).status).toBe(200);
    expect(await votes()).toEqual([[paperId, 1]]);

    // The other link of the same paper: the latest vote wins.
    expect((await fetch(url.replace(/\/up$/, '/down'), { method: 'POST' })).status).toBe(200);
    expect(await votes()).toEqual([[paperId, -1]]);
    expect((await fetch(url.replace(/\/up$/, '/undo'), { method: 'POST' })).status).toBe(200);
    expect(await votes()).toEqual([]);
  });

  it("votes from the web version of the reader's own edition: View in browser shows their papers with working vote links", async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, PAPERBOY_PAPERS_PER_DIGEST: '3' });
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    await addActive(app, 'ada@example.com', 'bob@example.com');
    const ada = await findSubscriberByEmail(app.ctx.db, 'ada@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    const mail = sink.to('ada@example.com')[0]?.mail;
    const web = /Web version: (https:\/\/papers\.example\.org\/v\/\S+)/.exec(mail?.text ?? '')?.[1] ?? '';
    expect(web).toBe(`https://papers.example.org/v/${signVoteToken(TEST_SECRET, ada?.id ?? 0, '2026-11-28')}`);
    expect(String(mail?.html)).toContain(`href="${web}"`);

    const res = await fetch(web.replace('https://papers.example.org', http.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('content-security-policy')).toBe(EMAIL_CSP);
    const page = await res.text();
    // The reader's own email, their titles in order and their vote links, as in the message.
    const titles = textTitles(mail?.text);
    expect(titles).toHaveLength(3);
    let at = 0;
    for (const t of titles) {
      const i = pageText(page).indexOf(t, at);
      expect(i).toBeGreaterThan(at);
      at = i;
    }
    const links = [...page.matchAll(/href="(https:\/\/papers\.example\.org\/v\/[^"]+\/up)"/g)].map((m) => m[1] ?? '');
    expect(links).toHaveLength(3);
    expect(links).toEqual(
      [...String(mail?.html).matchAll(/href="(https:\/\/papers\.example\.org\/v\/[^"]+\/up)"/g)].map((m) => m[1]),
    );
    expect(page).not.toContain('=pb:');

    // A vote through the web version's link is the reader's vote.
    const up = (links[1] as string).replace('https://papers.example.org', http.url);
    expect((await fetch(up)).status).toBe(200);
    expect((await fetch(up, { method: 'POST' })).status).toBe(200);
    expect((await votesOf(app.ctx.db, ada?.id ?? 0)).map((v) => [v.paper.title, v.vote])).toEqual([[titles[1], 1]]);

    // Another reader's page is theirs; a forged token gets nothing; a test copy's link leads to the public versions.
    const bob = await findSubscriberByEmail(app.ctx.db, 'bob@example.com');
    const bobPage = await (
      await fetch(`${http.url}/v/${signVoteToken(TEST_SECRET, bob?.id ?? 0, '2026-11-28')}`)
    ).text();
    expect(bobPage).toContain(signVoteToken(TEST_SECRET, bob?.id ?? 0, '2026-11-28'));
    expect(bobPage).not.toContain(signVoteToken(TEST_SECRET, ada?.id ?? 0, '2026-11-28'));
    const forged = await fetch(
      `${http.url}/v/${signVoteToken('another-secret-of-at-least-32-characters', ada?.id ?? 0, '2026-11-28')}`,
    );
    expect(forged.status).toBe(400);
    const copy = await fetch(`${http.url}/v/${signVoteToken(TEST_SECRET, 0, '2026-11-28')}`, { redirect: 'manual' });
    expect([copy.status, copy.headers.get('location')]).toEqual([302, '/digests']);
  });

  it('refuses a forged token (400), a paper not in that digest (404), and records nothing for a test copy’s link', async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url });
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    await addActive(app, 'ada@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    const ada = await findSubscriberByEmail(app.ctx.db, 'ada@example.com');
    const id = ada?.id ?? 0;
    const mail = sink.to('ada@example.com')[0];
    const paper = /\/v\/[^/\s]+\/([^/\s]+)\/up/.exec(mail?.mail.text ?? '')?.[1] ?? '';
    const token = signVoteToken(TEST_SECRET, id, '2026-11-28');
    const forged = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect((await fetch(`${http.url}/v/${forged}/${paper}/up`, { method: 'POST' })).status).toBe(400);
    // A token of another date whose digest never had the paper.
    const other = signVoteToken(TEST_SECRET, id, '2026-10-01');
    expect((await fetch(`${http.url}/v/${other}/${paper}/up`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${http.url}/v/${token}/no-such-paper/up`, { method: 'POST' })).status).toBe(404);
    const sample = await fetch(`${http.url}/v/preview/${paper}/up`, { method: 'POST' });
    expect(sample.status).toBe(200);
    expect(await sample.text()).toContain('It records nothing.');
    expect(await votesOf(app.ctx.db, id)).toEqual([]);
  });

  it('the reader sees what was learned and forgets it; the CLI shows and exports votes; the admin sees counts only', async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url });
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    await addActive(app, 'ada@example.com', 'bob@example.com');
    await runDigest(app.ctx, { date: '2026-11-28' });
    const base = http.url;
    const links = (email: string, dir: 'up' | 'down') =>
      [
        ...(sink?.to(email)[0]?.mail.text ?? '').matchAll(
          new RegExp(`https://papers\\.example\\.org(/v/\\S+/${dir})`, 'g'),
        ),
      ].map((m) => `${base}${m[1]}`);
    const [up1, up2] = links('ada@example.com', 'up');
    const [, , down3] = links('ada@example.com', 'down');
    for (const l of [up1, up2, down3, links('bob@example.com', 'up')[0]]) {
      expect((await fetch(l ?? '', { method: 'POST' })).status).toBe(200);
    }
    const ada = await findSubscriberByEmail(app.ctx.db, 'ada@example.com');
    const id = ada?.id ?? 0;
    const prefs = `${base}/p/${signToken(TEST_SECRET, 'preferences', id)}`;
    const page = await (await fetch(prefs)).text();
    expect(page).toContain('<h2>What your digest has learned</h2>');
    const titles = (await votesOf(app.ctx.db, id)).map((v) => [v.vote, v.paper.title] as const);
    expect(titles).toHaveLength(3);
    for (const [v, title] of titles)
      expect(pageText(page)).toContain(`${v > 0 ? 'More like' : 'Less like'} “${title}”`);
    expect(page.match(/<button type="submit" class="secondary">Forget this<\/button>/g)).toHaveLength(3);

    // The CLI: show lists the votes, export has them in its last column.
    const env = testEnv(app.dir);
    const shown = await runCli(['subscribers', 'show', 'ada@example.com'], env, app.dir);
    expect(shown.stdout).toContain('votes (newest first):\n');
    expect(shown.stdout.match(/^ {2}\d{4}-\d\d-\d\d {2}(more|less) like {2}/gm)).toHaveLength(3);
    const exported = (await runCli(['subscribers', 'export'], env, app.dir)).stdout.trim().split('\n');
    expect(exported[0]).toBe('email,name,topics,status,status_reason,timezone,hour,created_at,votes');
    const adaLine = exported.find((l) => l.startsWith('ada@example.com,')) ?? '';
    const votes = await votesOf(app.ctx.db, id);
    expect(adaLine.split(',').at(-1)).toBe(votes.map((v) => `${v.vote > 0 ? 'up' : 'down'}:${v.paper.id}`).join(' '));

    // The admin's digest page: per-paper counts, no reader.
    const admin = await (await fetch(`${base}/admin/digests/2026-11-28`)).text();
    expect(admin).toContain('<h2>Votes from this digest</h2>');
    expect(admin).not.toContain('ada@example.com');

    // Forget one, then start over.
    const forgetOne = await fetch(prefs, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ action: 'forget', paper: votes[0]?.paper.id ?? '' }).toString(),
    });
    expect(pageText(await forgetOne.text())).toContain(`Forgotten: “${votes[0]?.paper.title ?? ''}”.`);
    expect(await votesOf(app.ctx.db, id)).toHaveLength(2);
    const over = await fetch(prefs, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=start-over',
    });
    expect(await over.text()).toContain('Started over: 2 votes forgotten.');
    expect(await votesOf(app.ctx.db, id)).toEqual([]);
    // Bob's vote is his own.
    const bob = await findSubscriberByEmail(app.ctx.db, 'bob@example.com');
    expect(await votesOf(app.ctx.db, bob?.id ?? 0)).toHaveLength(1);
  }, 90_000);
});

/** The text of a page's HTML as a reader sees it (the entities hono's html and Handlebars write). */
function pageText(page: string): string {
  return page
    .replace(/&#(?:39|x27);/g, "'")
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
