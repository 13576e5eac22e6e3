import { ARXIV_CATEGORY, type Paper, type StoredVote } from '../domain.js';
import type { Personal } from './editions.js';
import { type Embedder, hashedEmbedder, type PaperText } from './embedder.js';
import {
  type Affinity,
  type AffinityScratch,
  affinities,
  affinityScratch,
  CandidateIndex,
  type Example,
  fitModel,
  MAX_DISLIKES,
  MAX_LIKES,
  type ReaderModel,
} from './reader-model.js';
import { communityScores } from './score.js';
import type { Vector } from './sparse-vector.js';

/** As many votes as a model keeps, per reader, read for planning. */
export const VOTES_READ = MAX_LIKES + MAX_DISLIKES;
/** Vectors of voted papers kept across readers of one planning run (many vote on the same papers). */
const CACHE = 20_000;

export function paperText(p: Paper): PaperText {
  return { title: p.title, summary: p.summary, keywords: p.aiKeywords, categories: p.categories };
}

/** A topic as typed, as a tiny document: a keyword is text, an arXiv category a category. */
function topicText(topic: string): PaperText {
  const t = topic.trim();
  const category =
    ARXIV_CATEGORY.test(t) &&
    /^(cs|math|stat|physics|eess|econ|q-bio|q-fin|astro-ph|cond-mat|gr-qc|hep-|math-ph|nlin|nucl-|quant-ph)/.test(t);
  return category
    ? { title: '', summary: '', keywords: [], categories: [t] }
    : { title: t.replace(/^author:\s*/i, ''), summary: '', keywords: [], categories: [] };
}

/**
 * The personal side of one planning run over one pool: the pool's features fitted once and indexed,
 * then per reader a model from their votes and topics and its affinities to the pool (well under a
 * millisecond a reader).
 */
export class PersonalRanker {
  private readonly embed: (d: PaperText) => Vector;
  private readonly index: CandidateIndex;
  private readonly cache = new Map<string, Vector>();
  private community: Float64Array | undefined;
  private scratch: AffinityScratch | undefined;

  /**
   * `stored`: other papers of the store (the newest first, any number), fitted on with the pool so
   * that the features learn from more than one day: the latent dimensions need hundreds of papers.
   */
  constructor(
    readonly pool: readonly { paper: Paper; day: string }[],
    stored: readonly Paper[] = [],
    embedder: Embedder = hashedEmbedder,
  ) {
    const corpus = pool.map((c) => paperText(c.paper));
    const inPool = new Set(pool.map((c) => c.paper.id));
    for (const p of stored) if (!inPool.has(p.id)) corpus.push(paperText(p));
    this.embed = embedder.fit(corpus);
    const vectors = pool.map((c) => this.vectorOf(c.paper));
    this.index = new CandidateIndex(vectors);
  }

  private vectorOf(p: Paper): Vector {
    let v = this.cache.get(p.id);
    if (!v) {
      if (this.cache.size >= CACHE) this.cache.clear();
      v = this.embed(paperText(p));
      this.cache.set(p.id, v);
    }
    return v;
  }

  /** The reader's model from their votes (newest first) and topics; null without votes (topics alone filter as before). */
  modelFor(votes: readonly StoredVote[], topics: readonly string[]): ReaderModel | null {
    if (votes.length === 0) return null;
    const likes: Example[] = [];
    const dislikes: Example[] = [];
    for (const v of votes) {
      const ex: Example = { vector: this.vectorOf(v.paper), label: v.paper.title, kind: 'paper', at: v.at };
      (v.vote > 0 ? likes : dislikes).push(ex);
    }
    // Topics count as liked examples, older than any vote: the newest votes are kept first.
    for (const t of topics) likes.push({ vector: this.embed(topicText(t)), label: t, kind: 'topic', at: '' });
    return fitModel(likes, dislikes, votes.length);
  }

  affinity(model: ReaderModel): Affinity {
    return affinities(model, this.index);
  }

  /**
   * What selectForReader needs to rank the pool for this model. Its arrays are this ranker's, used
   * again by the next call: rank with it before asking for the next reader's (planning does).
   */
  personal(model: ReaderModel): Personal {
    this.community ??= communityScores(this.pool);
    this.scratch ??= affinityScratch(this.pool.length);
    return { model, affinity: affinities(model, this.index, this.scratch), community: this.community };
  }
}
