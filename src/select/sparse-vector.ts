// Sparse unit vectors, as the embedders give them and the reader models sum them.

/** A unit-length sparse vector: feature indices ascending, their weights. */
export interface Vector {
  idx: Int32Array;
  val: Float32Array;
}

/** Weights as a vector: indices ascending, scaled to unit length. */
export function toVector(weights: Map<number, number>): Vector {
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
