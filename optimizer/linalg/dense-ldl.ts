/**
 * Dense LDLᵀ without pivoting (DenseLdl) for symmetric quasi-definite matrices (KKT systems)
 * and positive definite ones, with the same signed static/dynamic regularization as the sparse
 * SparseLdl. The factorization copies its input and keeps O(n²) storage; the O(n³) work runs in
 * the packed GEMM kernel (gemm.ts).
 */
import { ZeroPivotError } from '../errors.ts';
import { checkFinite, checkLength, checkRegularization, checkSquare } from './check.ts';
import { solveUnitLower, symLowerMatVec } from './dense-ops.ts';
import { TRI_LOWER, gemmAcc } from './gemm.ts';
import type { DenseMatrix } from './types.ts';
import { normInf } from './vec.ts';

export interface DenseLdlOptions {
  /**
   * Expected pivot sign (+1 / −1) of every row, length n; e.g. +1 for the primal block of a
   * KKT matrix and −1 for the constraint block. Required for staticReg > 0.
   */
  signs?: ArrayLike<number> | null;
  /** δ ≥ 0 added as signs[i]·δ to every diagonal entry before factoring (needs signs; default 0) */
  staticReg?: number;
  /**
   * a pivot d with signs[i]·d < eps is replaced by signs[i]·delta (default: off); without signs,
   * a pivot with |d| < eps becomes sign(d)·delta (+delta for d = 0) — as in SparseLdl
   */
  dynamicReg?: { eps: number; delta: number } | null;
  /**
   * Max iterative-refinement steps in `solve`, against the UNregularized matrix.
   * Default: 3 when regularized (staticReg > 0 or dynamicReg set), else 0.
   */
  refineSteps?: number;
  /**
   * Without dynamic regularization, a pivot with |d| ≤ zeroPivotTol throws ZeroPivotError.
   * Default n·ε·max|K_ij| (a pivot at round-off level of the matrix scale).
   */
  zeroPivotTol?: number;
}

/**
 * K = L D Lᵀ of a symmetric n × n matrix without pivoting (K quasi-definite, e.g. a
 * regularized KKT matrix, or positive definite). Only the LOWER triangle of K (i ≥ j) is read.
 *
 * Algorithm: blocked right-looking elimination (see ldlRows): a 48-column panel is factored
 * row by row (Crout: u_j = L_ij d_j solves a unit-triangular system, d_i = K_ii − Σ_j u_j L_ij),
 * then the trailing lower triangle gets the rank-48 update −W Lᵀ through a packed GEMM kernel.
 *
 * Regularization (same semantics as SparseLdl): the factored matrix is
 *   K + δ·diag(signs)  (static), and any pivot with signs[i]·d_i < eps becomes signs[i]·delta
 *   (dynamic; counted in `regularizedPivots`; without signs |d_i| < eps → sign(d_i)·delta).
 *   `solve` then refines against the unregularized K.
 *
 * Errors: ZeroPivotError(i, d) when |d_i| ≤ zeroPivotTol and no dynamic regularization (NOTE:
 * the default tolerance n·ε·max|K| is stricter than SparseLdl's exact-zero test, so a matrix
 * that is singular to working precision is reported instead of producing a huge solution; pass
 * zeroPivotTol: 0 for the exact-zero rule); InputError for a non-finite entry or staticReg
 * without signs; DimensionError for a non-square matrix or a wrong signs length.
 */
export class DenseLdl {
  readonly n: number;
  /** number of pivots d_i > 0 / < 0 (after regularization): the inertia of the factored matrix */
  readonly positivePivots: number;
  readonly negativePivots: number;
  /** pivots replaced by dynamic regularization */
  readonly regularizedPivots: number;
  /** row-major n × n: strict lower triangle = L (unit diagonal implied), diagonal = D */
  private readonly f: Float64Array;
  /** lower triangle of the unregularized K for refinement, or null when refinement is off */
  private readonly k0: Float64Array | null;
  private readonly refineSteps: number;
  private readonly kNormInf: number;

  private constructor(n: number, f: Float64Array, k0: Float64Array | null, refineSteps: number, counts: [number, number, number], kNormInf: number) {
    this.n = n;
    this.f = f;
    this.k0 = k0;
    this.refineSteps = refineSteps;
    this.positivePivots = counts[0];
    this.negativePivots = counts[1];
    this.regularizedPivots = counts[2];
    this.kNormInf = kNormInf;
  }

  /** Factor K (n × n, lower triangle read, not modified). See the class comment. */
  static factor(K: DenseMatrix, opts: DenseLdlOptions = {}): DenseLdl {
    const n = checkSquare('K', K);
    checkFinite('K', K.data, n, true);
    const reg = checkRegularization(n, opts);
    const haveSigns = reg.signs !== null;
    const signs = new Float64Array(n).fill(1);
    if (reg.signs !== null) for (let i = 0; i < n; i++) signs[i] = reg.signs[i]!;
    const staticReg = reg.staticReg;
    const dyn = reg.dynamicReg;
    const regularized = staticReg > 0 || dyn !== null;
    const refineSteps = reg.refineSteps ?? (regularized ? 3 : 0);

    // copy the lower triangle (the upper part of f stays zero)
    const src = K.data;
    const f = new Float64Array(n * n);
    let maxAbs = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        const v = src[i * n + j]!;
        f[i * n + j] = v;
        if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
      }
    const k0 = refineSteps > 0 ? f.slice() : null;
    let kNormInf = 0;
    if (k0) {
      const rs = new Float64Array(n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j <= i; j++) {
          const a = Math.abs(k0[i * n + j]!);
          rs[i] += a;
          if (j !== i) rs[j] += a;
        }
      kNormInf = normInf(rs);
    }
    if (staticReg > 0) for (let i = 0; i < n; i++) f[i * n + i] += signs[i]! * staticReg;
    const zeroTol = opts.zeroPivotTol ?? n * Number.EPSILON * maxAbs;

    const counts: [number, number, number] = [0, 0, 0];
    const pivot = (i: number, d: number): number => {
      if (!Number.isFinite(d)) throw new ZeroPivotError(i, d);
      if (dyn) {
        // expected sign, or (without signs) the sign the pivot already has
        const s = haveSigns ? signs[i]! : d < 0 ? -1 : 1;
        if (s * d < dyn.eps || d === 0) {
          d = s * dyn.delta;
          counts[2]++;
        }
      } else if (Math.abs(d) <= zeroTol) throw new ZeroPivotError(i, d);
      if (d > 0) counts[0]++;
      else counts[1]++;
      return d;
    };
    ldlRows(f, n, pivot);
    return new DenseLdl(n, f, k0, refineSteps, counts, kNormInf);
  }

  /** The pivots D (length n, a copy). */
  pivots(): Float64Array {
    const d = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) d[i] = this.f[i * this.n + i]!;
    return d;
  }

  /** The unit lower-triangular L as a DenseMatrix (a copy). */
  lower(): DenseMatrix {
    const n = this.n;
    const l = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) l[i * n + j] = this.f[i * n + j]!;
      l[i * n + i] = 1;
    }
    return { format: 'dense', nrows: n, ncols: n, data: l };
  }

  /** x = (L D Lᵀ)⁻¹ b with the factors only (no refinement). b, x: length n; x may alias b. */
  private solveFactored(b: Float64Array, x: Float64Array): void {
    const { n, f } = this;
    if (x !== b) x.set(b);
    // L y = b (row-oriented: dot with the finished part of x)
    solveUnitLower(f, n, x);
    for (let i = 0; i < n; i++) x[i] /= f[i * n + i]!;
    // Lᵀ x = z (column-oriented over rows of L: x_j −= L_ij x_i)
    for (let i = n - 1; i > 0; i--) {
      const off = i * n;
      const xi = x[i]!;
      if (xi === 0) continue;
      for (let j = 0; j < i; j++) x[j] -= f[off + j]! * xi;
    }
  }

  /**
   * x = K⁻¹ rhs. rhs: length n, not modified. out: length n, overwritten and returned
   * (allocated if omitted; may be rhs itself). With refinement enabled, up to refineSteps
   * corrections x += (LDLᵀ)⁻¹ (rhs − K x) against the UNregularized K, stopping when the
   * residual is at round-off level or stops decreasing (the best iterate is kept).
   */
  solve(rhs: Float64Array, out?: Float64Array): Float64Array {
    const n = this.n;
    checkLength('rhs', rhs, n, 'rows of K');
    if (out !== undefined) checkLength('out', out, n, 'rows of K');
    const x = out ?? new Float64Array(n);
    if (!this.k0 || this.refineSteps === 0) {
      this.solveFactored(rhs, x);
      return x;
    }
    const b = x === rhs ? rhs.slice() : rhs;
    this.solveFactored(b, x);
    const r = new Float64Array(n);
    const kx = new Float64Array(n);
    const best = x.slice();
    const bNorm = normInf(b);
    const residual = (): number => {
      symLowerMatVec(this.k0!, n, x, kx);
      for (let i = 0; i < n; i++) r[i] = b[i]! - kx[i]!;
      return normInf(r);
    };
    let bestRes = residual();
    for (let step = 0; step < this.refineSteps; step++) {
      if (bestRes <= Number.EPSILON * (this.kNormInf * normInf(x) + bNorm)) break;
      this.solveFactored(r, r);
      for (let i = 0; i < n; i++) x[i] += r[i]!;
      const res = residual();
      if (res < bestRes) {
        bestRes = res;
        best.set(x);
      } else break;
    }
    x.set(best);
    return x;
  }
}

const LDL_NB = 48;

/**
 * In-place LDLᵀ of the lower triangle of f (row-major n × n). On return the strict lower
 * triangle holds L and the diagonal holds D (entries above the diagonal are scratch).
 * `pivot(i, d)` inspects/regularizes each pivot, in order i = 0, 1, …, and returns the value used.
 *
 * Blocked right-looking algorithm, NB = 48 columns per step:
 *   1. rows k0..n−1 of the panel (columns k0..k1−1), row by row (Crout inside the panel):
 *      u_ij = f_ij − Σ_{k0≤p<j} u_ip L_jp,  d_i = f_ii − Σ_p u_ip L_ip (diagonal block rows),
 *      L_ij = u_ij / d_j; the u's (= L·D) of the rows below the block are kept in W.
 *   2. trailing update of the lower triangle: f(k1:, k1:) −= W Lᵀ, a packed GEMM whose tiles
 *      lying entirely above the diagonal are skipped.
 * Every loaded value serves many multiply-adds, so large n runs at GEMM speed.
 */
function ldlRows(f: Float64Array, n: number, pivot: (i: number, d: number) => number): void {
  const dinv = new Float64Array(n);
  const w = new Float64Array(n * LDL_NB); // u = L·D of the panel rows below the diagonal block
  for (let k0 = 0; k0 < n; k0 += LDL_NB) {
    const k1 = Math.min(k0 + LDL_NB, n);
    const kw = k1 - k0;
    // --- 1a. diagonal block: Crout row by row; row i keeps u until its pivot is known
    for (let i = k0; i < k1; i++) {
      const oi = i * n;
      for (let j = k0; j < i; j++) {
        const oj = j * n;
        let s = 0;
        for (let p = k0; p < j; p++) s += f[oi + p]! * f[oj + p]!;
        f[oi + j] -= s;
      }
      let s = 0;
      for (let j = k0; j < i; j++) {
        const u = f[oi + j]!;
        s += u * u * dinv[j]!;
      }
      const d = pivot(i, f[oi + i]! - s);
      f[oi + i] = d;
      dinv[i] = 1 / d;
      for (let j = k0; j < i; j++) f[oi + j] *= dinv[j]!;
    }
    if (k1 >= n) break;
    // --- 1b. panel rows below: u_ij = f_ij − Σ_{k0≤p<j} u_ip L_jp; keep u in w, store L in f
    for (let i = k1; i < n; i++) {
      const oi = i * n;
      const ow = (i - k1) * kw;
      for (let j = k0; j < k1; j++) {
        const oj = j * n;
        let s = 0;
        for (let p = k0; p < j; p++) s += w[ow + p - k0]! * f[oj + p]!;
        w[ow + j - k0] = f[oi + j]! - s;
      }
      for (let j = k0; j < k1; j++) f[oi + j] = w[ow + j - k0]! * dinv[j]!;
    }
    // --- 2. f(k1:, k1:) −= W L(k1:, k0:k1)ᵀ on and below the diagonal
    gemmAcc(n - k1, n - k1, kw, -1, w, 0, kw, 1, f, k1 * n + k0, 1, n, f, k1 * n + k1, n, TRI_LOWER);
  }
}
