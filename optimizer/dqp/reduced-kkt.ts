/**
 * The reduced KKT system of an active set J (dqp-spec.md, Algorithm 1 step 3):
 *
 *   K_J = [ P    Aᵀ   C_Jᵀ ]   unknowns ordered (z: n, λ: p, μ_J: k = |J|),  N = n + p + k
 *         [ A    0    0    ]
 *         [ C_J  0    0    ]
 *
 * Rows of C_J are the active inequality rows (active-set.ts numbering: rows of C, then the
 * bound rows −e_iᵀ / +e_iᵀ). K_J is symmetric INDEFINITE: at a non-degenerate point (P positive
 * definite on the null space of B = [A; C_J], B of full row rank) it has n positive and p + k
 * negative eigenvalues.
 *
 * What is factored is the scaled matrix
 *
 *   K̃ = D K_J D / s,     D = diag(1_n, s_A, s_J)  (row scales of normalize.ts, or ones),
 *                         s = max |(D K_J D)_ij|   (so max |K̃_ij| = 1)
 *
 * and K_J⁻¹ g = D K̃⁻¹ (D g) / s. Working at unit scale lets the regularization constants and
 * singularity thresholds below be absolute.
 *
 * Factorizations (KktSolverKind):
 *   'sparse-ldl'  SparseLdl of the upper triangle with pivot signs (+1 z, −1 λ, μ), the ordering
 *                 of kktOrdering (AMD, each constraint deferred until after a variable matched
 *                 to it) and a tiny static regularization δ = 1e-14 (a safety net: K̃ + δ
 *                 diag(signs) is quasi-definite). Singular when the inertia is not (n, p + k),
 *                 or — checked only when the pivots spread over more than 1e8 — when the
 *                 estimated condition number ‖K̃‖₁ ‖K̃⁻¹‖₁ exceeds 1/singularTol.
 *   'dense-ldl'   DenseLdl in the natural order (a Cholesky of P̃, then the negative definite
 *                 Schur complement −B̃ P̃⁻¹ B̃ᵀ), no regularization; any pivot with the wrong
 *                 sign or |d| ≤ 1e-13, or an estimated condition number > 1/singularTol → not
 *                 used (fall back to LU).
 *   'dense-lu'    DenseLu with partial pivoting; singular when rcond ≤ singularTol.
 *   'lstsq-dense' minimum-norm least squares by denseLstsq (complete orthogonal decomposition)
 *   'lstsq-minres' MINRES on the symmetric K̃ (N > 2500), started from 0.
 *
 * Every non-least-squares solve is refined against K̃ (x += K̃_f⁻¹(g̃ − K̃x) while the residual
 * halves, at most 5 steps) and checked: when
 *   ‖g̃ − K̃x‖∞ > 1e-9 (‖K̃‖∞‖x‖∞ + ‖g̃‖∞)   or x is not finite,
 * that solve is redone in the least-squares sense and reported (leastSquares = true).
 */
import type { CscMatrix, DenseMatrix, Matrix } from '../linalg/types.ts';
import { cscSymUpperMatVec } from '../linalg/csc.ts';
import { DenseLdl, DenseLu } from '../linalg/dense.ts';
import { amdOrder } from '../linalg/amd.ts';
import { SparseLdl } from '../linalg/ldl.ts';
import { denseLstsq, symmetricMinres } from '../linalg/lsq.ts';
import { LinearAlgebraError } from '../errors.ts';
import type { InequalityRows } from './active-set.ts';
import type { KktSolverKind } from './types.ts';

/**
 * static regularization of the sparse LDLᵀ, at unit matrix scale: only a safety net against an
 * exactly zero pivot (the ordering of kktOrdering keeps the pivots away from δ), small enough
 * that refinement converges for condition numbers far beyond 1/singularTol
 */
export const SPARSE_STATIC_REG = 1e-14;
/** refined relative residual above which a solve is redone in the least-squares sense */
export const SOLVE_RESIDUAL_TOL = 1e-9;
/** largest N solved by the dense least-squares path (above: MINRES) */
export const LSTSQ_DENSE_LIMIT = 2500;
/** 'auto' uses the dense path for CSC inputs up to this N */
export const AUTO_DENSE_LIMIT = 300;

// ---------------------------------------------------------------------------------------------
// Assembly
// ---------------------------------------------------------------------------------------------

/** Row-compressed rows of B = [A; C_J] with their values already scaled by D. */
interface BRows {
  readonly rowPtr: Int32Array; // length p + k + 1
  readonly colIdx: Int32Array; // ascending within a row
  readonly values: Float64Array;
}

export interface ReducedKktInput {
  /** n×n, both triangles stored when CSC */
  readonly P: Matrix;
  /** p×n or null */
  readonly A: Matrix | null;
  /** the inequality rows (C, d, bounds) */
  readonly rows: InequalityRows;
  /** active rows, ascending, active-set.ts numbering */
  readonly J: Int32Array;
  /** row scales of A (length p) or null for ones */
  readonly sA: Float64Array | null;
  /** row scales of C (length m) or null for ones */
  readonly sC: Float64Array | null;
}

/** The assembled, scaled reduced KKT matrix K̃ (see the file comment). */
export interface ReducedKkt {
  readonly n: number;
  readonly p: number;
  readonly k: number;
  readonly N: number;
  /** D (length N) */
  readonly D: Float64Array;
  /** s: K_J = D⁻¹ (s K̃) D⁻¹ */
  readonly scale: number;
  /** +1 for the n primal rows, −1 for the p + k constraint rows */
  readonly signs: Int8Array;
  /** upper triangle of K̃ (sparse form), or null */
  readonly upper: CscMatrix | null;
  /** K̃ row-major (dense form), or null */
  readonly dense: DenseMatrix | null;
  /** ‖K̃‖∞ (= ‖K̃‖₁, symmetric) */
  readonly normInf: number;
}

/** Rows of a matrix in row-compressed form (dense: every entry, zeros kept). */
function rowCompressed(M: Matrix): { rowPtr: Int32Array; colIdx: Int32Array; values: Float64Array } {
  const r = M.nrows;
  const c = M.ncols;
  if (M.format === 'dense') {
    const rowPtr = new Int32Array(r + 1);
    for (let i = 0; i <= r; i++) rowPtr[i] = i * c;
    const colIdx = new Int32Array(r * c);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) colIdx[i * c + j] = j;
    return { rowPtr, colIdx, values: M.data };
  }
  const { colPtr, rowIdx, values } = M;
  const nz = colPtr[c]!;
  const rowPtr = new Int32Array(r + 1);
  for (let e = 0; e < nz; e++) rowPtr[rowIdx[e]! + 1]++;
  for (let i = 0; i < r; i++) rowPtr[i + 1] += rowPtr[i]!;
  const next = rowPtr.slice(0, r);
  const colIdx = new Int32Array(nz);
  const vals = new Float64Array(nz);
  for (let j = 0; j < c; j++) {
    for (let e = colPtr[j]!; e < colPtr[j + 1]!; e++) {
      const t = next[rowIdx[e]!]!++;
      colIdx[t] = j;
      vals[t] = values[e]!;
    }
  }
  return { rowPtr, colIdx, values: vals };
}

/** B = [S_A A; S_J C_J] row-compressed (bound rows: one entry ∓1). */
function assembleBRows(inp: ReducedKktInput): BRows {
  const { A, rows, J, sA, sC } = inp;
  const { m, n } = rows;
  const p = A ? A.nrows : 0;
  const k = J.length;
  const aRows = A ? rowCompressed(A) : null;
  let needC = false;
  for (let t = 0; t < k; t++) if (J[t]! < m) needC = true;
  const cRows = needC && rows.C ? rowCompressed(rows.C) : null;
  const rowPtr = new Int32Array(p + k + 1);
  for (let i = 0; i < p; i++) rowPtr[i + 1] = rowPtr[i]! + (aRows!.rowPtr[i + 1]! - aRows!.rowPtr[i]!);
  for (let t = 0; t < k; t++) {
    const j = J[t]!;
    const cnt = j < m ? cRows!.rowPtr[j + 1]! - cRows!.rowPtr[j]! : 1;
    rowPtr[p + t + 1] = rowPtr[p + t]! + cnt;
  }
  const total = rowPtr[p + k]!;
  const colIdx = new Int32Array(total);
  const values = new Float64Array(total);
  let o = 0;
  for (let i = 0; i < p; i++) {
    const s = sA ? sA[i]! : 1;
    for (let e = aRows!.rowPtr[i]!; e < aRows!.rowPtr[i + 1]!; e++) {
      colIdx[o] = aRows!.colIdx[e]!;
      values[o++] = aRows!.values[e]! * s;
    }
  }
  for (let t = 0; t < k; t++) {
    const j = J[t]!;
    if (j < m) {
      const s = sC ? sC[j]! : 1;
      for (let e = cRows!.rowPtr[j]!; e < cRows!.rowPtr[j + 1]!; e++) {
        colIdx[o] = cRows!.colIdx[e]!;
        values[o++] = cRows!.values[e]! * s;
      }
    } else if (j < m + n) {
      colIdx[o] = j - m;
      values[o++] = -1;
    } else {
      colIdx[o] = j - m - n;
      values[o++] = 1;
    }
  }
  return { rowPtr, colIdx, values };
}

/** D = diag(1_n, s_A, s_J). */
function scalingVector(inp: ReducedKktInput, n: number, p: number): Float64Array {
  const k = inp.J.length;
  const D = new Float64Array(n + p + k).fill(1);
  if (inp.sA) for (let i = 0; i < p; i++) D[n + i] = inp.sA[i]!;
  if (inp.sC) {
    const m = inp.rows.m;
    for (let t = 0; t < k; t++) {
      const j = inp.J[t]!;
      if (j < m) D[n + p + t] = inp.sC[j]!;
    }
  }
  return D;
}

/**
 * Assemble K̃ for the given active set.
 *   form  'sparse' → upper-triangle CSC (explicit zero diagonal kept on every row, so the
 *         pattern depends only on the patterns of P, A, C and on J); 'dense' → row-major.
 */
export function assembleReducedKkt(inp: ReducedKktInput, form: 'sparse' | 'dense'): ReducedKkt {
  const { P, A, J } = inp;
  const n = P.ncols;
  const p = A ? A.nrows : 0;
  const k = J.length;
  const N = n + p + k;
  const B = assembleBRows(inp);
  const D = scalingVector(inp, n, p);
  const signs = new Int8Array(N);
  for (let i = 0; i < N; i++) signs[i] = i < n ? 1 : -1;

  let upper: CscMatrix | null = null;
  let dense: DenseMatrix | null = null;
  let maxAbs = 0;
  if (form === 'sparse') {
    // count
    const colPtr = new Int32Array(N + 1);
    for (let j = 0; j < n; j++) {
      // strictly-upper entries of column j, plus one diagonal entry (explicit zero if not stored)
      let cnt = 0;
      if (P.format === 'csc') {
        for (let e = P.colPtr[j]!; e < P.colPtr[j + 1]!; e++) if (P.rowIdx[e]! < j) cnt++;
      } else cnt = j;
      colPtr[j + 1] = colPtr[j]! + cnt + 1;
    }
    for (let r = 0; r < p + k; r++) colPtr[n + r + 1] = colPtr[n + r]! + (B.rowPtr[r + 1]! - B.rowPtr[r]!) + 1;
    const nz = colPtr[N]!;
    const rowIdx = new Int32Array(nz);
    const values = new Float64Array(nz);
    let o = 0;
    for (let j = 0; j < n; j++) {
      let diag = 0;
      if (P.format === 'csc') {
        for (let e = P.colPtr[j]!; e < P.colPtr[j + 1]!; e++) {
          const i = P.rowIdx[e]!;
          if (i < j) {
            rowIdx[o] = i;
            values[o++] = P.values[e]!;
          } else if (i === j) diag = P.values[e]!;
        }
      } else {
        for (let i = 0; i < j; i++) {
          rowIdx[o] = i;
          values[o++] = P.data[i * n + j]!;
        }
        diag = P.data[j * n + j]!;
      }
      rowIdx[o] = j;
      values[o++] = diag;
    }
    for (let r = 0; r < p + k; r++) {
      for (let e = B.rowPtr[r]!; e < B.rowPtr[r + 1]!; e++) {
        rowIdx[o] = B.colIdx[e]!;
        values[o++] = B.values[e]!;
      }
      rowIdx[o] = n + r;
      values[o++] = 0;
    }
    for (let e = 0; e < nz; e++) maxAbs = Math.max(maxAbs, Math.abs(values[e]!));
    const s = maxAbs > 0 ? maxAbs : 1;
    const inv = 1 / s;
    for (let e = 0; e < nz; e++) values[e] = values[e]! * inv;
    // ‖K̃‖∞ of the symmetric matrix from its upper triangle
    const rs = new Float64Array(N);
    for (let j = 0; j < N; j++) {
      for (let e = colPtr[j]!; e < colPtr[j + 1]!; e++) {
        const i = rowIdx[e]!;
        const a = Math.abs(values[e]!);
        rs[j] += a;
        if (i !== j) rs[i] += a;
      }
    }
    let normInf = 0;
    for (let i = 0; i < N; i++) normInf = Math.max(normInf, rs[i]!);
    upper = { format: 'csc', nrows: N, ncols: N, colPtr, rowIdx, values };
    return { n, p, k, N, D, scale: s, signs, upper, dense, normInf };
  }

  const data = new Float64Array(N * N);
  if (P.format === 'csc') {
    for (let j = 0; j < n; j++) for (let e = P.colPtr[j]!; e < P.colPtr[j + 1]!; e++) data[P.rowIdx[e]! * N + j] = P.values[e]!;
  } else {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[i * N + j] = P.data[i * n + j]!;
  }
  for (let r = 0; r < p + k; r++) {
    const row = n + r;
    for (let e = B.rowPtr[r]!; e < B.rowPtr[r + 1]!; e++) {
      const c = B.colIdx[e]!;
      data[row * N + c] = B.values[e]!;
      data[c * N + row] = B.values[e]!;
    }
  }
  for (let e = 0; e < data.length; e++) maxAbs = Math.max(maxAbs, Math.abs(data[e]!));
  const s = maxAbs > 0 ? maxAbs : 1;
  const inv = 1 / s;
  let normInf = 0;
  for (let i = 0; i < N; i++) {
    let r = 0;
    for (let j = 0; j < N; j++) {
      const v = data[i * N + j]! * inv;
      data[i * N + j] = v;
      r += Math.abs(v);
    }
    normInf = Math.max(normInf, r);
  }
  dense = { format: 'dense', nrows: N, ncols: N, data };
  return { n, p, k, N, D, scale: s, signs, upper, dense, normInf };
}

/** y = K̃ x (either form). */
function kktMatVec(K: ReducedKkt, x: Float64Array, y: Float64Array): Float64Array {
  if (K.upper) return cscSymUpperMatVec(K.upper, x, y);
  const { N } = K;
  const a = K.dense!.data;
  for (let i = 0; i < N; i++) {
    let s = 0;
    const o = i * N;
    for (let j = 0; j < N; j++) s += a[o + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

/** The dense form of K̃ (from the sparse one if needed). */
function kktDense(K: ReducedKkt): DenseMatrix {
  if (K.dense) return K.dense;
  const { N } = K;
  const U = K.upper!;
  const data = new Float64Array(N * N);
  for (let j = 0; j < N; j++) {
    for (let e = U.colPtr[j]!; e < U.colPtr[j + 1]!; e++) {
      const i = U.rowIdx[e]!;
      data[i * N + j] = U.values[e]!;
      data[j * N + i] = U.values[e]!;
    }
  }
  return { format: 'dense', nrows: N, ncols: N, data };
}

// ---------------------------------------------------------------------------------------------
// Symbolic cache
// ---------------------------------------------------------------------------------------------

function hashPattern(n: number, p: number, U: CscMatrix): number {
  let h = 0x811c9dc5 ^ n ^ (p << 16) ^ (U.ncols << 8);
  const mix = (v: number) => {
    h ^= v;
    h = Math.imul(h, 0x01000193);
  };
  const cp = U.colPtr;
  for (let i = 0; i < cp.length; i++) mix(cp[i]!);
  const ri = U.rowIdx;
  for (let i = 0; i < ri.length; i++) mix(ri[i]!);
  return h >>> 0;
}

function sameArray(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface CacheEntry {
  readonly hash: number;
  readonly n: number;
  readonly p: number;
  readonly colPtr: Int32Array;
  readonly rowIdx: Int32Array;
  readonly ldl: SparseLdl;
}

/**
 * Reuse of the symbolic analysis (ordering + elimination tree + nnz(L)) of the sparse K̃ across
 * calls. Key: the pattern of K̃, which is determined by the patterns of P, A, C and by J
 * (hashed, then compared exactly). A hit costs only the numeric factorization. Keeps the
 * `capacity` most recently used patterns.
 *
 * Counters (for tests and reports): `analyses` symbolic analyses, `factorizations` numeric
 * factorizations of any kind (dense ones included), `hits` cache hits.
 */
export class KktFactorCache {
  analyses = 0;
  factorizations = 0;
  hits = 0;
  private entries: CacheEntry[] = [];

  constructor(readonly capacity = 4) {}

  /** The analyzed SparseLdl for this pattern (moved to the front), or a new one (analyzed, stored). */
  sparseLdl(K: ReducedKkt, create: () => SparseLdl): SparseLdl {
    const U = K.upper!;
    const hash = hashPattern(K.n, K.p, U);
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.hash === hash && e.n === K.n && e.p === K.p && sameArray(e.colPtr, U.colPtr) && sameArray(e.rowIdx, U.rowIdx)) {
        if (i > 0) {
          this.entries.splice(i, 1);
          this.entries.unshift(e);
        }
        this.hits++;
        return e.ldl;
      }
    }
    const ldl = create();
    this.analyses++;
    if (this.capacity > 0) {
      this.entries.unshift({ hash, n: K.n, p: K.p, colPtr: U.colPtr, rowIdx: U.rowIdx, ldl });
      if (this.entries.length > this.capacity) this.entries.length = this.capacity;
    }
    return ldl;
  }

  clear(): void {
    this.entries = [];
  }
}

// ---------------------------------------------------------------------------------------------
// Factorization
// ---------------------------------------------------------------------------------------------

/** Result of one solve with K_J. */
export interface KktSolveResult {
  /** length N, K_J⁻¹ g (or the minimum-norm least-squares solution) */
  readonly x: Float64Array;
  /** this solve used least squares */
  readonly leastSquares: boolean;
}

/**
 * A factored K_J. `solve` works in the ORIGINAL units (the D, s scaling is applied inside).
 * The backward pass only needs this interface (the linear solver is injected).
 */
export interface KktSolver {
  readonly kind: KktSolverKind;
  readonly N: number;
  /** K_J was found singular at factorization: every solve is least squares */
  readonly singular: boolean;
  /** g: length N, not modified */
  solve(g: Float64Array): KktSolveResult;
}

/** ‖K̃⁻¹‖₁ estimate (Hager's method with Higham's alternating probe) for a SYMMETRIC K̃. */
export function estimateInverseNorm1(solve: (x: Float64Array) => Float64Array, N: number): number {
  if (N === 0) return 0;
  let x = new Float64Array(N).fill(1 / N);
  let est = 0;
  let lastJ = -1;
  for (let it = 0; it < 5; it++) {
    const y = solve(x);
    let ny = 0;
    for (let i = 0; i < N; i++) ny += Math.abs(y[i]!);
    if (!Number.isFinite(ny)) return Infinity;
    if (it > 0 && ny <= est) break;
    est = ny;
    const xi = new Float64Array(N);
    for (let i = 0; i < N; i++) xi[i] = y[i]! >= 0 ? 1 : -1;
    const zz = solve(xi);
    let j = 0;
    let zmax = -1;
    let ztx = 0;
    for (let i = 0; i < N; i++) {
      const a = Math.abs(zz[i]!);
      if (!Number.isFinite(a)) return Infinity;
      if (a > zmax) {
        zmax = a;
        j = i;
      }
      ztx += zz[i]! * x[i]!;
    }
    if (zmax <= ztx || j === lastJ) break;
    lastJ = j;
    x = new Float64Array(N);
    x[j] = 1;
  }
  const alt = new Float64Array(N);
  for (let i = 0; i < N; i++) alt[i] = (i % 2 === 0 ? 1 : -1) * (1 + (N > 1 ? i / (N - 1) : 0));
  const ya = solve(alt);
  let na = 0;
  for (let i = 0; i < N; i++) na += Math.abs(ya[i]!);
  if (!Number.isFinite(na)) return Infinity;
  return Math.max(est, (2 * na) / (3 * N));
}

function allFinite(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
}

function normInfVec(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return m;
}

/** solve on the unit-scale K̃ */
type InnerSolve = (rhs: Float64Array) => Float64Array;

/**
 * Minimum-norm least squares with K̃: dense complete orthogonal decomposition with rank cutoff
 * `rcond` (relative to the largest pivot of the pivoted QR), or MINRES (minimum-length variant).
 */
function leastSquaresSolver(K: ReducedKkt, rcond: number): InnerSolve {
  if (K.N <= LSTSQ_DENSE_LIMIT) {
    const M = kktDense(K);
    const tol = Math.max(rcond, K.N * 2.220446049250313e-16);
    return (rhs) => (K.N === 0 ? new Float64Array(0) : denseLstsq(M, rhs, tol).x);
  }
  const apply = (x: Float64Array, y: Float64Array): void => {
    kktMatVec(K, x, y);
  };
  return (rhs) => symmetricMinres(apply, K.N, rhs, { tol: 1e-12, maxIter: 20 * K.N }).x;
}

/**
 * The sparse path estimates the condition number only when min|d_i| / max|d_i| of the LDLᵀ
 * pivots is below this (or a pivot was regularized).
 */
export const PIVOT_SPREAD_CHECK = 1e-8;

function pivotSpread(d: Float64Array): number {
  let mn = Infinity;
  let mx = 0;
  for (let i = 0; i < d.length; i++) {
    const a = Math.abs(d[i]!);
    if (a < mn) mn = a;
    if (a > mx) mx = a;
  }
  return d.length === 0 || mx === 0 ? 1 : mn / mx;
}

/** at most this many refinement steps per solve */
export const MAX_REFINE_STEPS = 5;

/**
 * Solves with K̃ through `inner` (a factorization of K̃ or of a tiny regularization of it), then
 * iterative refinement against K̃ itself: x += inner(g − K̃x) while the residual is above
 * round-off level and keeps halving (at most MAX_REFINE_STEPS), keeping the best iterate. A final
 * residual above SOLVE_RESIDUAL_TOL sends that solve to least squares.
 */
class ScaledKktSolver implements KktSolver {
  readonly N: number;
  private lsq: InnerSolve | null = null;
  constructor(
    readonly kind: KktSolverKind,
    readonly singular: boolean,
    private readonly K: ReducedKkt,
    private readonly inner: InnerSolve,
    private readonly refine: boolean,
    private readonly rcond: number,
  ) {
    this.N = K.N;
  }

  solve(g: Float64Array): KktSolveResult {
    const { N, D, scale } = this.K;
    const gt = new Float64Array(N);
    for (let i = 0; i < N; i++) gt[i] = g[i]! * D[i]!;
    let x = this.inner(gt);
    let leastSquares = this.singular;
    if (this.refine) {
      const refined = this.refineSolution(gt, x);
      if (refined) x = refined;
      else {
        this.lsq ??= leastSquaresSolver(this.K, this.rcond);
        x = this.lsq(gt);
        leastSquares = true;
      }
    }
    const out = new Float64Array(N);
    const inv = 1 / scale;
    for (let i = 0; i < N; i++) out[i] = x[i]! * D[i]! * inv;
    if (!allFinite(out)) throw new LinearAlgebraError('reduced KKT solve produced a non-finite value (the system is too ill-conditioned)');
    return { x: out, leastSquares };
  }

  /** Refined x (may be the input, modified), or null when the residual stays too large. */
  private refineSolution(g: Float64Array, x: Float64Array): Float64Array | null {
    const N = this.N;
    if (!allFinite(x)) return null;
    const r = new Float64Array(N);
    const gNorm = normInfVec(g);
    const residual = (v: Float64Array): number => {
      kktMatVec(this.K, v, r);
      let res = 0;
      for (let i = 0; i < N; i++) {
        r[i] = g[i]! - r[i]!;
        res = Math.max(res, Math.abs(r[i]!));
      }
      return res;
    };
    let best = x;
    let bestRes = residual(x);
    for (let step = 0; step < MAX_REFINE_STEPS; step++) {
      if (bestRes <= 4 * 2.220446049250313e-16 * (this.K.normInf * normInfVec(best) + gNorm)) break;
      const dx = this.inner(r);
      const next = new Float64Array(N);
      for (let i = 0; i < N; i++) next[i] = best[i]! + dx[i]!;
      if (!allFinite(next)) break;
      const res = residual(next);
      if (!(res < 0.5 * bestRes)) {
        if (res < bestRes) {
          best = next;
          bestRes = res;
        }
        break;
      }
      best = next;
      bestRes = res;
    }
    return bestRes <= SOLVE_RESIDUAL_TOL * (this.K.normInf * normInfVec(best) + gNorm) ? best : null;
  }
}

export interface FactorOptions {
  /** resolved choice */
  readonly method: 'sparse-ldl' | 'dense' | 'lstsq';
  /** condition-number threshold 1/singularTol */
  readonly singularTol: number;
  readonly cache: KktFactorCache;
}

/**
 * Fill-reducing ordering of K̃ that keeps every constraint row away from a zero pivot.
 *
 * AMD alone happily eliminates a constraint row (zero diagonal, few neighbours) before its
 * variables; its pivot is then the regularization −δ, the L entries are B/δ and the factorization
 * loses most digits (refinement has to win them back). Deferring a constraint until after ONE of
 * its variables is not enough either: two rows sharing that variable cancel exactly (the second
 * one's Schur complement is 0). So each constraint row c is MATCHED to a variable m(c) of its
 * own (a maximum bipartite matching between the rows of B and the variables, Kuhn's augmenting
 * paths after a greedy pass that prefers the variable AMD eliminates first) and deferred to just
 * after m(c). Then every leading block of the permuted K̃ that contains c also contains a
 * distinct variable for each of its rows, so it is nonsingular whenever those rows are
 * independent: a tiny pivot means (nearly) dependent rows. Unmatched rows (structurally
 * dependent, e.g. |J| + p > n) keep their AMD position. The elimination-tree postorder that
 * SparseLdl applies keeps descendants before ancestors, hence m(c) before c.
 *   U  upper triangle of K̃ (N×N), the n primal rows first
 * Returns perm (length N): perm[k] = node eliminated k-th.
 */
export function kktOrdering(U: CscMatrix, n: number): Int32Array {
  const N = U.ncols;
  const r = N - n;
  const perm0 = amdOrder(U);
  const pos = new Int32Array(N);
  for (let k = 0; k < N; k++) pos[perm0[k]!] = k;
  // adjacency of constraint row t (node n + t): its variables, sorted by AMD position
  const adjPtr = new Int32Array(r + 1);
  for (let t = 0; t < r; t++) {
    const c = n + t;
    let cnt = 0;
    for (let e = U.colPtr[c]!; e < U.colPtr[c + 1]!; e++) if (U.rowIdx[e]! < n) cnt++;
    adjPtr[t + 1] = adjPtr[t]! + cnt;
  }
  const adj = new Int32Array(adjPtr[r]!);
  for (let t = 0; t < r; t++) {
    const c = n + t;
    let o = adjPtr[t]!;
    for (let e = U.colPtr[c]!; e < U.colPtr[c + 1]!; e++) if (U.rowIdx[e]! < n) adj[o++] = U.rowIdx[e]!;
    adj.subarray(adjPtr[t]!, o).sort((a, b) => pos[a]! - pos[b]!);
  }
  const matchRow = new Int32Array(r).fill(-1); // row t → variable
  const matchVar = new Int32Array(n).fill(-1); // variable → row t
  // greedy pass, rows in AMD order
  const rowsByPos = Array.from({ length: r }, (_, t) => t).sort((a, b) => pos[n + a]! - pos[n + b]!);
  for (const t of rowsByPos) {
    for (let e = adjPtr[t]!; e < adjPtr[t + 1]!; e++) {
      const v = adj[e]!;
      if (matchVar[v] === -1) {
        matchVar[v] = t;
        matchRow[t] = v;
        break;
      }
    }
  }
  // augmenting paths (iterative DFS) for the rows left unmatched
  const visited = new Int32Array(n).fill(-1);
  const stackRow = new Int32Array(r);
  const stackEdge = new Int32Array(r);
  const viaVar = new Int32Array(r);
  for (const root of rowsByPos) {
    if (matchRow[root] !== -1) continue;
    let top = 0;
    stackRow[0] = root;
    stackEdge[0] = adjPtr[root]!;
    let found = -1;
    while (top >= 0 && found < 0) {
      const t = stackRow[top]!;
      if (stackEdge[top]! >= adjPtr[t + 1]!) {
        top--;
        continue;
      }
      const v = adj[stackEdge[top]!++]!;
      if (visited[v] === root) continue;
      visited[v] = root;
      viaVar[top] = v;
      const owner = matchVar[v]!;
      if (owner === -1) found = top;
      else {
        top++;
        stackRow[top] = owner;
        stackEdge[top] = adjPtr[owner]!;
      }
    }
    if (found < 0) continue;
    // flip the path: row stackRow[i] takes variable viaVar[i]
    for (let i = found; i >= 0; i--) {
      const t = stackRow[i]!;
      const v = viaVar[i]!;
      matchRow[t] = v;
      matchVar[v] = t;
    }
  }
  const key = new Float64Array(N);
  for (let i = 0; i < N; i++) key[i] = pos[i]!;
  for (let t = 0; t < r; t++) {
    const v = matchRow[t]!;
    if (v >= 0 && pos[v]! > pos[n + t]!) key[n + t] = pos[v]! + 0.5;
  }
  const order = Array.from({ length: N }, (_, i) => i);
  order.sort((a, b) => key[a]! - key[b]! || pos[a]! - pos[b]!);
  return Int32Array.from(order);
}

/** Why K_J was declared singular (for warnings), or null. */
export interface FactorDiagnosis {
  readonly solver: KktSolver;
  readonly singularReason: string | null;
}

function lstsqSolver(K: ReducedKkt, reason: string | null, rcond: number): FactorDiagnosis {
  const kind: KktSolverKind = K.N <= LSTSQ_DENSE_LIMIT ? 'lstsq-dense' : 'lstsq-minres';
  return { solver: new ScaledKktSolver(kind, true, K, leastSquaresSolver(K, rcond), false, rcond), singularReason: reason };
}

/**
 * Factor K̃ (assembled in the form `method` needs: 'sparse-ldl' ↔ upper, else dense) and decide
 * whether it is singular. |J| + p > n (structurally singular) is decided by the caller, which
 * passes method 'lstsq'.
 */
export function factorReducedKkt(K: ReducedKkt, opts: FactorOptions): FactorDiagnosis {
  const { N, n, p, k } = K;
  const cache = opts.cache;
  const maxCond = 1 / opts.singularTol;
  if (opts.method === 'lstsq') return lstsqSolver(K, null, opts.singularTol);

  if (opts.method === 'sparse-ldl') {
    const U = K.upper!;
    const ldl = cache.sparseLdl(K, () =>
      SparseLdl.analyze(U, {
        ordering: kktOrdering(U, n),
        signs: K.signs,
        staticReg: SPARSE_STATIC_REG,
        dynamicReg: { eps: SPARSE_STATIC_REG * 0.01, delta: 1e-8 },
        refineSteps: 0,
      }),
    );
    cache.factorizations++;
    try {
      ldl.factor(U.values);
    } catch (e) {
      if (e instanceof LinearAlgebraError) return lstsqSolver(K, `sparse LDLᵀ failed (${e.message})`, opts.singularTol);
      throw e;
    }
    if (ldl.positivePivots !== n || ldl.negativePivots !== p + k) {
      return lstsqSolver(K, `inertia (${ldl.positivePivots}, ${ldl.negativePivots}) instead of (${n}, ${p + k})`, opts.singularTol);
    }
    const inner: InnerSolve = (rhs) => ldl.solve(rhs);
    // a singular K̃ shows as a pivot at round-off / regularization level (the ordering gives every
    // row a variable of its own); estimate the condition number only when the pivots spread
    // over more than PIVOT_SPREAD_CHECK (the estimate costs ~5 solves)
    if (ldl.regularizedPivots > 0 || pivotSpread(ldl.diagonal()) < PIVOT_SPREAD_CHECK) {
      const est = estimateInverseNorm1(inner, N);
      if (!(est * K.normInf <= maxCond)) {
        return lstsqSolver(K, `estimated condition number ${(est * K.normInf).toExponential(1)}`, opts.singularTol);
      }
    }
    return { solver: new ScaledKktSolver('sparse-ldl', false, K, inner, true, opts.singularTol), singularReason: null };
  }

  // dense: LDLᵀ in the natural order, then LU
  const M = K.dense!;
  let ldlReason = '';
  cache.factorizations++;
  try {
    const ldl = DenseLdl.factor(M, { signs: K.signs, dynamicReg: { eps: 1e-13, delta: 1 }, refineSteps: 0 });
    if (ldl.regularizedPivots === 0 && ldl.positivePivots === n && ldl.negativePivots === p + k) {
      const inner: InnerSolve = (rhs) => ldl.solve(rhs);
      const est = estimateInverseNorm1(inner, N);
      if (est * K.normInf <= maxCond) {
        return { solver: new ScaledKktSolver('dense-ldl', false, K, inner, true, opts.singularTol), singularReason: null };
      }
      ldlReason = `estimated condition number ${(est * K.normInf).toExponential(1)}`;
    } else {
      ldlReason = `pivot signs (${ldl.positivePivots}, ${ldl.negativePivots}, ${ldl.regularizedPivots} tiny) instead of (${n}, ${p + k})`;
    }
  } catch (e) {
    if (!(e instanceof LinearAlgebraError)) throw e;
    ldlReason = e.message;
  }
  cache.factorizations++;
  const lu = DenseLu.factor(M);
  const rcond = lu.singular ? 0 : lu.rcondEstimate();
  if (lu.singular || !(rcond > opts.singularTol)) {
    return lstsqSolver(K, `LU rcond ${rcond.toExponential(1)} (LDLᵀ: ${ldlReason})`, opts.singularTol);
  }
  return { solver: new ScaledKktSolver('dense-lu', false, K, (rhs) => lu.solve(rhs), true, opts.singularTol), singularReason: null };
}

/** Resolve LinearSolverChoice 'auto' for a problem with P of format `pFormat` and size N. */
export function resolveMethod(choice: 'auto' | 'sparse-ldl' | 'dense' | 'lstsq', pFormat: Matrix['format'], N: number): 'sparse-ldl' | 'dense' | 'lstsq' {
  if (choice !== 'auto') return choice;
  if (pFormat === 'dense' || N <= AUTO_DENSE_LIMIT) return 'dense';
  return 'sparse-ldl';
}
