import type { MessageContent } from './message-content.js';

/** Edition contents kept in memory by one send loop. */
const EDITIONS_KEPT = 256;

/**
 * Each edition's content loaded once per send loop. Readers with their own editions (one each) must
 * not fill the heap, so only the most recent are kept (shared editions come back often and stay).
 */
export function editionCache(
  load: (editionId: number) => Promise<MessageContent>,
  kept = EDITIONS_KEPT,
): (editionId: number) => Promise<MessageContent> {
  const editions = new Map<number, Promise<MessageContent>>();
  return (id) => {
    let c = editions.get(id);
    if (c) {
      editions.delete(id);
      editions.set(id, c);
    } else {
      c = load(id);
      editions.set(id, c);
      if (editions.size > kept) editions.delete(editions.keys().next().value as number);
    }
    return c;
  };
}
