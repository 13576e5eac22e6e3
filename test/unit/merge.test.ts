import { describe, expect, it } from 'vitest';
import type { Paper } from '../../src/domain.js';
import { mergePapers } from '../../src/sources/merge.js';
import { makePaper } from '../helpers/papers.js';

const base: Paper = makePaper({ id: '2509.04664', title: 'T', summary: 'S', publishedAt: '2025-09-05T00:00:00.000Z' });

describe('mergePapers', () => {
  it('keeps one record per arXiv id with each field from the source that has it', () => {
    const fromHf: Paper = {
      ...base,
      upvotes: 26,
      numComments: 3,
      authors: ['A', 'B'],
      githubRepo: 'https://github.com/x/y',
      aiKeywords: ['k'],
    };
    const fromArxiv: Paper = {
      ...base,
      authors: ['A', 'B', 'C'],
      categories: ['cs.CL', 'cs.AI'],
      publishedAt: '2025-09-04T21:26:31.000Z',
      summary: 'A longer abstract',
    };
    const other: Paper = { ...base, id: '2509.05001' };
    const merged = mergePapers([[fromHf], [fromArxiv, other]]);
    expect(merged).toEqual([
      {
        ...base,
        upvotes: 26,
        numComments: 3,
        authors: ['A', 'B', 'C'],
        githubRepo: 'https://github.com/x/y',
        aiKeywords: ['k'],
        categories: ['cs.CL', 'cs.AI'],
        publishedAt: '2025-09-04T21:26:31.000Z',
        summary: 'A longer abstract',
      },
      other,
    ]);
  });
});
