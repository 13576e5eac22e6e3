import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Fragments, whyLine } from '../../src/render/fragments.js';
import { splitCards } from '../../src/render/parts.js';
import { MARKERS } from '../../src/render/personalize.js';
import { HTML_BUDGET, renderEdition } from '../../src/render/render-digest.js';
import { CARD_END, CARD_START, loadTemplates } from '../../src/render/templates.js';
import { parseHfItems } from '../../src/sources/hf-items.js';
import { makePaper } from '../helpers/papers.js';
import { countingTemplates } from '../helpers/template-renders.js';
import { ROOT, tempDir } from '../helpers/test-app.js';

const templates = loadTemplates(path.join(ROOT, 'templates'));
const samples = parseHfItems(JSON.parse(readFileSync(path.join(ROOT, 'samples/daily-papers.json'), 'utf8'))).papers;
const settings = { listName: 'Daily Papers', baseUrl: 'https://papers.example.org' };
const DATE = '2026-11-28';

const temps: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of temps) cleanup();
});

/** What a reader sees of an HTML email: its text, without tags, Outlook-only comments or layout whitespace. */
function seen(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);

describe('an email assembled from per-paper fragments', () => {
  it('reads exactly like the same edition compiled whole: text part byte for byte, HTML text and links', async () => {
    const pool = samples.slice(0, 20);
    const fragments = Fragments.of(templates, pool, DATE, settings);
    if (!fragments) throw new Error('the default templates render papers through partials');
    const papers = [pool[5], pool[2], pool[9], pool[0]].map((p) => p as (typeof pool)[number]);
    const because = ['Because you liked “Sparse <attention> & more”', null, null, null];
    const matched = [[], [], ['RL', 'cs.LG'], []];
    const why = papers.map((_, i) => whyLine(because[i] ?? null, matched[i] ?? []));
    expect(why).toEqual(['Because you liked “Sparse <attention> & more”', null, 'Matches: RL, cs.LG', null]);

    const assembled = await fragments.assemble(
      { papers, why, topics: ['RL', 'cs.LG'], weekly: false, anyway: false },
      HTML_BUDGET,
    );
    const whole = await renderEdition(templates, papers, DATE, settings, { because, matched, topics: ['RL', 'cs.LG'] });
    if (!assembled) throw new Error('the edition fits the budget');
    expect(assembled.subject).toBe(whole.subject);
    expect(assembled.text).toBe(whole.text);
    expect(seen(assembled.html)).toBe(seen(whole.html));
    expect(hrefs(assembled.html)).toEqual(hrefs(whole.html));
    expect(assembled.html).toContain('Because you liked “Sparse &lt;attention&gt; &amp; more”');
    expect(assembled.html).toContain(`<title>${whole.subject.replace(/&/g, '&amp;')}</title>`);
    // Edition values are all filled in; the recipient's stay for the message builder.
    expect(assembled.html).not.toMatch(/=pb:e_/);
    expect(assembled.text).not.toMatch(/=pb:e_/);
    expect(assembled.html).toContain(MARKERS.unsubscribeUrl);
    expect(assembled.text).toContain(MARKERS.voteToken);
    expect(assembled.recipe.abstractChars).toBe(320);
  });

  it('compiles MJML once per abstract length and why line and once per header shape, however many readers', async () => {
    const pool = samples.slice(0, 30);
    const counting = countingTemplates(templates);
    const fragments = Fragments.of(counting.templates, pool, DATE, settings);
    if (!fragments) throw new Error('cards templates');
    const subjects = new Set<string>();
    for (let r = 0; r < 40; r++) {
      const papers = Array.from({ length: 10 }, (_, i) => pool[(r * 7 + i * 3) % pool.length] as (typeof pool)[number]);
      const why = papers.map((p, i) => (i % 3 === 0 ? `Because you liked “${p.title.slice(0, 20)}”` : null));
      const out = await fragments.assemble(
        { papers, why, topics: [], weekly: r % 2 === 1, anyway: false },
        HTML_BUDGET,
      );
      if (!out) throw new Error(`reader ${r} was not assembled`);
      expect(out.text.match(/^ ?\d+\. /gm)).toHaveLength(10);
      subjects.add(out.subject);
    }
    // Cards with and without a why line, each as top cards (the first three) and not, and a
    // skeleton for daily and one for weekly.
    expect(counting.mjmlRenders()).toBe(6);
    // A subject names the date, the top paper and daily or weekly: one per distinct pair here.
    expect(subjects.size).toBe(new Set(Array.from({ length: 40 }, (_, r) => `${(r * 7) % 30}:${r % 2}`)).size);
    const parts = fragments.take();
    expect(parts.filter((p) => p.kind === 'card')).toHaveLength(120);
    expect(parts.filter((p) => p.kind === 'skeleton').map((p) => p.key)).toEqual(['w0a0t0o0', 'w1a0t0o0']);
    expect(fragments.take()).toEqual([]);
  });

  it('keeps paper data that looks like a marker as text, escaped, and never fills it', async () => {
    const hostile = makePaper({
      id: '2511.09999',
      title: 'Ranks =pb:e_rank= and {{count}} <b>bold</b>',
      summary: 'Why =pb:e_why= and =pb:email= in an abstract.',
      upvotes: 5,
    });
    const fragments = Fragments.of(templates, [hostile, samples[0] as (typeof samples)[number]], DATE, settings);
    if (!fragments) throw new Error('cards templates');
    const out = await fragments.assemble(
      { papers: [hostile], why: ['Because =pb:e_subject='], topics: [], weekly: false, anyway: false },
      HTML_BUDGET,
    );
    if (!out) throw new Error('assembled');
    expect(out.html).toContain('>Ranks &#x3D; pb:e_rank&#x3D; and {{count}} &lt;b&gt;bold&lt;/b&gt;');
    expect(out.text).toContain('1. Ranks = pb:e_rank= and {{count}} <b>bold</b>');
    expect(out.text).toContain('Why = pb:e_why= and = pb:email= in an abstract.');
    expect(out.text).toContain('Because = pb:e_subject=');
    expect(out.text).toMatch(/^Daily Papers — Saturday, 28 November 2026\nToday's top research paper\.$/m);
  });

  it('shortens abstracts, then leaves them out, to stay within the budget; null past that', async () => {
    const long = Array.from({ length: 10 }, (_, i) =>
      makePaper({
        id: `2511.1000${i}`,
        title: `Paper ${i}`,
        summary: `${'A sentence of an abstract. '.repeat(30)}`,
        upvotes: i,
      }),
    );
    const fragments = Fragments.of(templates, long, DATE, settings);
    if (!fragments) throw new Error('cards templates');
    const edition = { papers: long, why: long.map(() => null), topics: [], weekly: false, anyway: false };
    const roomy = await fragments.assemble(edition, HTML_BUDGET);
    expect(roomy?.recipe.abstractChars).toBe(320);
    const size = (n: number) => Buffer.byteLength(roomy?.html ?? '') - n;
    const tighter = await fragments.assemble(edition, size(1));
    expect(tighter?.recipe.abstractChars).toBe(160);
    expect(tighter?.text).not.toContain(
      'A sentence of an abstract. A sentence of an abstract. A sentence of an abstract. A sentence of an abstract. A sentence of an abstract. A sentence of an abstract. A sentence',
    );
    const none = await fragments.assemble(edition, Buffer.byteLength(tighter?.html ?? '') - 1);
    expect(none?.recipe.abstractChars).toBe(0);
    expect(none?.text).not.toContain('A sentence of an abstract');
    expect(await fragments.assemble(edition, 1000)).toBeNull();
  });

  it('is not used with templates that do not render papers through the partials (they compile whole)', () => {
    const { dir, cleanup } = tempDir();
    temps.push(cleanup);
    cpSync(path.join(ROOT, 'templates'), dir, { recursive: true });
    const inline = readFileSync(path.join(dir, 'partials/paper-text.txt.hbs'), 'utf8');
    const digest = readFileSync(path.join(dir, 'digest.txt.hbs'), 'utf8').replace('{{> paper-text}}\n', inline);
    writeFileSync(path.join(dir, 'digest.txt.hbs'), digest);
    expect(splitCards(`a${CARD_START}b${CARD_END}c`, 1)).toEqual({ head: 'a', cards: ['b'], tail: 'c' });
    expect(splitCards(`a${CARD_START}b${CARD_END}x${CARD_START}c${CARD_END}`, 2)).toBeNull();
    expect(splitCards(`a${CARD_START}b${CARD_END}c`, 2)).toBeNull();
    const custom = loadTemplates(dir);
    // Both partials exist, but the text template no longer uses one: the render has no text cards.
    const fragments = Fragments.of(custom, samples.slice(0, 3), DATE, settings);
    return fragments
      ?.assemble(
        { papers: samples.slice(0, 2), why: [null, null], topics: [], weekly: false, anyway: false },
        HTML_BUDGET,
      )
      .then((out) => {
        expect(out).toBeNull();
      });
  });
});
