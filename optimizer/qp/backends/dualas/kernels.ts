/**
 * Dense kernels of the `dualas` backend (Goldfarb–Idnani dual active set). All matrices are
 * row-major Float64Arrays with explicit sizes; nothing here allocates inside a loop over
 * entries. The O(n³) pieces (triangular solves with many right-hand sides, the compact-WY
 * products, the QR block updates) run their bulk through the packed GEMM (linalg/gemm.ts).
 *
 *   choleskyLower          P = L Lᵀ (via DenseLdl, no pivoting), positive-definiteness check
 *   solveLowerInPlace      L X = B   for X: n × r          (blocked, GEMM updates)
 *   solveLowerTransInPlace Lᵀ X = B  for X: n × r          (blocked, GEMM updates)
 *   forwardSolve / backwardSolveT   the single-vector versions (L x = b, Lᵀ x = b)
 *   householderSkipQR      Q R of a set of vectors in order, skipping (numerically) dependent ones
 *   compactWyT             T with H₀H₁⋯H_{r−1} = I − V T Vᵀ
 *   applyQ / applyQt       x ← Q x, x ← Qᵀ x with Q = H₀H₁⋯H_{r−1} (reflectors, O(n r))
 *   orthogonalComplementColumns   Q[:, r:n] explicitly (n × (n − r)), via compact WY + GEMM
 *   givensZeroTail / givensInto   Givens coefficients (the rotations themselves run on the
 *                          column-major J of store.ts)
 */
import { ZeroPivotError } from '../../../errors.ts';
import { DenseLdl, denseGram, denseMatMul } from '../../../linalg/dense.ts';
import { TRI_ALL, gemmAcc } from '../../../linalg/gemm.ts';
import type { DenseMatrix } from '../../../linalg/types.ts';

/** Row block of the blocked triangular solves (the GEMM inner dimension). */
const TRSM_NB = 64;

const wrap = (nrows: number, ncols: number, data: Float64Array): DenseMatrix => ({ format: 'dense', nrows, ncols, data });

/** Outcome of choleskyLower: the factor, or why P is not (numerically) positive definite. */
export type CholeskyResult = { readonly ok: true; readonly l: Float64Array } | { readonly ok: false; readonly reason: string };

/**
 * P = L Lᵀ with L lower triangular (row-major n × n, strict upper part zero, positive diagonal).
 * P: n × n symmetric, only its lower triangle is read, not modified. Computed as P = L̃ D L̃ᵀ
 * (DenseLdl, blocked, no pivoting) and L = L̃ D^{1/2}. P is accepted as positive definite when
 * every pivot d_i > n·ε·max|P_ij| (DenseLdl's zero-pivot tolerance) — a negative or tiny pivot
 * gives { ok: false, reason } (a semidefinite or indefinite P), never an exception.
 */
export function choleskyLower(P: DenseMatrix): CholeskyResult {
  const n = P.nrows;
  let f: DenseLdl;
  try {
    f = DenseLdl.factor(P);
  } catch (e) {
    if (e instanceof ZeroPivotError) {
      return { ok: false, reason: `P is singular to working precision (pivot ${e.pivot.toExponential(3)} at column ${e.column})` };
    }
    throw e;
  }
  const d = f.pivots();
  for (let i = 0; i < n; i++) {
    if (!(d[i]! > 0)) return { ok: false, reason: `P is not positive definite (pivot ${d[i]!.toExponential(3)} at column ${i})` };
  }
  const l = f.lower().data;
  const sq = new Float64Array(n);
  for (let j = 0; j < n; j++) sq[j] = Math.sqrt(d[j]!);
  for (let i = 0; i < n; i++) {
    const o = i * n;
    for (let j = 0; j <= i; j++) l[o + j] *= sq[j]!;
  }
  return { ok: true, l };
}

/**
 * Solve L X = B in place. l: n × n lower triangular (row-major, diagonal nonzero), not modified;
 * x: n × r row-major, B on entry, X on exit. Blocked by TRSM_NB rows: the diagonal block is solved
 * by row operations, the rows below get X(k1:, :) −= L(k1:, k0:k1) X(k0:k1, :) through the GEMM.
 */
export function solveLowerInPlace(l: Float64Array, n: number, x: Float64Array, r: number): void {
  if (r === 0 || n === 0) return;
  for (let k0 = 0; k0 < n; k0 += TRSM_NB) {
    const k1 = Math.min(k0 + TRSM_NB, n);
    for (let i = k0; i < k1; i++) {
      const oi = i * r;
      const li = i * n;
      for (let j = k0; j < i; j++) {
        const a = l[li + j]!;
        if (a === 0) continue;
        const oj = j * r;
        for (let c = 0; c < r; c++) x[oi + c] -= a * x[oj + c]!;
      }
      const inv = 1 / l[li + i]!;
      for (let c = 0; c < r; c++) x[oi + c] *= inv;
    }
    if (k1 >= n) break;
    gemmAcc(n - k1, r, k1 - k0, -1, l, k1 * n + k0, n, 1, x, k0 * r, r, 1, x, k1 * r, r, TRI_ALL);
  }
}

/**
 * Solve Lᵀ X = B in place (l as in solveLowerInPlace; x: n × r row-major). Blocks from the
 * bottom: the diagonal block by row operations, then X(0:k0, :) −= L(k0:k1, 0:k0)ᵀ X(k0:k1, :).
 */
export function solveLowerTransInPlace(l: Float64Array, n: number, x: Float64Array, r: number): void {
  if (r === 0 || n === 0) return;
  for (let k1 = n; k1 > 0; ) {
    const k0 = Math.max(0, k1 - TRSM_NB);
    for (let i = k1 - 1; i >= k0; i--) {
      const oi = i * r;
      const li = i * n;
      const inv = 1 / l[li + i]!;
      for (let c = 0; c < r; c++) x[oi + c] *= inv;
      for (let j = k0; j < i; j++) {
        const a = l[li + j]!;
        if (a === 0) continue;
        const oj = j * r;
        for (let c = 0; c < r; c++) x[oj + c] -= a * x[oi + c]!;
      }
    }
    if (k0 > 0) gemmAcc(k0, r, k1 - k0, -1, l, k0 * n, 1, n, x, k0 * r, r, 1, x, 0, r, TRI_ALL);
    k1 = k0;
  }
}

/** L x = b in place (x: length n, b on entry). Rows of L are read contiguously. */
export function forwardSolve(l: Float64Array, n: number, x: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const o = i * n;
    x[i] = (x[i]! - dotFrom(l, o, x, 0, 0, i)) / l[o + i]!;
  }
}

/** Lᵀ x = b in place (x: length n). Column-oriented: once x_i is known, x(0:i) −= L(i, 0:i) x_i. */
export function backwardSolveT(l: Float64Array, n: number, x: Float64Array): void {
  for (let i = n - 1; i >= 0; i--) {
    const o = i * n;
    const xi = x[i]! / l[o + i]!;
    x[i] = xi;
    if (xi !== 0) for (let j = 0; j < i; j++) x[j] -= l[o + j]! * xi;
  }
}

/** Result of householderSkipQR: reflectors H_k = I − τ_k v_k v_kᵀ (k < rank) and R. */
export interface SkipQR {
  /** number of accepted (independent) vectors = number of reflectors */
  readonly rank: number;
  /** rank × n row-major: row k is v_k, with v_k[0..k) = 0 and v_k[k] = 1 */
  readonly vt: Float64Array;
  /** length rank */
  readonly tau: Float64Array;
  /** rank × rank upper triangular, COLUMN-major (R[col·rank + row]) */
  readonly r: Float64Array;
  /** length rank: index (row of the input) of the k-th accepted vector */
  readonly taken: Int32Array;
  /** length count: true for the input rows skipped as dependent */
  readonly skipped: Uint8Array;
}

/** Candidate vectors per panel of the blocked QR. */
const QR_NB = 48;

/**
 * Householder QR of the vectors w_0, …, w_{count−1} (the ROWS of wt, count × n, row-major;
 * OVERWRITTEN) taken in order: [w_j for accepted j] = Q [R; 0], Q = H₀H₁⋯H_{rank−1}.
 * A vector whose component outside the span of the accepted ones has norm ≤ depTol·norms[j]
 * (norms[j]: a scale of w_j, typically ‖w_j‖₂ before any transformation) is skipped as
 * linearly dependent; so is every vector once rank = n. R's diagonal may be negative
 * (β = −sign(x_k)‖x(k:n)‖).
 *
 * Blocked: the candidates are taken in panels of QR_NB rows; inside a panel each accepted
 * reflector is applied to the later rows of the panel (row operations), then the panel's
 * reflectors, as one block I − V T Vᵀ, update all later rows by three GEMMs:
 * X ← X − ((X V) T) Vᵀ (on the columns ≥ the panel's first reflector index).
 */
export function householderSkipQR(wt: Float64Array, count: number, n: number, norms: Float64Array, depTol: number): SkipQR {
  const cap = Math.min(count, n);
  const vt = new Float64Array(cap * n);
  const tau = new Float64Array(cap);
  const rcol = new Float64Array(cap * cap);
  const taken = new Int32Array(cap);
  const skipped = new Uint8Array(count);
  let rk = 0;
  for (let j0 = 0; j0 < count; j0 += QR_NB) {
    const j1 = Math.min(j0 + QR_NB, count);
    const rk0 = rk;
    for (let j = j0; j < j1; j++) {
      const o = j * n;
      if (rk >= n) {
        skipped[j] = 1;
        continue;
      }
      let ss = 0;
      for (let i = rk; i < n; i++) ss += wt[o + i]! * wt[o + i]!;
      const nrm = Math.sqrt(ss);
      if (!(nrm > depTol * norms[j]!) || nrm === 0) {
        skipped[j] = 1;
        continue;
      }
      const alpha = wt[o + rk]!;
      const beta = alpha >= 0 ? -nrm : nrm;
      const scale = 1 / (alpha - beta);
      const vo = rk * n;
      vt[vo + rk] = 1;
      for (let i = rk + 1; i < n; i++) vt[vo + i] = wt[o + i]! * scale;
      const t = (beta - alpha) / beta;
      tau[rk] = t;
      for (let i = 0; i < rk; i++) rcol[rk * cap + i] = wt[o + i]!;
      rcol[rk * cap + rk] = beta;
      taken[rk] = j;
      for (let jj = j + 1; jj < j1; jj++) {
        const oo = jj * n;
        let s = dotFrom(vt, vo, wt, oo, rk, n);
        if (s === 0) continue;
        s *= t;
        for (let i = rk; i < n; i++) wt[oo + i] -= s * vt[vo + i]!;
      }
      rk++;
    }
    const kb = rk - rk0;
    const rest = count - j1;
    if (kb === 0 || rest === 0) continue;
    // block update of rows j1..count on columns rk0..n: X −= ((X Vᵀ) T) V, V = vt(rk0:rk, rk0:n)
    const wc = n - rk0;
    const vo = rk0 * n + rk0;
    const tb = blockT(vt, vo, n, kb, wc, tau, rk0);
    const xv = new Float64Array(rest * kb);
    gemmAcc(rest, kb, wc, 1, wt, j1 * n + rk0, n, 1, vt, vo, 1, n, xv, 0, kb, TRI_ALL);
    const xvt = denseMatMul(wrap(rest, kb, xv), wrap(kb, kb, tb)).data; // rest × kb
    gemmAcc(rest, wc, kb, -1, xvt, 0, kb, 1, vt, vo, n, 1, wt, j1 * n + rk0, n, TRI_ALL);
  }
  const r = new Float64Array(rk * rk);
  for (let c = 0; c < rk; c++) for (let i = 0; i <= c; i++) r[c * rk + i] = rcol[c * cap + i]!;
  return { rank: rk, vt: vt.slice(0, rk * n), tau: tau.slice(0, rk), r, taken: taken.slice(0, rk), skipped };
}

/**
 * T (kb × kb, row-major upper triangular) of H_a⋯H_{a+kb−1} = I − V T Vᵀ for the reflectors
 * stored as kb rows of length wc of vt (from offset vo, row stride ld) with factors tau[a..a+kb).
 */
function blockT(vt: Float64Array, vo: number, ld: number, kb: number, wc: number, tau: Float64Array, a: number): Float64Array {
  const G = new Float64Array(kb * kb);
  gemmAcc(kb, kb, wc, 1, vt, vo, ld, 1, vt, vo, 1, ld, G, 0, kb, TRI_ALL);
  return tFromGram(G, kb, tau, a);
}

/** T recurrence T_kk = τ_k, T(0:k, k) = −τ_k T(0:k, 0:k) G(0:k, k), G symmetric (row k read). */
function tFromGram(G: Float64Array, r: number, tau: Float64Array, a: number): Float64Array {
  const T = new Float64Array(r * r);
  const tmp = new Float64Array(r);
  for (let k = 0; k < r; k++) {
    const tk = tau[a + k]!;
    const gk = k * r;
    tmp.fill(0, 0, k);
    // tmp = T(0:k,0:k) G(0:k,k): accumulate row-wise, T rows contiguous
    for (let i = 0; i < k; i++) {
      const ti = i * r;
      let s = 0;
      for (let j = i; j < k; j++) s += T[ti + j]! * G[gk + j]!;
      tmp[i] = s;
    }
    for (let i = 0; i < k; i++) T[i * r + k] = -tk * tmp[i]!;
    T[k * r + k] = tk;
  }
  return T;
}

/** Σ_{i=from}^{to−1} a[ao+i]·b[bo+i] with four accumulators. */
export function dotFrom(a: Float64Array, ao: number, b: Float64Array, bo: number, from: number, to: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = from;
  for (; i + 3 < to; i += 4) {
    s0 += a[ao + i]! * b[bo + i]!;
    s1 += a[ao + i + 1]! * b[bo + i + 1]!;
    s2 += a[ao + i + 2]! * b[bo + i + 2]!;
    s3 += a[ao + i + 3]! * b[bo + i + 3]!;
  }
  for (; i < to; i++) s0 += a[ao + i]! * b[bo + i]!;
  return s0 + s1 + (s2 + s3);
}

/**
 * The upper-triangular T (rank × rank, row-major) of the compact WY form
 * H₀H₁⋯H_{r−1} = I − V T Vᵀ (V = vtᵀ, n × r). Recurrence (Schreiber–Van Loan):
 * T_kk = τ_k, T(0:k, k) = −τ_k T(0:k, 0:k) Vᵀ(:, 0:k) v_k, with the Gram matrix VᵀV from the GEMM.
 */
export function compactWyT(qr: SkipQR, n: number): Float64Array {
  const r = qr.rank;
  if (r === 0) return new Float64Array(0);
  // G = V V ᵀ over the rows of vt: Gram of the n × r matrix vtᵀ (upper blocks only, mirrored)
  const v = new Float64Array(n * r);
  for (let k = 0; k < r; k++) for (let i = k; i < n; i++) v[i * r + k] = qr.vt[k * n + i]!;
  const G = denseGram(wrap(n, r, v)).data;
  return tFromGram(G, r, qr.tau, 0);
}

/** x ← Q x with Q = H₀H₁⋯H_{r−1} (x: length n; H_{r−1} is applied first). */
export function applyQ(qr: SkipQR, n: number, x: Float64Array): void {
  const { vt, tau } = qr;
  for (let k = qr.rank - 1; k >= 0; k--) applyReflector(vt, k, n, tau[k]!, x);
}

/** x ← Qᵀ x = H_{r−1}⋯H₀ x (H₀ first). */
export function applyQt(qr: SkipQR, n: number, x: Float64Array): void {
  const { vt, tau } = qr;
  for (let k = 0; k < qr.rank; k++) applyReflector(vt, k, n, tau[k]!, x);
}

function applyReflector(vt: Float64Array, k: number, n: number, t: number, x: Float64Array): void {
  const o = k * n;
  let s = 0;
  for (let i = k; i < n; i++) s += vt[o + i]! * x[i]!;
  s *= t;
  if (s !== 0) for (let i = k; i < n; i++) x[i] -= s * vt[o + i]!;
}

/**
 * Q(:, r:n) explicitly, n × (n − r) row-major, for Q = H₀⋯H_{r−1} = I − V T Vᵀ:
 * Q(:, r:n) = E − V (T V(r:n, :)ᵀ) with E = I(:, r:n). Two GEMMs, 2r²(n−r) + 2nr(n−r) flops.
 */
export function orthogonalComplementColumns(qr: SkipQR, T: Float64Array, n: number): Float64Array {
  const r = qr.rank;
  const w = n - r;
  if (r === 0) {
    const e = new Float64Array(n * n);
    for (let i = 0; i < n; i++) e[i * n + i] = 1;
    return e;
  }
  const vr = new Float64Array(r * w); // Vt(:, r:n)
  for (let k = 0; k < r; k++) vr.set(qr.vt.subarray(k * n + r, k * n + n), k * w);
  const M = denseMatMul(wrap(r, r, T), wrap(r, w, vr)).data; // r × w
  const out = denseMatMul(wrap(r, n, qr.vt), wrap(r, w, M), { transA: true }).data; // n × w
  for (let t = 0; t < out.length; t++) out[t] = -out[t]!;
  for (let c = 0; c < w; c++) out[(r + c) * w + c] += 1;
  return out;
}

/**
 * Givens coefficients that zero d[lo+1 .. hi] into d[lo], bottom up: for j = hi−1 down to lo the
 * rotation G_j = [c s; −s c] on (d_j, d_{j+1}) with c = d_j/h, s = d_{j+1}/h, h = ‖(d_j, d_{j+1})‖
 * leaves (h, 0). d is modified (d[lo] = ‖d[lo..hi]‖ unless d[lo+1..hi] was already zero, the
 * rest 0); c, s: written at j (c = 1, s = 0 where d_{j+1} = 0).
 */
export function givensZeroTail(d: Float64Array, lo: number, hi: number, c: Float64Array, s: Float64Array): void {
  for (let j = hi - 1; j >= lo; j--) {
    const y = d[j + 1]!;
    if (y === 0) {
      c[j] = 1;
      s[j] = 0;
      continue;
    }
    d[j] = givensInto(d[j]!, y, c, s, j);
    d[j + 1] = 0;
  }
}

/**
 * The rotation [c s; −s c] mapping (x, y) to (h, 0): writes c[j] = x/h, s[j] = y/h and returns
 * h = ‖(x, y)‖ (c = 1, s = 0, h = 0 for x = y = 0). Computed on (x, y)/(|x| + |y|), so c and s
 * are orthonormal to round-off even for subnormal or huge inputs (a plain x/hypot(x, y) is not:
 * at the bottom of the subnormal range hypot itself is not representable).
 */
export function givensInto(x: number, y: number, c: Float64Array, s: Float64Array, j: number): number {
  const scale = Math.abs(x) + Math.abs(y);
  if (scale === 0) {
    c[j] = 1;
    s[j] = 0;
    return 0;
  }
  const xs = x / scale;
  const ys = y / scale;
  const r = Math.sqrt(xs * xs + ys * ys);
  c[j] = xs / r;
  s[j] = ys / r;
  return scale * r;
}
