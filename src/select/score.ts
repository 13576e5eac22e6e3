import type { Paper } from '../domain.js';
import { codeUnitOrder as cmp } from '../text.js';
import type { Affinity, ReaderModel } from './reader-model.js';

export interface Scored {
  paper: Paper;
  score: number;
  /** The reader's topics it matches (empty for a reader without topics). */
  matched: string[];
  /** For a pick of the reader's model: `Because you liked “…”` (null otherwise). */
  because?: string | null;
}

export interface ScoreInput {
  paper: Paper;
  /** The date the paper was a candidate on (its day's list), `YYYY-MM-DD`. */
  day: string;
  /** 0–1 topic-match strength; 0 for a reader without topics. */
  strength: number;
  matched: string[];
}

/**
 * The one ranking of paperboy, pure:
 *
 *   score = 0.70 × upvote rank within its own day (1 = that day's most upvoted, 0 = its least)
 *         + 0.15 × recency of its day (1 = the newest day in the pool, falling by 1/7 a day)
 *         + 0.15 × topic-match strength (title 3, HF keywords 2 or category 2, abstract 1 point)
 *
 * Upvotes are compared within the day a paper was listed, not across days: a weekly digest
 * would otherwise be filled by whichever day had the busiest audience (upvote counts grow with
 * traffic and with time on the list), not by the best papers of each day. Within one day the rank
 * keeps the plain order of upvotes, so a daily digest without topics is exactly "most upvoted
 * first". Ties go to the more recent paper, then the lower id, so the order never depends on input
 * order.
 */
export function rankPapers(items: readonly ScoreInput[]): Scored[] {
  const { rank, recency } = communityParts(items);
  const scored = items.map((it, i) => ({
    paper: it.paper,
    matched: it.matched,
    score: 0.7 * (rank[i] as number) + 0.15 * (recency[i] as number) + 0.15 * it.strength,
  }));
  return scored.sort(byScore);
}

/** Higher score first; ties to more upvotes, the more recent paper, then the lower id. */
function byScore(a: Scored, b: Scored): number {
  return (
    b.score - a.score ||
    b.paper.upvotes - a.paper.upvotes ||
    cmp(b.paper.publishedAt, a.paper.publishedAt) ||
    cmp(a.paper.id, b.paper.id)
  );
}

/** Each item's upvote rank within its own day (0–1) and the recency of its day (0–1). */
function communityParts(items: readonly { paper: Paper; day: string }[]): {
  rank: Float64Array;
  recency: Float64Array;
} {
  const byDay = new Map<string, number[]>();
  for (const it of items) {
    const day = byDay.get(it.day);
    if (day) day.push(it.paper.upvotes);
    else byDay.set(it.day, [it.paper.upvotes]);
  }
  for (const v of byDay.values()) v.sort((a, b) => a - b);
  let newest = '';
  for (const it of items) if (it.day > newest) newest = it.day;
  const rank = new Float64Array(items.length);
  const recency = new Float64Array(items.length);
  const newestMs = newest ? Date.parse(newest) : 0;
  const recencyOf = new Map<string, number>();
  for (const d of byDay.keys())
    recencyOf.set(d, newest ? Math.max(0, 1 - (newestMs - Date.parse(d)) / 86_400_000 / 7) : 1);
  items.forEach((it, i) => {
    const day = byDay.get(it.day) ?? [];
    // Fraction of that day's papers with fewer upvotes (ties share a rank).
    const below = firstAtLeast(day, it.paper.upvotes);
    rank[i] = day.length > 1 ? below / (day.length - 1) : 1;
    recency[i] = recencyOf.get(it.day) ?? 0;
  });
  return { rank, recency };
}

/** How much a reader's own model weighs against the community's upvotes after `votes` votes: v / (v + 2). */
export function feedbackWeight(votes: number): number {
  return votes / (votes + 2);
}

/** A paper this close (cosine) to an interest is that interest's pick, named in its "why" line. */
const BECAUSE = 0.1;
/** Each further pick from the same interest counts this much less: two interests share the digest. */
const SAME_INTEREST = 0.75;
/** Below this many votes some slots explore (EXPLORE_SLOTS, NOVELTY): a second interest can show up. */
const EXPLORE_UNTIL = 16;
/** How many slots go to exploring while the reader has fewer votes than that. */
const EXPLORE_SLOTS = 2;
/**
 * An exploring pick is the best by upvotes less this much of its closeness to anything the reader
 * voted on, as a share of the closest candidate's: a field they never saw is shown before one more
 * paper near what they voted down. A share, not the cosine itself: cosines of abstracts alone are a
 * fraction of those with arXiv categories, and the cosine let upvotes decide on text.
 */
const NOVELTY = 2;

/** A candidate's closeness to anything voted on, liked or not. */
const closeness = (affinity: Affinity, i: number) =>
  Math.max(affinity.like[i] as number, affinity.dislike[i] as number);

/** The community's part of a personal score for each candidate: 0.8 × upvote rank within its day + 0.2 × recency. */
export function communityScores(items: readonly { paper: Paper; day: string }[]): Float64Array {
  const { rank, recency } = communityParts(items);
  const out = new Float64Array(items.length);
  for (let i = 0; i < items.length; i++) out[i] = 0.8 * (rank[i] as number) + 0.2 * (recency[i] as number);
  return out;
}

/** What rankForReader reads of the pool, each array in the pool's order. */
export interface PersonalInputs {
  pool: readonly { paper: Paper }[];
  /** communityScores of the pool (computed once per pool, not per reader). */
  community: Float64Array;
  /** Per candidate, 0–1 topic-match strength and the topics it matches (null: the reader has no topics). */
  strength: Float64Array | null;
  matched: (string[] | undefined)[] | null;
}

const NONE: string[] = [];

/** rankForReader's per-candidate arrays, kept between readers (it runs to the end before it returns). */
function rankScratch(n: number) {
  return {
    base: new Float64Array(n),
    personal: new Float64Array(n),
    interest: new Int32Array(n),
    taken: new Uint8Array(n),
  };
}
let scratch = rankScratch(128);

/**
 * The ranking of a reader with votes, pure:
 *
 *   community = 0.8 × upvote rank within its day + 0.2 × recency of its day      (0–1)
 *   personal  = like − 0.8 × dislike + 0.25 × topic strength, ÷ the pool's best  (≤ 1)
 *   score     = (1 − α) × community + α × personal,  α = votes / (votes + 2)
 *
 * where `like` is the cosine to the nearest of the reader's interests (prototypes of what they
 * liked and their topics) and `dislike` to the nearest paper they voted down. α grows with every
 * vote, so the reader's feedback comes to outweigh upvotes entirely. Picks are made one at a time,
 * each further pick of the same interest weighing 0.75× less, so that a reader of two fields gets
 * both. Below 16 votes the last two slots explore: the best remaining papers by
 * upvotes less twice their closeness to anything voted on (as a share of the pool's closest), so
 * that an interest not yet shown can be found. `candidates` are the pool indices the reader may get (what
 * they had is left out). Ties as rankPapers.
 */
export function rankForReader(
  input: PersonalInputs,
  candidates: readonly number[],
  model: ReaderModel,
  affinity: Affinity,
  limit: number,
): Scored[] {
  const { pool, community, strength, matched } = input;
  const n = candidates.length;
  const alpha = feedbackWeight(model.votes);
  // Per candidate (in `candidates` order): the two parts of the score, and the interest it is nearest.
  if (scratch.base.length < n) scratch = rankScratch(n);
  const { base, personal, interest, taken } = scratch;
  taken.fill(0, 0, n);
  let best = 1e-9;
  for (let c = 0; c < n; c++) {
    const i = candidates[c] as number;
    const p =
      (affinity.like[i] as number) -
      0.8 * (affinity.dislike[i] as number) +
      0.25 * (strength ? (strength[i] as number) : 0);
    personal[c] = p;
    if (p > best) best = p;
    base[c] = (1 - alpha) * (community[i] as number);
    interest[c] = (affinity.like[i] as number) >= BECAUSE ? (affinity.nearest[i] as number) : -1;
  }
  for (let c = 0; c < n; c++) personal[c] = (alpha * (personal[c] as number)) / best;
  /** Per interest, the weight of its next pick: 0.75 to the power of its picks so far. */
  const decay = new Float64Array(model.likes.length).fill(1);
  const picked: Scored[] = [];
  /** Ties as rankPapers: more upvotes, the more recent paper, then the lower id. */
  const before = (x: number, y: number) => {
    const a = (pool[candidates[x] as number] as { paper: Paper }).paper;
    const b = (pool[candidates[y] as number] as { paper: Paper }).paper;
    return (b.upvotes - a.upvotes || cmp(b.publishedAt, a.publishedAt) || cmp(a.id, b.id)) < 0;
  };
  const take = (c: number, score: number) => {
    taken[c] = 1;
    const i = candidates[c] as number;
    const k = interest[c] as number;
    if (k >= 0) decay[k] = (decay[k] as number) * SAME_INTEREST;
    const p = model.likes[affinity.nearest[i] as number];
    picked.push({
      paper: (pool[i] as { paper: Paper }).paper,
      matched: matched?.[i] ?? NONE,
      score,
      because: p && p.kind === 'paper' && k >= 0 ? `Because you liked “${p.label}”` : null,
    });
  };
  const explore = model.votes < EXPLORE_UNTIL && limit >= 5 && n > limit ? EXPLORE_SLOTS : 0;
  while (picked.length < limit - explore) {
    let bestC = -1;
    let bestS = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < n; c++) {
      if (taken[c]) continue;
      const k = interest[c] as number;
      const p = personal[c] as number;
      const s = (base[c] as number) + (p > 0 && k >= 0 ? p * (decay[k] as number) : p);
      if (bestC < 0 || s > bestS || (s === bestS && before(c, bestC))) {
        bestC = c;
        bestS = s;
      }
    }
    if (bestC < 0) break;
    take(bestC, bestS);
  }
  let closest = 0;
  if (explore > 0) for (const i of candidates) closest = Math.max(closest, closeness(affinity, i));
  const share = closest > 0 ? 1 / closest : 0;
  for (let e = 0; e < explore; e++) {
    let bestC = -1;
    let bestS = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < n; c++) {
      if (taken[c]) continue;
      const i = candidates[c] as number;
      const s = (community[i] as number) - NOVELTY * share * closeness(affinity, i);
      if (bestC < 0 || s > bestS || (s === bestS && before(c, bestC))) {
        bestC = c;
        bestS = s;
      }
    }
    if (bestC >= 0) take(bestC, bestS);
  }
  return picked;
}

/** The index of the first value ≥ `x` in ascending `sorted` (a pool may hold tens of thousands). */
function firstAtLeast(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
