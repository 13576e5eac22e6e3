import type { Frequency, Paper } from '../domain.js';
import type { Affinity, ReaderModel } from './reader-model.js';
import { rankForReader, rankPapers, type Scored } from './score.js';
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
  /** Picked by the reader's own model (they have votes). */
  personal: boolean;
  papers: Scored[];
}

/** A reader with votes: their model and its affinities to the pool (same order as the pool). */
export interface Personal {
  model: ReaderModel;
  affinity: Affinity;
}

/**
 * A reader's papers for one send, pure: from the pool, those matching their topics (all when they
 * have none), less those already delivered to them, ranked, top `limit`. Null when nothing is left
 * and they did not ask for the top papers anyway. A reader with votes (`personal`) is ranked by
 * their own model over the whole pool instead (rankForReader), their topics counting as votes.
 */
export function selectForReader(
  reader: Reader,
  pool: readonly { paper: Paper; day: string }[],
  delivered: ReadonlySet<string>,
  limit: number,
  personal?: Personal,
): Selection | null {
  const topics = reader.topics.map(parseTopic);
  const normalized = [...new Set(reader.topics.map((t) => t.trim().toLowerCase()))].sort();
  if (personal) {
    const items = [];
    const like = [];
    const dislike = [];
    const nearest = [];
    for (let i = 0; i < pool.length; i++) {
      const c = pool[i] as { paper: Paper; day: string };
      if (delivered.has(c.paper.id)) continue;
      const m = topics.length ? matchTopics(c.paper, topics) : { matched: [], strength: 0 };
      items.push({ ...c, strength: m.strength, matched: m.matched });
      like.push(personal.affinity.like[i] as number);
      dislike.push(personal.affinity.dislike[i] as number);
      nearest.push(personal.affinity.nearest[i] as number);
    }
    const papers = rankForReader(
      items,
      personal.model,
      { like: Float64Array.from(like), dislike: Float64Array.from(dislike), nearest: Int32Array.from(nearest) },
      limit,
    );
    if (papers.length === 0) return null;
    return {
      key: JSON.stringify([
        reader.frequency,
        normalized,
        'personal',
        papers.map((p) => [p.paper.id, p.because ?? p.matched.join(', ')]),
      ]),
      topics: [...reader.topics],
      frequency: reader.frequency,
      anyway: false,
      personal: true,
      papers,
    };
  }
  const fresh = pool.filter((c) => !delivered.has(c.paper.id));
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
  return {
    key: JSON.stringify([reader.frequency, anyway ? [] : normalized, anyway, papers.map((p) => p.paper.id)]),
    topics: anyway ? [] : [...reader.topics],
    frequency: reader.frequency,
    anyway,
    personal: false,
    papers,
  };
}
