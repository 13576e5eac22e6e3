import type { Db } from '../store/db.js';
import { type Settlement, settleMany } from '../store/delivery-settle.js';

/**
 * Group commit for the ledger: settlements that arrive in the same turn of the event loop are
 * written in one transaction. Each caller's promise resolves once its row is committed, and the
 * send loop awaits it before taking its next message, so at a crash no more messages can be
 * accepted-but-unrecorded than there are messages in flight. Under load, replies pile up while a
 * commit runs and the next commit takes them all: the busier the send, the bigger the groups.
 */
export interface LedgerWriter {
  settle(s: Settlement): Promise<void>;
}

export function ledgerWriter(db: Db): LedgerWriter {
  let queue: { s: Settlement; done: () => void; fail: (e: unknown) => void }[] = [];
  let scheduled = false;

  const flush = async () => {
    const group = queue;
    queue = [];
    try {
      await settleMany(
        db,
        group.map((g) => g.s),
      );
      for (const g of group) g.done();
    } catch (err) {
      for (const g of group) g.fail(err);
    } finally {
      if (queue.length > 0) setImmediate(() => void flush());
      else scheduled = false;
    }
  };

  return {
    settle(s) {
      return new Promise<void>((done, fail) => {
        queue.push({ s, done, fail });
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => void flush());
        }
      });
    },
  };
}
