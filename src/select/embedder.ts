/**
 * Text features of papers for the reader models (reader-model.ts), behind one interface so that a
 * local sentence-embedding model can replace the built-in one without touching the rest.
 */

import { latentOf, latentTerms, withLatent } from './latent.js';
import { toVector, type Vector } from './sparse-vector.js';

/** What a paper (or a reader's topic) offers to be embedded. */
export interface PaperText {
  title: string;
  summary: string;
  /** Hugging Face's `ai_keywords` (empty for other sources). */
  keywords: readonly string[];
  /** arXiv categories, when the source gave them (empty otherwise). */
  categories: readonly string[];
}

export interface Embedder {
  /** Names the features in the README and the bench ("hashed-tfidf"). */
  readonly name: string;
  /**
   * Fits what the features need from a corpus (the candidate pool: its document frequencies) and
   * returns the function that embeds any paper or topic with it, pure and deterministic.
   */
  fit(corpus: readonly PaperText[]): (doc: PaperText) => Vector;
}

const DIMENSION_BITS = 20;
const MASK = (1 << DIMENSION_BITS) - 1;

/** Words too common in abstracts to tell fields apart. */
const STOP = new Set(
  (
    'the of and in to a is we for that on with by this are as an be from which at it our can its these ' +
    'or have has also such show paper present results using use used based new two one both between than ' +
    'we study their into not all been may these there here more well over other under how when where only ' +
    'within while was were give given find found obtain obtained them they then thus however first second ' +
    'approach method methods result case cases model models problem problems different number large small ' +
    'high low order non via some each any most many much very where whose will would could should'
  ).split(' '),
);

/** A light stemmer: plurals and a few suffixes, so "galaxies" meets "galaxy" and "clusters" "cluster". */
function stem(w: string): string {
  if (w.length > 5 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 6 && w.endsWith('ing')) return w.slice(0, -3);
  if (w.length > 5 && w.endsWith('ed')) return w.slice(0, -2);
  if (w.length > 4 && w.endsWith('es') && /(?:ss|x|ch|sh)es$/.test(w)) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is'))
    return w.slice(0, -1);
  return w;
}

/** Lower-cased word stems of a text, LaTeX commands and stop words left out. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const raw of text
    .toLowerCase()
    .replace(/\\[a-z]+/g, ' ')
    .split(/[^\p{L}\p{N}]+/u)) {
    if (raw.length < 3 || STOP.has(raw) || /^\d+$/.test(raw)) continue;
    out.push(stem(raw));
  }
  return out;
}

/** FNV-1a, 32 bits, into the feature space. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & MASK;
}

/**
 * Raw term counts of a document: word stems (word pairs were tried: they match too rarely between
 * abstracts and halved the separation of fields); title and keywords count double, categories triple.
 */
function counts(doc: PaperText): Map<number, number> {
  const m = new Map<number, number>();
  const add = (f: string, w: number) => {
    const h = hash(f);
    m.set(h, (m.get(h) ?? 0) + w);
  };
  const text = (s: string, w: number) => {
    for (const word of words(s)) add(word, w);
  };
  text(doc.title, 2);
  for (const k of doc.keywords) text(k, 2);
  text(doc.summary, 1);
  for (const c of doc.categories) {
    add(`cat:${c.toLowerCase()}`, 3);
    add(`arc:${c.toLowerCase().split('.')[0]}`, 3);
  }
  return m;
}

/** How many latent dimensions the built-in embedder adds (LSA of the corpus it is fitted on). */
export const LATENT_DIMENSIONS = 32;
/** Below this many documents the corpus is too small to learn latent dimensions from: words only. */
const LATENT_MIN_DOCS = 40;
/** The latent dimensions' share of a vector's squared length; the words keep the rest (0.4–1 measured alike). */
const LATENT_SHARE = 0.6;
/** Latent features are numbered after the hashed ones, so a vector's indices stay ascending. */
const LATENT_BASE = MASK + 1;

/** Word weights of a corpus: each document's (1 + log tf) × idf vector, and how to weigh any text alike. */
function wordsFitted(corpus: readonly PaperText[]): { docs: Vector[]; embed: (doc: PaperText) => Vector } {
  const df = new Map<number, number>();
  const docCounts = corpus.map(counts);
  for (const c of docCounts) for (const f of c.keys()) df.set(f, (df.get(f) ?? 0) + 1);
  const n = corpus.length;
  // A feature no corpus document has is as rare as can be.
  const idf = (f: number) => Math.log((n + 1) / ((df.get(f) ?? 0) + 1)) + 1;
  const wordsOf = (c: Map<number, number>): Vector => {
    const w = new Map<number, number>();
    for (const [f, tf] of c) w.set(f, (1 + Math.log(tf)) * idf(f));
    return toVector(w);
  };
  return { docs: docCounts.map(wordsOf), embed: (doc) => wordsOf(counts(doc)) };
}

/**
 * Words only: word stems of the title (×2), HF keywords (×2), abstract (×1) and the arXiv
 * categories when known (×3), hashed into 2^20 buckets, weighted (1 + log tf) × idf with the
 * document frequencies of the corpus it is fitted on, unit length.
 */
export const wordsEmbedder: Embedder = {
  name: 'hashed-tfidf',
  fit: (corpus) => wordsFitted(corpus).embed,
};

/**
 * The built-in features, no download: wordsEmbedder's, and, when the corpus it is fitted on has at
 * least 40 documents, 32 latent dimensions learned from it (latentTerms), measured from the
 * corpus' centre, which carry 60 % of the vector's squared length. Unit length.
 */
export const hashedEmbedder: Embedder = {
  name: 'hashed-tfidf+lsa32',
  fit(corpus) {
    const { docs, embed } = wordsFitted(corpus);
    if (docs.length < LATENT_MIN_DOCS) return embed;
    const terms = latentTerms(docs, LATENT_DIMENSIONS);
    const centre = new Float64Array(LATENT_DIMENSIONS);
    for (const d of docs) {
      const z = latentOf(d, terms, LATENT_DIMENSIONS);
      if (z)
        for (let j = 0; j < LATENT_DIMENSIONS; j++) centre[j] = (centre[j] as number) + (z[j] as number) / docs.length;
    }
    return (doc) => withLatent(embed(doc), terms, centre, LATENT_DIMENSIONS, LATENT_SHARE, LATENT_BASE);
  },
};
