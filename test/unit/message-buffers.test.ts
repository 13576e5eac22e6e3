import { describe, expect, it } from 'vitest';
import { MessageBuffers } from '../../src/send/assemble.js';

describe('the send loop’s message buffers', () => {
  it('hands a given-back buffer out again when it is large enough, a new one when not', () => {
    const buffers = new MessageBuffers(2);
    // A new buffer has 5 % room to grow: the next reader's message may be a little longer.
    const a = buffers.take(1000);
    expect(a.length).toBe(1050);
    a.write('first reader');
    buffers.give(a.subarray(0, 600));
    // The same memory, whole again (not only the 600 bytes the message used).
    const b = buffers.take(1000);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(a.length);
    buffers.give(b);
    // Too small for a larger message: a new buffer, and the small one is let go.
    const c = buffers.take(5000);
    expect(c.buffer).not.toBe(a.buffer);
    expect(c.length).toBe(5250);
  });

  it('keeps no more spare buffers than it was told', () => {
    const buffers = new MessageBuffers(1);
    const a = buffers.take(10);
    const b = buffers.take(10);
    buffers.give(a);
    buffers.give(b);
    expect(buffers.take(10).buffer).toBe(a.buffer);
    expect(buffers.take(10).buffer).not.toBe(b.buffer);
  });
});
