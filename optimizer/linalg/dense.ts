/**
 * Dense linear algebra on row-major DenseMatrix (data[i*ncols + j] = M_ij).
 *
 *   DenseLdl   K = L D Lᵀ without pivoting, for symmetric quasi-definite matrices (KKT systems),
 *              with the same signed static/dynamic regularization as the sparse SparseLdl
 *   DenseLu    P A = L U with partial (row) pivoting, `singular` flag, 1-norm rcond estimate
 *   kernels    denseMatMul (op(A)·op(B)), denseGram (AᵀA), denseTranspose, denseIdentity,
 *              denseIsSymmetric, denseSymmetricMatVec
 *
 * Factorizations copy their input (the argument is never modified) and keep O(n²) storage.
 * The O(n³) work of every routine runs in one packed GEMM kernel (4 × 4 register tiles over
 * cache-sized panels), so a 1000 × 1000 factorization takes a fraction of a second in V8.
 */
import { DimensionError, InputError, ZeroPivotError } from '../errors.ts';
import type { DenseMatrix } from './types.ts';

const EPS = 2.220446049250313e-16;

function checkLength(name: string, v: ArrayLike<number>, expected: number, what: string): void {
  if (v.length !== expected) throw new DimensionError(name, `length ${expected} (${what})`, `length ${v.length}`);
}

function checkSquare(name: string, M: DenseMatrix): number {
  if (M.format !== 'dense') throw new InputError(name, 'a DenseMatrix', String((M as { format?: unknown }).format));
  if (M.nrows !== M.ncols) throw new DimensionError(name, 'a square matrix', `${M.nrows} × ${M.ncols}`);
  checkLength(`${name}.data`, M.data, M.nrows * M.ncols, 'nrows·ncols');
  return M.nrows;
}

/** Throws InputError at the first NaN/±Infinity in the first `len` entries of data (row-major). */
function checkFinite(name: string, data: Float64Array, ncols: number, lowerOnly: boolean): void {
  const n = ncols === 0 ? 0 : data.length / ncols;
  for (let i = 0; i < n; i++) {
    const end = lowerOnly ? i + 1 : ncols;
    for (let j = 0; j < end; j++) {
      const v = data[i * ncols + j]!;
      if (!Number.isFinite(v)) throw new InputError(`${name}[${i}, ${j}]`, 'a finite number', String(v));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Small kernels
// ---------------------------------------------------------------------------------------------

/** The n × n identity times `scale`. */
export function denseIdentity(n: number, scale = 1): DenseMatrix {
  if (!Number.isInteger(n) || n < 0) throw new InputError('n', 'a non-negative integer', String(n));
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = scale;
  return { format: 'dense', nrows: n, ncols: n, data };
}

/** Aᵀ (ncols × nrows), a new matrix. Tiled 32 × 32 so both sides stay in cache. */
export function denseTranspose(A: DenseMatrix): DenseMatrix {
  const { nrows, ncols, data } = A;
  const out = new Float64Array(nrows * ncols);
  const T = 32;
  for (let i0 = 0; i0 < nrows; i0 += T) {
    const i1 = Math.min(i0 + T, nrows);
    for (let j0 = 0; j0 < ncols; j0 += T) {
      const j1 = Math.min(j0 + T, ncols);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) out[j * nrows + i] = data[i * ncols + j]!;
    }
  }
  return { format: 'dense', nrows: ncols, ncols: nrows, data: out };
}

export interface MatMulOptions {
  /** use Aᵀ instead of A */
  transA?: boolean;
  /** use Bᵀ instead of B */
  transB?: boolean;
}

/**
 * C = op(A) op(B), op(X) = X or Xᵀ per `opts`. op(A): m × k, op(B): k × n (DimensionError
 * otherwise), C: m × n (a new matrix). Inputs are not modified.
 *
 * GEMM structure (Goto-style, written for V8): op(B) is packed in KC × NC panels stored
 * column-contiguous, op(A) in MC × KC panels stored row-contiguous, and a 4 × 4 micro-kernel
 * keeps 16 accumulators in registers while streaming both panels (4 loads per 16 multiply-adds).
 */
export function denseMatMul(A: DenseMatrix, B: DenseMatrix, opts: MatMulOptions = {}): DenseMatrix {
  const ta = opts.transA ?? false;
  const tb = opts.transB ?? false;
  const m = ta ? A.ncols : A.nrows;
  const k = ta ? A.nrows : A.ncols;
  const kb = tb ? B.ncols : B.nrows;
  const n = tb ? B.nrows : B.ncols;
  if (k !== kb)
    throw new DimensionError(tb ? 'Bᵀ' : 'B', `${k} rows (= columns of ${ta ? 'Aᵀ' : 'A'})`, `${kb} rows`);
  return { format: 'dense', nrows: m, ncols: n, data: gemm(A.data, A.ncols, ta, B.data, B.ncols, tb, m, n, k, false) };
}

/**
 * G = AᵀA (n × n, symmetric) for A: m × n. Only blocks on or above the diagonal are computed
 * (about half the work of denseMatMul(A, A, { transA: true })), then mirrored, so G is exactly
 * symmetric.
 */
export function denseGram(A: DenseMatrix): DenseMatrix {
  const n = A.ncols;
  const g = gemm(A.data, A.ncols, true, A.data, A.ncols, false, n, n, A.nrows, true);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g[i * n + j] = g[j * n + i]!;
  return { format: 'dense', nrows: n, ncols: n, data: g };
}

const GEMM_KC = 256;
const GEMM_NC = 128;
const GEMM_MC = 64;

/**
 * C (m × n, row-major, new) = op(A) op(B); a: row-major with lda columns (op(A)_ip =
 * a[i*lda + p], or a[p*lda + i] when ta), likewise b with ldb. upperOnly: skip 4 × 4 blocks that
 * lie entirely below the diagonal (for symmetric results; those entries are left 0).
 */
function gemm(
  a: Float64Array,
  lda: number,
  ta: boolean,
  b: Float64Array,
  ldb: number,
  tb: boolean,
  m: number,
  n: number,
  k: number,
  upperOnly: boolean,
): Float64Array {
  const c = new Float64Array(m * n);
  if (m === 0 || n === 0 || k === 0) return c;
  const bp = new Float64Array(GEMM_NC * GEMM_KC);
  const ap = new Float64Array(GEMM_MC * GEMM_KC);
  for (let jc = 0; jc < n; jc += GEMM_NC) {
    const nb = Math.min(GEMM_NC, n - jc);
    for (let pc = 0; pc < k; pc += GEMM_KC) {
      const kb = Math.min(GEMM_KC, k - pc);
      // pack op(B)[pc:pc+kb, jc:jc+nb] as bp[jj*kb + p]
      if (tb) {
        for (let jj = 0; jj < nb; jj++) {
          const src = (jc + jj) * ldb + pc;
          const dst = jj * kb;
          for (let p = 0; p < kb; p++) bp[dst + p] = b[src + p]!;
        }
      } else {
        for (let p = 0; p < kb; p++) {
          const src = (pc + p) * ldb + jc;
          for (let jj = 0; jj < nb; jj++) bp[jj * kb + p] = b[src + jj]!;
        }
      }
      for (let ic = 0; ic < m; ic += GEMM_MC) {
        const mb = Math.min(GEMM_MC, m - ic);
        if (upperOnly && ic > jc + nb - 1) continue;
        // pack op(A)[ic:ic+mb, pc:pc+kb] as ap[ii*kb + p]
        if (ta) {
          for (let p = 0; p < kb; p++) {
            const src = (pc + p) * lda + ic;
            for (let ii = 0; ii < mb; ii++) ap[ii * kb + p] = a[src + ii]!;
          }
        } else {
          for (let ii = 0; ii < mb; ii++) {
            const src = (ic + ii) * lda + pc;
            const dst = ii * kb;
            for (let p = 0; p < kb; p++) ap[dst + p] = a[src + p]!;
          }
        }
        gemmBlock(ap, bp, c, n, ic, jc, mb, nb, kb, upperOnly ? TRI_UPPER : TRI_ALL);
      }
    }
  }
  return c;
}

const TRI_ALL = 0;
const TRI_UPPER = 1;
const TRI_LOWER = 2;

/**
 * c[ic+ii, jc+jj] += Σ_p ap[ii*kb+p] · bp[jj*kb+p] for ii < mb, jj < nb (4 × 4 register tiles);
 * c row-major with row stride n. tri = TRI_UPPER / TRI_LOWER skips the 4 × 4 tiles lying entirely
 * below / above the diagonal row = column (remainder rows/columns are always computed).
 */
function gemmBlock(
  ap: Float64Array,
  bp: Float64Array,
  c: Float64Array,
  n: number,
  ic: number,
  jc: number,
  mb: number,
  nb: number,
  kb: number,
  tri: number,
): void {
  let ii = 0;
  for (; ii + 3 < mb; ii += 4) {
    const a0 = ii * kb;
    const a1 = a0 + kb;
    const a2 = a1 + kb;
    const a3 = a2 + kb;
    let jj = 0;
    for (; jj + 3 < nb; jj += 4) {
      if (tri === TRI_UPPER && jc + jj + 3 < ic + ii) continue;
      if (tri === TRI_LOWER && jc + jj > ic + ii + 3) continue;
      const b0 = jj * kb;
      const b1 = b0 + kb;
      const b2 = b1 + kb;
      const b3 = b2 + kb;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0; // prettier-ignore
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0; // prettier-ignore
      for (let p = 0; p < kb; p++) {
        const x0 = ap[a0 + p]!;
        const x1 = ap[a1 + p]!;
        const x2 = ap[a2 + p]!;
        const x3 = ap[a3 + p]!;
        const y0 = bp[b0 + p]!;
        const y1 = bp[b1 + p]!;
        const y2 = bp[b2 + p]!;
        const y3 = bp[b3 + p]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3; // prettier-ignore
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3; // prettier-ignore
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3; // prettier-ignore
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3; // prettier-ignore
      }
      const o0 = (ic + ii) * n + jc + jj;
      const o1 = o0 + n;
      const o2 = o1 + n;
      const o3 = o2 + n;
      c[o0] += c00; c[o0 + 1] += c01; c[o0 + 2] += c02; c[o0 + 3] += c03; // prettier-ignore
      c[o1] += c10; c[o1 + 1] += c11; c[o1 + 2] += c12; c[o1 + 3] += c13; // prettier-ignore
      c[o2] += c20; c[o2 + 1] += c21; c[o2 + 2] += c22; c[o2 + 3] += c23; // prettier-ignore
      c[o3] += c30; c[o3 + 1] += c31; c[o3 + 2] += c32; c[o3 + 3] += c33; // prettier-ignore
    }
    for (; jj < nb; jj++) {
      const b0 = jj * kb;
      for (let r = 0; r < 4; r++) {
        const ar = a0 + r * kb;
        let s = 0;
        for (let p = 0; p < kb; p++) s += ap[ar + p]! * bp[b0 + p]!;
        c[(ic + ii + r) * n + jc + jj] += s;
      }
    }
  }
  for (; ii < mb; ii++) {
    const a0 = ii * kb;
    for (let jj = 0; jj < nb; jj++) {
      const b0 = jj * kb;
      let s = 0;
      for (let p = 0; p < kb; p++) s += ap[a0 + p]! * bp[b0 + p]!;
      c[(ic + ii) * n + jc + jj] += s;
    }
  }
}

/**
 * Is A symmetric up to `tol`: |A_ij − A_ji| ≤ tol · max|A| for all i, j (tol = 0: exactly)?
 * Non-square → false.
 */
export function denseIsSymmetric(A: DenseMatrix, tol = 0): boolean {
  const { nrows: n, ncols, data } = A;
  if (n !== ncols) return false;
  let scale = 0;
  if (tol > 0) for (let k = 0; k < data.length; k++) scale = Math.max(scale, Math.abs(data[k]!));
  const lim = tol * scale;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) {
      const d = Math.abs(data[i * n + j]! - data[j * n + i]!);
      if (!(d <= lim)) return false;
    }
  return true;
}

/**
 * y = K x for symmetric K given by its LOWER triangle (entries of M above the diagonal are
 * ignored). M: n × n; x: length n (not modified); y: length n, overwritten and returned.
 */
export function denseSymmetricMatVec(M: DenseMatrix, x: Float64Array, y?: Float64Array): Float64Array {
  const n = checkSquare('M', M);
  checkLength('x', x, n, 'rows of M');
  const out = y ?? new Float64Array(n);
  if (y !== undefined) checkLength('y', y, n, 'rows of M');
  symLowerMatVec(M.data, n, x, out);
  return out;
}

function symLowerMatVec(a: Float64Array, n: number, x: Float64Array, y: Float64Array): void {
  y.fill(0);
  for (let i = 0; i < n; i++) {
    const off = i * n;
    const xi = x[i]!;
    let s = 0;
    for (let j = 0; j < i; j++) {
      const aij = a[off + j]!;
      s += aij * x[j]!;
      y[j] += aij * xi;
    }
    y[i] += s + a[off + i]! * xi;
  }
}

function normInf(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]!);
    if (a > m) m = a;
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// DenseLdl
// ---------------------------------------------------------------------------------------------

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
    const haveSigns = opts.signs != null;
    const signs = new Float64Array(n).fill(1);
    if (opts.signs != null) {
      checkLength('signs', opts.signs, n, 'rows of K');
      for (let i = 0; i < n; i++) {
        const s = opts.signs[i]!;
        if (s !== 1 && s !== -1) throw new InputError(`signs[${i}]`, '+1 or -1', String(s));
        signs[i] = s;
      }
    }
    const staticReg = opts.staticReg ?? 0;
    if (!(staticReg >= 0) || !Number.isFinite(staticReg)) throw new InputError('staticReg', 'a finite number ≥ 0', String(staticReg));
    if (staticReg > 0 && !haveSigns) throw new InputError('staticReg', 'signs to be given with a static regularization', 'signs = null');
    const dyn = opts.dynamicReg ?? null;
    if (dyn && !(dyn.eps >= 0 && dyn.delta > 0 && Number.isFinite(dyn.delta) && Number.isFinite(dyn.eps)))
      throw new InputError('dynamicReg', '{ eps ≥ 0, delta > 0 } finite', JSON.stringify(dyn));
    const regularized = staticReg > 0 || dyn !== null;
    const refineSteps = opts.refineSteps ?? (regularized ? 3 : 0);
    if (!Number.isInteger(refineSteps) || refineSteps < 0) throw new InputError('refineSteps', 'a non-negative integer', String(refineSteps));

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
    const zeroTol = opts.zeroPivotTol ?? n * EPS * maxAbs;

    const counts: [number, number, number] = [0, 0, 0];
    const pivot = (i: number, d: number): number => {
      if (!Number.isFinite(d)) throw new ZeroPivotError(i, d);
      if (dyn) {
        // expected sign, or (without signs) the sign the pivot already has
        const s = haveSigns ? signs[i]! : d < 0 ? -1 : 1;
        if (s * d < dyn.eps) {
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
    for (let i = 1; i < n; i++) {
      const off = i * n;
      let s = 0;
      for (let j = 0; j < i; j++) s += f[off + j]! * x[j]!;
      x[i] -= s;
    }
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
      if (bestRes <= EPS * (this.kNormInf * normInf(x) + bNorm)) break;
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
  const bp = new Float64Array(GEMM_NC * LDL_NB);
  const ap = new Float64Array(GEMM_MC * LDL_NB);
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
    for (let jc = k1; jc < n; jc += GEMM_NC) {
      const nb = Math.min(GEMM_NC, n - jc);
      for (let jj = 0; jj < nb; jj++) {
        const src = (jc + jj) * n + k0;
        const dst = jj * kw;
        for (let p = 0; p < kw; p++) bp[dst + p] = f[src + p]!;
      }
      // rows < jc lie entirely above this column panel
      for (let ic = jc; ic < n; ic += GEMM_MC) {
        const mb = Math.min(GEMM_MC, n - ic);
        for (let ii = 0; ii < mb; ii++) {
          const src = (ic + ii - k1) * kw;
          const dst = ii * kw;
          for (let p = 0; p < kw; p++) ap[dst + p] = -w[src + p]!;
        }
        gemmBlock(ap, bp, f, n, ic, jc, mb, nb, kw, TRI_LOWER);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// DenseLu
// ---------------------------------------------------------------------------------------------

/**
 * P A = L U with partial pivoting (the largest |entry| of the column is the pivot) of a square
 * n × n matrix A (not modified). L unit lower triangular, U upper triangular, both stored in one
 * row-major array; `perm[k]` = original row placed at position k.
 *
 * Blocked right-looking algorithm (LAPACK getrf structure, written for row-major storage):
 * factor a panel of NB columns with row swaps applied to whole rows, form the U block row by a
 * unit-triangular solve, then update the trailing matrix A22 −= L21 U12 with the packed GEMM kernel.
 *
 * `singular` is true when some pivot |u_kk| ≤ n·ε·max|A| (the column is then skipped, as in
 * LAPACK); `solve` then throws ZeroPivotError. rcondEstimate() ≈ 1 / (‖A‖₁ ‖A⁻¹‖₁).
 */
export class DenseLu {
  readonly n: number;
  readonly singular: boolean;
  /** perm[k] = row of A that ended up in position k (P A = L U, (P A)_k = A_perm[k]) */
  readonly perm: Int32Array;
  private readonly f: Float64Array;
  private readonly aNorm1: number;
  private readonly firstZero: number;
  private rcondCache: number | null = null;

  private constructor(n: number, f: Float64Array, perm: Int32Array, firstZero: number, aNorm1: number) {
    this.n = n;
    this.f = f;
    this.perm = perm;
    this.firstZero = firstZero;
    this.singular = firstZero >= 0;
    this.aNorm1 = aNorm1;
  }

  /** Factor A (n × n, not modified). InputError on a non-finite entry. */
  static factor(A: DenseMatrix): DenseLu {
    const n = checkSquare('A', A);
    checkFinite('A', A.data, n, false);
    const f = A.data.slice();
    let maxAbs = 0;
    const colSum = new Float64Array(n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const a = Math.abs(f[i * n + j]!);
        colSum[j] += a;
        if (a > maxAbs) maxAbs = a;
      }
    const tol = n * EPS * maxAbs;
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    const firstZero = luBlocked(f, n, perm, tol);
    return new DenseLu(n, f, perm, firstZero, normInf(colSum));
  }

  private checkSolvable(): void {
    if (this.singular) throw new ZeroPivotError(this.firstZero, this.f[this.firstZero * this.n + this.firstZero]!);
  }

  /** x = A⁻¹ rhs. rhs: length n, not modified; out: length n, overwritten, returned (may alias rhs). */
  solve(rhs: Float64Array, out?: Float64Array): Float64Array {
    const n = this.n;
    checkLength('rhs', rhs, n, 'rows of A');
    if (out !== undefined) checkLength('out', out, n, 'rows of A');
    this.checkSolvable();
    const x = out ?? new Float64Array(n);
    const b = x === rhs ? rhs.slice() : rhs;
    for (let k = 0; k < n; k++) x[k] = b[this.perm[k]!]!;
    this.solveLU(x);
    return x;
  }

  /** x = A⁻ᵀ rhs (same conventions as solve). */
  solveTranspose(rhs: Float64Array, out?: Float64Array): Float64Array {
    const n = this.n;
    checkLength('rhs', rhs, n, 'rows of A');
    if (out !== undefined) checkLength('out', out, n, 'rows of A');
    this.checkSolvable();
    const w = rhs.slice();
    this.solveUtLt(w);
    const x = out ?? new Float64Array(n);
    for (let k = 0; k < n; k++) x[this.perm[k]!] = w[k]!;
    return x;
  }

  /** In place: x ← U⁻¹ L⁻¹ x. */
  private solveLU(x: Float64Array): void {
    const { n, f } = this;
    for (let i = 1; i < n; i++) {
      const off = i * n;
      let s = 0;
      for (let j = 0; j < i; j++) s += f[off + j]! * x[j]!;
      x[i] -= s;
    }
    for (let i = n - 1; i >= 0; i--) {
      const off = i * n;
      let s = 0;
      for (let j = i + 1; j < n; j++) s += f[off + j]! * x[j]!;
      x[i] = (x[i]! - s) / f[off + i]!;
    }
  }

  /** In place: x ← L⁻ᵀ U⁻ᵀ x. */
  private solveUtLt(x: Float64Array): void {
    const { n, f } = this;
    // Uᵀ w = x: w_i = (x_i − Σ_{j<i} U_ji w_j)/U_ii, column-oriented over rows of U
    for (let i = 0; i < n; i++) {
      const off = i * n;
      const wi = x[i]! / f[off + i]!;
      x[i] = wi;
      if (wi === 0) continue;
      for (let j = i + 1; j < n; j++) x[j] -= f[off + j]! * wi;
    }
    // Lᵀ v = w
    for (let i = n - 1; i > 0; i--) {
      const off = i * n;
      const vi = x[i]!;
      if (vi === 0) continue;
      for (let j = 0; j < i; j++) x[j] -= f[off + j]! * vi;
    }
  }

  /**
   * Estimate of the reciprocal condition number 1/(‖A‖₁ ‖A⁻¹‖₁), in [0, 1]: 0 when singular.
   * ‖A⁻¹‖₁ by Hager's method with Higham's refinements (at most 5 sign-vector iterations, each
   * one solve with A and one with Aᵀ, plus one extra alternating-sign probe). The estimate of
   * ‖A⁻¹‖₁ is a lower bound, usually within a factor 3, so rcond is an upper estimate. Cached.
   */
  rcondEstimate(): number {
    if (this.rcondCache !== null) return this.rcondCache;
    const n = this.n;
    if (this.singular || this.aNorm1 === 0) return (this.rcondCache = 0);
    if (n === 0) return (this.rcondCache = 1);
    let x = new Float64Array(n).fill(1 / n);
    let est = 0;
    let lastJ = -1;
    for (let it = 0; it < 5; it++) {
      const y = this.solve(x);
      let ny = 0;
      for (let i = 0; i < n; i++) ny += Math.abs(y[i]!);
      if (it > 0 && ny <= est) break;
      est = ny;
      const xi = new Float64Array(n);
      for (let i = 0; i < n; i++) xi[i] = y[i]! >= 0 ? 1 : -1;
      const z = this.solveTranspose(xi);
      let j = 0;
      let zmax = -1;
      let ztx = 0;
      for (let i = 0; i < n; i++) {
        const a = Math.abs(z[i]!);
        if (a > zmax) {
          zmax = a;
          j = i;
        }
        ztx += z[i]! * x[i]!;
      }
      if (zmax <= ztx || j === lastJ) break;
      lastJ = j;
      x = new Float64Array(n);
      x[j] = 1;
    }
    // Higham's alternating probe guards against the rare failures of the sign iteration
    const alt = new Float64Array(n);
    for (let i = 0; i < n; i++) alt[i] = (i % 2 === 0 ? 1 : -1) * (1 + (n > 1 ? i / (n - 1) : 0));
    const ya = this.solve(alt);
    let na = 0;
    for (let i = 0; i < n; i++) na += Math.abs(ya[i]!);
    est = Math.max(est, (2 * na) / (3 * n));
    const r = 1 / (this.aNorm1 * est);
    return (this.rcondCache = Number.isFinite(r) ? Math.min(1, r) : 0);
  }

  /** Unit lower-triangular L and upper-triangular U (copies), with P A = L U. */
  factors(): { L: DenseMatrix; U: DenseMatrix } {
    const n = this.n;
    const l = new Float64Array(n * n);
    const u = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) l[i * n + j] = this.f[i * n + j]!;
      l[i * n + i] = 1;
      for (let j = i; j < n; j++) u[i * n + j] = this.f[i * n + j]!;
    }
    return { L: { format: 'dense', nrows: n, ncols: n, data: l }, U: { format: 'dense', nrows: n, ncols: n, data: u } };
  }

  /** log|det A| and sign(det A) (sign 0 when singular). */
  logDeterminant(): { logAbs: number; sign: number } {
    if (this.singular) return { logAbs: -Infinity, sign: 0 };
    const n = this.n;
    let sign = 1;
    let logAbs = 0;
    for (let i = 0; i < n; i++) {
      const u = this.f[i * n + i]!;
      if (u < 0) sign = -sign;
      logAbs += Math.log(Math.abs(u));
    }
    // parity of the permutation
    const seen = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (seen[i]) continue;
      let len = 0;
      for (let j = i; !seen[j]; j = this.perm[j]!) {
        seen[j] = 1;
        len++;
      }
      if (len % 2 === 0) sign = -sign;
    }
    return { logAbs, sign };
  }
}

const LU_NB = 32;

/**
 * In-place blocked LU with partial pivoting of row-major f (n × n). perm (length n) is permuted
 * along with the rows. Returns the first column whose pivot was ≤ tol (skipped), or −1.
 */
function luBlocked(f: Float64Array, n: number, perm: Int32Array, tol: number): number {
  let firstZero = -1;
  const bp = new Float64Array(GEMM_NC * LU_NB);
  const ap = new Float64Array(GEMM_MC * LU_NB);
  for (let kb = 0; kb < n; kb += LU_NB) {
    const ke = Math.min(kb + LU_NB, n); // panel columns kb..ke-1
    // --- panel factorization (columns kb..ke-1, all rows ≥ k), row swaps on whole rows
    for (let k = kb; k < ke; k++) {
      let p = k;
      let pmax = Math.abs(f[k * n + k]!);
      for (let i = k + 1; i < n; i++) {
        const a = Math.abs(f[i * n + k]!);
        if (a > pmax) {
          pmax = a;
          p = i;
        }
      }
      if (p !== k) {
        const ok = k * n;
        const op = p * n;
        for (let j = 0; j < n; j++) {
          const t = f[ok + j]!;
          f[ok + j] = f[op + j]!;
          f[op + j] = t;
        }
        const t = perm[k]!;
        perm[k] = perm[p]!;
        perm[p] = t;
      }
      if (pmax <= tol) {
        if (firstZero < 0) firstZero = k;
        continue; // leave the column as is (L entries stay unscaled garbage-free: zero/tiny)
      }
      const ok = k * n;
      const inv = 1 / f[ok + k]!;
      for (let i = k + 1; i < n; i++) {
        const oi = i * n;
        const l = (f[oi + k] = f[oi + k]! * inv);
        if (l === 0) continue;
        for (let j = k + 1; j < ke; j++) f[oi + j] -= l * f[ok + j]!;
      }
    }
    if (ke >= n) break;
    // --- U12 = L11⁻¹ A12 (rows kb..ke-1, columns ke..n-1)
    for (let i = kb + 1; i < ke; i++) {
      const oi = i * n;
      for (let k = kb; k < i; k++) {
        const l = f[oi + k]!;
        if (l === 0) continue;
        const ok = k * n;
        for (let j = ke; j < n; j++) f[oi + j] -= l * f[ok + j]!;
      }
    }
    // --- A22 −= L21 U12 as a packed GEMM (U12 column panels × negated L21 row panels)
    const kw = ke - kb;
    for (let jc = ke; jc < n; jc += GEMM_NC) {
      const nb = Math.min(GEMM_NC, n - jc);
      for (let p = 0; p < kw; p++) {
        const src = (kb + p) * n + jc;
        for (let jj = 0; jj < nb; jj++) bp[jj * kw + p] = f[src + jj]!;
      }
      for (let ic = ke; ic < n; ic += GEMM_MC) {
        const mb = Math.min(GEMM_MC, n - ic);
        for (let ii = 0; ii < mb; ii++) {
          const src = (ic + ii) * n + kb;
          const dst = ii * kw;
          for (let p = 0; p < kw; p++) ap[dst + p] = -f[src + p]!;
        }
        gemmBlock(ap, bp, f, n, ic, jc, mb, nb, kw, TRI_ALL);
      }
    }
  }
  return firstZero;
}
