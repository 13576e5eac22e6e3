// Webhooks (issue 23, item 3): what happened to readers, signed as the Standard Webhooks
// specification says (checked with its reference library, standardwebhooks), delivered from the
// store's outbox with retries and backoff to a local receiver that fails, times out and recovers,
// across a restart of the dispatcher; one that never recovers ends failed.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { confirmSubscriber } from '../../src/pipeline/sign-up.js';
import { startWebhooks, type WebhookDispatcher } from '../../src/pipeline/webhooks.js';
import { createApp } from '../../src/server/app.js';
import { recordBounce } from '../../src/store/bounces.js';
import { recentWebhooks } from '../../src/store/events.js';
import { findSubscriberByEmail, setSubscriberStatus, upsertSubscriber } from '../../src/store/subscribers.js';
import { requestSignUp } from '../../src/subscribers/lifecycle.js';
import { ADMIN_TOKEN, adminLogin } from '../helpers/admin.js';
import { listen } from '../helpers/http-server.js';
import { addActive, startTestApp, type TestApp } from '../helpers/test-app.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

interface Hit {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A receiver answering its n-th request (1-based) as `answer` says: a status, or never. */
async function receiver(answer: (n: number) => number | 'never') {
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      hits.push({ headers: req.headers, body });
      const a = answer(hits.length);
      if (a === 'never') return;
      res.writeHead(a).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return {
    url,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function app(urls: string[]): Promise<TestApp> {
  const a = await startTestApp({ PAPERBOY_WEBHOOKS: urls.join(','), PAPERBOY_WEBHOOK_SECRET: SECRET });
  cleanups.push(() => a.close());
  return a;
}

describe('webhooks', () => {
  it('are signed, tried again after a 500 and a timeout, delivered once the receiver recovers, across a restart', async () => {
    const flaky = await receiver((n) => (n === 1 ? 500 : n === 2 ? 'never' : 204));
    cleanups.push(flaky.close);
    const a = await app([flaky.url]);
    const settings = a.config.webhooks;
    if (!settings) throw new Error('webhooks are not set');
    let t = Date.now();
    const log = pino({ level: 'silent' });
    const start = () =>
      startWebhooks(a.ctx.db, log, settings, { timeoutMs: 300, retrySeconds: [1, 2], now: () => new Date(t) });
    let d: WebhookDispatcher = start();
    cleanups.push(() => d.stop());
    await d.idle(); // the URL's cursor starts at the newest event: history is not replayed

    const { subscriber: s } = await upsertSubscriber(a.ctx.db, {
      email: 'ada@example.com',
      name: null,
      status: 'active',
    });
    await setSubscriberStatus(a.ctx.db, s.id, 'unsubscribed', 'unsubscribed');
    d.poke();
    await d.idle();
    expect(flaky.hits).toHaveLength(1);
    expect((await recentWebhooks(a.ctx.db)).map((w) => [w.status, w.attempts, w.lastStatus, w.lastError])).toEqual([
      ['pending', 1, 500, 'answered 500'],
    ]);

    // A restart: the outbox is in the store, the new dispatcher takes it from there.
    await d.stop();
    d = start();
    t += 1000;
    await d.idle();
    expect(flaky.hits).toHaveLength(2);
    expect((await recentWebhooks(a.ctx.db)).map((w) => [w.status, w.attempts, w.lastError])).toEqual([
      ['pending', 2, 'no answer within 0.3 s'],
    ]);
    t += 2000;
    await d.idle();
    expect(flaky.hits).toHaveLength(3);
    expect((await recentWebhooks(a.ctx.db)).map((w) => [w.status, w.attempts, w.lastStatus])).toEqual([
      ['delivered', 3, 204],
    ]);
    // Nothing more goes once delivered.
    t += 60_000;
    await d.idle();
    expect(flaky.hits).toHaveLength(3);

    // Every try is the same message (one webhook-id) and each signature verifies.
    const ids = new Set(flaky.hits.map((h) => h.headers['webhook-id']));
    expect(ids.size).toBe(1);
    const wh = new Webhook(SECRET);
    for (const h of flaky.hits) {
      expect(h.headers['content-type']).toBe('application/json');
      const headers = {
        'webhook-id': String(h.headers['webhook-id']),
        'webhook-timestamp': String(h.headers['webhook-timestamp']),
        'webhook-signature': String(h.headers['webhook-signature']),
      };
      const payload = wh.verify(h.body, headers) as { type: string; data: unknown };
      expect(payload.type).toBe('subscriber.unsubscribed');
      expect(payload.data).toEqual({ id: s.id, email: 'ada@example.com', reason: 'unsubscribed' });
    }
    // A body changed on the way does not verify.
    const h = flaky.hits[2] as Hit;
    expect(() =>
      wh.verify(h.body.replace('ada@', 'eve@'), {
        'webhook-id': String(h.headers['webhook-id']),
        'webhook-timestamp': String(h.headers['webhook-timestamp']),
        'webhook-signature': String(h.headers['webhook-signature']),
      }),
    ).toThrow();
  });

  it('carries confirmations, unsubscribes and bounces to every URL; a receiver that never recovers ends failed', async () => {
    const good = await receiver(() => 200);
    const down = await receiver(() => 503);
    cleanups.push(good.close, down.close);
    const a = await app([good.url, down.url]);
    const settings = a.config.webhooks;
    if (!settings) throw new Error('webhooks are not set');
    let t = Date.now();
    const d = startWebhooks(a.ctx.db, pino({ level: 'silent' }), settings, {
      retrySeconds: [1],
      now: () => new Date(t),
    });
    cleanups.push(() => d.stop());
    await d.idle();

    const { subscriber } = await requestSignUp(a.ctx.db, { email: 'bo@example.com' });
    expect(await confirmSubscriber(a.ctx, subscriber)).toBe(true);
    const bo = await findSubscriberByEmail(a.ctx.db, 'bo@example.com');
    const { subscriber: cy } = await upsertSubscriber(a.ctx.db, {
      email: 'cy@example.com',
      name: null,
      status: 'active',
    });
    await recordBounce(
      a.ctx.db,
      {
        subscriberId: cy.id,
        deliveryId: null,
        kind: 'hard',
        source: 'smtp',
        status: '5.1.1',
        detail: null,
        dedupeKey: null,
      },
      3,
    );
    await setSubscriberStatus(a.ctx.db, bo?.id ?? 0, 'unsubscribed', 'removed');
    d.poke();
    await d.idle();
    const sent = good.hits.map((h) => JSON.parse(h.body) as { type: string; data: unknown });
    expect(sent.map((p) => [p.type, p.data])).toEqual([
      ['subscriber.confirmed', { id: bo?.id, email: 'bo@example.com' }],
      [
        'subscriber.bounced',
        { id: cy.id, email: 'cy@example.com', reason: 'hard-bounce', kind: 'hard', status: '5.1.1' },
      ],
      ['subscriber.unsubscribed', { id: bo?.id, email: 'bo@example.com', reason: 'removed' }],
    ]);
    expect(down.hits).toHaveLength(3);
    t += 1000;
    await d.idle();
    expect(down.hits).toHaveLength(6);
    const rows = await recentWebhooks(a.ctx.db);
    expect(rows.filter((w) => w.url === down.url).map((w) => [w.status, w.attempts, w.lastStatus])).toEqual([
      ['failed', 2, 503],
      ['failed', 2, 503],
      ['failed', 2, 503],
    ]);
    expect(rows.filter((w) => w.url === good.url).map((w) => w.status)).toEqual([
      'delivered',
      'delivered',
      'delivered',
    ]);
    t += 3_600_000;
    await d.idle();
    expect(down.hits).toHaveLength(6);
  });

  it('says digest.sent once, with the counts, when a date is fully sent', async () => {
    const hook = await receiver(() => 204);
    cleanups.push(hook.close);
    const a = await app([hook.url]);
    const settings = a.config.webhooks;
    if (!settings) throw new Error('webhooks are not set');
    const d = startWebhooks(a.ctx.db, pino({ level: 'silent' }), settings);
    cleanups.push(() => d.stop());
    await d.idle();
    await addActive(a, 'ada@example.com', 'bo@example.com');
    expect((await runDigest(a.ctx, { date: '2026-11-28' })).totals.sent).toBe(2);
    // Sent again: nothing was pending, no second event.
    await runDigest(a.ctx, { date: '2026-11-28' });
    d.poke();
    await d.idle();
    expect(
      hook.hits.map((h) => JSON.parse(h.body) as { type: string; data: unknown }).map((p) => [p.type, p.data]),
    ).toEqual([['digest.sent', { date: '2026-11-28', sent: 2, failed: 0, skipped: 0, feed: 0 }]]);
  });

  it('are listed for the admin with their tries and last answers, escaped', async () => {
    const down = await receiver(() => 503);
    cleanups.push(down.close);
    const a = await startTestApp({
      PAPERBOY_WEBHOOKS: `${down.url}?a=<b>`,
      PAPERBOY_WEBHOOK_SECRET: SECRET,
      PAPERBOY_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    cleanups.push(() => a.close());
    const settings = a.config.webhooks;
    if (!settings) throw new Error('webhooks are not set');
    const d = startWebhooks(a.ctx.db, pino({ level: 'silent' }), settings, {
      now: () => new Date('2026-12-07T10:00:00Z'),
    });
    cleanups.push(() => d.stop());
    await d.idle();
    const { subscriber } = await upsertSubscriber(a.ctx.db, { email: 'ada@example.com', name: null, status: 'active' });
    await setSubscriberStatus(a.ctx.db, subscriber.id, 'unsubscribed', 'unsubscribed');
    d.poke();
    await d.idle();
    const http = await listen(createApp(a.ctx, { nextRun: () => null }));
    cleanups.push(http.close);
    const cookie = await adminLogin(http.url);
    const page = await (await fetch(`${http.url}/admin/webhooks`, { headers: { cookie } })).text();
    const url = `${down.url}?a=&lt;b&gt;`;
    expect(page).toContain(
      `<p>Sent to <code>${url}</code>: 0 delivered, 1 waiting for a try, 0 failed (of the 1 newest).</p>`,
    );
    expect(page).toMatch(
      new RegExp(
        `<tr><td>subscriber.unsubscribed</td><td><code>${url.replace(/[?]/g, '\\?')}</code></td><td>pending</td><td class="num">1</td><td>answered 503</td><td class="nowrap">2026-12-07 10:00</td><td><code>msg_[0-9a-f]{32}</code></td></tr>`,
      ),
    );
    expect(page).not.toContain('<b>');
    const anonymous = await fetch(`${http.url}/admin/webhooks`, { redirect: 'manual' });
    expect([anonymous.status, anonymous.headers.get('location')]).toEqual([
      303,
      '/admin/login?next=%2Fadmin%2Fwebhooks',
    ]);
  });
});
