import { afterEach, describe, expect, it } from 'vitest';
import type { Subscriber } from '../../src/domain.js';
import { subscriberByEmail, subscriberById } from '../../src/subscribers/directory.js';
import {
  addSubscriber,
  bounce,
  confirm,
  confirmationSent,
  expireSignUps,
  remove,
  requestSignUp,
  resubscribe,
  unsubscribe,
} from '../../src/subscribers/lifecycle.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

// Each move of subscribers/lifecycle.ts on the real store (SQLite, and PostgreSQL in its project):
// the doors' tests reach them through HTTP and the CLI; these pin the moves themselves.

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** The parts of a subscriber a move changes. */
function state(s: Subscriber | undefined) {
  return s && { status: s.status, reason: s.statusReason, softBounces: s.softBounces, requestOpen: s.request !== null };
}

async function stored(t: TestApp, id: number) {
  return state(await subscriberById(t.ctx.db, id));
}

const noSchedule = { topics: null, schedule: null };

describe('the subscriber lifecycle', () => {
  it('add: a new address is active and confirmed; a pending one is made active; a suppressed one stays so', async () => {
    app = await startTestApp();
    const db = app.ctx.db;
    const added = await addSubscriber(db, {
      email: 'ada@example.com',
      name: '  Ada  ',
      topics: ['rl'],
      schedule: { frequency: 'weekly', weekday: 3, sendAnyway: true },
    });
    expect(added.outcome).toBe('added');
    const ada = await subscriberById(db, added.subscriber.id);
    expect({
      name: ada?.name,
      topics: ada?.topics,
      status: ada?.status,
      confirmed: ada?.confirmedAt !== null,
      frequency: ada?.frequency,
      weekday: ada?.weekday,
      sendAnyway: ada?.sendAnyway,
    }).toEqual({
      name: 'Ada',
      topics: ['rl'],
      status: 'active',
      confirmed: true,
      frequency: 'weekly',
      weekday: 3,
      sendAnyway: true,
    });
    expect((await addSubscriber(db, { email: 'ada@example.com', name: null, ...noSchedule })).outcome).toBe(
      'unchanged',
    );

    const pending = await requestSignUp(db, { email: 'bob@example.com' });
    const again = await addSubscriber(db, { email: 'bob@example.com', name: 'Bob', ...noSchedule });
    expect({ outcome: again.outcome, status: again.subscriber.status }).toEqual({
      outcome: 'updated',
      status: 'pending',
    });
    expect(await stored(app, pending.subscriber.id)).toEqual({
      status: 'active',
      reason: null,
      softBounces: 0,
      requestOpen: false,
    });

    await unsubscribe(db, again.subscriber);
    const left = await addSubscriber(db, { email: 'bob@example.com', name: 'Robert', ...noSchedule });
    expect({ outcome: left.outcome, status: left.subscriber.status, name: left.subscriber.name }).toEqual({
      outcome: 'updated',
      status: 'unsubscribed',
      name: 'Robert',
    });
    expect((await stored(app, left.subscriber.id))?.status).toBe('unsubscribed');
  });

  it('sign up: pending with the request waiting; at most one confirmation in 10 minutes; an active address is left alone', async () => {
    app = await startTestApp();
    const db = app.ctx.db;
    await expect(requestSignUp(db, { email: 'not an address' })).rejects.toMatchObject({
      code: 'EUSAGE',
      message: '"not an address" is not an email address',
    });
    const first = await requestSignUp(db, { email: 'carol@Example.COM', name: 'Carol', topics: ['cs.LG'] });
    expect(first.outcome).toBe('created');
    expect({
      email: first.subscriber.email,
      status: first.subscriber.status,
      name: first.subscriber.name,
      topics: first.subscriber.topics,
      request: first.subscriber.request && {
        name: first.subscriber.request.name,
        topics: first.subscriber.request.topics,
      },
    }).toEqual({
      email: 'carol@example.com',
      status: 'pending',
      name: null,
      topics: [],
      request: { name: 'Carol', topics: ['cs.LG'] },
    });

    // Without a confirmation on record the request is renewed; with one, not for 10 minutes.
    expect((await requestSignUp(db, { email: 'carol@example.com' })).outcome).toBe('confirmation-sent');
    const sentAt = Date.parse('2026-12-01T08:00:00Z');
    await confirmationSent(db, first.subscriber.id, new Date(sentAt).toISOString());
    expect((await requestSignUp(db, { email: 'carol@example.com' }, sentAt + 9 * 60_000)).outcome).toBe('throttled');
    expect((await requestSignUp(db, { email: 'carol@example.com' }, sentAt + 10 * 60_000)).outcome).toBe(
      'confirmation-sent',
    );

    await addSubscriber(db, { email: 'dan@example.com', name: null, ...noSchedule });
    expect((await requestSignUp(db, { email: 'dan@example.com', name: 'Not Dan' })).outcome).toBe('already-active');
    expect((await subscriberByEmail(db, 'dan@example.com'))?.request).toBeNull();
  });

  it('confirm: the open request becomes active with what it asked for, once; a closed request confirms nothing', async () => {
    app = await startTestApp();
    const db = app.ctx.db;
    const { subscriber } = await requestSignUp(db, { email: 'eve@example.com', name: 'Eve', topics: ['robotics'] });
    expect(await confirm(db, subscriber)).toBe(true);
    const eve = await subscriberById(db, subscriber.id);
    expect({ ...state(eve), name: eve?.name, topics: eve?.topics }).toEqual({
      status: 'active',
      reason: null,
      softBounces: 0,
      requestOpen: false,
      name: 'Eve',
      topics: ['robotics'],
    });
    // A second click, with the subscriber as read before or after: nothing more.
    expect(await confirm(db, subscriber)).toBe(false);
    expect(await confirm(db, eve as Subscriber)).toBe(false);

    const later = await requestSignUp(db, { email: 'fay@example.com' });
    await unsubscribe(db, later.subscriber);
    expect(await confirm(db, later.subscriber)).toBe(false);
    expect(await stored(app, later.subscriber.id)).toEqual({
      status: 'unsubscribed',
      reason: 'unsubscribed',
      softBounces: 0,
      requestOpen: false,
    });
  });

  it('unsubscribe is idempotent and keeps an earlier reason; remove suppresses; resubscribe brings back with no bounce count', async () => {
    app = await startTestApp();
    const db = app.ctx.db;
    const { subscriber: gus } = await addSubscriber(db, { email: 'gus@example.com', name: null, ...noSchedule });
    await unsubscribe(db, gus);
    await unsubscribe(db, { id: gus.id, status: 'unsubscribed' });
    expect(await stored(app, gus.id)).toEqual({
      status: 'unsubscribed',
      reason: 'unsubscribed',
      softBounces: 0,
      requestOpen: false,
    });

    const { subscriber: hal } = await addSubscriber(db, { email: 'hal@example.com', name: null, ...noSchedule });
    await remove(db, hal);
    // A reader clicking an old unsubscribe link after the removal leaves the reason as it was.
    await unsubscribe(db, (await subscriberById(db, hal.id)) as Subscriber);
    expect(await stored(app, hal.id)).toEqual({
      status: 'unsubscribed',
      reason: 'removed',
      softBounces: 0,
      requestOpen: false,
    });

    const { subscriber: ida } = await addSubscriber(db, { email: 'ida@example.com', name: null, ...noSchedule });
    const soft = { subscriberId: ida.id, deliveryId: null, kind: 'soft', source: 'dsn', status: '4.2.2' } as const;
    await bounce(db, { ...soft, detail: null, dedupeKey: 'soft-1' }, 3);
    await bounce(db, { ...soft, kind: 'hard', status: '5.1.1', detail: null, dedupeKey: 'hard-1' }, 3);
    expect(await stored(app, ida.id)).toEqual({
      status: 'bounced',
      reason: 'hard-bounce',
      softBounces: 1,
      requestOpen: false,
    });
    await resubscribe(db, ida);
    expect(await stored(app, ida.id)).toEqual({ status: 'active', reason: null, softBounces: 0, requestOpen: false });
  });

  it('bounce: a hard one bounces at once, soft ones at the limit, a report counts once, an unsubscribed address stays so', async () => {
    app = await startTestApp();
    const db = app.ctx.db;
    const reader = async (email: string) => (await addSubscriber(db, { email, name: null, ...noSchedule })).subscriber;
    const b = (subscriberId: number, kind: 'hard' | 'soft', dedupeKey: string) =>
      bounce(
        db,
        {
          subscriberId,
          deliveryId: null,
          kind,
          source: 'smtp',
          status: kind === 'hard' ? '550' : '452',
          detail: null,
          dedupeKey,
        },
        3,
      );

    const jo = await reader('jo@example.com');
    expect(await b(jo.id, 'hard', 'jo-1')).toBe('bounced');
    expect(await b(jo.id, 'hard', 'jo-1')).toBe('duplicate');
    expect(await stored(app, jo.id)).toEqual({
      status: 'bounced',
      reason: 'hard-bounce',
      softBounces: 0,
      requestOpen: false,
    });

    const kim = await reader('kim@example.com');
    expect([await b(kim.id, 'soft', 'k1'), await b(kim.id, 'soft', 'k2'), await b(kim.id, 'soft', 'k3')]).toEqual([
      'recorded',
      'recorded',
      'bounced',
    ]);
    expect(await stored(app, kim.id)).toEqual({
      status: 'bounced',
      reason: 'soft-bounces',
      softBounces: 3,
      requestOpen: false,
    });

    const lee = await reader('lee@example.com');
    await unsubscribe(db, lee);
    expect(await b(lee.id, 'hard', 'lee-1')).toBe('recorded');
    expect((await stored(app, lee.id))?.status).toBe('unsubscribed');
  });

  it('expire: sign-ups never confirmed go once their last confirmation is older than the cut-off; others stay', async () => {
    app = await startTestApp();
    const db = app.ctx.db;
    const old = await requestSignUp(db, { email: 'old@example.com' });
    await confirmationSent(db, old.subscriber.id, '2026-11-01T00:00:00.000Z');
    const fresh = await requestSignUp(db, { email: 'fresh@example.com' });
    await confirmationSent(db, fresh.subscriber.id, '2026-11-20T00:00:00.000Z');
    const { subscriber: active } = await addSubscriber(db, { email: 'on@example.com', name: null, ...noSchedule });

    expect(await expireSignUps(db, '2026-11-10T00:00:00.000Z')).toBe(1);
    expect(await subscriberById(db, old.subscriber.id)).toBeUndefined();
    expect((await subscriberById(db, fresh.subscriber.id))?.status).toBe('pending');
    expect((await subscriberById(db, active.id))?.status).toBe('active');
  });
});
