import { describe, expect, it } from 'vitest';
import { RELAY_COOL_DOWN_MS, relaysFor, relaysOf } from '../../src/send/relays.js';
import type { OutgoingMessage, SmtpError, Transport } from '../../src/send/transport.js';

/** A relay whose answer the test sets: ok, down (no reply), a refused login, or a reply to RCPT TO. */
function relay(name: string) {
  const state = { answer: 'ok' as 'ok' | 'down' | 'login' | 'unknown-user' | 'policy', sent: [] as string[], tries: 0 };
  const fail = (fields: Partial<SmtpError>, message: string) => Object.assign(new Error(message), fields);
  const transport: Transport = {
    kind: 'smtp',
    description: `SMTP ${name}:25`,
    async send(m: OutgoingMessage) {
      state.tries++;
      if (state.answer === 'down') throw fail({ code: 'ESOCKET', command: 'CONN' }, 'connect ECONNREFUSED');
      if (state.answer === 'login') {
        throw fail(
          { code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, response: '535 5.7.8 bad' },
          'Invalid login',
        );
      }
      if (state.answer === 'unknown-user') {
        throw fail(
          { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, response: '550 5.1.1 No such user' },
          'rejected',
        );
      }
      if (state.answer === 'policy') {
        throw fail(
          { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 554, response: '554 5.7.1 Relay access denied' },
          'rejected',
        );
      }
      state.sent.push(String(m.subject));
      return { response: '250 ok' };
    },
    async verify() {},
    async close() {},
  };
  return { state, transport };
}

const msg = (n: number): OutgoingMessage => ({ subject: `m${n}` });

describe('several relays', () => {
  it('take messages in turn; one that is down is left out for a cool-down and its message goes to the next at once', async () => {
    let t = 1_000_000;
    const a = relay('a');
    const b = relay('b');
    const both = relaysOf([a.transport, b.transport], { now: () => t });
    for (let i = 1; i <= 4; i++) await both.send(msg(i));
    expect([a.state.sent, b.state.sent]).toEqual([
      ['m1', 'm3'],
      ['m2', 'm4'],
    ]);

    a.state.answer = 'down';
    for (let i = 5; i <= 10; i++) await both.send(msg(i));
    // m5 was a's turn: it failed there and went to b; a was not tried again during its cool-down.
    expect(a.state.tries).toBe(3);
    expect(b.state.sent).toEqual(['m2', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10']);

    // After the cool-down a is tried again; back, it takes its turn.
    a.state.answer = 'ok';
    t += RELAY_COOL_DOWN_MS;
    for (let i = 11; i <= 14; i++) await both.send(msg(i));
    expect(a.state.sent).toHaveLength(4);
    expect(b.state.sent).toHaveLength(10);
    expect([...a.state.sent, ...b.state.sent].sort()).toEqual(Array.from({ length: 14 }, (_, i) => `m${i + 1}`).sort());
  });

  it('leave out a relay that refuses the login, but pass on a refusal of the recipient as it is', async () => {
    const a = relay('a');
    const b = relay('b');
    const both = relaysOf([a.transport, b.transport], { now: () => 0 });
    a.state.answer = 'login';
    await both.send(msg(1));
    expect(b.state.sent).toEqual(['m1']);

    const c = relay('c');
    const d = relay('d');
    const other = relaysOf([c.transport, d.transport], { now: () => 0 });
    c.state.answer = 'unknown-user';
    await expect(other.send(msg(1))).rejects.toMatchObject({ responseCode: 550 });
    expect(d.state.tries).toBe(0);
  });

  it('offer a message one relay refuses for policy to the next, and leave that relay out once another takes it', async () => {
    const a = relay('a');
    const b = relay('b');
    a.state.answer = 'policy';
    const both = relaysOf([a.transport, b.transport], { now: () => 0 });
    for (let i = 1; i <= 4; i++) await both.send(msg(i));
    expect(b.state.sent).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(a.state.tries).toBe(1);

    // Refused by every relay: the refusal is the message's; it is passed on and nobody is left out.
    const c = relay('c');
    const d = relay('d');
    c.state.answer = 'policy';
    d.state.answer = 'policy';
    const strict = relaysOf([c.transport, d.transport], { now: () => 0 });
    await expect(strict.send(msg(1))).rejects.toMatchObject({ responseCode: 554 });
    await expect(strict.send(msg(2))).rejects.toMatchObject({ responseCode: 554 });
    expect([c.state.tries, d.state.tries]).toEqual([2, 2]);
  });

  it('throw the last error when every relay failed for a message, each tried once', async () => {
    const a = relay('a');
    const b = relay('b');
    a.state.answer = 'down';
    b.state.answer = 'login';
    const both = relaysOf([a.transport, b.transport], { now: () => 0 });
    await expect(both.send(msg(1))).rejects.toMatchObject({ code: 'EAUTH' });
    expect([a.state.tries, b.state.tries]).toEqual([1, 1]);
    // Both out: the next message still gets a real try at each, the one back soonest first.
    await expect(both.send(msg(2))).rejects.toBeInstanceOf(Error);
    expect([a.state.tries, b.state.tries]).toEqual([2, 2]);
  });

  it('double the cool-down while a relay keeps failing (30 s, 60 s, …)', async () => {
    let t = 0;
    const a = relay('a');
    const b = relay('b');
    a.state.answer = 'down';
    const both = relaysOf([a.transport, b.transport], { now: () => t, order: 'primary' });
    await both.send(msg(1));
    t += RELAY_COOL_DOWN_MS;
    await both.send(msg(2)); // a tried again, fails: out for 60 s
    t += RELAY_COOL_DOWN_MS;
    await both.send(msg(3)); // still out
    expect(a.state.tries).toBe(2);
    t += RELAY_COOL_DOWN_MS;
    await both.send(msg(4));
    expect(a.state.tries).toBe(3);
    expect(b.state.sent).toEqual(['m1', 'm2', 'm3', 'm4']);
  });

  it('primary: a worker sends through its own relay, the others only while it is out', async () => {
    const a = relay('a');
    const b = relay('b');
    const both = relaysOf([a.transport, b.transport], { now: () => 0, order: 'primary' });
    for (let i = 1; i <= 3; i++) await both.send(msg(i));
    expect([a.state.sent, b.state.sent]).toEqual([['m1', 'm2', 'm3'], []]);
    expect(relaysFor(['x', 'y', 'z'], 4)).toEqual(['y', 'z', 'x']);
  });
});
