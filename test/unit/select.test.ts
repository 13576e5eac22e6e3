import { describe, expect, it } from 'vitest';
import { isIsoDate } from '../../src/select/dates.js';
import { selectPapers } from '../../src/select/select-papers.js';
import { dateInZone } from '../../src/time-zone.js';
import { makePaper } from '../helpers/papers.js';

const paper = (id: string, upvotes: number, publishedAt = '2026-11-27T10:00:00.000Z') =>
  makePaper({ id, title: id, summary: '', upvotes, publishedAt });

describe('selectPapers', () => {
  it('ranks by upvotes, then the most recent, then id, and takes the top N', () => {
    const papers = [
      paper('a', 5),
      paper('b', 9),
      paper('c', 5, '2026-11-27T12:00:00.000Z'),
      paper('d', 1),
      paper('e', 5),
    ];
    expect(selectPapers(papers, new Set(), 4).map((p) => p.id)).toEqual(['b', 'c', 'a', 'e']);
  });

  it('leaves out papers that already went out', () => {
    expect(selectPapers([paper('a', 5), paper('b', 9)], new Set(['b']), 10).map((p) => p.id)).toEqual(['a']);
    expect(selectPapers([paper('a', 5)], new Set(['a']), 10)).toEqual([]);
  });
});

describe('dates', () => {
  it('is the date it is in the configured zone', () => {
    const instant = new Date('2026-11-28T23:30:00Z');
    expect(dateInZone(instant, 'UTC')).toBe('2026-11-28');
    expect(dateInZone(instant, 'Europe/Paris')).toBe('2026-11-29');
    expect(dateInZone(instant, 'America/Los_Angeles')).toBe('2026-11-28');
    expect(dateInZone(new Date('2026-11-28T09:00:00Z'), 'Pacific/Auckland')).toBe('2026-11-28');
    expect(dateInZone(new Date('2026-11-28T11:30:00Z'), 'Pacific/Auckland')).toBe('2026-11-29');
  });

  it('accepts only real calendar dates as YYYY-MM-DD', () => {
    expect(isIsoDate('2026-11-28')).toBe(true);
    expect(isIsoDate('2028-02-29')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2026-13-01')).toBe(false);
    expect(isIsoDate('2026-1-1')).toBe(false);
    expect(isIsoDate('yesterday')).toBe(false);
  });
});
