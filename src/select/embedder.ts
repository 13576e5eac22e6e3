/**
 * Text features of papers for the reader models (reader-model.ts), behind one interface so that a
 * local sentence-embedding model can replace the built-in one without touching the rest.
 */

/** What a paper (or a reader's topic) offers to be embedded. */
export interface PaperText {
  title: string;
  summary: string;
  /** Hugging Face's `ai_keywords` (empty for other sources). */
  keywords: readonly string[];
  /** arXiv categories, when the source gave them (empty otherwise). */
  categories: readonly string[];
}

/** A unit-length sparse vector: feature indices ascending, their weights. */
export interface Vector {
  idx: Int32Array;
  val: Float32Array;
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

function toVector(weights: Map<number, number>): Vector {
  const idx = Int32Array.from(weights.keys()).sort();
  const val = new Float32Array(idx.length);
  let norm = 0;
  for (let i = 0; i < idx.length; i++) {
    const w = weights.get(idx[i] as number) ?? 0;
    val[i] = w;
    norm += w * w;
  }
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < val.length; i++) (val as Float32Array)[i] = (val[i] as number) * inv;
  return { idx, val };
}

/**
 * The built-in features, no download: word stems of the title (×2), HF keywords (×2),
 * abstract (×1) and the arXiv categories when known (×3), hashed into 2^20 buckets, weighted
 * (1 + log tf) × idf with the document frequencies of the corpus it is fitted on, unit length.
 */
export const hashedEmbedder: Embedder = {
  name: 'hashed-tfidf',
  fit(corpus) {
    const df = new Map<number, number>();
    for (const doc of corpus) for (const f of counts(doc).keys()) df.set(f, (df.get(f) ?? 0) + 1);
    const n = corpus.length;
    // A feature no corpus document has is as rare as can be.
    const idf = (f: number) => Math.log((n + 1) / ((df.get(f) ?? 0) + 1)) + 1;
    return (doc) => {
      const w = new Map<number, number>();
      for (const [f, tf] of counts(doc)) w.set(f, (1 + Math.log(tf)) * idf(f));
      return toVector(w);
    };
  },
};

/** Adds `v` into a running sum of vectors; returns how much the sum's squared length grew. */
export function addInto(sum: Map<number, number>, v: Vector): number {
  let grew = 0;
  for (let i = 0; i < v.idx.length; i++) {
    const f = v.idx[i] as number;
    const old = sum.get(f) ?? 0;
    const now = old + (v.val[i] as number);
    sum.set(f, now);
    grew += now * now - old * old;
  }
  return grew;
}

/** The dot product of a vector with a running sum (not normalised). */
export function dotSum(v: Vector, sum: ReadonlyMap<number, number>): number {
  let s = 0;
  for (let i = 0; i < v.idx.length; i++) s += (v.val[i] as number) * (sum.get(v.idx[i] as number) ?? 0);
  return s;
}
