import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { createApp } from '../../src/server/app.js';
import { findSubscriberByEmail } from '../../src/store/subscribers.js';
import { votesOf } from '../../src/store/votes.js';
import { signVoteToken } from '../../src/subscribers/tokens.js';
import { listen } from '../helpers/http-server.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, startTestApp, TEST_SECRET, type TestApp } from '../helpers/test-app.js';

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
});
