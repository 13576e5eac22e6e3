import { describe, expect, it } from 'vitest';
import type { Paper } from '../../src/domain.js';
import { rankPapers } from '../../src/select/score.js';
import { matchTopics, parseTopic } from '../../src/select/topics.js';
import { makePaper } from '../helpers/papers.js';

const paper = (over: Partial<Paper>): Paper => makePaper({ authors: ['Ada Lovelace'], ...over });
const topics = (...t: string[]) => t.map(parseTopic);

describe('topic matching', () => {
  it('matches whole words in title, abstract or HF keywords, any case; "RL" is not in "world"', () => {
    const p = paper({
      title: 'Sparse Attention for the Real World',
      summary: 'We train with rl-style rewards.',
      aiKeywords: ['Mixture of Experts'],
    });
    expect(matchTopics(p, topics('RL')).matched).toEqual(['RL']);
    expect(matchTopics(paper({ title: 'A world model' }), topics('RL')).matched).toEqual([]);
    expect(matchTopics(p, topics('sparse attention', 'mixture of experts', 'diffusion')).matched).toEqual([
      'sparse attention',
      'mixture of experts',
    ]);
    expect(matchTopics(paper({ title: 'Sparse-attention kernels' }), topics('Sparse Attention')).matched).toEqual([
      'Sparse Attention',
    ]);
  });

  it('matches arXiv categories (an archive matches all its categories) and authors', () => {
    const p = paper({ categories: ['cs.LG', 'stat.ML'], authors: ['Grace Hopper', 'Alan Turing'] });
    expect(matchTopics(p, topics('cs.LG')).matched).toEqual(['cs.LG']);
    expect(matchTopics(p, topics('cs.CL')).matched).toEqual([]);
    expect(matchTopics(p, topics('stat')).matched).toEqual(['stat']);
    expect(matchTopics(p, topics('author:alan turing')).matched).toEqual(['alan turing']);
    expect(parseTopic('GPT-4.5').kind).toBe('keyword');
    expect(parseTopic('math.OC').kind).toBe('category');
    // Words that begin like an archive are keywords (the reader models read topics this way too).
    expect(parseTopic('csv').kind).toBe('keyword');
    expect(parseTopic('hep-foo').kind).toBe('keyword');
    expect(parseTopic('hep-th').kind).toBe('category');
  });

  it('scores a title hit above an abstract hit', () => {
    const inTitle = matchTopics(paper({ title: 'Diffusion models' }), topics('diffusion'));
    const inAbstract = matchTopics(paper({ summary: 'We use diffusion.' }), topics('diffusion'));
    expect(inTitle.strength).toBeGreaterThan(inAbstract.strength);
  });
});

describe('rankPapers', () => {
  it('orders one day by upvotes, then recency, then id', () => {
    const items = [
      paper({ id: 'a', upvotes: 5 }),
      paper({ id: 'b', upvotes: 9 }),
      paper({ id: 'c', upvotes: 5, publishedAt: '2026-11-27T12:00:00.000Z' }),
      paper({ id: 'd', upvotes: 0 }),
    ].map((p) => ({ paper: p, day: '2026-11-28', strength: 0, matched: [] }));
    expect(rankPapers(items).map((s) => s.paper.id)).toEqual(['b', 'c', 'a', 'd']);
  });

  it('does not let one busy day fill a weekly digest: each day’s best ranks by its own day', () => {
    const busy = [300, 280, 260, 240, 220].map((u, i) => paper({ id: `busy${i}`, upvotes: u }));
    const quiet = [40, 3, 2, 1, 0].map((u, i) => paper({ id: `quiet${i}`, upvotes: u }));
    const items = [
      ...busy.map((p) => ({ paper: p, day: '2026-11-23', strength: 0, matched: [] })),
      ...quiet.map((p) => ({ paper: p, day: '2026-11-24', strength: 0, matched: [] })),
    ];
    const top3 = rankPapers(items)
      .slice(0, 3)
      .map((s) => s.paper.id);
    expect(top3).toContain('quiet0');
    expect(top3).toContain('busy0');
  });
});
