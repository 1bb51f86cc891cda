/**
 * Range-restricted Krylov least squares: rangeRestrictedKrylov(applyB, b, opts) (see there),
 * the engine of RegularizedLstsq.
 */
import { InputError } from '../errors.ts';
import { dot, norm2 } from './vec.ts';

/** What a RangeKrylov check reports for an iterate: stop now, and a score (smaller is better). */
export interface KrylovCheck {
  readonly stop: boolean;
  readonly score: number;
}

export interface RangeKrylovOptions {
  /** iteration limit (Arnoldi vectors kept: maxIter + 2 of length n); default 100 */
  maxIter?: number;
  /** stop after this many iterations without halving the best score (default 20) */
  window?: number;
  /**
   * columns of the projected problem whose QR pivot is below truncation·(largest pivot) are
   * dropped (default 1e-10): Krylov vectors made of rounding noise in null(B) never get a large
   * coefficient
   */
  truncation?: number;
  /**
   * called for an iterate: u (length n) and r = b − B u (length n, from the Arnoldi relation);
   * not to be modified. Not every iterate is checked (forming u and r costs O(n·k)): the first
   * three, then whenever ‖B r‖ (known from the projected problem) fell 4× since the last check,
   * at least every 4th, and the last one.
   */
  check: (u: Float64Array, r: Float64Array) => KrylovCheck;
}

/** Why rangeRestrictedKrylov stopped. */
export type RangeKrylovStop = 'converged' | 'stagnated' | 'breakdown' | 'maxIter' | 'zero';

export interface RangeKrylovResult {
  /** length n: the iterate returned (the converged one, or the best by score) */
  readonly u: Float64Array;
  /** length n: b − B u */
  readonly r: Float64Array;
  /** Arnoldi steps (applications of B, plus the one for Bb) */
  readonly applications: number;
  readonly stop: RangeKrylovStop;
  /** score of the returned iterate (Infinity when no check ran) */
  readonly score: number;
}

/**
 * min ‖rhs − G y‖₂ for a small dense G (m × k, given by columns of length ≤ m; missing entries
 * are zero) by Householder QR; a column whose remaining norm is ≤ truncation·(largest pivot so
 * far) is dropped (its y entry is 0). rhs (length m) is not modified. Returns y (length k) and
 * the residual norm.
 */
function smallTruncatedLs(G: readonly Float64Array[], m: number, rhs: Float64Array, truncation: number): { y: Float64Array; residual: number } {
  const k = G.length;
  const A = G.map((c) => {
    const a = new Float64Array(m);
    a.set(c.length > m ? c.subarray(0, m) : c);
    return a;
  });
  const b = rhs.slice(0, m);
  const kept: number[] = [];
  const vs: Float64Array[] = [];
  const betas: number[] = [];
  let pmax = 0;
  for (let j = 0; j < k; j++) {
    const a = A[j]!;
    // apply the reflectors made so far
    for (let q = 0; q < vs.length; q++) {
      const v = vs[q]!;
      let d = 0;
      for (let i = q; i < m; i++) d += v[i]! * a[i]!;
      d *= betas[q]!;
      for (let i = q; i < m; i++) a[i] -= d * v[i]!;
    }
    const p = vs.length;
    const nr = norm2(a, p, m);
    if (!(nr > truncation * pmax) || nr === 0) continue;
    pmax = Math.max(pmax, nr);
    const alpha = a[p]! >= 0 ? -nr : nr;
    const v = new Float64Array(m);
    for (let i = p; i < m; i++) v[i] = a[i]!;
    v[p] -= alpha;
    let vv = 0;
    for (let i = p; i < m; i++) vv += v[i]! * v[i]!;
    const beta = vv > 0 ? 2 / vv : 0;
    vs.push(v);
    betas.push(beta);
    kept.push(j);
    // R entries of the kept column: rows < p as computed, row p = alpha
    a[p] = alpha;
    for (let i = p + 1; i < m; i++) a[i] = 0;
    let d = 0;
    for (let i = p; i < m; i++) d += v[i]! * b[i]!;
    d *= beta;
    for (let i = p; i < m; i++) b[i] -= d * v[i]!;
  }
  // back substitution over the kept columns (reflectors made after a column act only on rows
  // below its pivot row, where it is zero: its R entries are final)
  const y = new Float64Array(k);
  for (let t = kept.length - 1; t >= 0; t--) {
    const j = kept[t]!;
    let s = b[t]!;
    for (let u = t + 1; u < kept.length; u++) s -= A[kept[u]!]![t]! * y[kept[u]!]!;
    y[j] = s / A[j]![t]!;
  }
  // ‖rhs − G y‖ = ‖(Qᵀ rhs) below the kept rows‖
  return { y, residual: norm2(b, kept.length, m) };
}

/**
 * Least squares restricted to the range of an operator B (n × n, given as applyB(x, y): y ← B x,
 * x not modified):
 *
 *   u_k = argmin { ‖B (b − B u)‖₂ : u ∈ span{Bb, B²b, …, Bᵏb} }.
 *
 * Arnoldi on B from v₁ = Bb / β, β = ‖Bb‖ (modified Gram–Schmidt, twice): B V_k = V_{k+1} H̄_k,
 * so B(b − B V_k y) = V_{k+2}(β e₁ − H̄_{k+1} H̄_k y) and y solves a (k+2) × k least-squares
 * problem (Householder QR, truncated: see `truncation`); r = b − B u = b − V_{k+1} H̄_k y.
 *
 * Why this form: when B is range-symmetric (null(B) = null(Bᵀ), e.g. B symmetric, or B = M⁻¹K
 * below), every iterate lies in range(B) and the limit is the minimum-norm least-squares
 * solution u = B⁺b (B u = the projection of b on range(B)). Weighting the residual by B makes the
 * projected problem blind to the component of b in null(Bᵀ), so an inconsistent b does not make
 * it ill-conditioned (as it does for GMRES on an inconsistent singular system, Brown & Walker
 * 1997; this is RRGMRES of Calvetti, Lewis & Reichel with a B-weighted residual).
 *
 * Stopping is the caller's (`check`; see RangeKrylovOptions for which iterates); without
 * convergence the iterate with the best score is returned (a new best must halve the score,
 * which favours early iterates once rounding noise dominates). b (length n) is not modified.
 */
export function rangeRestrictedKrylov(applyB: (x: Float64Array, y: Float64Array) => void, b: Float64Array, opts: RangeKrylovOptions): RangeKrylovResult {
  const n = b.length;
  const maxIter = opts.maxIter ?? 100;
  const window = opts.window ?? 20;
  const truncation = opts.truncation ?? 1e-10;
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new InputError('maxIter', 'an integer ≥ 1', String(maxIter));
  const V: Float64Array[] = [];
  const H: Float64Array[] = []; // column j has length j + 2
  let w = new Float64Array(n);
  applyB(b, w);
  let applications = 1;
  const beta = norm2(w);
  if (!Number.isFinite(beta)) throw new InputError('applyB', 'an operator returning finite values', 'NaN or Infinity in B·b');
  if (beta === 0) return { u: new Float64Array(n), r: b.slice(), applications, stop: 'zero', score: Infinity };
  for (let i = 0; i < n; i++) w[i] = w[i]! / beta;
  V.push(w);
  let hmax = 0;
  const arnoldi = (k: number): number => {
    const y = new Float64Array(n);
    applyB(V[k]!, y);
    applications++;
    const h = new Float64Array(k + 2);
    // modified Gram–Schmidt, repeated when it cancelled most of y (Daniel–Gragg–Kaufman–Stewart)
    const y0 = norm2(y);
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j <= k; j++) {
        const vj = V[j]!;
        const d = dot(y, vj);
        h[j] += d;
        for (let i = 0; i < n; i++) y[i] -= d * vj[i]!;
      }
      if (pass === 0 && norm2(y) > 0.7 * y0) break;
    }
    const hn = norm2(y);
    if (!Number.isFinite(hn) || !Number.isFinite(y0)) throw new InputError('applyB', 'an operator returning finite values', 'NaN or Infinity in B·v');
    h[k + 1] = hn;
    for (let j = 0; j <= k + 1; j++) hmax = Math.max(hmax, Math.abs(h[j]!));
    H.push(h);
    if (hn > 0) for (let i = 0; i < n; i++) y[i] = y[i]! / hn;
    V.push(y);
    return hn;
  };
  arnoldi(0);
  let best: { u: Float64Array; r: Float64Array; score: number } | null = null;
  let since = 0;
  let stop: RangeKrylovStop = 'maxIter';
  let last: { u: Float64Array; r: Float64Array; score: number } | null = null;
  // the projected problem of the first c Arnoldi vectors (needs H columns 0..c: G = H̄_{c+1} H̄_c):
  // coefficients y and ‖B(b − B u)‖ = ‖β e₁ − G y‖
  const project = (c: number): { y: Float64Array; residual: number } => {
    // G = H̄_{c+1} H̄_c ((c+2) × c): column j = Σ_i H[j][i] · (column i of H̄)
    const G: Float64Array[] = [];
    for (let j = 0; j < c; j++) {
      const g = new Float64Array(c + 2);
      const hj = H[j]!;
      for (let i = 0; i <= j + 1; i++) {
        const f = hj[i]!;
        if (f === 0) continue;
        const hi = H[i]!;
        for (let t = 0; t < hi.length; t++) g[t] += f * hi[t]!;
      }
      G.push(g);
    }
    const rhs = new Float64Array(c + 2);
    rhs[0] = beta;
    return smallTruncatedLs(G, c + 2, rhs, truncation);
  };
  // u = V_c y and r = b − V_{c+1} H̄_c y
  const iterate = (c: number, y: Float64Array): { u: Float64Array; r: Float64Array } => {
    const u = new Float64Array(n);
    for (let j = 0; j < c; j++) {
      const yj = y[j]!;
      if (yj === 0) continue;
      const vj = V[j]!;
      for (let i = 0; i < n; i++) u[i] += yj * vj[i]!;
    }
    const hy = new Float64Array(c + 1);
    for (let j = 0; j < c; j++) {
      const hc = H[j]!;
      const yj = y[j]!;
      for (let i = 0; i <= j + 1; i++) hy[i] += hc[i]! * yj;
    }
    const r = b.slice();
    for (let i = 0; i <= c; i++) {
      const f = hy[i]!;
      if (f === 0) continue;
      const vi = V[i]!;
      for (let t = 0; t < n; t++) r[t] -= f * vi[t]!;
    }
    return { u, r };
  };
  // the caller's check costs O(n·k) (forming u and r) plus its own work: it runs on the first
  // iterations, whenever the projected residual fell 4× since the last check, at least every
  // CHECK_EVERY iterations, and at the end
  const CHECK_EVERY = 4;
  let lastCheck = 0;
  let rhoChecked = Infinity;
  for (let k = 1; k <= maxIter; k++) {
    const hn = arnoldi(k);
    // breakdown: span(v_0..v_k) is invariant (B v_k has no new direction): the last column's
    // subdiagonal is dropped and the iterate uses all k + 1 vectors, exact within that space
    const broke = hn <= 1e-12 * hmax;
    if (broke) H[k]![k + 1] = 0;
    const c = broke ? k + 1 : k;
    const proj = project(c);
    const final = broke || k === maxIter;
    if (!(final || k <= 3 || proj.residual <= 0.25 * rhoChecked || k - lastCheck >= CHECK_EVERY)) continue;
    lastCheck = k;
    rhoChecked = proj.residual;
    const it = iterate(c, proj.y);
    const st = opts.check(it.u, it.r);
    last = { u: it.u, r: it.r, score: st.score };
    if (st.stop) return { u: it.u, r: it.r, applications, stop: 'converged', score: st.score };
    if (best === null || st.score < 0.5 * best.score) {
      best = last;
      since = k;
    }
    if (broke) {
      stop = 'breakdown';
      break;
    }
    if (k - since >= window) {
      stop = 'stagnated';
      break;
    }
  }
  const out = best !== null && last !== null && last.score < best.score ? last : best!;
  return { u: out.u, r: out.r, applications, stop, score: out.score };
}
