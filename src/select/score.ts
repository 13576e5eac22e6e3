import type { Paper } from '../domain.js';
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
    b.paper.publishedAt.localeCompare(a.paper.publishedAt) ||
    a.paper.id.localeCompare(b.paper.id)
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
  const newest = items.reduce((m, it) => (it.day.localeCompare(m) > 0 ? it.day : m), '');
  const rank = new Float64Array(items.length);
  const recency = new Float64Array(items.length);
  items.forEach((it, i) => {
    const day = byDay.get(it.day) ?? [];
    // Fraction of that day's papers with fewer upvotes (ties share a rank).
    const below = firstAtLeast(day, it.paper.upvotes);
    rank[i] = day.length > 1 ? below / (day.length - 1) : 1;
    const ageDays = newest ? (Date.parse(newest) - Date.parse(it.day)) / 86_400_000 : 0;
    recency[i] = Math.max(0, 1 - ageDays / 7);
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
/** Below this many votes one slot goes to the community's best remaining paper: new interests can show up. */
const EXPLORE_UNTIL = 12;

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
 * both; below 12 votes the last slot goes to the best remaining paper by upvotes, so that an
 * interest not yet shown can be found. Ties as rankPapers.
 */
export function rankForReader(
  items: readonly ScoreInput[],
  model: ReaderModel,
  affinity: Affinity,
  limit: number,
): Scored[] {
  const { rank, recency } = communityParts(items);
  const alpha = feedbackWeight(model.votes);
  const personal = items.map(
    (it, i) => (affinity.like[i] as number) - 0.8 * (affinity.dislike[i] as number) + 0.25 * it.strength,
  );
  let best = 1e-9;
  for (const p of personal) if (p > best) best = p;
  const community = items.map((_, i) => 0.8 * (rank[i] as number) + 0.2 * (recency[i] as number));
  const because = (i: number): string | null => {
    const k = affinity.nearest[i] as number;
    const p = model.likes[k];
    return p && p.kind === 'paper' && (affinity.like[i] as number) >= BECAUSE ? `Because you liked “${p.label}”` : null;
  };
  const picked: Scored[] = [];
  const taken = new Uint8Array(items.length);
  const perInterest = new Map<number, number>();
  const explore = model.votes < EXPLORE_UNTIL && limit >= 5 && items.length > limit ? 1 : 0;
  /** Ties as rankPapers: more upvotes, the more recent paper, then the lower id. */
  const before = (i: number, j: number) => {
    const a = (items[i] as ScoreInput).paper;
    const b = (items[j] as ScoreInput).paper;
    return (b.upvotes - a.upvotes || b.publishedAt.localeCompare(a.publishedAt) || a.id.localeCompare(b.id)) < 0;
  };
  const pick = (score: (i: number) => number) => {
    let bestI = -1;
    let bestS = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < items.length; i++) {
      if (taken[i]) continue;
      const s = score(i);
      if (bestI < 0 || s > bestS || (s === bestS && before(i, bestI))) {
        bestI = i;
        bestS = s;
      }
    }
    if (bestI < 0) return false;
    taken[bestI] = 1;
    const it = items[bestI] as ScoreInput;
    const k = affinity.nearest[bestI] as number;
    if ((affinity.like[bestI] as number) >= BECAUSE) perInterest.set(k, (perInterest.get(k) ?? 0) + 1);
    picked.push({ paper: it.paper, matched: it.matched, score: bestS, because: because(bestI) });
    return true;
  };
  while (picked.length < limit - explore) {
    const more = pick((i) => {
      const k = affinity.nearest[i] as number;
      const decay = (affinity.like[i] as number) >= BECAUSE ? SAME_INTEREST ** (perInterest.get(k) ?? 0) : 1;
      const p = (personal[i] as number) / best;
      return (1 - alpha) * (community[i] as number) + alpha * (p > 0 ? p * decay : p);
    });
    if (!more) break;
  }
  if (explore) pick((i) => community[i] as number);
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
