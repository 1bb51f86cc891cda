/**
 * Convexity of a QP, the rule every backend applies before it reports a solution.
 *
 * The QP  min ½zᵀPz + qᵀz  s.t.  Az = b, Cz ≤ d, lb ≤ z ≤ ub  is convex exactly when P is positive
 * semidefinite on the nullspace of A (inequalities and bounds do not enter: a non-convex
 * direction inside an inequality-bounded region still makes the QP non-convex, its KKT points
 * are saddles or local minima only). With a curvature tolerance τ > 0 and an equality
 * regularization δ > 0 the test is the inertia of the quasi-definite matrix
 *
 *   K = [ P + τI    Aᵀ  ]        n positive and p negative pivots  ⇔  P + τI + AᵀA/δ ≻ 0,
 *       [ A        −δI  ]
 *
 * which holds for a P that is PSD on null(A) (for δ small enough: Finsler's lemma) and fails for
 * any direction v ∈ null(A) with vᵀPv < −τ‖v‖². Convex problems with a singular P (LPs, rank-
 * deficient P) pass: P + τI is then positive definite on null(A). Indefinite curvature below τ
 * (relative to the scale of the equilibrated P) counts as zero.
 *
 * The ipm and admm backends apply this rule to their own equilibrated KKT matrix (one extra
 * numeric factorization with the symbolic analysis they already have); `convexOnEqualityNullspace`
 * below is the stand-alone version (its own equilibration and sparse LDLᵀ) used by the backends
 * that cannot expose a factorization (quadprog, dualas, highs). `diagonallyDominantPsd` is the
 * free sufficient test that skips the factorization for diagonal and diagonally dominant P
 * (LPs, Laplacians, ridge terms).
 */
import { cscRowCompressed, type RowCompressed } from '../../linalg/csc.ts';
import { createLinearSystem, factorChecked } from '../../linalg/linsys.ts';
import { toCsc } from '../../linalg/matrix.ts';
import { assembleQuasiDefinite } from '../../linalg/quasi-definite.ts';
import type { CscMatrix, Matrix } from '../../linalg/types.ts';
import type { QPProblem } from '../types.ts';

/** τ of the test, relative to the largest entry of the equilibrated P. */
export const CONVEXITY_CURVATURE_TOL = 1e-6;
/** δ of the test, relative to the equilibrated data (entries ≤ 1). */
export const CONVEXITY_EQUALITY_REG = 1e-8;

/**
 * Sufficient (not necessary) test of P ⪰ 0: a non-negative diagonal that dominates every row,
 * P_jj ≥ Σ_{i≠j} |P_ij| (Gershgorin). O(nnz). P: dense, or CSC with both triangles.
 */
export function diagonallyDominantPsd(P: Matrix): boolean {
  const n = P.ncols;
  if (P.format === 'dense') {
    for (let i = 0; i < n; i++) {
      let off = 0;
      const o = i * n;
      for (let j = 0; j < n; j++) if (j !== i) off += Math.abs(P.data[o + j]!);
      if (!(P.data[o + i]! >= off)) return false;
    }
    return true;
  }
  // symmetric: column sums equal row sums
  for (let j = 0; j < n; j++) {
    let off = 0;
    let diag = 0;
    for (let k = P.colPtr[j]!; k < P.colPtr[j + 1]!; k++) {
      if (P.rowIdx[k] === j) diag = P.values[k]!;
      else off += Math.abs(P.values[k]!);
    }
    if (!(diag >= off)) return false;
  }
  return true;
}

/** Ruiz passes of the stand-alone test's equilibration of [P Aᵀ; A 0]. */
const CHECK_RUIZ_PASSES = 10;

/**
 * Whether the QP is convex (P ⪰ 0 on null(A), the module comment's rule), on the unscaled problem:
 * a few Ruiz passes equilibrate [P Aᵀ; A 0], then one sparse LDLᵀ of the regularized K.
 * Cost: free when diagonallyDominantPsd(P); otherwise one symbolic analysis and one numeric
 * factorization of an (n + p)-square sparse matrix.
 */
export function convexOnEqualityNullspace(problem: Pick<QPProblem, 'P' | 'A'>): boolean {
  if (diagonallyDominantPsd(problem.P)) return true;
  const P = toCsc(problem.P);
  const n = P.ncols;
  const A = problem.A ? toCsc(problem.A) : null;
  const p = A ? A.nrows : 0;
  // Ruiz equilibration of the symmetric [P Aᵀ; A 0]: D (n) on the variables, E (p) on the rows of A
  const D = new Float64Array(n).fill(1);
  const E = new Float64Array(p).fill(1);
  const cn = new Float64Array(n);
  const rn = new Float64Array(p);
  for (let pass = 0; pass < CHECK_RUIZ_PASSES; pass++) {
    cn.fill(0);
    rn.fill(0);
    for (let j = 0; j < n; j++) {
      for (let k = P.colPtr[j]!; k < P.colPtr[j + 1]!; k++) {
        const v = Math.abs(P.values[k]! * D[P.rowIdx[k]!]! * D[j]!);
        if (v > cn[j]!) cn[j] = v;
      }
    }
    if (A) {
      for (let j = 0; j < n; j++) {
        for (let k = A.colPtr[j]!; k < A.colPtr[j + 1]!; k++) {
          const i = A.rowIdx[k]!;
          const v = Math.abs(A.values[k]! * E[i]! * D[j]!);
          if (v > cn[j]!) cn[j] = v;
          if (v > rn[i]!) rn[i] = v;
        }
      }
    }
    for (let j = 0; j < n; j++) if (cn[j]! > 0) D[j] = D[j]! / Math.sqrt(cn[j]!);
    for (let i = 0; i < p; i++) if (rn[i]! > 0) E[i] = E[i]! / Math.sqrt(rn[i]!);
  }
  let pMax = 0;
  for (let j = 0; j < n; j++) {
    for (let k = P.colPtr[j]!; k < P.colPtr[j + 1]!; k++) pMax = Math.max(pMax, Math.abs(P.values[k]! * D[P.rowIdx[k]!]! * D[j]!));
  }
  if (pMax === 0) return true;
  const tau = CONVEXITY_CURVATURE_TOL * pMax;
  // K = [D P D + τI, (E A D)ᵀ; E A D, −CONVEXITY_EQUALITY_REG·I] (upper triangle)
  const Ps: CscMatrix = { ...P, values: new Float64Array(P.values.length) };
  for (let j = 0; j < n; j++) {
    for (let k = P.colPtr[j]!; k < P.colPtr[j + 1]!; k++) Ps.values[k] = P.values[k]! * D[P.rowIdx[k]!]! * D[j]!;
  }
  let rows: RowCompressed | null = null;
  if (A) {
    const As: CscMatrix = { ...A, values: new Float64Array(A.values.length) };
    for (let j = 0; j < n; j++) {
      for (let k = A.colPtr[j]!; k < A.colPtr[j + 1]!; k++) As.values[k] = A.values[k]! * E[A.rowIdx[k]!]! * D[j]!;
    }
    rows = cscRowCompressed(As);
  }
  const { K, signs } = assembleQuasiDefinite(Ps, rows ?? EMPTY_ROWS, null, p, tau, () => -CONVEXITY_EQUALITY_REG);
  // an exactly zero pivot: P + τI singular on null(A), i.e. curvature −τ there
  return factorChecked(createLinearSystem(K, { signs }), K.values, { positive: n, negative: p }).ok;
}

/** The rows of a matrix without rows. */
const EMPTY_ROWS = { rowPtr: new Int32Array(1), colIdx: new Int32Array(0), values: new Float64Array(0) };
