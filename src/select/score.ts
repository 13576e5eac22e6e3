import type { Paper } from '../domain.js';

export interface Scored {
  paper: Paper;
  score: number;
  /** The reader's topics it matches (empty for a reader without topics). */
  matched: string[];
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
  const byDay = new Map<string, number[]>();
  for (const it of items) {
    const day = byDay.get(it.day);
    if (day) day.push(it.paper.upvotes);
    else byDay.set(it.day, [it.paper.upvotes]);
  }
  for (const v of byDay.values()) v.sort((a, b) => a - b);
  const newest = items.reduce((m, it) => (it.day.localeCompare(m) > 0 ? it.day : m), '');
  const scored = items.map((it) => {
    const day = byDay.get(it.day) ?? [];
    // Fraction of that day's papers with fewer upvotes (ties share a rank).
    const below = firstAtLeast(day, it.paper.upvotes);
    const rank = day.length > 1 ? below / (day.length - 1) : 1;
    const ageDays = newest ? (Date.parse(newest) - Date.parse(it.day)) / 86_400_000 : 0;
    const recency = Math.max(0, 1 - ageDays / 7);
    return { paper: it.paper, matched: it.matched, score: 0.7 * rank + 0.15 * recency + 0.15 * it.strength };
  });
  return scored.sort(
    (a, b) =>
      b.score - a.score ||
      b.paper.upvotes - a.paper.upvotes ||
      b.paper.publishedAt.localeCompare(a.paper.publishedAt) ||
      a.paper.id.localeCompare(b.paper.id),
  );
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
