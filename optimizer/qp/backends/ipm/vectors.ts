/**
 * Vector kernels of the interior-point iteration (solver.ts, start.ts, termination.ts): one pass
 * over Float64Arrays each, no allocation.
 */
/** z on the central path with z − s = c and s·z = mu: z = (c + √(c² + 4μ))/2, computed stably. */
export function centeredDual(c: number, mu: number): number {
  const r = Math.sqrt(c * c + 4 * mu);
  return c >= 0 ? 0.5 * (c + r) : (2 * mu) / (r - c);
}

/** max_i |v_i · w_i| */
export function normInfScaled(v: Float64Array, w: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]! * w[i]!);
    if (a > m || Number.isNaN(a)) m = a;
  }
  return m;
}

export { dot } from '../../../linalg/vec.ts';

/** Largest α ≤ a with v + α·dv ≥ 0 (entries with dv < 0 limit it). */
export function stepToBoundary(v: Float64Array, dv: Float64Array, a: number): number {
  for (let k = 0; k < v.length; k++) {
    const dk = dv[k]!;
    if (dk < 0) {
      const r = -v[k]! / dk;
      if (r < a) a = r;
    }
  }
  return a;
}

/** Σ (s + αs·ds)(z + αz·dz) over one block of complementarity pairs */
export function affinePairs(s: Float64Array, ds: Float64Array, z: Float64Array, dz: Float64Array, as: number, az: number): number {
  let t = 0;
  for (let k = 0; k < s.length; k++) t += (s[k]! + as * ds[k]!) * (z[k]! + az * dz[k]!);
  return t;
}

/** s += αp·ds, z += αd·dz over one block; returns the new Σ s∘z */
export function stepPairs(s: Float64Array, ds: Float64Array, z: Float64Array, dz: Float64Array, ap: number, ad: number): number {
  let t = 0;
  for (let k = 0; k < s.length; k++) {
    const sk = s[k]! + ap * ds[k]!;
    const zk = z[k]! + ad * dz[k]!;
    s[k] = sk;
    z[k] = zk;
    t += sk * zk;
  }
  return t;
}

/** r_k += σμ − ds_k dz_k (Mehrotra's corrector term) */
export function addCorrector(r: Float64Array, ds: Float64Array, dz: Float64Array, sm: number): void {
  for (let k = 0; k < r.length; k++) r[k] += sm - ds[k]! * dz[k]!;
}

/** y += a·x over the length of y */
export function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let k = 0; k < y.length; k++) y[k] += a * x[k]!;
}

/** out = a − b (same lengths) */
export function diff(a: Float64Array, b: Float64Array, out: Float64Array): Float64Array {
  for (let k = 0; k < a.length; k++) out[k] = a[k]! - b[k]!;
  return out;
}

/**
 * One block of the regularized primal residual: reg = res + δ(v − center) (len entries; reg
 * overwritten, the rest read). acc[0] ← max(acc[0], max |reg·u|) (NaN propagates),
 * acc[1] ← max(acc[1], max |(v − center)·scale|).
 */
export function regBlock(len: number, res: Float64Array, reg: Float64Array, v: Float64Array, center: Float64Array, u: Float64Array, scale: Float64Array, delta: number, acc: Float64Array): void {
  let pres = acc[0]!;
  let pinf = acc[1]!;
  for (let k = 0; k < len; k++) {
    const dv = v[k]! - center[k]!;
    const r = res[k]! + delta * dv;
    reg[k] = r;
    let t = Math.abs(r * u[k]!);
    if (t > pres || t !== t) pres = t;
    t = Math.abs(dv * scale[k]!);
    if (t > pinf) pinf = t;
  }
  acc[0] = pres;
  acc[1] = pinf;
}

/**
 * The scalings of one block of bound pairs (lower or upper) before a factorization, entries
 * k < count: a dual z_k < ε is moved to z_k + ε, then W_k = δ + s_k/z_k, boxDiag[idx_k] += 1/W_k
 * and rs_k = −s_k z_k. z, W, rs, boxDiag modified. Returns whether a dual was moved.
 */
export function boundScalings(s: Float64Array, z: Float64Array, W: Float64Array, rs: Float64Array, idx: Int32Array, count: number, boxDiag: Float64Array, delta: number): boolean {
  let shifted = false;
  for (let k = 0; k < count; k++) {
    let zk = z[k]!;
    if (zk < Number.EPSILON) {
      zk += Number.EPSILON;
      z[k] = zk;
      shifted = true;
    }
    const sk = s[k]!;
    const w = delta + sk / zk;
    W[k] = w;
    boxDiag[idx[k]!] += 1 / w;
    rs[k] = -sk * zk;
  }
  return shifted;
}
