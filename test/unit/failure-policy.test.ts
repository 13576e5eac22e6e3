import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SendEvents } from '../../src/send/events.js';
import { decide, type FailureState } from '../../src/send/failure-policy.js';
import type { SmtpError } from '../../src/send/transport.js';

const reply = (response: string, command = 'RCPT TO'): SmtpError =>
  Object.assign(new Error(response), { responseCode: Number(response.slice(0, 3)), response, command });
const noRelay = (): SmtpError => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNECTION' });

const NOW = Date.parse('2026-11-28T08:00:00Z');
const state = (s: Partial<FailureState> = {}): FailureState => ({
  tries: 1,
  deferrals: 0,
  deferredSince: null,
  halted: false,
  retries: 2,
  retryDelayMs: 1000,
  deferLimitMs: 0,
  now: NOW,
  ...s,
});

describe('the failure policy', () => {
  it('bounces a 5xx about the address, rejects one about the message, stops for a refused setting', () => {
    expect(decide(reply('550 5.1.1 No such user'), state())).toEqual({ do: 'bounce', bounce: 'hard' });
    expect(decide(reply('554 5.7.1 Message refused as spam'), state())).toEqual({ do: 'reject' });
    expect(decide(reply('535 5.7.8 Authentication failed', 'AUTH PLAIN'), state())).toEqual({
      do: 'stop',
      why: 'refused',
    });
  });

  it('retries an unreachable relay with backoff, then stops the send', () => {
    expect(decide(noRelay(), state({ tries: 1 }))).toEqual({
      do: 'retry',
      cause: 'connection',
      attempt: 1,
      waitMs: 1000,
    });
    expect(decide(noRelay(), state({ tries: 2 }))).toEqual({
      do: 'retry',
      cause: 'connection',
      attempt: 2,
      waitMs: 2000,
    });
    expect(decide(noRelay(), state({ tries: 3 }))).toEqual({ do: 'stop', why: 'unreachable' });
  });

  it('parks a 4xx within the pass while retries are left and the send goes on', () => {
    const greylisted = reply('450 4.2.0 Greylisted');
    expect(decide(greylisted, state({ deferrals: 0 }))).toEqual({
      do: 'retry',
      cause: 'deferred',
      attempt: 1,
      waitMs: 1000,
    });
    expect(decide(greylisted, state({ deferrals: 1 }))).toEqual({
      do: 'retry',
      cause: 'deferred',
      attempt: 2,
      waitMs: 2000,
    });
  });

  it('fails a 4xx past the retries without a deferral limit: a soft bounce about the address, else a rejection', () => {
    expect(decide(reply('452 4.2.2 Mailbox full'), state({ deferrals: 2 }))).toEqual({
      do: 'bounce',
      bounce: 'soft',
      attempt: 3,
    });
    expect(decide(reply('451 4.3.0 Temporary system problem'), state({ deferrals: 2 }))).toEqual({
      do: 'reject',
      attempt: 3,
    });
  });

  it('leaves a 4xx past the retries pending for a later pass within the deferral limit, a minute to an hour later', () => {
    const since = new Date(NOW - 10 * 60_000).toISOString();
    expect(
      decide(reply('452 4.2.2 Mailbox full'), state({ deferrals: 2, deferLimitMs: 3_600_000, deferredSince: since })),
    ).toEqual({ do: 'defer', attempt: 3, notBefore: NOW + 10 * 60_000, since, streak: false });
    // First deferred now: a minute at least; not about the address: it counts towards the reject streak.
    expect(
      decide(reply('451 4.3.0 Temporary system problem'), state({ deferrals: 2, deferLimitMs: 3_600_000 })),
    ).toEqual({ do: 'defer', attempt: 3, notBefore: NOW + 60_000, since: new Date(NOW).toISOString(), streak: true });
    const longAgo = new Date(NOW - 5 * 3_600_000).toISOString();
    expect(
      decide(reply('451 4.3.0 Busy'), state({ deferrals: 2, deferLimitMs: 6 * 3_600_000, deferredSince: longAgo })),
    ).toMatchObject({ do: 'defer', notBefore: NOW + 3_600_000 });
  });

  it('leaves a 4xx pending, with no retry in the pass and no streak, once the send has stopped', () => {
    expect(decide(reply('450 4.2.0 Greylisted'), state({ halted: true }))).toEqual({
      do: 'defer',
      attempt: 1,
      notBefore: NOW + 60_000,
      since: new Date(NOW).toISOString(),
      streak: false,
    });
  });
});

describe('the send event stream', () => {
  it('hands each event to the listeners of its type, in order, until they unsubscribe', () => {
    const events = new SendEvents();
    const seen: string[] = [];
    const off = events.on('send.progress', (e) => seen.push(`a ${e.done}/${e.total}`));
    events.on('send.progress', (e) => seen.push(`b ${e.done}/${e.total}`));
    events.on('send.stopped', (e) => seen.push(`stopped: ${e.error.message}`));
    events.emit({ type: 'send.progress', digestDate: '2026-11-28', done: 1, total: 2 });
    off();
    events.emit({ type: 'send.progress', digestDate: '2026-11-28', done: 2, total: 2 });
    events.emit({ type: 'send.stopped', digestDate: '2026-11-28', error: new Error('relay down') });
    expect(seen).toEqual(['a 1/2', 'b 1/2', 'b 2/2', 'stopped: relay down']);
  });

  it('goes on past a listener that throws: the next listener has the event, the error goes to the handler', () => {
    const errors: string[] = [];
    const events = new SendEvents((err, e) => errors.push(`${e.type}: ${(err as Error).message}`));
    const seen: number[] = [];
    events.on('send.progress', () => {
      throw new Error('stdout is closed');
    });
    events.on('send.progress', (e) => seen.push(e.done));
    events.emit({ type: 'send.progress', digestDate: '2026-11-28', done: 1, total: 2 });
    events.emit({ type: 'send.progress', digestDate: '2026-11-28', done: 2, total: 2 });
    expect(seen).toEqual([1, 2]);
    expect(errors).toEqual(['send.progress: stdout is closed', 'send.progress: stdout is closed']);
  });

  it('by default says so once per type of event, as a process warning', async () => {
    const events = new SendEvents();
    events.on('send.progress', () => {
      throw new Error('stdout is closed');
    });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const first = once(process, 'warning');
      events.emit({ type: 'send.progress', digestDate: '2026-11-28', done: 1, total: 2 });
      events.emit({ type: 'send.progress', digestDate: '2026-11-28', done: 2, total: 2 });
      await first;
      // A later warning of another kind comes after any second one of ours would have.
      const marker = once(process, 'warning');
      process.emitWarning('marker', 'TestMarker');
      await marker;
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([
      'SendEventsWarning: a listener of send.progress threw (stdout is closed); the send goes on',
      'TestMarker: marker',
    ]);
  });
});
