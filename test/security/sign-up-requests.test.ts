import { afterEach, describe, expect, it } from 'vitest';
import { expireUnconfirmed } from '../../src/pipeline/maintenance.js';
import { createApp } from '../../src/server/app.js';
import { findSubscriberByEmail, setSubscriberStatus, upsertSubscriber } from '../../src/store/subscribers.js';
import { signTimedToken, signToken } from '../../src/subscribers/tokens.js';
import { listen } from '../helpers/http-server.js';
import { rawHeaders, type SmtpSink, startSmtpSink, waitForMail } from '../helpers/smtp-sink.js';
import { startTestApp, TEST_SECRET, type TestApp } from '../helpers/test-app.js';

// Items 4, 12 and 16 of issue 17: what a confirmation link may do, and what an unconfirmed sign-up may change.

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
afterEach(async () => {
  await http?.close();
  await app?.close();
  await sink?.close();
  app = sink = http = undefined;
});

async function setUp(extra: Record<string, string> = {}) {
  sink = await startSmtpSink();
  app = await startTestApp({ PAPERBOY_SMTP_URL: sink.url, ...extra });
  http = await listen(createApp(app.ctx, { nextRun: () => null }));
  const t = app;
  const s = sink;
  const base = http.url;
  return {
    t,
    s,
    base,
    /** The sign-up form, as a visitor submits it. */
    signUp: (fields: Record<string, string>) =>
      fetch(`${base}/subscribe`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      }),
    /** The confirm link of the `n`-th mail to `email` (1-based), waiting for it to arrive. */
    async link(email: string, n: number): Promise<{ path: string; to: string[] }> {
      const mails = await waitForMail(s, email, n);
      const m = mails[n - 1];
      const url = /https:\/\/papers\.example\.org(\/confirm\/\S+)/.exec(m?.mail.text ?? '')?.[1] ?? '';
      expect(url).not.toBe('');
      // The sign-up notes the confirmation after the relay took it: wait for that note.
      const issued = Number.parseInt(url.split('/')[2]?.split('.')[1] ?? '', 36);
      const noted = async () => {
        const at = (await findSubscriberByEmail(t.ctx.db, email))?.confirmSentAt;
        return at ? Math.floor(Date.parse(at) / 1000) === issued : false;
      };
      for (let i = 0; i < 500 && !(await noted()); i++) await new Promise((r) => setTimeout(r, 10));
      expect(await noted()).toBe(true);
      return { path: url, to: rawHeaders(m?.raw ?? '', 'to') };
    },
    confirm: async (path: string) => {
      const res = await fetch(`${base}${path}`, { method: 'POST' });
      return { status: res.status, text: await res.text() };
    },
    stored: (email: string) => findSubscriberByEmail(t.ctx.db, email),
    /** Moves the last confirmation back in time, as if it went out `minutes` ago (past the 10-minute throttle). */
    age: (email: string, minutes: number, created = false) =>
      t.ctx.db
        .updateTable('subscribers')
        .set({
          confirm_sent_at: new Date(Date.now() - minutes * 60_000).toISOString(),
          ...(created ? { created_at: new Date(Date.now() - minutes * 60_000).toISOString() } : {}),
        })
        .where('email', '=', email)
        .execute(),
  };
}

describe('a confirmation link replayed after the address left (item 4)', () => {
  it('does not bring back an address that unsubscribed, was removed or hard-bounced since', async () => {
    const { t, base, signUp, link, confirm, stored } = await setUp();
    for (const [email, leave] of [
      ['unsub@example.com', 'unsubscribe'],
      ['removed@example.com', 'removed'],
      ['bounced@example.com', 'hard-bounce'],
    ] as const) {
      expect((await signUp({ email })).status).toBe(200);
      const first = await link(email, 1);
      expect((await confirm(first.path)).status).toBe(200);
      const s = await stored(email);
      expect(s?.status).toBe('active');
      const id = s?.id ?? 0;
      if (leave === 'unsubscribe') {
        // The one-click unsubscribe of a digest.
        const res = await fetch(`${base}/u/${signToken(TEST_SECRET, 'unsubscribe', id)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'List-Unsubscribe=One-Click',
        });
        expect(res.status).toBe(200);
      } else if (leave === 'removed') {
        await setSubscriberStatus(t.ctx.db, id, 'unsubscribed', 'removed');
      } else {
        await setSubscriberStatus(t.ctx.db, id, 'bounced', 'hard-bounce');
      }
      const before = await stored(email);

      // The same link, still within its 7 days, replayed (from the mailbox, a log, a proxy).
      const replay = await confirm(first.path);
      expect({ email, status: replay.status }).toEqual({ email, status: 410 });
      expect(replay.text).toContain('This confirmation link no longer works');
      expect(await stored(email)).toEqual(before);
      // Its GET shows the same answer, with no Confirm button.
      const page = await fetch(`${base}${first.path}`);
      expect(page.status).toBe(410);
      expect(await page.text()).not.toContain('<button');
    }
  });

  it('only the latest link of a returning reader confirms; an older one answers "replaced"', async () => {
    const { t, signUp, link, confirm, stored, age } = await setUp();
    const email = 'back@example.com';
    await upsertSubscriber(t.ctx.db, { email, name: 'Back', status: 'active', topics: ['rl'] });
    const id = (await stored(email))?.id ?? 0;
    await setSubscriberStatus(t.ctx.db, id, 'unsubscribed', 'unsubscribed');

    // A sign-up an hour ago, whose link (issued then) the reader never clicked…
    expect((await signUp({ email })).status).toBe(200);
    await link(email, 1);
    await age(email, 60);
    const older = `/confirm/${signTimedToken(TEST_SECRET, 'confirm', id, Math.floor(Date.now() / 1000) - 3600)}`;
    // …and a new one now.
    expect((await signUp({ email })).status).toBe(200);
    const latest = await link(email, 2);

    const r = await confirm(older);
    expect(r.status).toBe(410);
    expect(r.text).toContain('This confirmation link has been replaced');
    expect((await stored(email))?.status).toBe('unsubscribed');
    expect((await confirm(latest.path)).status).toBe(200);
    expect(await stored(email)).toMatchObject({ status: 'active', statusReason: null, topics: ['rl'] });
  });
});

describe('an unconfirmed sign-up for a stored address (item 12)', () => {
  it('changes neither its name nor its topics, and the confirmation goes to the bare address', async () => {
    const { t, signUp, link, confirm, stored, age } = await setUp();
    const cases = [
      ['pending@example.com', 'pending'],
      ['left@example.com', 'unsubscribed'],
      ['gone@example.com', 'bounced'],
    ] as const;
    for (const [email, status] of cases) {
      await upsertSubscriber(t.ctx.db, { email, name: 'Victim V', status: 'pending', topics: ['robotics'] });
      const id = (await stored(email))?.id ?? 0;
      if (status !== 'pending')
        await setSubscriberStatus(t.ctx.db, id, status, status === 'bounced' ? 'hard-bounce' : 'unsubscribed');
    }
    for (const [email] of cases) {
      const before = await stored(email);
      expect((await signUp({ email, name: 'Mallory Was Here', topics: 'crypto airdrops' })).status).toBe(200);
      const mail = await link(email, 1);
      expect(mail.to).toEqual([email]);
      // Nothing stored changed but the open request.
      const after = await stored(email);
      expect({ ...after, request: null, confirmSentAt: null, updatedAt: null }).toEqual({
        ...before,
        request: null,
        confirmSentAt: null,
        updatedAt: null,
      });
      expect(after?.request).toMatchObject({ name: 'Mallory Was Here', topics: ['crypto airdrops'] });
    }

    // The real owner asks again with her own choices (after the 10-minute throttle) and confirms:
    // what she asked for applies, nothing of the earlier request.
    await age('left@example.com', 11);
    expect((await signUp({ email: 'left@example.com', name: 'Vera', topics: 'robot learning' })).status).toBe(200);
    const hers = await link('left@example.com', 2);
    expect((await confirm(hers.path)).status).toBe(200);
    expect(await stored('left@example.com')).toMatchObject({
      status: 'active',
      name: 'Vera',
      topics: ['robot learning'],
      request: null,
    });
    // A sign-up with no name or topics keeps the stored ones once confirmed.
    await age('gone@example.com', 11);
    expect((await signUp({ email: 'gone@example.com' })).status).toBe(200);
    expect((await confirm((await link('gone@example.com', 2)).path)).status).toBe(200);
    expect(await stored('gone@example.com')).toMatchObject({
      status: 'active',
      name: 'Victim V',
      topics: ['robotics'],
    });
  });
});

describe('pending sign-ups expire from their last confirmation (item 16)', () => {
  it('keeps a sign-up whose confirmation was re-sent on day 6, and its fresh link confirms', async () => {
    const { t, signUp, link, confirm, stored, age } = await setUp({ PAPERBOY_CONFIRM_TTL_DAYS: '7' });
    const email = 'slow@example.com';
    expect((await signUp({ email })).status).toBe(200);
    await link(email, 1);
    // Signed up 8 days ago; the first link went out then; a new one on day 6 (now, here).
    await age(email, 8 * 24 * 60, true);
    expect((await signUp({ email })).status).toBe(200);
    const fresh = await link(email, 2);
    expect(await expireUnconfirmed(t.ctx)).toBe(0);
    expect((await stored(email))?.status).toBe('pending');
    expect((await confirm(fresh.path)).status).toBe(200);
    expect((await stored(email))?.status).toBe('active');

    // One whose last confirmation is 8 days old does expire.
    expect((await signUp({ email: 'never@example.com' })).status).toBe(200);
    await link('never@example.com', 1);
    await age('never@example.com', 8 * 24 * 60, true);
    expect(await expireUnconfirmed(t.ctx)).toBe(1);
    expect(await stored('never@example.com')).toBeUndefined();
  });
});
