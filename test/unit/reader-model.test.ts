import { describe, expect, it } from 'vitest';
import type { Paper } from '../../src/domain.js';
import { selectForReader } from '../../src/select/editions.js';
import { PersonalRanker } from '../../src/select/personal.js';
import { feedbackWeight } from '../../src/select/score.js';
import type { StoredVote } from '../../src/store/votes.js';
import { type ArxivRow, archiveOf, arxivSample } from '../helpers/papers.js';

type Row = ArxivRow;
const rows = arxivSample();
const field = archiveOf;
const of = (f: string) => rows.filter((r) => field(r) === f);
const fieldOf = new Map(rows.map((r) => [r.id, field(r)]));

const paper = (r: Row, upvotes: number): Paper => ({
  id: r.id,
  title: r.title,
  summary: r.abstract,
  authors: [],
  upvotes,
  publishedAt: '2026-11-20T08:00:00Z',
  githubRepo: null,
  aiSummary: null,
  aiKeywords: [],
  numComments: 0,
  thumbnail: null,
  // Text only, as the Hugging Face source gives.
  categories: [],
});
const vote = (r: Row, v: 1 | -1, n: number): StoredVote => ({
  paper: paper(r, 0),
  vote: v,
  digestDate: '2026-11-19',
  at: `2026-11-19T09:00:${String(n).padStart(2, '0')}Z`,
});
const reader = { topics: [] as string[], frequency: 'daily' as const, sendAnyway: false };

/** A pool of 10 astro-ph, 10 math and 10 cond-mat papers not voted on; cond-mat the most upvoted. */
function pool(): { paper: Paper; day: string }[] {
  return [
    ...of('astro-ph')
      .slice(20, 30)
      .map((r, i) => paper(r, 10 + i)),
    ...of('math')
      .slice(20, 30)
      .map((r, i) => paper(r, 20 + i)),
    ...of('cond-mat')
      .slice(20, 30)
      .map((r, i) => paper(r, 100 + i)),
  ].map((p) => ({ paper: p, day: '2026-11-20' }));
}

function pick(votes: StoredVote[], topics: string[] = [], limit = 10) {
  const p = pool();
  const ranker = new PersonalRanker(p);
  const model = ranker.modelFor(votes, topics);
  if (!model) throw new Error('no model');
  const sel = selectForReader({ ...reader, topics }, p, new Set(), limit, { model, affinity: ranker.affinity(model) });
  return { sel, model, fields: (sel?.papers ?? []).map((s) => fieldOf.get(s.paper.id)) };
}

describe('a reader model from votes', () => {
  it('serves two unrelated interests both, not a blur: each gets at least 3 of the 10', () => {
    const likes = [...of('astro-ph').slice(0, 6), ...of('math').slice(0, 6)].map((r, i) => vote(r, 1, i));
    const dislikes = of('cond-mat')
      .slice(0, 4)
      .map((r, i) => vote(r, -1, 20 + i));
    const { fields, model } = pick([...likes, ...dislikes]);
    expect(model.likes.length).toBeGreaterThanOrEqual(2);
    const count = (f: string) => fields.filter((x) => x === f).length;
    expect(count('astro-ph')).toBeGreaterThanOrEqual(3);
    expect(count('math')).toBeGreaterThanOrEqual(3);
    // The most upvoted field, voted down, gets no more than the exploration slot and one more.
    expect(count('cond-mat')).toBeLessThanOrEqual(2);
  });

  it('explores, below 16 votes, a field never voted on before the most upvoted one voted down, on text alone', () => {
    // Text only: cosines of abstracts are small, so novelty counts as a share of the pool's closest.
    const votes = [
      ...of('astro-ph')
        .slice(0, 4)
        .map((r, i) => vote(r, 1, i)),
      ...of('cond-mat')
        .slice(0, 2)
        .map((r, i) => vote(r, -1, 10 + i)),
    ];
    const { fields } = pick(votes);
    // The last two slots explore: math, the field the reader never saw, not cond-mat (upvoted most).
    expect(fields.slice(8)).toEqual(['math', 'math']);
    expect(fields.slice(0, 8).filter((f) => f === 'astro-ph').length).toBeGreaterThanOrEqual(5);
  });

  it('"Less like this" pushes similar papers down', () => {
    const likes = [...of('astro-ph').slice(0, 5), ...of('math').slice(0, 5)].map((r, i) => vote(r, 1, i));
    const downs = of('math')
      .slice(5, 11)
      .map((r, i) => vote(r, -1, 10 + i));
    // Where the pool's math papers come in the reader's whole ranking (all 30), on average.
    const mathPlace = (votes: StoredVote[]) => {
      const fields = pick(votes, [], 30).fields;
      const at = fields.flatMap((f, i) => (f === 'math' ? [i] : []));
      return at.reduce((a, b) => a + b, 0) / at.length;
    };
    expect(mathPlace([...likes, ...downs])).toBeGreaterThan(mathPlace(likes) + 3);
  });

  it('names why: "Because you liked “title”", a title the reader voted up', () => {
    const liked = of('astro-ph').slice(0, 5);
    const { sel } = pick(liked.map((r, i) => vote(r, 1, i)));
    const reasons = (sel?.papers ?? []).map((p) => p.because).filter((b): b is string => Boolean(b));
    expect(reasons.length).toBeGreaterThanOrEqual(3);
    for (const b of reasons) {
      expect(liked.map((r) => `Because you liked “${r.title}”`)).toContain(b);
    }
  });

  it('counts topics as liked examples once the reader votes; is the same every time for the same votes', () => {
    const votes = [vote(of('math')[0] as Row, 1, 1)];
    const a = pick(votes, ['galaxies']);
    expect(a.model.likes.map((l) => l.kind).sort()).toEqual(['paper', 'topic']);
    expect(pick(votes, ['galaxies']).sel?.papers.map((p) => p.paper.id)).toEqual(a.sel?.papers.map((p) => p.paper.id));
  });

  it('lets feedback outweigh upvotes more with every vote: α = v / (v + 2)', () => {
    expect([0, 1, 2, 8, 98].map(feedbackWeight)).toEqual([0, 1 / 3, 0.5, 0.8, 0.98]);
    // Twelve votes for astro-ph, the least upvoted third of the pool: half the digest at least is theirs, the first paper too.
    const { fields } = pick(
      of('astro-ph')
        .slice(0, 12)
        .map((r, i) => vote(r, 1, i)),
    );
    expect(fields.filter((f) => f === 'astro-ph').length).toBeGreaterThanOrEqual(5);
    expect(fields[0]).toBe('astro-ph');
  });

  it('without votes there is no model: the reader keeps today’s ranking (most upvoted first)', () => {
    const p = pool();
    expect(new PersonalRanker(p).modelFor([], ['galaxies'])).toBeNull();
    const sel = selectForReader(reader, p, new Set(), 10);
    expect(sel?.papers.map((s) => s.paper.upvotes)).toEqual([109, 108, 107, 106, 105, 104, 103, 102, 101, 100]);
  });
});
