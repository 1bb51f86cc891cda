/**
 * Differentiable row scaling of the constraints (the reference package's
 * "normalize constraints"): every row of A and C is divided by its 2-norm,
 *
 *   Â = S_A A,  b̂ = S_A b,   Ĉ = S_C C,  d̂ = S_C d,    S = diag(s),  s_i = 1 / ‖row_i‖₂
 *
 * (rows with ‖row_i‖₂ < 1e-7 keep s_i = 1). The scaled problem has the same solution z; its
 * duals are λ̂ = λ / s_A, μ̂ = μ / s_C, and the residual ŝ_j r_j of a scaled row is the signed
 * distance of z to the row's hyperplane, which is what ε_J then thresholds.
 *
 * Why the derivatives stay exact: the solution map θ ↦ (z, λ, μ) is the same function for the
 * scaled and the unscaled problem, so we differentiate the ORIGINAL problem. The scaling only
 * enters the reduced system as an exact similarity transform: with D = diag(I_n, S_A, S_CJ),
 *
 *   K̂_J = D K_J D    ⇒    K_J⁻¹ g = D K̂_J⁻¹ (D g),
 *
 * so a factorization of the better-conditioned K̂_J gives the original K_J's solves.
 */
import type { Matrix } from '../linalg/types.ts';
import { cscScale } from '../linalg/csc.ts';
import { matrixRowNorms2 } from '../linalg/matrix.ts';
import type { QPProblem } from '../qp/types.ts';

/** rows with a smaller 2-norm are not scaled */
export const NORMALIZE_MIN_ROW_NORM = 1e-7;

/**
 * Row scales s_i = 1/‖M_i‖₂ (or 1 when ‖M_i‖₂ < 1e-7).
 *   M  r×n, dense or CSC
 * Returns a new length-r array.
 */
export function rowScales(M: Matrix): Float64Array {
  const norms = matrixRowNorms2(M);
  const s = new Float64Array(M.nrows);
  for (let i = 0; i < M.nrows; i++) {
    const v = norms[i]!;
    s[i] = v < NORMALIZE_MIN_ROW_NORM ? 1 : 1 / v;
  }
  return s;
}

/** diag(s) M as a new matrix of the same format (pattern and entry order kept). */
export function scaleRows(M: Matrix, s: Float64Array): Matrix {
  if (M.format === 'csc') return cscScale(M, s, null);
  const { nrows, ncols } = M;
  const data = new Float64Array(M.data.length);
  for (let i = 0; i < nrows; i++) {
    const si = s[i]!;
    const o = i * ncols;
    for (let k = 0; k < ncols; k++) data[o + k] = M.data[o + k]! * si;
  }
  return { format: 'dense', nrows, ncols, data };
}

function scaleVec(v: Float64Array, s: Float64Array): Float64Array {
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * s[i]!;
  return out;
}

export interface RowNormalization {
  /** length p (empty when no A) */
  readonly sA: Float64Array;
  /** length m (empty when no C) */
  readonly sC: Float64Array;
  /** the scaled problem (P, q, lb, ub shared with the input) */
  readonly problem: QPProblem;
}

/** Scale the rows of A and C of `problem` (which is not modified). */
export function normalizeRows(problem: QPProblem): RowNormalization {
  const A = problem.A ?? null;
  const C = problem.C ?? null;
  const sA = A ? rowScales(A) : new Float64Array(0);
  const sC = C ? rowScales(C) : new Float64Array(0);
  const scaled: QPProblem = {
    P: problem.P,
    q: problem.q,
    A: A ? scaleRows(A, sA) : null,
    b: A && problem.b ? scaleVec(problem.b, sA) : (problem.b ?? null),
    C: C ? scaleRows(C, sC) : null,
    d: C && problem.d ? scaleVec(problem.d, sC) : (problem.d ?? null),
    lb: problem.lb ?? null,
    ub: problem.ub ?? null,
  };
  return { sA, sC, problem: scaled };
}

/** Duals of the scaled problem → duals of the original: λ = s_A ⊙ λ̂ (in place, returns v). */
export function unscaleDuals(v: Float64Array, s: Float64Array): Float64Array {
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * s[i]!;
  return v;
}
