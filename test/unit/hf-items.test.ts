import { describe, expect, it } from 'vitest';
import { parseHfItems } from '../../src/sources/hf-items.js';
import { hfItem } from '../helpers/test-app.js';

describe('parseHfItems', () => {
  it('rejects an answer that is not an array', () => {
    expect(parseHfItems({ error: 'x' })).toEqual({
      papers: [],
      skipped: [{ index: -1, id: null, reason: 'the answer is not a JSON array of items' }],
    });
  });

  it('skips malformed items with their position and reason, and keeps the rest', () => {
    const r = parseHfItems([
      hfItem('2511.00001v2', 'Kept', 3),
      null,
      hfItem('2511.00002', 'Bad upvotes', -1),
      hfItem('2511.00003', 'Bad date', 1, { publishedAt: 'yesterday' }),
      hfItem('2511.00004', 'Withdrawn', 1, { withdrawnAt: '2026-11-27T00:00:00Z' }),
      hfItem('2511.00001', 'Same paper, other version', 3),
      { paper: { id: '2511.00005', title: '   ', publishedAt: '2026-11-27T00:00:00Z' } },
    ]);
    expect(r.papers.map((p) => p.id)).toEqual(['2511.00001']);
    expect(r.skipped).toEqual([
      { index: 1, id: null, reason: 'item: Invalid input: expected object, received null' },
      { index: 2, id: '2511.00002', reason: 'paper.upvotes: Too small: expected number to be >=0' },
      { index: 3, id: '2511.00003', reason: 'paper.publishedAt: not a date-time' },
      { index: 4, id: '2511.00004', reason: 'the paper was withdrawn' },
      { index: 5, id: '2511.00001', reason: 'the same paper appears earlier in the answer' },
      { index: 6, id: '2511.00005', reason: 'title: missing' },
    ]);
  });

  it('makes titles one line and keeps old-style arXiv ids', () => {
    const r = parseHfItems([hfItem('hep-th/9901001v1', 'A title\nover\r\n two lines', 1)]);
    expect(r.papers[0]?.id).toBe('hep-th/9901001');
    expect(r.papers[0]?.title).toBe('A title over two lines');
  });
});
