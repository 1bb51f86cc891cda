/**
 * The linear-system interface of the solvers: one symmetric (typically quasi-definite KKT) matrix
 * K whose sparsity pattern is fixed while its values change — the role of OSQP's `lin_sys`.
 *
 *   create     createLinearSystem(K, options): the symbolic work (ordering, elimination tree,
 *              storage) is done once for K's pattern; the regularization settings are fixed here.
 *   factor     sys.factor(values): numeric LDLᵀ of the matrix with `values` on that pattern
 *              (same length and order as K.values / K.data); repeatable without symbolic work.
 *   solve      sys.solve(rhs, out?): x = K⁻¹ rhs, refined against the UNREGULARIZED K when the
 *              factorization was regularized.
 *   inertia    sys.positivePivots / negativePivots / regularizedPivots: counted while factoring,
 *              so reading them costs nothing. For a KKT matrix [H Bᵀ; B −W] with n primal and m
 *              dual rows, inertia (n, m) without regularized pivots proves H + Bᵀ W⁻¹ B ≻ 0 on
 *              the factored values — the check the interior-point method, the ADMM, polishing and
 *              the dQP backward make, and the way to detect a non-convex P.
 *   factorChecked(sys, values, expected?) turns a factorization that fails (zero pivot, wrong
 *              inertia) into a status instead of an exception.
 *
 * Implementations: SparseLdl (ldl.ts; CSC, reads the upper triangle, plus solvePermuted and the
 * ordering `perm` for callers that work in the elimination order) and DenseLinearSystem
 * (linsys-dense.ts; row-major, reads the lower triangle). A full symmetric K works for both.
 *
 * Regularization (same semantics in both; signs[i] = expected sign of pivot i, +1 primal, −1 dual):
 *   static   d_i ← d_i + signs[i]·staticReg before elimination;
 *   dynamic  a pivot with signs[i]·d < eps (or exactly 0) becomes signs[i]·delta (counted in
 *            regularizedPivots); without signs the sign of d itself is used (+ for 0).
 * Without dynamic regularization a zero (or non-finite) pivot throws ZeroPivotError.
 */
import { LinearAlgebraError } from '../errors.ts';
import { SparseLdl } from './ldl.ts';
import type { LdlOptions } from './ldl.ts';
import { DenseLinearSystem } from './linsys-dense.ts';
import type { Matrix } from './types.ts';

/** Regularization and refinement settings, fixed when the system is created. */
export interface LinearSystemOptions {
  /** expected pivot sign (+1 / −1) per row, length n; required for staticReg > 0 */
  signs?: Int8Array | null;
  /** δ ≥ 0 added as signs[i]·δ to each diagonal entry before factoring (default 0) */
  staticReg?: number;
  /** a pivot d with signs[i]·d < eps (or d = 0) is replaced by signs[i]·delta (default: off) */
  dynamicReg?: { eps: number; delta: number } | null;
  /** max iterative-refinement steps of solve() against the unregularized K (default 3 when regularized, else 0) */
  refineSteps?: number;
}

/** A factored symmetric linear system on a fixed sparsity pattern (see the module comment). */
export interface LinearSystem {
  /** order of K */
  readonly n: number;
  /**
   * Numeric factorization with `values` on the fixed pattern (same length and order as the values
   * of the matrix given at creation; default: those values). `values` is not modified.
   * Throws LinearAlgebraError (ZeroPivotError) on a zero pivot without dynamic regularization,
   * InputError on a non-finite value, DimensionError on a wrong length.
   */
  factor(values?: Float64Array): this;
  /** x = K⁻¹ rhs (length n, not modified); out: length n, overwritten and returned (allocated if omitted) */
  solve(rhs: Float64Array, out?: Float64Array): Float64Array;
  /** pivots > 0 of the last factor() (after regularization) */
  readonly positivePivots: number;
  /** pivots < 0 of the last factor() (after regularization) */
  readonly negativePivots: number;
  /** pivots replaced by the dynamic regularization in the last factor() */
  readonly regularizedPivots: number;
  /** entries strictly below the diagonal of L (n(n−1)/2 for a dense factorization) */
  readonly nnzL: number;
  /** the pivots D of the last factor(), in elimination order (a copy) */
  diagonal(): Float64Array;
}

/** Expected inertia of a KKT matrix: `positive` primal rows, `negative` dual rows. */
export interface Inertia {
  readonly positive: number;
  readonly negative: number;
}

/** The outcome of factorChecked. */
export type FactorOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'singular' | 'inertia'; readonly message: string };

/** Whether the last factorization of sys has exactly the given inertia. */
export function hasInertia(sys: LinearSystem, expected: Inertia): boolean {
  return sys.positivePivots === expected.positive && sys.negativePivots === expected.negative;
}

/**
 * sys.factor(values) as a status: a LinearAlgebraError (zero pivot, structurally singular)
 * becomes { ok: false, reason: 'singular' }, and when `expected` is given an inertia other than it
 * becomes { ok: false, reason: 'inertia' }. Input errors (non-finite values, wrong length)
 * still throw: they are the caller's bug, not a property of the matrix.
 */
export function factorChecked(sys: LinearSystem, values?: Float64Array, expected?: Inertia): FactorOutcome {
  try {
    sys.factor(values);
  } catch (e) {
    if (e instanceof LinearAlgebraError) return { ok: false, reason: 'singular', message: e.message };
    throw e;
  }
  if (expected !== undefined && !hasInertia(sys, expected)) {
    return {
      ok: false,
      reason: 'inertia',
      message: `inertia (${sys.positivePivots}, ${sys.negativePivots}) instead of (${expected.positive}, ${expected.negative})`,
    };
  }
  return { ok: true };
}

/**
 * The LinearSystem for K: SparseLdl.analyze for a CSC matrix (upper triangle or full; `sparse`
 * adds its ordering/method options), DenseLinearSystem for a dense one. Symbolic work only: call
 * factor() before solve().
 */
export function createLinearSystem(K: Matrix, options: LinearSystemOptions = {}, sparse: Omit<LdlOptions, keyof LinearSystemOptions> = {}): LinearSystem {
  return K.format === 'csc' ? SparseLdl.analyze(K, { ...sparse, ...options }) : new DenseLinearSystem(K, options);
}
