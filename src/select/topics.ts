import type { Paper } from '../domain.js';

/** A reader's topic, as typed: a keyword, an arXiv category, or an author (`author:Name`). */
export type Topic =
  | { kind: 'keyword'; text: string; re: RegExp }
  | { kind: 'category'; text: string }
  | { kind: 'author'; text: string; re: RegExp };

/** arXiv archives, so that `cs.LG` or `math.OC` is read as a category and `GPT-4.5` as a keyword. */
const ARCHIVES =
  /^(cs|math|stat|physics|eess|econ|q-bio|q-fin|astro-ph|cond-mat|gr-qc|hep-ex|hep-lat|hep-ph|hep-th|math-ph|nlin|nucl-ex|nucl-th|quant-ph)(\.[A-Za-z-]+)?$/;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches `text` as a whole word or phrase, any case: "RL" is not in "world", "sparse attention" spans the space. */
function wordRe(text: string): RegExp {
  const body = text.trim().split(/\s+/).map(escapeRe).join('[\\s-]+');
  return new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, 'iu');
}

export function parseTopic(raw: string): Topic {
  const text = raw.trim();
  const author = /^author:\s*(.+)$/i.exec(text)?.[1];
  if (author) return { kind: 'author', text: author, re: wordRe(author) };
  if (ARCHIVES.test(text) && !text.includes(' ')) return { kind: 'category', text };
  return { kind: 'keyword', text, re: wordRe(text) };
}

export interface TopicMatch {
  /** The reader's topics the paper matches, in the reader's order ("matches: sparse attention"). */
  matched: string[];
  /** 0–1: how strongly it matches (a title hit counts more than an abstract hit). */
  strength: number;
}

/**
 * Which of `topics` a paper matches: a keyword in its title, abstract or HF `ai_keywords`
 * (case-insensitive, whole words), a category among its arXiv categories, an author among its
 * authors. Pure.
 */
export function matchTopics(paper: Paper, topics: readonly Topic[]): TopicMatch {
  const matched: string[] = [];
  let points = 0;
  for (const t of topics) {
    let p = 0;
    if (t.kind === 'category') {
      const cats = paper.categories.map((c) => c.toLowerCase());
      const want = t.text.toLowerCase();
      // `cs` matches every cs.* category; `cs.LG` only itself.
      if (cats.some((c) => c === want || (!want.includes('.') && c.startsWith(`${want}.`)))) p = 2;
    } else if (t.kind === 'author') {
      if (paper.authors.some((a) => t.re.test(a))) p = 3;
    } else if (t.re.test(paper.title)) p = 3;
    else if (paper.aiKeywords.some((k) => t.re.test(k))) p = 2;
    else if (t.re.test(paper.summary)) p = 1;
    if (p > 0) {
      matched.push(t.text);
      points += p;
    }
  }
  return { matched, strength: topics.length ? Math.min(1, points / (3 * Math.min(topics.length, 3))) : 0 };
}
