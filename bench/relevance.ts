// Relevance of the digest, on real papers: simulated readers with hidden interests (one arXiv
// archive, or two unrelated ones) get a daily digest of 10 from a pool of 60 papers of mixed fields
// (bench/data, arXiv metadata, CC0) and vote on 4 of what they were shown — up when it is in their
// interests, down otherwise — for 8 days. Precision@10 per day for: most upvoted (today's ranking),
// keyword topics (today's filter) and the learned model, through the selection code planning uses
// (PersonalRanker → selectForReader), with votes as votesOfReaders returns them. The features are
// fitted on what the store would hold (planning reads its newest papers): every day's pool so far,
// or, in the third run, a store that already holds the 1,000 papers of bench/data.
// Arguments: [repetitions = 12] [seed = 7].
import type { Paper } from '../src/domain.js';
import { selectForReader } from '../src/select/editions.js';
import { PersonalRanker } from '../src/select/personal.js';
import type { StoredVote } from '../src/store/votes.js';
import { type ArxivRow, arxivPaper, arxivRows } from './lib.js';

const REPS = Number(process.argv[2] ?? 12);
let seed = Number(process.argv[3] ?? 7);
const rnd = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};

type Row = ArxivRow;
const rows = arxivRows();
const archiveOf = new Map(rows.map((r) => [r.id, (r.categories[0] ?? '').split('.')[0] ?? '']));
/** A day's pool: 60 papers, as a day of arXiv listings mixes them. */
const MIX: Record<string, number> = {
  math: 10,
  'cond-mat': 10,
  'astro-ph': 10,
  'hep-ph': 6,
  'quant-ph': 6,
  physics: 6,
  'hep-th': 4,
  'gr-qc': 4,
  cs: 4,
};
/** What such a reader would type as topics today. */
const KEYWORDS: Record<string, string[]> = {
  'astro-ph': ['galaxies', 'stars', 'cosmological'],
  math: ['theorem', 'algebra', 'manifolds'],
  'cond-mat': ['magnetic', 'superconducting', 'phase transition'],
  'hep-ph': ['quark', 'neutrino', 'LHC'],
};
const READERS: string[][] = [
  ['astro-ph'],
  ['math'],
  ['cond-mat'],
  ['astro-ph', 'math'],
  ['cond-mat', 'astro-ph'],
  ['math', 'cond-mat'],
  ['hep-ph', 'math'],
];
const DAYS = 8;
const SHOWN = 10;
const VOTES_PER_DAY = 4;

function pools(withCategories: boolean): { paper: Paper; day: string }[][] {
  const left = new Map<string, Row[]>();
  for (const r of rows) left.set(archiveOf.get(r.id) ?? '', [...(left.get(archiveOf.get(r.id) ?? '') ?? []), r]);
  return Array.from({ length: DAYS }, (_, d) => {
    const day = `2026-11-${String(20 + d).padStart(2, '0')}`;
    return Object.entries(MIX).flatMap(([a, n]) => {
      const avail = left.get(a) ?? [];
      return Array.from({ length: Math.min(n, avail.length) }, () => {
        const r = avail.splice(Math.floor(rnd() * avail.length), 1)[0] as Row;
        // No relation to the field: upvotes as a day's crowd gives them, heavy-tailed.
        const paper = arxivPaper(r, day, Math.floor(Math.exp(rnd() * 5)), withCategories);
        return { paper, day };
      });
    });
  });
}

type Strategy = 'upvoted' | 'keywords' | 'learned';
interface Outcome {
  precision: number[];
  /** Two-interest readers: days on which each interest had at least 3 of the 10. */
  balanced: boolean[];
}

function simulate(
  strategy: Strategy,
  interests: string[],
  days: { paper: Paper; day: string }[][],
  history: readonly Paper[],
): Outcome {
  const votes: StoredVote[] = [];
  const stored: Paper[] = [...history];
  const precision: number[] = [];
  const balanced: boolean[] = [];
  const topics = strategy === 'keywords' ? interests.flatMap((i) => KEYWORDS[i] ?? []) : [];
  for (const pool of days) {
    // The store holds today's papers by the time the digest is planned.
    for (const c of pool) stored.push(c.paper);
    const reader = { topics, frequency: 'daily' as const, sendAnyway: true };
    let sel: ReturnType<typeof selectForReader>;
    if (strategy === 'learned' && votes.length > 0) {
      const ranker = new PersonalRanker(pool, stored);
      const model = ranker.modelFor(votes, []);
      sel = model ? selectForReader(reader, pool, new Set(), SHOWN, ranker.personal(model)) : null;
    } else sel = selectForReader(reader, pool, new Set(), SHOWN);
    const shown = (sel?.papers ?? []).map((s) => s.paper);
    const hit = (p: Paper) => interests.includes(archiveOf.get(p.id) ?? '');
    precision.push(shown.filter(hit).length / SHOWN);
    balanced.push(interests.every((i) => shown.filter((p) => archiveOf.get(p.id) === i).length >= 3));
    // The reader votes on four of what they were shown, newest votes first as the store returns them.
    const picked = [...shown].sort(() => rnd() - 0.5).slice(0, VOTES_PER_DAY);
    for (const [k, p] of picked.entries()) {
      votes.unshift({
        paper: p,
        vote: hit(p) ? 1 : -1,
        digestDate: pool[0]?.day ?? '',
        at: `${pool[0]?.day}T09:00:0${k}Z`,
      });
    }
  }
  return { precision, balanced };
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const library = rows.map((r) => arxivPaper(r, '2026-10-01', 0, false));
for (const [label, withCategories, history] of [
  ['text only (title + abstract, as the HF source gives)', false, []],
  ['text + arXiv categories (as the arXiv source gives)', true, []],
  ['text only, a store already holding the 1,000 papers of bench/data', false, library],
] as const) {
  console.log(
    `\n${label}: ${REPS} repetitions × ${READERS.length} readers, ${DAYS} days, pool of 60, 10 shown, 4 votes a day`,
  );
  console.log('  precision@10 by day      1     2     3     4     5     6     7     8   days 5–8');
  for (const strategy of ['upvoted', 'keywords', 'learned'] as const) {
    for (const kind of ['one', 'two'] as const) {
      const runs: Outcome[] = [];
      for (let rep = 0; rep < REPS; rep++) {
        seed = 1000 * rep + 7;
        const days = pools(withCategories);
        for (const interests of READERS.filter((r) => (kind === 'one' ? r.length === 1 : r.length === 2))) {
          runs.push(simulate(strategy, interests, days, history));
        }
      }
      const perDay = Array.from({ length: DAYS }, (_, d) => mean(runs.map((r) => r.precision[d] ?? 0)));
      const late = mean(perDay.slice(4));
      const balance =
        kind === 'two' ? mean(runs.flatMap((r) => r.balanced.slice(4).map((b) => (b ? 1 : 0)))) : Number.NaN;
      console.log(
        `  ${`${strategy}, ${kind} interest${kind === 'two' ? 's' : ''}`.padEnd(24)} ${perDay.map((p) => p.toFixed(2)).join('  ')}   ${late.toFixed(2)}${kind === 'two' ? `  (each interest ≥ 3 of 10 on ${(balance * 100).toFixed(0)} % of days 5–8)` : ''}`,
      );
    }
  }
}
