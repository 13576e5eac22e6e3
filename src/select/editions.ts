import type { Frequency, Paper } from '../domain.js';
import { oneLine } from '../text.js';
import type { Affinity, ReaderModel } from './reader-model.js';
import { communityScores, rankForReader, rankPapers, type Scored, type ScoreInput } from './score.js';
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

/** A candidate of a reader without topics: shared, never changed. */
const NO_MATCH: { matched: string[]; strength: number } = Object.freeze({ matched: [], strength: 0 }) as {
  matched: string[];
  strength: number;
};

/** A reader with votes: their model and its affinities to the pool (same order as the pool). */
export interface Personal {
  model: ReaderModel;
  affinity: Affinity;
  /** communityScores(pool), when the caller keeps it for the pool (computed here otherwise). */
  community?: Float64Array;
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
    const candidates: number[] = [];
    for (let i = 0; i < pool.length; i++)
      if (!delivered.has((pool[i] as { paper: Paper }).paper.id)) candidates.push(i);
    let strength: Float64Array | null = null;
    let matched: string[][] | null = null;
    if (topics.length > 0) {
      strength = new Float64Array(pool.length);
      matched = [];
      for (const i of candidates) {
        const m = matchTopics((pool[i] as { paper: Paper }).paper, topics);
        strength[i] = m.strength;
        matched[i] = m.matched;
      }
    }
    const community = personal.community ?? communityScores(pool);
    const papers = rankForReader(
      { pool, community, strength, matched },
      candidates,
      personal.model,
      personal.affinity,
      limit,
    );
    if (papers.length === 0) return null;
    return {
      // Readers whose emails read the same share one: the ids (arXiv ids, no tab or line break) and
      // each paper's reason on one line. Joined by hand: JSON.stringify of it cost 10 µs a reader.
      key: `${JSON.stringify([reader.frequency, normalized, 'personal'])}\n${papers
        .map((p) => `${p.paper.id}\t${oneLine(p.because ?? p.matched.join(', '))}`)
        .join('\n')}`,
      topics: [...reader.topics],
      frequency: reader.frequency,
      anyway: false,
      personal: true,
      papers,
    };
  }
  const fresh = pool.filter((c) => !delivered.has(c.paper.id));
  const rank = (withTopics: boolean) => {
    // Plain loops and literals: flatMap with object spreads cost 2.4 µs a candidate here.
    const items: ScoreInput[] = [];
    for (const c of fresh) {
      const m = withTopics ? matchTopics(c.paper, topics) : NO_MATCH;
      if (!withTopics || m.matched.length > 0)
        items.push({ paper: c.paper, day: c.day, strength: m.strength, matched: m.matched });
    }
    return rankPapers(items).slice(0, limit);
  };
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
