import type { Frequency, Paper } from '../domain.js';
import { rankPapers, type Scored } from './score.js';
import { matchTopics, parseTopic } from './topics.js';

export interface Reader {
  topics: readonly string[];
  frequency: Frequency;
  sendAnyway: boolean;
}

export interface Selection {
  /** Readers with equal keys get the very same email: one edition. */
  key: string;
  topics: string[];
  frequency: Frequency;
  /** Nothing matched the reader's topics; these are the top papers instead (they asked for them). */
  anyway: boolean;
  papers: Scored[];
}

/**
 * A reader's papers for one send, pure: from the pool, those matching their topics (all when they
 * have none), less those already delivered to them, ranked, top `limit`. Null when nothing is left
 * and they did not ask for the top papers anyway.
 */
export function selectForReader(
  reader: Reader,
  pool: readonly { paper: Paper; day: string }[],
  delivered: ReadonlySet<string>,
  limit: number,
): Selection | null {
  const fresh = pool.filter((c) => !delivered.has(c.paper.id));
  const topics = reader.topics.map(parseTopic);
  const rank = (withTopics: boolean) =>
    rankPapers(
      fresh.flatMap((c) => {
        if (!withTopics) return [{ ...c, strength: 0, matched: [] }];
        const m = matchTopics(c.paper, topics);
        return m.matched.length ? [{ ...c, strength: m.strength, matched: m.matched }] : [];
      }),
    ).slice(0, limit);
  let papers = rank(topics.length > 0);
  let anyway = false;
  if (papers.length === 0 && topics.length > 0 && reader.sendAnyway) {
    papers = rank(false);
    anyway = true;
  }
  if (papers.length === 0) return null;
  const normalized = [...new Set(reader.topics.map((t) => t.trim().toLowerCase()))].sort();
  return {
    key: JSON.stringify([reader.frequency, anyway ? [] : normalized, anyway, papers.map((p) => p.paper.id)]),
    topics: anyway ? [] : [...reader.topics],
    frequency: reader.frequency,
    anyway,
    papers,
  };
}
