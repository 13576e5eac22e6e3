// Latent dimensions of a corpus (LSA) for the built-in embedder (embedder.ts): fitted, then added to word vectors.
import type { Vector } from './sparse-vector.js';

/** Power iterations of the randomized range finder (two settle it: more changed nothing measurable). */
const POWER_STEPS = 2;

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
export function latentTerms(docs: readonly Vector[], k: number): Map<number, Float64Array> {
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

/** A word vector's latent coordinates, unit length; null when it shares no word with the corpus. */
export function latentOf(words: Vector, terms: ReadonlyMap<number, Float64Array>, k: number): Float64Array | null {
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

/**
 * A word vector and its latent part (features `base` …), `share` of the squared length to the latent
 * part, unit length.
 */
export function withLatent(
  words: Vector,
  terms: ReadonlyMap<number, Float64Array>,
  centre: Float64Array,
  k: number,
  share: number,
  base: number,
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
    idx[m + j] = base + j;
    val[m + j] = (z[j] as number) * b;
  }
  return { idx, val };
}
