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

/** How many latent dimensions the built-in embedder adds (LSA of the corpus it is fitted on). */
export const LATENT_DIMENSIONS = 32;
/** Below this many documents the corpus is too small to learn latent dimensions from: words only. */
const LATENT_MIN_DOCS = 40;
/** Power iterations of the randomized range finder (two settle it: more changed nothing measurable). */
const POWER_STEPS = 2;
/** The latent dimensions' share of a vector's squared length; the words keep the rest (0.4–1 measured alike). */
const LATENT_SHARE = 0.6;
/** Latent features are numbered after the hashed ones, so a vector's indices stay ascending. */
const LATENT_BASE = MASK + 1;

/** A deterministic generator in [-0.5, 0.5): the same corpus gives the same dimensions. */
function uniform(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296 - 0.5;
  };
}

/** Modified Gram–Schmidt on the `k` columns of a row-major `rows` × `k` matrix, in place. */
function orthonormalize(m: Float64Array, rows: number, k: number): void {
  for (let c = 0; c < k; c++) {
    for (let prev = 0; prev < c; prev++) {
      let d = 0;
      for (let r = 0; r < rows; r++) d += (m[r * k + c] as number) * (m[r * k + prev] as number);
      for (let r = 0; r < rows; r++) m[r * k + c] = (m[r * k + c] as number) - d * (m[r * k + prev] as number);
    }
    let n = 0;
    for (let r = 0; r < rows; r++) n += (m[r * k + c] as number) ** 2;
    const inv = n > 1e-24 ? 1 / Math.sqrt(n) : 0;
    for (let r = 0; r < rows; r++) m[r * k + c] = (m[r * k + c] as number) * inv;
  }
}

/**
 * Latent semantic analysis of the corpus (documents as rows of their word weights): a randomized
 * range finder (Halko, Martinsson & Tropp 2011) gives an orthonormal basis Y of the documents' top
 * `k` directions, and T = Aᵀ·Y maps a document's words to them. A document's latent vector is its
 * words times T: two abstracts of one field that share few words still share directions ("galaxy"
 * and "redshift" load on the same ones). Rotation-free, so no eigen-decomposition is needed: the
 * cosine of two such vectors is that of their projections, weighted by the singular values.
 * Returns T as a map from feature to its `k` weights (features of at least two documents only).
 */
function latentTerms(docs: readonly Vector[], k: number): Map<number, Float64Array> {
  const df = new Map<number, number>();
  for (const d of docs) for (const f of d.idx) df.set(f, (df.get(f) ?? 0) + 1);
  const col = new Map<number, number>();
  for (const [f, n] of df) if (n >= 2) col.set(f, col.size);
  const cols = col.size;
  const n = docs.length;
  // Each document's entries as (column, weight), columns of one document only once.
  const at: Int32Array[] = [];
  const w: Float64Array[] = [];
  for (const d of docs) {
    const c: number[] = [];
    const x: number[] = [];
    for (let i = 0; i < d.idx.length; i++) {
      const j = col.get(d.idx[i] as number);
      if (j === undefined) continue;
      c.push(j);
      x.push(d.val[i] as number);
    }
    at.push(Int32Array.from(c));
    w.push(Float64Array.from(x));
  }
  /** A·X (n × k) for X (cols × k), or, transposed, Aᵀ·Y (cols × k) for Y (n × k). */
  const product = (src: Float64Array, transposed: boolean): Float64Array => {
    const out = new Float64Array((transposed ? cols : n) * k);
    for (let r = 0; r < n; r++) {
      const c = at[r] as Int32Array;
      const v = w[r] as Float64Array;
      for (let e = 0; e < c.length; e++) {
        const o = transposed ? (c[e] as number) * k : r * k;
        const from = transposed ? r * k : (c[e] as number) * k;
        const s = v[e] as number;
        for (let j = 0; j < k; j++) out[o + j] = (out[o + j] as number) + s * (src[from + j] as number);
      }
    }
    return out;
  };
  const rnd = uniform(0x9e3779b9 ^ n ^ (cols << 8));
  const omega = new Float64Array(cols * k);
  for (let i = 0; i < omega.length; i++) omega[i] = rnd();
  let y = product(omega, false);
  orthonormalize(y, n, k);
  for (let step = 0; step < POWER_STEPS; step++) {
    const x = product(y, true);
    orthonormalize(x, cols, k);
    y = product(x, false);
    orthonormalize(y, n, k);
  }
  const t = product(y, true);
  const out = new Map<number, Float64Array>();
  for (const [f, j] of col) out.set(f, t.subarray(j * k, j * k + k));
  return out;
}

/** A word vector and its latent part, `share` of the squared length to the latent part, unit length. */
/** A word vector's latent coordinates, unit length; null when it shares no word with the corpus. */
function latentOf(words: Vector, terms: ReadonlyMap<number, Float64Array>, k: number): Float64Array | null {
  const z = new Float64Array(k);
  for (let i = 0; i < words.idx.length; i++) {
    const t = terms.get(words.idx[i] as number);
    if (!t) continue;
    const x = words.val[i] as number;
    for (let j = 0; j < k; j++) z[j] = (z[j] as number) + x * (t[j] as number);
  }
  return unit(z);
}

/** `z` scaled to unit length in place, or null when it is (nearly) zero. */
function unit(z: Float64Array): Float64Array | null {
  let zn = 0;
  for (let j = 0; j < z.length; j++) zn += (z[j] as number) ** 2;
  if (zn <= 1e-24) return null;
  const inv = 1 / Math.sqrt(zn);
  for (let j = 0; j < z.length; j++) z[j] = (z[j] as number) * inv;
  return z;
}

function withLatent(
  words: Vector,
  terms: ReadonlyMap<number, Float64Array>,
  centre: Float64Array,
  k: number,
  share: number,
): Vector {
  const found = latentOf(words, terms, k);
  // Measured from the corpus' centre: every abstract leans the same way along the first directions.
  if (found) for (let j = 0; j < k; j++) found[j] = (found[j] as number) - (centre[j] as number);
  const z = found && unit(found);
  // A text with no word the corpus shares (a rare topic) keeps its words alone.
  if (!z) return words;
  const a = Math.sqrt(1 - share);
  const b = Math.sqrt(share);
  const m = words.idx.length;
  const idx = new Int32Array(m + k);
  const val = new Float32Array(m + k);
  for (let i = 0; i < m; i++) {
    idx[i] = words.idx[i] as number;
    val[i] = (words.val[i] as number) * a;
  }
  for (let j = 0; j < k; j++) {
    idx[m + j] = LATENT_BASE + j;
    val[m + j] = (z[j] as number) * b;
  }
  return { idx, val };
}

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
    return (doc) => withLatent(embed(doc), terms, centre, LATENT_DIMENSIONS, LATENT_SHARE);
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
