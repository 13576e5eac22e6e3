import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSources } from '../../src/config.js';
import { arxivSearchQuery } from '../../src/sources/arxiv.js';
import { parseArxivFeed } from '../../src/sources/arxiv-feed.js';
import { ROOT } from '../helpers/test-app.js';

const fixture = (name: string) => readFileSync(path.join(ROOT, 'test', 'fixtures', name), 'utf8');

describe('arXiv Atom feed', () => {
  it('reads entries: id without version, one-line title, authors, categories primary first; skips a malformed one', () => {
    const page = parseArxivFeed(fixture('arxiv-feed.xml'));
    expect(page.total).toBe(3);
    expect(page.entries).toBe(3);
    expect(page.papers.map((p) => [p.id, p.title, p.authors.length, p.categories, p.publishedAt])).toEqual([
      ['2509.04664', 'Why Language Models Hallucinate', 4, ['cs.CL', 'cs.AI'], '2025-09-04T21:26:31.000Z'],
      ['2509.05001', 'Sparse Attention at Scale: Routing Tokens & Heads', 1, ['cs.LG'], '2025-09-05T09:15:00.000Z'],
    ]);
    expect(page.papers[0]?.summary.startsWith('Like students facing hard exam questions')).toBe(true);
    expect(page.skipped).toEqual([
      { index: 2, id: null, reason: 'id: not an arXiv abstract URL ("http://example.org/not-an-arxiv-entry")' },
    ]);
  });

  it('turns the error feed into an error naming arXiv’s message, and reads an empty feed as no papers', () => {
    expect(() => parseArxivFeed(fixture('arxiv-error.xml'))).toThrowError(
      'arXiv refused the query: incorrect id format for 1234.12345',
    );
    const empty = fixture('arxiv-feed.xml')
      .replace(/<entry>[\s\S]*<\/entry>/, '')
      .replace('>3<', '>0<');
    expect(parseArxivFeed(empty)).toEqual({ papers: [], skipped: [], total: 0, entries: 0 });
    expect(() => parseArxivFeed('<html><body>oops</body></html>')).toThrowError(
      'arXiv answered XML that is not an Atom feed',
    );
  });

  it('asks for the categories (or query) submitted in the two days before the digest date', () => {
    expect(arxivSearchQuery({ categories: ['cs.LG', 'cs.CL'], query: null }, '2026-11-28')).toBe(
      '(cat:cs.LG OR cat:cs.CL) AND submittedDate:[202611260000 TO 202611272359]',
    );
    expect(arxivSearchQuery({ categories: [], query: 'abs:"sparse attention"' }, '2026-03-01')).toBe(
      '(abs:"sparse attention") AND submittedDate:[202602270000 TO 202602282359]',
    );
  });
});

describe('PAPERBOY_SOURCE', () => {
  it('names one or several sources', () => {
    expect(parseSources('hf', '/x')).toEqual([{ kind: 'hf' }]);
    expect(parseSources('arxiv:cs.LG,cs.CL', '/x')).toEqual([
      { kind: 'arxiv', categories: ['cs.LG', 'cs.CL'], query: null },
    ]);
    expect(parseSources('hf,arxiv:cs.LG', '/x')).toEqual([
      { kind: 'hf' },
      { kind: 'arxiv', categories: ['cs.LG'], query: null },
    ]);
    expect(parseSources('arxiv:cs.LG,hf,file:papers.json', '/x')).toEqual([
      { kind: 'arxiv', categories: ['cs.LG'], query: null },
      { kind: 'hf' },
      { kind: 'file', path: '/x/papers.json' },
    ]);
    expect(parseSources('hf,arxiv:q=abs:"a, b" AND cat:cs.LG', '/x')).toEqual([
      { kind: 'hf' },
      { kind: 'arxiv', categories: [], query: 'abs:"a, b" AND cat:cs.LG' },
    ]);
    expect(parseSources('hf,cs.LG', '/x')).toBe(
      '"cs.LG" is not a source (expected hf, file:PATH, arxiv:CATEGORY[,CATEGORY…] or arxiv:q=QUERY)',
    );
  });
});
