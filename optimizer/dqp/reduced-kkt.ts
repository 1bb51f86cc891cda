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
 * The same code factors the reduced system K_R of eliminate.ts (variables fixed or tied by short
 * active rows removed): assembleKkt takes a selection of variables and rows (fixed variables
 * only), eliminate.ts assembles the merged K_R of tied variables itself.
 *
 * Factorizations (KktSolverKind):
 *   'sparse-ldl'  SparseLdl of the upper triangle with pivot signs (+1 z, −1 λ, μ), the ordering
 *                 of kktOrdering (AMD of the variable graph P + BᵀB, each constraint row placed
 *                 after all of its variables with P_vv ≠ 0) and a tiny static regularization
 *                 δ = 1e-14 (a safety net: K̃ + δ diag(signs) is quasi-definite). Not usable
 *                 when the inertia is not (n, p + k), when a pivot is at the regularization
 *                 level (|d| ≤ 100δ, or dynamically regularized), or — checked only when the
 *                 pivots spread over more than 1e8 — when the estimated condition number
 *                 ‖K̃‖₁ ‖K̃⁻¹‖₁ exceeds 1/singularTol. Then, for linearSolver 'auto' and
 *                 N ≤ 300, the dense path is tried; otherwise, for a pivot/inertia failure and
 *                 N > 300, probedSolver decides with a regularized factorization whether K̃ is
 *                 really singular (a pivot in trouble is no proof: the orderings break down on
 *                 some nonsingular K̃, e.g. CONT-101/201), else K̃ is treated as singular.
 *   'dense-ldl'   DenseLdl in the natural order (a Cholesky of P̃, then the negative definite
 *                 Schur complement −B̃ P̃⁻¹ B̃ᵀ), no regularization; any pivot with the wrong
 *                 sign or |d| ≤ 1e-13, or an estimated condition number > 1/singularTol → not
 *                 used (fall back to LU).
 *   'dense-lu'    DenseLu with partial pivoting; singular when rcond ≤ singularTol.
 *   'regularized-ldl' K̃ nonsingular (probedSolver): solved by RegularizedLstsq (a Krylov method
 *                 on M⁻¹K̃ with an LDLᵀ of the quasi-definite M = K̃ + δS, AMD order), range pass
 *                 only; a solve missing the residual test below is redone as least squares.
 *   'lstsq-dense' K̃ singular, N ≤ LSTSQ_DENSE_LIMIT (300): minimum-norm least squares by a
 *                 complete orthogonal decomposition (DenseCod, factored once).
 *   'lstsq-sparse' K̃ singular, N > 300: the minimum-norm least-squares solution K̃⁺g̃ by
 *                 RegularizedLstsq (two passes; accuracy ~1e-8 relative, measured against the
 *                 dense reference on Maros–Meszaros K_J and in test/dqp-lsq.test.ts).
 *   'lstsq-minres' MINRES on the symmetric K̃, started from 0: only when no regularized LDLᵀ
 *                 can be computed.
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
import { DenseCod, RegularizedLstsq, symmetricMinres } from '../linalg/lsq.ts';
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
/**
 * largest N solved by the dense least-squares path (a complete orthogonal decomposition of K̃,
 * O(N³), factored once per K_J); above it, the regularized sparse path (RegularizedLstsq on an
 * LDLᵀ of K̃ + δS). Measured on Maros–Meszaros K_J: the COD takes 0.7 s at N ≈ 950 and 13 s at
 * N ≈ 2400, the sparse path 10–200 ms on the same systems; at N = 300 the COD is ~20 ms.
 */
export const LSTSQ_DENSE_LIMIT = 300;
/**
 * δ of the quasi-definite M = K̃ + δS (S = diag(signs)) behind the sparse least-squares path, at
 * unit scale (max |K̃_ij| = 1), tried in order (see regularizedLstsq). The accuracy of that path
 * is about ε/δ relative (1e-8 for the first); smaller δ met wrong-sign pivots on Maros–Meszaros
 * K_J (δ = 1e-10: hundreds, from rounding in the Schur complements), larger δ slows the Krylov
 * passes (eigenvalues λ/(λ + δ)).
 */
export const LSQ_DELTAS: readonly number[] = [1e-8, 1e-6, 1e-4];
/** a regularized factorization is used when one refinement step against M reduces the residual at least this much */
export const LSQ_MAX_REFINEMENT_RATE = 1e-2;
/**
 * a K̃ whose LDLᵀ was in trouble is declared singular when a generic probe vector has more than
 * this fraction of its norm outside range(K̃) (RegularizedLstsq.nullComponent); otherwise it is
 * nonsingular (if also its estimated condition number is below 1/singularTol) and solved with
 * the regularized factorization ('regularized-ldl')
 */
export const NULL_PROBE_TOL = 1e-6;
/**
 * 'auto' uses the dense path for CSC inputs up to this N (measured: the supernodal sparse LDLᵀ
 * is already faster at N ≈ 75 on sparse problems, and 10–70× faster at N = 150–450)
 */
export const AUTO_DENSE_LIMIT = 64;

// ---------------------------------------------------------------------------------------------
// Assembly
// ---------------------------------------------------------------------------------------------

/** Rows of a matrix in row-compressed form: row i is colIdx/values[rowPtr[i] .. rowPtr[i+1]), columns ascending. */
export interface RowCompressed {
  readonly rowPtr: Int32Array;
  readonly colIdx: Int32Array;
  readonly values: Float64Array;
}

/** Row-compressed rows of B = D_B [A; C_J] (p + k rows; values already scaled by D_B = diag(s_A, s_J)). */
export type BRows = RowCompressed;

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
  /**
   * optional memo of the row-compressed A and C (filled on first use; lets repeated assemblies
   * of one problem, e.g. the active-set refinement, transpose A and C once)
   */
  readonly memo?: { A?: RowCompressed; C?: RowCompressed };
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
export function rowCompressed(M: Matrix): RowCompressed {
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
export function assembleBRows(inp: ReducedKktInput): BRows {
  const { A, rows, J, sA, sC } = inp;
  const { m, n } = rows;
  const p = A ? A.nrows : 0;
  const k = J.length;
  let needC = false;
  for (let t = 0; t < k; t++) if (J[t]! < m) needC = true;
  const memo = inp.memo;
  let aRows: RowCompressed | null = null;
  if (A) {
    aRows = memo?.A ?? rowCompressed(A);
    if (memo) memo.A = aRows;
  }
  let cRows: RowCompressed | null = null;
  if (needC && rows.C) {
    cRows = memo?.C ?? rowCompressed(rows.C);
    if (memo) memo.C = cRows;
  }
  const rowPtr = new Int32Array(p + k + 1);
  if (aRows) for (let i = 0; i < p; i++) rowPtr[i + 1] = aRows.rowPtr[i + 1]!;
  for (let t = 0; t < k; t++) {
    const j = J[t]!;
    const cnt = j < m ? cRows!.rowPtr[j + 1]! - cRows!.rowPtr[j]! : 1;
    rowPtr[p + t + 1] = rowPtr[p + t]! + cnt;
  }
  const total = rowPtr[p + k]!;
  const colIdx = new Int32Array(total);
  const values = new Float64Array(total);
  if (aRows) {
    const na = aRows.rowPtr[p]!;
    colIdx.set(aRows.colIdx.subarray(0, na), 0);
    if (sA) {
      for (let i = 0; i < p; i++) {
        const s = sA[i]!;
        for (let e = aRows.rowPtr[i]!; e < aRows.rowPtr[i + 1]!; e++) values[e] = aRows.values[e]! * s;
      }
    } else values.set(aRows.values.subarray(0, na), 0);
  }
  let o = rowPtr[p]!;
  for (let t = 0; t < k; t++) {
    const j = J[t]!;
    if (j < m) {
      const s = sC ? sC[j]! : 1;
      const c = cRows!;
      for (let e = c.rowPtr[j]!, end = c.rowPtr[j + 1]!; e < end; e++) {
        colIdx[o] = c.colIdx[e]!;
        values[o++] = c.values[e]! * s;
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

/** D = diag(1_n, s_A, s_J) (length n + p + |J|). */
export function scalingVector(inp: ReducedKktInput): Float64Array {
  const n = inp.P.ncols;
  const p = inp.A ? inp.A.nrows : 0;
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
 * What to assemble: the rows/columns of [P Bᵀ; B 0] that are kept, in their new numbering.
 * The full K_J keeps everything (varMap = rowSel = null).
 */
export interface KktSelection {
  /** variable i → its index in the assembled matrix, or −1 (dropped); increasing on the kept ones. null = identity */
  readonly varMap: Int32Array | null;
  /** kept variables, ascending (the inverse of varMap); null = all n */
  readonly vars: Int32Array | null;
  /** kept rows of B, ascending; null = all */
  readonly rowSel: Int32Array | null;
}

/**
 * Assemble K̃ = D K D / s for K = [P_RR  B_TRᵀ; B_TR 0], R = kept variables, T = kept rows of B
 * (the whole K_J when nothing is dropped).
 *   P       n×n (both triangles when CSC)
 *   B       rows of D_B B (all p + k rows)
 *   sel     kept variables / rows
 *   D       length nR + |T|: 1 for the variables, the row scales of the kept rows (not modified, stored)
 *   p, k    the split of the |T| rows recorded in the result (p + k = |T|)
 *   form    'sparse' → upper-triangle CSC (explicit zero diagonal on every row, so the pattern
 *           depends only on the patterns of P, B and on the selection); 'dense' → row-major
 */
export function assembleKkt(P: Matrix, B: BRows, sel: KktSelection, D: Float64Array, p: number, k: number, form: 'sparse' | 'dense'): ReducedKkt {
  const nFull = P.ncols;
  const { varMap, vars, rowSel } = sel;
  const n = vars ? vars.length : nFull;
  const rB = rowSel ? rowSel.length : B.rowPtr.length - 1;
  const N = n + rB;
  const { rowPtr: bPtr, colIdx: bCol, values: bVal } = B;

  if (form === 'sparse') {
    // count
    const colPtr = new Int32Array(N + 1);
    if (P.format === 'csc') {
      const pp = P.colPtr;
      const pi = P.rowIdx;
      for (let jn = 0; jn < n; jn++) {
        const j = vars ? vars[jn]! : jn;
        let cnt = 1; // diagonal (explicit zero if not stored)
        for (let e = pp[j]!, end = pp[j + 1]!; e < end; e++) {
          const i = pi[e]!;
          if (i < j && (!varMap || varMap[i]! >= 0)) cnt++;
        }
        colPtr[jn + 1] = colPtr[jn]! + cnt;
      }
    } else {
      for (let jn = 0; jn < n; jn++) colPtr[jn + 1] = colPtr[jn]! + jn + 1;
    }
    for (let t = 0; t < rB; t++) {
      const r = rowSel ? rowSel[t]! : t;
      let cnt = 1;
      if (varMap) {
        for (let e = bPtr[r]!, end = bPtr[r + 1]!; e < end; e++) if (varMap[bCol[e]!]! >= 0) cnt++;
      } else cnt += bPtr[r + 1]! - bPtr[r]!;
      colPtr[n + t + 1] = colPtr[n + t]! + cnt;
    }
    const nz = colPtr[N]!;
    const rowIdx = new Int32Array(nz);
    const values = new Float64Array(nz);
    let o = 0;
    if (P.format === 'csc') {
      const pp = P.colPtr;
      const pi = P.rowIdx;
      const pv = P.values;
      for (let jn = 0; jn < n; jn++) {
        const j = vars ? vars[jn]! : jn;
        let diag = 0;
        for (let e = pp[j]!, end = pp[j + 1]!; e < end; e++) {
          const i = pi[e]!;
          if (i < j) {
            const inew = varMap ? varMap[i]! : i;
            if (inew >= 0) {
              rowIdx[o] = inew;
              values[o++] = pv[e]!;
            }
          } else if (i === j) diag = pv[e]!;
        }
        rowIdx[o] = jn;
        values[o++] = diag;
      }
    } else {
      const pd = P.data;
      for (let jn = 0; jn < n; jn++) {
        const j = vars ? vars[jn]! : jn;
        for (let in_ = 0; in_ < jn; in_++) {
          const i = vars ? vars[in_]! : in_;
          rowIdx[o] = in_;
          values[o++] = pd[i * nFull + j]!;
        }
        rowIdx[o] = jn;
        values[o++] = pd[j * nFull + j]!;
      }
    }
    for (let t = 0; t < rB; t++) {
      const r = rowSel ? rowSel[t]! : t;
      for (let e = bPtr[r]!, end = bPtr[r + 1]!; e < end; e++) {
        const c = varMap ? varMap[bCol[e]!]! : bCol[e]!;
        if (c >= 0) {
          rowIdx[o] = c;
          values[o++] = bVal[e]!;
        }
      }
      rowIdx[o] = n + t;
      values[o++] = 0;
    }
    return finishSparseKkt(colPtr, rowIdx, values, n, p, k, D);
  }

  const data = new Float64Array(N * N);
  if (P.format === 'csc') {
    for (let jn = 0; jn < n; jn++) {
      const j = vars ? vars[jn]! : jn;
      for (let e = P.colPtr[j]!; e < P.colPtr[j + 1]!; e++) {
        const i = varMap ? varMap[P.rowIdx[e]!]! : P.rowIdx[e]!;
        if (i >= 0) data[i * N + jn] = P.values[e]!;
      }
    }
  } else {
    for (let in_ = 0; in_ < n; in_++) {
      const i = vars ? vars[in_]! : in_;
      for (let jn = 0; jn < n; jn++) data[in_ * N + jn] = P.data[i * nFull + (vars ? vars[jn]! : jn)]!;
    }
  }
  for (let t = 0; t < rB; t++) {
    const r = rowSel ? rowSel[t]! : t;
    const row = n + t;
    for (let e = bPtr[r]!; e < bPtr[r + 1]!; e++) {
      const c = varMap ? varMap[bCol[e]!]! : bCol[e]!;
      if (c < 0) continue;
      data[row * N + c] = bVal[e]!;
      data[c * N + row] = bVal[e]!;
    }
  }
  return finishDenseKkt(data, n, p, k, D);
}

/** +1 for the n primal rows, −1 for the others. */
function kktSigns(n: number, N: number): Int8Array {
  const signs = new Int8Array(N);
  signs.fill(1, 0, n);
  signs.fill(-1, n, N);
  return signs;
}

/**
 * The ReducedKkt of an assembled upper triangle of D K D (N = n + p + k, values modified: divided
 * by s = max |value|), with ‖K̃‖∞.
 */
export function finishSparseKkt(colPtr: Int32Array, rowIdx: Int32Array, values: Float64Array, n: number, p: number, k: number, D: Float64Array): ReducedKkt {
  const N = colPtr.length - 1;
  const nz = colPtr[N]!;
  let maxAbs = 0;
  for (let e = 0; e < nz; e++) {
    const a = Math.abs(values[e]!);
    if (a > maxAbs) maxAbs = a;
  }
  const s = maxAbs > 0 ? maxAbs : 1;
  const inv = 1 / s;
  // scale, and ‖K̃‖∞ of the symmetric matrix from its upper triangle
  const rs = new Float64Array(N);
  for (let j = 0; j < N; j++) {
    let cs = 0;
    for (let e = colPtr[j]!, end = colPtr[j + 1]!; e < end; e++) {
      const v = values[e]! * inv;
      values[e] = v;
      const a = Math.abs(v);
      cs += a;
      const i = rowIdx[e]!;
      if (i !== j) rs[i] += a;
    }
    rs[j] += cs;
  }
  let normInf = 0;
  for (let i = 0; i < N; i++) if (rs[i]! > normInf) normInf = rs[i]!;
  const upper: CscMatrix = { format: 'csc', nrows: N, ncols: N, colPtr, rowIdx, values };
  return { n, p, k, N, D, scale: s, signs: kktSigns(n, N), upper, dense: null, normInf };
}

/** The ReducedKkt of an assembled dense D K D (N×N row-major, modified: divided by s). */
export function finishDenseKkt(data: Float64Array, n: number, p: number, k: number, D: Float64Array): ReducedKkt {
  const N = D.length;
  let maxAbs = 0;
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
  const dense: DenseMatrix = { format: 'dense', nrows: N, ncols: N, data };
  return { n, p, k, N, D, scale: s, signs: kktSigns(n, N), upper: null, dense, normInf };
}

const FULL_SELECTION: KktSelection = { varMap: null, vars: null, rowSel: null };

/**
 * Assemble K̃ for the given active set (the whole K_J).
 *   form  'sparse' → upper-triangle CSC (explicit zero diagonal kept on every row, so the
 *         pattern depends only on the patterns of P, A, C and on J); 'dense' → row-major.
 */
export function assembleReducedKkt(inp: ReducedKktInput, form: 'sparse' | 'dense'): ReducedKkt {
  const p = inp.A ? inp.A.nrows : 0;
  return assembleKkt(inp.P, assembleBRows(inp), FULL_SELECTION, scalingVector(inp), p, inp.J.length, form);
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

function sameArray(a: Int32Array | Uint8Array, b: Int32Array | Uint8Array): boolean {
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
  /** definite-variable mask the ordering was computed with (kktOrdering) */
  readonly mask: Uint8Array;
  readonly shared: SharedLdl;
}

/**
 * A symbolic analysis shared by several factored K_J of the same pattern. SparseLdl holds ONE
 * numeric factorization, so each user (a KktSolver) takes ownership before solving: when another
 * forward pass refactored the object in the meantime, the solver factors its own values again
 * (bit-identical result) — an older forward result stays valid, at the price of a refactor.
 */
export class SharedLdl {
  /** the user whose values are currently factored */
  owner: object | null = null;
  /** the last factorization with this analysis was not usable (factorTrouble) */
  troubled = false;
  constructor(readonly ldl: SparseLdl) {}

  /** factor `values` for `owner` unless it already holds them */
  acquire(owner: object, values: Float64Array): SparseLdl {
    if (this.owner !== owner) {
      this.owner = null;
      this.ldl.factor(values);
      this.owner = owner;
    }
    return this.ldl;
  }
}

/**
 * Reuse of the symbolic analysis (ordering + elimination tree + nnz(L)) of the sparse K̃ across
 * calls. Key: the pattern of K̃, which is determined by the patterns of P, A, C and by J
 * (hashed, then compared exactly), and the mask of variables with P_vv ≠ 0 (the ordering
 * depends on it). A hit costs only the numeric factorization. Keeps the `capacity` most recently
 * used patterns (capacity 0: nothing kept, no hashing). The analysis is shared: see SharedLdl.
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
  sparseLdl(K: ReducedKkt, mask: Uint8Array, create: () => SparseLdl): SharedLdl {
    const U = K.upper!;
    if (this.capacity <= 0) {
      // nothing is kept: no need to hash the pattern
      const shared = new SharedLdl(create());
      this.analyses++;
      return shared;
    }
    const hash = hashPattern(K.n, K.p, U);
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.hash === hash && e.n === K.n && e.p === K.p && sameArray(e.colPtr, U.colPtr) && sameArray(e.rowIdx, U.rowIdx) && sameArray(e.mask, mask)) {
        if (i > 0) {
          this.entries.splice(i, 1);
          this.entries.unshift(e);
        }
        this.hits++;
        return e.shared;
      }
    }
    const shared = new SharedLdl(create());
    this.analyses++;
    this.entries.unshift({ hash, n: K.n, p: K.p, colPtr: U.colPtr, rowIdx: U.rowIdx, mask, shared });
    if (this.entries.length > this.capacity) this.entries.length = this.capacity;
    return shared;
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

/**
 * ‖K̃⁻¹‖₁ estimate (Hager's method with Higham's alternating probe) for a SYMMETRIC K̃ (a lower
 * bound, usually within a small factor). `probe`: also try a fixed pseudo-random ±1 vector
 * (one more solve; catches a null direction the structured probes are orthogonal to).
 */
export function estimateInverseNorm1(solve: (x: Float64Array) => Float64Array, N: number, probe = false): number {
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
  est = Math.max(est, (2 * na) / (3 * N));
  if (probe) {
    // x_i = ±1 from a fixed linear congruential sequence: ‖K̃⁻¹x‖₁ / ‖x‖₁ is a lower bound too
    const xr = new Float64Array(N);
    let h = 0x2545f491;
    for (let i = 0; i < N; i++) {
      h = (Math.imul(h, 1103515245) + 12345) >>> 0;
      xr[i] = h & 0x10000 ? 1 : -1;
    }
    const yr = solve(xr);
    let nr = 0;
    for (let i = 0; i < N; i++) nr += Math.abs(yr[i]!);
    if (!Number.isFinite(nr)) return Infinity;
    est = Math.max(est, nr / N);
  }
  return est;
}

function allFinite(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
}

/**
 * Back to the original units: out_i = x_i · D_i / scale (x solves the scaled K̃; D, x length N).
 * Throws LinearAlgebraError on a non-finite entry.
 */
function unscaledSolution(x: Float64Array, D: Float64Array, scale: number): Float64Array {
  const out = new Float64Array(D.length);
  const inv = 1 / scale;
  for (let i = 0; i < D.length; i++) out[i] = x[i]! * D[i]! * inv;
  if (!allFinite(out)) throw new LinearAlgebraError('reduced KKT solve produced a non-finite value (the system is too ill-conditioned)');
  return out;
}

function norm2(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

function normInfVec(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return m;
}

/** solve on the unit-scale K̃ */
type InnerSolve = (rhs: Float64Array) => Float64Array;

/**
 * The upper triangle (CSC, diagonal always stored) of a dense K̃ (entries that are exactly zero
 * off the diagonal are left out).
 */
function denseToUpper(M: DenseMatrix): CscMatrix {
  const N = M.ncols;
  const a = M.data;
  const colPtr = new Int32Array(N + 1);
  for (let j = 0; j < N; j++) {
    let c = 1;
    for (let i = 0; i < j; i++) if (a[i * N + j] !== 0) c++;
    colPtr[j + 1] = colPtr[j]! + c;
  }
  const rowIdx = new Int32Array(colPtr[N]!);
  const values = new Float64Array(colPtr[N]!);
  let o = 0;
  for (let j = 0; j < N; j++) {
    for (let i = 0; i < j; i++) {
      const v = a[i * N + j]!;
      if (v !== 0) {
        rowIdx[o] = i;
        values[o++] = v;
      }
    }
    rowIdx[o] = j;
    values[o++] = a[j * N + j]!;
  }
  return { format: 'csc', nrows: N, ncols: N, colPtr, rowIdx, values };
}

/** K̃ with its sparse (upper triangle) form. */
function withUpper(K: ReducedKkt): ReducedKkt {
  return K.upper ? K : { ...K, upper: denseToUpper(K.dense!), dense: null };
}

/**
 * The regularized least-squares machinery for K̃ (sparse form): an LDLᵀ of the quasi-definite
 * M = K̃ + δS, shared through the cache like the other LDLᵀ, for the first δ of LSQ_DELTAS whose
 * factorization refines well (RegularizedLstsq.refinementRate ≤ LSQ_MAX_REFINEMENT_RATE; the
 * growth of the LDLᵀ is ~‖K̃‖/δ, so a small δ can be too small for a given K̃). AMD ordering:
 * any ordering factors a quasi-definite matrix, and AMD gave 2–10× less fill than kktOrdering with
 * the same accuracy on Maros–Meszaros K_J, and did not break down on CONT-101 where kktOrdering
 * did. A dynamic regularization replaces the rare pivot that rounding pushes below δ/10 (the
 * refinement inside RegularizedLstsq corrects for it). Throws LinearAlgebraError when no
 * factorization is usable.
 */
function regularizedLstsq(K: ReducedKkt, cache: KktFactorCache | null): RegularizedLstsq {
  const U = K.upper!;
  const c = cache ?? new KktFactorCache(0);
  const applyK = (x: Float64Array, y: Float64Array): void => {
    cscSymUpperMatVec(U, x, y);
  };
  let last: RegularizedLstsq | null = null;
  for (let level = 0; level < LSQ_DELTAS.length; level++) {
    const delta = LSQ_DELTAS[level]!;
    const shared = regularizedAnalysis(K, c, level);
    c.factorizations++;
    const owner = {};
    let d: Float64Array;
    try {
      d = shared.acquire(owner, U.values).diagonal();
    } catch (e) {
      if (!(e instanceof LinearAlgebraError)) throw e;
      continue;
    }
    if (!allFinite(d)) continue;
    const lsq = new RegularizedLstsq(K.N, applyK, (b) => shared.acquire(owner, U.values).solve(b), K.signs, K.normInf, { delta });
    last = lsq;
    if (lsq.refinementRate() <= LSQ_MAX_REFINEMENT_RATE) return lsq;
  }
  if (last) return last;
  throw new LinearAlgebraError('no regularized LDLᵀ of the reduced KKT matrix could be computed');
}

/** analyses made for one K̃ object (the fill check and the regularized path share them even without a cache) */
const analysisMemo = new WeakMap<ReducedKkt, Map<number, SharedLdl>>();

/** The (cached) symbolic analysis of K̃ + δS for δ = LSQ_DELTAS[level], AMD order; K̃ sparse form. */
function regularizedAnalysis(K: ReducedKkt, cache: KktFactorCache, level: number): SharedLdl {
  let memo = analysisMemo.get(K);
  const hit = memo?.get(level);
  if (hit) return hit;
  const delta = LSQ_DELTAS[level]!;
  const key = new Uint8Array(K.n + 1);
  key[K.n] = 3 + level; // analysis kind: regularized with this δ, AMD (the mask does not enter)
  const shared = cache.sparseLdl(K, key, () =>
    SparseLdl.analyze(K.upper!, { ordering: 'amd', signs: K.signs, staticReg: delta, dynamicReg: { eps: 0.1 * delta, delta }, refineSteps: 0 }),
  );
  if (!memo) analysisMemo.set(K, (memo = new Map()));
  memo.set(level, shared);
  return shared;
}

/** MINRES (minimum-length variant) on K̃: the last resort when no factorization works. */
function minresInner(K: ReducedKkt): InnerSolve {
  const apply = (x: Float64Array, y: Float64Array): void => {
    kktMatVec(K, x, y);
  };
  return (rhs) => symmetricMinres(apply, K.N, rhs, { tol: 1e-12, maxIter: 20 * K.N }).x;
}

/**
 * Minimum-norm least squares with K̃ (unit scale) and the kind that names it: for N ≤
 * LSTSQ_DENSE_LIMIT the dense complete orthogonal decomposition (rank cutoff `rcond` relative to
 * the largest pivot of the pivoted QR, factored on the first solve and kept — it used to be
 * recomputed for every right-hand side), else RegularizedLstsq (two passes; its LDLᵀ is computed
 * here), or MINRES when no regularized factorization can be computed.
 */
function leastSquaresInner(K: ReducedKkt, rcond: number, cache: KktFactorCache | null): { kind: KktSolverKind; inner: InnerSolve } {
  if (K.N <= LSTSQ_DENSE_LIMIT) {
    if (K.N === 0) return { kind: 'lstsq-dense', inner: () => new Float64Array(0) };
    // factored on the first solve (none may come: the duals can be the solver's), then kept
    let cod: DenseCod | null = null;
    return { kind: 'lstsq-dense', inner: (rhs) => (cod ??= DenseCod.factor(kktDense(K), Math.max(rcond, K.N * 2.220446049250313e-16))).solve(rhs) };
  }
  const Ks = withUpper(K);
  try {
    const lsq = regularizedLstsq(Ks, cache);
    return { kind: 'lstsq-sparse', inner: (rhs) => lsq.solve(rhs).x };
  } catch (e) {
    if (!(e instanceof LinearAlgebraError)) throw e;
    return { kind: 'lstsq-minres', inner: minresInner(K) };
  }
}

/**
 * The sparse path estimates the condition number only when min|d_i| / max|d_i| of the LDLᵀ
 * pivots is below this (or a pivot was regularized).
 */
export const PIVOT_SPREAD_CHECK = 1e-8;

/** a sparse LDLᵀ pivot (of the unit-scale K̃) this small was decided by the static shift δ */
export const TINY_PIVOT = 100 * SPARSE_STATIC_REG;

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
    private readonly cache: KktFactorCache | null = null,
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
        this.lsq ??= leastSquaresInner(this.K, this.rcond, this.cache).inner;
        x = this.lsq(gt);
        leastSquares = true;
      }
    }
    return { x: unscaledSolution(x, D, scale), leastSquares };
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
  /**
   * 'sparse-ldl' only: when the sparse factorization fails or its pivots are suspicious and
   * N ≤ DENSE_RETRY_LIMIT, use the dense path instead (set for linearSolver 'auto'); default false
   */
  readonly denseRetry?: boolean;
}

/**
 * a kktOrdering analysis with nnz(L) above FILL_CHECK_MIN and FILL_CHECK_RATIO times that of AMD
 * on K̃ (+ δS) is not factored (see factorReducedKkt). Measured: BOYD2 30M vs 70K; CONT-201
 * 15.5M / 18.9M vs 3.6M ('matched' / 'all', both then failing with ~57K tiny pivots: 3.8 s); on
 * CONT-200 'all' (5.8M vs 3.5M, ratio 1.7) factors fine and is kept.
 */
export const FILL_CHECK_MIN = 2_000_000;
export const FILL_CHECK_RATIO = 4;

/** largest N for which 'auto' retries a troubled sparse LDLᵀ with the dense path */
export const DENSE_RETRY_LIMIT = 300;

/**
 * Why a sparse LDLᵀ of K̃ (n primal, m constraint rows) is not usable, or '' when it is:
 *  - inertia other than (n, m): K̃ singular (or the ordering met a zero pivot);
 *  - a pivot with |d| ≤ TINY_PIVOT (decided by the static shift δ) or replaced by the dynamic
 *    regularization: K̃ singular, or a structure an LDLᵀ without pivoting cannot handle in this
 *    order (zero diagonal entries of P, cancellation). An estimate of ‖K̃⁻¹‖ cannot decide this
 *    case: the inverse of the regularized factors is capped near 1/δ, only 100× above the
 *    singularity threshold, and Hager's lower bound falls short of it.
 */
function factorTrouble(ldl: SparseLdl, n: number, m: number): string {
  if (ldl.positivePivots !== n || ldl.negativePivots !== m) return `inertia (${ldl.positivePivots}, ${ldl.negativePivots}) instead of (${n}, ${m})`;
  const d = ldl.diagonal();
  let dMin = Infinity;
  for (let i = 0; i < d.length; i++) dMin = Math.min(dMin, Math.abs(d[i]!));
  if (ldl.regularizedPivots > 0 || dMin <= TINY_PIVOT) {
    return `pivot ${dMin.toExponential(1)} at the regularization level${ldl.regularizedPivots > 0 ? ` (${ldl.regularizedPivots} regularized)` : ''}`;
  }
  return '';
}

/** K̃ in dense form (the same matrix, D, s). */
function toDenseKkt(K: ReducedKkt): ReducedKkt {
  return { ...K, upper: null, dense: kktDense(K) };
}

/**
 * Fill-reducing ordering of K̃ that keeps the LDLᵀ pivots away from zero.
 *
 * Base order: mode 'matched', AMD of K̃; mode 'all', AMD of the VARIABLE graph pattern(P + BᵀB)
 * (n nodes: two variables are adjacent when P couples them or a row of B contains both; rows
 * with more than max(16, 10√n) entries are left out of the graph, like AMD's dense rows) — the
 * graph the elimination of K̃ acts on once each row is placed after its variables, and a smaller
 * one than K̃ (N nodes); when that graph would be much larger than K̃ (long rows), AMD of K̃.
 *
 * Then each node is held back until it is READY and placed right after the node that made it
 * ready:
 *   - a variable with P_vv ≠ 0 ("definite") is always ready;
 *   - a constraint row, mode 'all': once all its definite variables are placed; mode 'matched':
 *     once its MATCHED variable is placed (matchRowsByMagnitude: distinct definite variables,
 *     each row preferring an entry within a factor 2 of its largest; unmatched rows as in
 *     'all'); a row without
 *     definite variables: once one of its variables is placed. With the variable-graph base
 *     order rows are placed as soon as they are ready; with the AMD order of K̃ a row AMD puts
 *     later keeps its place;
 *   - a variable with P_vv = 0 is ready once one of its rows is placed.
 * Rows with more than max(16, 10√n) variables never become ready. Nodes that never become ready
 * (long rows, structurally singular K̃) end the order, in base order.
 *
 * 'all' bounds the pivots (below) at the price of fill: a row waiting for all its variables
 * collects their neighbourhoods (random sparse family, n = 4600: nnz(L) 7.7M against 3.9M).
 * 'matched' (the default) eliminates each row right after one variable — a 2×2-like pivot —
 * with about the fill of AMD; its matched entry being among the row's largest keeps the updates
 * b_u / b_v of the row's other variables ≤ 2 in magnitude (mesh KKT: pivots in [8e-5, 2] where
 * the first-free-variable choice gave [1e-13, 8e11]). factorReducedKkt falls back to 'all'
 * when a 'matched' factorization has pivots at the regularization level.
 *
 * Why: AMD alone happily eliminates a constraint row (zero diagonal, few neighbours) before its
 * variables; its pivot is then the regularization −δ, the L entries are B/δ and the
 * factorization loses most digits. Deferring a row until after only ONE of its variables v
 * avoids the zero pivot but not the instability: its other variables u then receive updates
 * with factors b_u / b_v, and on rows with entries of different magnitudes (the cone rows of the
 * geometry QP) pivots of 1e-13 next to 1e11 appear. With every row after all its definite
 * variables, a leading block that contains row c contains them all, so for P positive definite
 * the variable pivots are Schur complements of P on the null space of the rows placed so far
 * (positive, bounded below) and the row pivots those of negative definite −B P⁻¹ Bᵀ-type
 * matrices: a tiny pivot means (nearly) dependent rows. A variable with P_vv = 0 (an LP-like
 * column) would have a zero pivot before its rows; after one of them, its pivot is
 * −b²/(row pivot) > 0. The elimination-tree postorder that SparseLdl applies keeps descendants
 * before ancestors, so these precedences survive it.
 *   U         upper triangle of K̃ (N×N), the n primal rows first, diagonal stored (not modified)
 *   n         number of primal rows
 *   definite  optional precomputed definiteVariables(U, n)
 *   mode      'matched' (default) or 'all' 
 * Returns perm (length N): perm[k] = node eliminated k-th. Cost: AMD + O(nnz(U) + Σ_short rows |c|²).
 */
export function kktOrdering(
  U: CscMatrix,
  n: number,
  definite: Uint8Array = definiteVariables(U, n),
  mode: KktOrderingMode = 'matched',
): Int32Array {
  const N = U.ncols;
  const r = N - n;
  if (r <= 0 || n === 0) return amdOrder(U);
  const { colPtr, rowIdx } = U;
  // constraint rows are columns n..N−1 of U: their variables are the entries with row index < n.
  // need[t]: how many more placements row t waits for
  const need = new Int32Array(r);
  const rowLen = new Int32Array(r);
  const rowHasDefinite = new Uint8Array(r);
  const varPtr = new Int32Array(n + 1);
  for (let t = 0; t < r; t++) {
    let def = 0;
    let any = 0;
    for (let e = colPtr[n + t]!, end = colPtr[n + t + 1]!; e < end; e++) {
      const v = rowIdx[e]!;
      if (v < n) {
        any++;
        if (definite[v]) def++;
        varPtr[v + 1]++;
      }
    }
    need[t] = def > 0 ? def : any > 0 ? 1 : 0;
    rowLen[t] = any;
    rowHasDefinite[t] = def > 0 ? 1 : 0;
  }
  for (let v = 0; v < n; v++) varPtr[v + 1] += varPtr[v]!;
  // the base order: 'matched' AMD of K̃; 'all' AMD of the variable graph (or of K̃ when too big)
  const longRow = Math.max(16, 10 * Math.sqrt(n));
  const G = mode === 'all' ? variableGraph(U, n, rowLen, longRow, 4 * colPtr[N]! + 2 * N) : null;
  const base = G ? amdOrder(G) : amdOrder(U);
  const rowsByReadiness = G !== null;
  // 'matched': a row with a matched variable waits for that variable only
  let match: Int32Array | null = null;
  if (mode === 'matched') {
    const pos = new Int32Array(N);
    for (let k = 0; k < N; k++) pos[base[k]!] = k;
    match = matchRowsByMagnitude(U, n, definite, pos);
    for (let t = 0; t < r; t++) if (match[t]! >= 0) need[t] = 1;
  }
  // long rows (more than longRow variables) are never moved forward: they end the order. Placed
  // after one (or all) of their variables they would be eliminated early and couple everything
  // they touch (BOYD2: nine rows of 4000–11000 entries made nnz(L) 30M ('matched') and 41M
  // ('all') where AMD of K̃ needs 70K)
  for (let t = 0; t < r; t++) {
    if (rowLen[t]! > longRow) {
      need[t] = LONG_ROW_HOLD;
      if (match) match[t] = -1;
    }
  }
  // varRows: the rows of each variable (in base order of the rows when rows have a base position)
  const varRows = new Int32Array(varPtr[n]!);
  const fill = varPtr.slice(0, n);
  const addRow = (c: number): void => {
    for (let e = colPtr[c]!, end = colPtr[c + 1]!; e < end; e++) {
      const v = rowIdx[e]!;
      if (v < n) varRows[fill[v]!++] = c - n;
    }
  };
  if (rowsByReadiness) for (let c = n; c < N; c++) addRow(c);
  else for (let k = 0; k < N; k++) if (base[k]! >= n) addRow(base[k]!);

  // state: 0 not reached, 1 held (reached, not ready), 2 placed (or queued)
  const state = new Uint8Array(N);
  const activated = new Uint8Array(n); // zero-diagonal variable: one of its rows is placed
  const order = new Int32Array(N);
  const queue = new Int32Array(N);
  let o = 0;
  for (let k = 0; k < base.length; k++) {
    const x0 = base[k]!;
    if (state[x0] !== 0) continue;
    const isReady = x0 < n ? definite[x0] === 1 || activated[x0] === 1 : need[x0 - n] === 0;
    if (!isReady) {
      state[x0] = 1;
      continue;
    }
    // place x0, then (breadth first) every node its placement makes ready that may go now
    let head = 0;
    let tail = 0;
    queue[tail++] = x0;
    state[x0] = 2;
    while (head < tail) {
      const x = queue[head++]!;
      order[o++] = x;
      if (x < n) {
        const def = definite[x] === 1;
        for (let e = varPtr[x]!, end = varPtr[x + 1]!; e < end; e++) {
          const t = varRows[e]!;
          if (need[t] === 0) continue;
          // a row waits for its matched variable, or its definite variables, or (none) any one
          const mt = match ? match[t]! : -1;
          if (mt >= 0 ? mt === x : def || rowHasDefinite[t] === 0) need[t]!--;
          const st = state[n + t]!;
          if (need[t] === 0 && (st === 1 || (st === 0 && rowsByReadiness))) {
            state[n + t] = 2;
            queue[tail++] = n + t;
          }
        }
      } else {
        for (let e = colPtr[x]!, end = colPtr[x + 1]!; e < end; e++) {
          const v = rowIdx[e]!;
          if (v >= n || definite[v] === 1 || activated[v] === 1) continue;
          activated[v] = 1;
          if (state[v] === 1) {
            state[v] = 2;
            queue[tail++] = v;
          }
        }
      }
    }
  }
  // never placed (held, or rows without a base position that never became ready): base order
  for (let k = 0; k < base.length; k++) {
    const x = base[k]!;
    if (state[x] === 1) order[o++] = x;
  }
  if (rowsByReadiness) for (let c = n; c < N; c++) if (state[c] !== 2) order[o++] = c;
  return order;
}

/** `need` of a long row in kktOrdering: never ready (it ends the order) */
const LONG_ROW_HOLD = 1 << 30;

/** How kktOrdering decides when a constraint row may be eliminated (see there). */
export type KktOrderingMode = 'matched' | 'all';

/**
 * A matching of the constraint rows of K̃ to distinct definite variables (P_vv ≠ 0). Each row
 * prefers, among its entries within a factor MATCH_MAGNITUDE of its largest, the variable
 * eliminated first in `pos` (little fill, and updates b_u / b_v of the row's other variables
 * bounded by 1/MATCH_MAGNITUDE), then its other entries by decreasing magnitude. Greedy in the
 * order of the rows in `pos`, then augmenting paths (Kuhn) for the rows left over.
 *   U  upper triangle of K̃; n primal rows; definite  definiteVariables(U, n)
 *   pos  position of every node in the base order (length N)
 * Returns match[t] = variable of row t, or −1.
 */
export function matchRowsByMagnitude(U: CscMatrix, n: number, definite: Uint8Array, pos: Int32Array): Int32Array {
  const N = U.ncols;
  const r = N - n;
  const { colPtr, rowIdx, values } = U;
  // candidates of each row: its definite variables with a nonzero entry, in preference order
  const cPtr = new Int32Array(r + 1);
  for (let t = 0; t < r; t++) {
    let c = 0;
    for (let e = colPtr[n + t]!, end = colPtr[n + t + 1]!; e < end; e++) {
      const v = rowIdx[e]!;
      if (v < n && definite[v] === 1 && values[e] !== 0) c++;
    }
    cPtr[t + 1] = cPtr[t]! + c;
  }
  const cand = new Int32Array(cPtr[r]!);
  const key = new Float64Array(cPtr[r]!);
  for (let t = 0; t < r; t++) {
    const lo = cPtr[t]!;
    let o = lo;
    let mx = 0;
    for (let e = colPtr[n + t]!, end = colPtr[n + t + 1]!; e < end; e++) {
      const v = rowIdx[e]!;
      if (v < n && definite[v] === 1 && values[e] !== 0) {
        cand[o] = v;
        key[o++] = Math.abs(values[e]!);
        mx = Math.max(mx, Math.abs(values[e]!));
      }
    }
    // sort key: large entries first by position (key < N), the others by decreasing magnitude
    for (let i = lo; i < o; i++) key[i] = key[i]! >= MATCH_MAGNITUDE * mx ? pos[cand[i]!]! : N + 1 + (1 - key[i]! / mx);
    sortByKey(cand, key, lo, o);
  }
  const match = new Int32Array(r).fill(-1);
  const owner = new Int32Array(n).fill(-1);
  const rowOrder = new Int32Array(r);
  let q = 0;
  {
    // rows in base order
    const byPos = new Int32Array(N).fill(-1);
    for (let t = 0; t < r; t++) byPos[pos[n + t]!] = t;
    for (let k = 0; k < N; k++) if (byPos[k]! >= 0) rowOrder[q++] = byPos[k]!;
  }
  for (let s = 0; s < r; s++) {
    const t = rowOrder[s]!;
    for (let e = cPtr[t]!, end = cPtr[t + 1]!; e < end; e++) {
      const v = cand[e]!;
      if (owner[v] === -1) {
        owner[v] = t;
        match[t] = v;
        break;
      }
    }
  }
  // augmenting paths (iterative DFS) for the rows left unmatched
  const visited = new Int32Array(n).fill(-1);
  const stackRow = new Int32Array(r);
  const stackEdge = new Int32Array(r);
  const viaVar = new Int32Array(r);
  for (let s = 0; s < r; s++) {
    const root = rowOrder[s]!;
    if (match[root] !== -1 || cPtr[root + 1] === cPtr[root]) continue;
    let top = 0;
    stackRow[0] = root;
    stackEdge[0] = cPtr[root]!;
    let found = -1;
    while (top >= 0 && found < 0) {
      const t = stackRow[top]!;
      if (stackEdge[top]! >= cPtr[t + 1]!) {
        top--;
        continue;
      }
      const v = cand[stackEdge[top]!++]!;
      if (visited[v] === root) continue;
      visited[v] = root;
      viaVar[top] = v;
      const o = owner[v]!;
      if (o === -1) found = top;
      else {
        top++;
        stackRow[top] = o;
        stackEdge[top] = cPtr[o]!;
      }
    }
    if (found < 0) continue;
    for (let i = found; i >= 0; i--) {
      const t = stackRow[i]!;
      const v = viaVar[i]!;
      match[t] = v;
      owner[v] = t;
    }
  }
  return match;
}

/** a row's matched entry is chosen among those with |b| ≥ MATCH_MAGNITUDE · max |b| when possible */
export const MATCH_MAGNITUDE = 0.5;

/** Sort a[lo, hi) by increasing key[lo, hi) (both permuted; insertion sort for short ranges). */
function sortByKey(a: Int32Array, key: Float64Array, lo: number, hi: number): void {
  const len = hi - lo;
  if (len <= 1) return;
  if (len <= 32) {
    for (let i = lo + 1; i < hi; i++) {
      const kv = key[i]!;
      const av = a[i]!;
      let j = i - 1;
      while (j >= lo && key[j]! > kv) {
        key[j + 1] = key[j]!;
        a[j + 1] = a[j]!;
        j--;
      }
      key[j + 1] = kv;
      a[j + 1] = av;
    }
    return;
  }
  const idx = Array.from({ length: len }, (_, i) => lo + i);
  idx.sort((x, y) => key[x]! - key[y]! || a[x]! - a[y]!);
  const av = idx.map((i) => a[i]!);
  const kv = idx.map((i) => key[i]!);
  for (let i = 0; i < len; i++) {
    a[lo + i] = av[i]!;
    key[lo + i] = kv[i]!;
  }
}

/**
 * Pattern of P + BᵀB restricted to the variables (strictly upper triangle, rows of a column
 * not sorted: what amdOrder reads), as an n×n CSC (values zero), from the upper triangle U of
 * K̃; rows with more than `longRow` variables are left out. Returns null when the pattern could
 * hold more than `budget` entries.
 */
function variableGraph(U: CscMatrix, n: number, rowLen: Int32Array, longRow: number, budget: number): CscMatrix | null {
  const N = U.ncols;
  const { colPtr, rowIdx } = U;
  // upper bound of the size: P entries twice + Σ over short rows of |c|²
  let bound = 0;
  for (let j = 0; j < n; j++) bound += 2 * (colPtr[j + 1]! - colPtr[j]!);
  for (let t = 0; t < rowLen.length; t++) if (rowLen[t]! <= longRow) bound += rowLen[t]! * rowLen[t]!;
  if (bound > budget) return null;
  // adjacency of P (both directions) and the short rows of each variable
  const pPtr = new Int32Array(n + 1);
  for (let j = 0; j < n; j++) {
    for (let e = colPtr[j]!, end = colPtr[j + 1]!; e < end; e++) {
      const i = rowIdx[e]!;
      if (i < j) {
        pPtr[i + 1]++;
        pPtr[j + 1]++;
      }
    }
  }
  const rPtr = new Int32Array(n + 1);
  for (let c = n; c < N; c++) {
    if (rowLen[c - n]! > longRow) continue;
    for (let e = colPtr[c]!, end = colPtr[c + 1]!; e < end; e++) if (rowIdx[e]! < n) rPtr[rowIdx[e]! + 1]++;
  }
  for (let v = 0; v < n; v++) {
    pPtr[v + 1] += pPtr[v]!;
    rPtr[v + 1] += rPtr[v]!;
  }
  const pAdj = new Int32Array(pPtr[n]!);
  const pFill = pPtr.slice(0, n);
  for (let j = 0; j < n; j++) {
    for (let e = colPtr[j]!, end = colPtr[j + 1]!; e < end; e++) {
      const i = rowIdx[e]!;
      if (i < j) {
        pAdj[pFill[i]!++] = j;
        pAdj[pFill[j]!++] = i;
      }
    }
  }
  const vRows = new Int32Array(rPtr[n]!);
  const rFill = rPtr.slice(0, n);
  for (let c = n; c < N; c++) {
    if (rowLen[c - n]! > longRow) continue;
    for (let e = colPtr[c]!, end = colPtr[c + 1]!; e < end; e++) if (rowIdx[e]! < n) vRows[rFill[rowIdx[e]!]!++] = c;
  }
  // union per variable, two passes (count, fill) with a marker
  const mark = new Int32Array(n).fill(-1);
  const gPtr = new Int32Array(n + 1);
  const visit = (v: number, out: Int32Array | null, o: number): number => {
    mark[v] = v;
    for (let e = pPtr[v]!, end = pPtr[v + 1]!; e < end; e++) {
      const w = pAdj[e]!;
      if (w < v && mark[w] !== v) {
        mark[w] = v;
        if (out) out[o] = w;
        o++;
      }
    }
    for (let e = rPtr[v]!, end = rPtr[v + 1]!; e < end; e++) {
      const c = vRows[e]!;
      for (let g = colPtr[c]!, gend = colPtr[c + 1]!; g < gend; g++) {
        const w = rowIdx[g]!;
        if (w < v && mark[w] !== v) {
          mark[w] = v;
          if (out) out[o] = w;
          o++;
        }
      }
    }
    return o;
  };
  for (let v = 0; v < n; v++) gPtr[v + 1] = visit(v, null, gPtr[v]!);
  const gIdx = new Int32Array(gPtr[n]!);
  mark.fill(-1);
  for (let v = 0; v < n; v++) visit(v, gIdx, gPtr[v]!);
  return { format: 'csc', nrows: n, ncols: n, colPtr: gPtr, rowIdx: gIdx, values: new Float64Array(gIdx.length) };
}

/**
 * Variables whose diagonal entry of K̃ (= P̃_vv, unit scale) exceeds TINY_PIVOT in magnitude.
 *   U  upper triangle of K̃ with the diagonal stored; n primal rows
 * Returns a 0/1 mask of length n.
 */
export function definiteVariables(U: CscMatrix, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const { colPtr, rowIdx, values } = U;
  for (let v = 0; v < n; v++) {
    const end = colPtr[v + 1]!;
    // the diagonal is the last entry of an upper-triangle column (rows sorted)
    for (let e = end - 1; e >= colPtr[v]!; e--) {
      const i = rowIdx[e]!;
      if (i === v) {
        if (Math.abs(values[e]!) > TINY_PIVOT) out[v] = 1;
        break;
      }
      if (i < v) break;
    }
  }
  return out;
}

/** Why K_J was declared singular (for warnings), or null. */
export interface FactorDiagnosis {
  readonly solver: KktSolver;
  readonly singularReason: string | null;
}

/**
 * K̃ declared singular: every solve is a minimum-norm least-squares one (leastSquaresInner).
 *   reason  why (for the warning), null when decided by the caller (|J| + p > n, or the user's
 *           linearSolver 'lstsq')
 */
function lstsqSolver(K: ReducedKkt, reason: string | null, rcond: number, cache: KktFactorCache | null): FactorDiagnosis {
  const { kind, inner } = leastSquaresInner(K, rcond, cache);
  return { solver: new ScaledKktSolver(kind, true, K, inner, false, rcond, cache), singularReason: reason };
}

/** A fixed generic probe vector: ±(1 + i/N) with pseudo-random signs (a linear congruential sequence). */
function probeVector(N: number): Float64Array {
  const v = new Float64Array(N);
  let h = 0x1f2e3d4c;
  for (let i = 0; i < N; i++) {
    h = (Math.imul(h, 1664525) + 1013904223) >>> 0;
    v[i] = (h & 0x8000 ? 1 : -1) * (1 + i / Math.max(1, N));
  }
  return v;
}

/**
 * A K̃ whose sparse LDLᵀ was in trouble (`reason`) and N > LSTSQ_DENSE_LIMIT: decide with the
 * regularized factorization whether it is really singular. A generic probe vector with a
 * component outside range(K̃) (more than NULL_PROBE_TOL of its norm), or a condition number
 * above 1/singularTol (a one-solve bound, then Hager's estimate when that is not conclusive),
 * means singular ('lstsq-sparse', every solve least squares);
 * otherwise K̃ is nonsingular and solved with the regularized factorization ('regularized-ldl':
 * the orderings of kktOrdering can fail on a nonsingular K̃, e.g. CONT-101, where pivots at
 * the 1e-14 level appear although a random right-hand side is consistent to 1e-11).
 * Used by factorReducedKkt; exported for tests. K̃ in either form (not modified).
 */
export function probedSolver(K: ReducedKkt, reason: string, opts: FactorOptions): FactorDiagnosis {
  const Ks = withUpper(K);
  let lsq: RegularizedLstsq;
  try {
    lsq = regularizedLstsq(Ks, opts.cache);
  } catch (e) {
    if (!(e instanceof LinearAlgebraError)) throw e;
    return { solver: new ScaledKktSolver('lstsq-minres', true, K, minresInner(K), false, opts.singularTol, opts.cache), singularReason: `${reason}; ${e.message}` };
  }
  const probe = lsq.nullComponent(probeVector(K.N));
  if (!probe.converged || probe.fraction > NULL_PROBE_TOL) {
    const why = probe.converged ? `${probe.fraction.toExponential(1)} of a probe vector is outside the range` : 'the range of K_J could not be resolved';
    return { solver: new RegularizedKktSolver('lstsq-sparse', true, Ks, lsq), singularReason: `${reason}; ${why}` };
  }
  const solver = new RegularizedKktSolver('regularized-ldl', false, Ks, lsq);
  // the condition number against 1/singularTol: one solve with a random vector v gives the lower
  // bound ‖K̃⁻¹v‖/‖v‖ of ‖K̃⁻¹‖₂, rarely more than ~√N below it; with a margin of 10√N below the
  // threshold K̃ is accepted, otherwise Hager's estimate decides (about 8 more solves)
  const v = probeVector(K.N);
  const once = lsq.solve(v, true).x;
  const bound = (norm2(once) / norm2(v)) * K.normInf;
  if (!(bound * 10 * Math.sqrt(K.N) <= 1 / opts.singularTol)) {
    const est = estimateInverseNorm1((x) => lsq.solve(x, true).x, K.N, true);
    const cond = Math.max(est * K.normInf, bound);
    if (!(cond <= 1 / opts.singularTol)) {
      return { solver: new RegularizedKktSolver('lstsq-sparse', true, Ks, lsq), singularReason: `${reason}; estimated condition number ${cond.toExponential(1)}` };
    }
  }
  return { solver, singularReason: null };
}

/**
 * Solves with K̃ through RegularizedLstsq (the LDLᵀ of K̃ + δS preconditioning a Krylov method).
 * Singular K̃ ('lstsq-sparse'): the minimum-norm least-squares solution, leastSquares = true.
 * Nonsingular K̃ ('regularized-ldl'): the range pass alone (K̃ x = g̃ is consistent); a solve whose
 * residual misses SOLVE_RESIDUAL_TOL is redone as least squares and reported.
 */
class RegularizedKktSolver implements KktSolver {
  readonly N: number;
  constructor(
    readonly kind: KktSolverKind,
    readonly singular: boolean,
    private readonly K: ReducedKkt,
    private readonly lsq: RegularizedLstsq,
  ) {
    this.N = K.N;
  }

  solve(g: Float64Array): KktSolveResult {
    const { N, D, scale } = this.K;
    const gt = new Float64Array(N);
    for (let i = 0; i < N; i++) gt[i] = g[i]! * D[i]!;
    let leastSquares = this.singular;
    let x: Float64Array;
    if (this.singular) x = this.lsq.solve(gt).x;
    else {
      x = this.lsq.solve(gt, true).x;
      const r = new Float64Array(N);
      kktMatVec(this.K, x, r);
      let res = 0;
      for (let i = 0; i < N; i++) res = Math.max(res, Math.abs(gt[i]! - r[i]!));
      if (!(res <= SOLVE_RESIDUAL_TOL * (this.K.normInf * normInfVec(x) + normInfVec(gt)))) {
        x = this.lsq.solve(gt).x;
        leastSquares = true;
      }
    }
    return { x: unscaledSolution(x, D, scale), leastSquares };
  }
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
  if (opts.method === 'lstsq') return lstsqSolver(K, null, opts.singularTol, cache);

  if (opts.method === 'sparse-ldl') {
    const U = K.upper!;
    // for 'auto' and small K̃, a factorization in trouble is retried with the dense path (LDLᵀ,
    // then LU with partial pivoting, which handles e.g. zero diagonal entries of P)
    // otherwise, for N ≤ LSTSQ_DENSE_LIMIT the dense least squares; above, the regularized
    // factorization decides whether K̃ is singular (a pivot in trouble is not proof: probedSolver);
    // an ill-conditioned K̃ (estimated condition number) is singular by definition
    const failed = (reason: string, illConditioned = false): FactorDiagnosis =>
      opts.denseRetry && N <= DENSE_RETRY_LIMIT
        ? factorReducedKkt(toDenseKkt(K), { ...opts, method: 'dense' })
        : illConditioned || N <= LSTSQ_DENSE_LIMIT
          ? lstsqSolver(K, reason, opts.singularTol, cache)
          : probedSolver(K, reason, opts);
    const mask = definiteVariables(U, n);
    // ordering 'matched' (less fill) first; when its factorization is in trouble, 'all' (every
    // row after all its definite variables: more fill, pivots bounded for P ≻ 0)
    let shared: SharedLdl | null = null;
    let ldl: SparseLdl | null = null;
    let trouble = '';
    const owner = {};
    for (const mode of ['matched', 'all'] as const) {
      const key = new Uint8Array(n + 1);
      key.set(mask);
      key[n] = mode === 'matched' ? 1 : 2;
      const sh = cache.sparseLdl(K, key, () =>
        SparseLdl.analyze(U, {
          ordering: kktOrdering(U, n, mask, mode),
          signs: K.signs,
          staticReg: SPARSE_STATIC_REG,
          dynamicReg: { eps: SPARSE_STATIC_REG * 0.01, delta: 1e-8 },
          refineSteps: 0,
        }),
      );
      // a cached 'matched' analysis that failed before on this pattern: go to 'all' directly
      if (mode === 'matched' && sh.troubled) continue;
      // an ordering with far more fill than AMD of K̃ (measured symbolically, before any numeric
      // work) is not tried: BOYD2 got nnz(L) = 30M from kktOrdering against 70K from AMD, and
      // 67 s of factorizations that failed anyway; the regularized path (AMD) takes over
      if (sh.ldl.nnzL > FILL_CHECK_MIN) {
        const amdNnz = regularizedAnalysis(K, cache, 0).ldl.nnzL;
        if (sh.ldl.nnzL > FILL_CHECK_RATIO * amdNnz) {
          sh.troubled = true;
          trouble = `the constraint-aware ordering fills ${sh.ldl.nnzL} entries of L against ${amdNnz} for AMD`;
          continue;
        }
      }
      cache.factorizations++;
      let f: SparseLdl;
      try {
        f = sh.acquire(owner, U.values);
      } catch (e) {
        if (!(e instanceof LinearAlgebraError)) throw e;
        sh.troubled = true;
        trouble = `sparse LDLᵀ failed (${e.message})`;
        continue;
      }
      trouble = factorTrouble(f, n, p + k);
      sh.troubled = trouble !== '';
      if (trouble === '') {
        shared = sh;
        ldl = f;
        break;
      }
    }
    if (!shared || !ldl) return failed(trouble);
    const inner: InnerSolve = (rhs) => shared.acquire(owner, U.values).solve(rhs);
    const solver = new ScaledKktSolver('sparse-ldl', false, K, inner, true, opts.singularTol, cache);
    // pivots spread over more than PIVOT_SPREAD_CHECK: estimate the condition number (~8
    // solves); below that spread K̃ is well conditioned and nothing more is done
    if (pivotSpread(ldl.diagonal()) < PIVOT_SPREAD_CHECK) {
      if (opts.denseRetry && N <= DENSE_RETRY_LIMIT) return factorReducedKkt(toDenseKkt(K), { ...opts, method: 'dense' });
      const est = estimateInverseNorm1(inner, N, true);
      if (!(est * K.normInf <= maxCond)) return failed(`estimated condition number ${(est * K.normInf).toExponential(1)}`, true);
    }
    return { solver, singularReason: null };
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
        return { solver: new ScaledKktSolver('dense-ldl', false, K, inner, true, opts.singularTol, cache), singularReason: null };
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
    return lstsqSolver(K, `LU rcond ${rcond.toExponential(1)} (LDLᵀ: ${ldlReason})`, opts.singularTol, cache);
  }
  return { solver: new ScaledKktSolver('dense-lu', false, K, (rhs) => lu.solve(rhs), true, opts.singularTol, cache), singularReason: null };
}

/** Resolve LinearSolverChoice 'auto' for a problem with P of format `pFormat` and size N. */
export function resolveMethod(choice: 'auto' | 'sparse-ldl' | 'dense' | 'lstsq', pFormat: Matrix['format'], N: number): 'sparse-ldl' | 'dense' | 'lstsq' {
  if (choice !== 'auto') return choice;
  if (pFormat === 'dense' || N <= AUTO_DENSE_LIMIT) return 'dense';
  return 'sparse-ldl';
}
