import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { signUp } from '../../src/pipeline/sign-up.js';
import { createApp } from '../../src/server/app.js';
import { findSubscriberByEmail } from '../../src/store/subscribers.js';
import { signTimedToken, signToken } from '../../src/subscribers/tokens.js';
import { listen } from '../helpers/http-server.js';
import { rawHeaders, type SmtpSink, startSmtpSink, waitForMail } from '../helpers/smtp-sink.js';
import { addActive, capturingLog, type LogLine, startTestApp, TEST_SECRET, type TestApp } from '../helpers/test-app.js';

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;

afterEach(async () => {
  await http?.close();
  await app?.close();
  await sink?.close();
  app = sink = http = undefined;
});

async function setUp() {
  sink = await startSmtpSink();
  const { log, until } = capturingLog();
  const t = await startTestApp({ PAPERBOY_SMTP_URL: sink.url }, { log });
  app = t;
  http = await listen(createApp(t.ctx, { nextRun: () => null }));
  /** The log line of a sign-up that the server finished after answering (its mail, if any, sent). */
  const signedUp = async (email: string, outcome: string): Promise<LogLine> => {
    const id = (await findSubscriberByEmail(t.ctx.db, email))?.id;
    return until((l) => l.event === 'subscriber.signup' && l.subscriber_id === id && l.outcome === outcome);
  };
  return { t, s: sink, base: http.url, signedUp };
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
const local = (url: string, base: string) => url.replace('https://papers.example.org', base);
const status = async (t: TestApp, email: string) => (await findSubscriberByEmail(t.ctx.db, email))?.status;

describe('double opt-in sign-up', () => {
  it('subscribe → confirmation email → the link confirms → the next digest arrives; unconfirmed, none', async () => {
    const { t, s, base } = await setUp();
    await addActive(t, 'old@example.com');

    const res = await fetch(
      `${base}/subscribe`,
      form({ email: 'New.Reader@Example.COM', name: 'New Reader', topics: 'sparse attention, cs.LG' }),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<h1>Check your inbox</h1>');

    const [confirmation] = await waitForMail(s, 'New.Reader@example.com');
    expect(confirmation?.mail.subject).toBe('Confirm your subscription to Daily Papers');
    expect(rawHeaders(confirmation?.raw ?? '', 'list-unsubscribe')).toEqual([]);
    const link =
      /https:\/\/papers\.example\.org\/confirm\/[0-9a-z]+\.[0-9a-z]+\.[A-Za-z0-9_-]{43}/.exec(
        confirmation?.mail.text ?? '',
      )?.[0] ?? '';
    expect(link).not.toBe('');
    expect(confirmation?.mail.html).toContain(`href="${link}"`);
    const pending = await findSubscriberByEmail(t.ctx.db, 'New.Reader@example.com');
    // What the form asked for waits beside the request until the link is confirmed.
    expect(pending).toMatchObject({
      status: 'pending',
      name: null,
      topics: [],
      request: { name: 'New Reader', topics: ['sparse attention', 'cs.LG'] },
    });

    // Not confirmed yet: no digest.
    await runDigest(t.ctx, { date: '2026-11-27' });
    expect(s.to('New.Reader@example.com')).toHaveLength(1);
    expect(s.to('old@example.com')).toHaveLength(1);

    // The GET shows a button and changes nothing; the POST confirms.
    const page = await fetch(local(link, base));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<button type="submit">Confirm</button>');
    expect(await status(t, 'New.Reader@example.com')).toBe('pending');
    const confirmed = await fetch(local(link, base), { method: 'POST' });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Welcome to Daily Papers');
    expect(await findSubscriberByEmail(t.ctx.db, 'New.Reader@example.com')).toMatchObject({
      status: 'active',
      name: 'New Reader',
      topics: ['sparse attention', 'cs.LG'],
      request: null,
    });
    // A second click is harmless.
    expect((await fetch(local(link, base), { method: 'POST' })).status).toBe(200);

    await runDigest(t.ctx, { date: '2026-11-28' });
    const got = s.to('New.Reader@example.com');
    expect(got.map((m) => m.mail.subject?.slice(0, 26))).toEqual([
      'Confirm your subscription ',
      'Daily Papers · 28 Nov 2026',
    ]);
  });

  it('answers a sign-up for an existing address exactly as for a new one, and mails an active one nothing', async () => {
    const { t, s, base, signedUp } = await setUp();
    await addActive(t, 'member@example.com');
    const forNew = await (await fetch(`${base}/subscribe`, form({ email: 'stranger@example.com' }))).text();
    const forMember = await (await fetch(`${base}/subscribe`, form({ email: 'member@example.com' }))).text();
    expect(forMember.replace('member@example.com', 'X')).toBe(forNew.replace('stranger@example.com', 'X'));
    await waitForMail(s, 'stranger@example.com');
    // The member's sign-up is done (a mail it sent would be in the sink before this line).
    await signedUp('member@example.com', 'already-active');
    expect(s.to('member@example.com')).toHaveLength(0);
    expect(await status(t, 'member@example.com')).toBe('active');

    // A pending address asking again within 10 minutes gets no second email.
    await fetch(`${base}/subscribe`, form({ email: 'stranger@example.com' }));
    await signedUp('stranger@example.com', 'throttled');
    expect(s.to('stranger@example.com')).toHaveLength(1);
    expect((await signUp(t.ctx, { email: 'stranger@example.com' })).outcome).toBe('throttled');

    // One client may not sign up more than 10 addresses in 10 minutes (3 so far, 10 more: 3 refused).
    const codes: number[] = [];
    for (let i = 0; i < 10; i++)
      codes.push((await fetch(`${base}/subscribe`, form({ email: `bulk${i}@example.com` }))).status);
    expect(codes.filter((c) => c === 429)).toHaveLength(3);

    const bad = await fetch(`${base}/subscribe`, form({ email: 'not an address' }));
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('That does not look like an email address.');
  });

  it('refuses tampered, expired and wrong-purpose confirmation links with a 4xx page and changes nothing', async () => {
    const { t, base } = await setUp();
    const res = await fetch(`${base}/subscribe`, form({ email: 'wait@example.com' }));
    expect(res.status).toBe(200);
    // The sign-up is stored after the answer: wait for it.
    let s = await findSubscriberByEmail(t.ctx.db, 'wait@example.com');
    for (let i = 0; i < 200 && !s; i++) {
      await new Promise((r) => setTimeout(r, 20));
      s = await findSubscriberByEmail(t.ctx.db, 'wait@example.com');
    }
    const id = s?.id ?? 0;
    const now = Math.floor(Date.now() / 1000);

    const expired = signTimedToken(TEST_SECRET, 'confirm', id, now - 8 * 86_400);
    const r1 = await fetch(`${base}/confirm/${expired}`, { method: 'POST' });
    expect(r1.status).toBe(410);
    expect(await r1.text()).toContain('This confirmation link has expired');

    const wrongPurpose = signToken(TEST_SECRET, 'unsubscribe', id);
    expect((await fetch(`${base}/confirm/${wrongPurpose}`, { method: 'POST' })).status).toBe(400);
    const unsubscribeAsTimed = signTimedToken(TEST_SECRET, 'unsubscribe', id, now);
    expect((await fetch(`${base}/confirm/${unsubscribeAsTimed}`, { method: 'POST' })).status).toBe(400);

    const valid = signTimedToken(TEST_SECRET, 'confirm', id, now);
    const tampered = `${valid.slice(0, -1)}${valid.endsWith('A') ? 'B' : 'A'}`;
    expect((await fetch(`${base}/confirm/${tampered}`, { method: 'POST' })).status).toBe(400);
    const otherId = signTimedToken(TEST_SECRET, 'confirm', id, now).replace(
      /^[0-9a-z]+\./,
      `${(id + 1).toString(36)}.`,
    );
    expect((await fetch(`${base}/confirm/${otherId}`, { method: 'POST' })).status).toBe(400);

    expect(await status(t, 'wait@example.com')).toBe('pending');
    expect((await fetch(`${base}/confirm/${valid}`, { method: 'POST' })).status).toBe(200);
    expect(await status(t, 'wait@example.com')).toBe('active');
  });
});

describe('preferences page', () => {
  it('changes name, topics and pause; a paused reader gets no digest; unsubscribing and resubscribing need a confirmation', async () => {
    const { t, s, base } = await setUp();
    await addActive(t, 'ada@example.com', 'bob@example.com');
    await runDigest(t.ctx, { date: '2026-11-27' });
    const mail = s.to('ada@example.com')[0];
    const prefs = /<a href="([^"]+)"[^>]*>Preferences<\/a>/.exec(mail?.mail.html || '')?.[1] ?? '';
    expect(prefs).toMatch(/^https:\/\/papers\.example\.org\/p\/[0-9a-z]+\.[A-Za-z0-9_-]{43}$/);
    expect(mail?.mail.text).toContain(`Preferences (name, topics, pause): ${prefs}\n`);
    const url = local(prefs, base);

    const page = await (await fetch(url)).text();
    expect(page).toContain('For ada@example.com.');
    const saved = await fetch(url, form({ action: 'save', name: 'Ada L.', topics: 'RL; diffusion, rl', pause: '7' }));
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain('Saved.');
    const ada = await findSubscriberByEmail(t.ctx.db, 'ada@example.com');
    expect(ada).toMatchObject({ name: 'Ada L.', topics: ['RL', 'diffusion'], status: 'active' });
    const pausedDays = (Date.parse(ada?.pausedUntil ?? '') - Date.now()) / 86_400_000;
    expect(Math.round(pausedDays)).toBe(7);

    await runDigest(t.ctx, { date: '2026-11-28' });
    expect(s.to('ada@example.com')).toHaveLength(1);
    expect(s.to('bob@example.com')).toHaveLength(2);

    // Resume, then unsubscribe from the same page: the next send skips her.
    await fetch(url, form({ action: 'save', name: 'Ada L.', topics: '', pause: '0' }));
    expect((await findSubscriberByEmail(t.ctx.db, 'ada@example.com'))?.pausedUntil).toBeNull();
    const unsub = await fetch(url, form({ action: 'unsubscribe' }));
    expect(await unsub.text()).toContain('You are unsubscribed: ada@example.com gets no more Daily Papers emails');
    await runDigest(t.ctx, { date: '2026-11-29' });
    expect(s.to('ada@example.com')).toHaveLength(1);

    // Subscribing again sends a confirmation; she stays unsubscribed until she clicks it.
    const again = await fetch(url, form({ action: 'resubscribe' }));
    expect(await again.text()).toContain('A confirmation link is on its way to ada@example.com.');
    const [, confirmation] = await waitForMail(s, 'ada@example.com', 2);
    expect(confirmation?.mail.subject).toBe('Confirm your subscription to Daily Papers');
    expect(await status(t, 'ada@example.com')).toBe('unsubscribed');
    const link = /https:\/\/papers\.example\.org\/confirm\/\S+/.exec(confirmation?.mail.text ?? '')?.[0] ?? '';
    await fetch(local(link, base), { method: 'POST' });
    expect(await status(t, 'ada@example.com')).toBe('active');
  });

  it('refuses a forged preferences link', async () => {
    const { t, base } = await setUp();
    await addActive(t, 'ada@example.com');
    const ada = await findSubscriberByEmail(t.ctx.db, 'ada@example.com');
    const unsubscribeToken = signToken(TEST_SECRET, 'unsubscribe', ada?.id ?? 0);
    const res = await fetch(`${base}/p/${unsubscribeToken}`, form({ action: 'unsubscribe' }));
    expect(res.status).toBe(400);
    expect(await status(t, 'ada@example.com')).toBe('active');
  });
});

describe('unconfirmed sign-ups', () => {
  it('expire after PAPERBOY_CONFIRM_TTL_DAYS; confirmed and recent ones stay', async () => {
    const { expireUnconfirmed } = await import('../../src/pipeline/maintenance.js');
    const { upsertSubscriber } = await import('../../src/store/subscribers.js');
    app = await startTestApp({ PAPERBOY_CONFIRM_TTL_DAYS: '7' });
    await upsertSubscriber(app.ctx.db, { email: 'old@example.com', name: null, status: 'pending' });
    await upsertSubscriber(app.ctx.db, { email: 'fresh@example.com', name: null, status: 'pending' });
    await addActive(app, 'member@example.com');
    await app.ctx.db
      .updateTable('subscribers')
      .set({ created_at: new Date(Date.now() - 8 * 86_400_000).toISOString() })
      .where('email', 'in', ['old@example.com', 'member@example.com'])
      .execute();
    expect(await expireUnconfirmed(app.ctx)).toBe(1);
    expect(await findSubscriberByEmail(app.ctx.db, 'old@example.com')).toBeUndefined();
    expect(await status(app, 'fresh@example.com')).toBe('pending');
    expect(await status(app, 'member@example.com')).toBe('active');
  });
});

describe('preferences: how often', () => {
  it('switches a reader to weekly on a chosen day and to "top papers when nothing matches"', async () => {
    const { t, base } = await setUp();
    await addActive(t, 'ada@example.com');
    const ada = await findSubscriberByEmail(t.ctx.db, 'ada@example.com');
    const url = `${base}/p/${signToken(TEST_SECRET, 'preferences', ada?.id ?? 0)}`;
    const page = await (await fetch(url)).text();
    expect(page).toContain('<option value="daily" selected>every day</option>');
    await fetch(
      url,
      form({ action: 'save', name: '', topics: 'RL', pause: 'keep', frequency: 'weekly-3', send_anyway: '1' }),
    );
    expect(await findSubscriberByEmail(t.ctx.db, 'ada@example.com')).toMatchObject({
      frequency: 'weekly',
      weekday: 3,
      sendAnyway: true,
      topics: ['RL'],
    });
    const again = await (await fetch(url)).text();
    expect(again).toContain(`<option value="weekly-3" selected>once a week, the week's best, on Wednesday</option>`);
  });
});
