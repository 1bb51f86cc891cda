/**
 * The QP model shared by every backend and by the dQP layer.
 *
 *   minimize    ½ zᵀ P z + qᵀ z
 *   subject to  A z  = b        (p rows, optional)
 *               C z ≤ d        (m rows, optional)
 *               lb ≤ z ≤ ub    (optional; ±Infinity entries mean "no bound")
 *
 * Dual sign convention (the same for every backend; adapters convert):
 *   P z + q + Aᵀ λ + Cᵀ μ − μ_lb + μ_ub = 0,   μ, μ_lb, μ_ub ≥ 0,
 *   μ ⊙ (C z − d) = 0,  μ_lb ⊙ (z − lb) = 0,  μ_ub ⊙ (ub − z) = 0.
 * λ is free. A bound written as a row of C (see boundsToRows) gets a μ with the same meaning.
 */
import type { Matrix } from '../linalg/types.ts';

export interface QPProblem {
  /**
   * n×n symmetric, dense or CSC with BOTH triangles stored; positive semidefinite on the
   * nullspace of A for a convex QP (otherwise backends report status 'non_convex')
   */
  readonly P: Matrix;
  /** length n */
  readonly q: Float64Array;
  /** p×n equality matrix, or null/undefined for none */
  readonly A?: Matrix | null;
  /** length p */
  readonly b?: Float64Array | null;
  /** m×n inequality matrix, or null/undefined for none */
  readonly C?: Matrix | null;
  /** length m */
  readonly d?: Float64Array | null;
  /** length n lower bounds (−Infinity = none) */
  readonly lb?: Float64Array | null;
  /** length n upper bounds (+Infinity = none) */
  readonly ub?: Float64Array | null;
}

/** Outcome of a solve. An outcome is not an error: bad input throws, outcomes are reported. */
export type QPStatus =
  | 'solved'
  | 'solved_inaccurate'
  | 'max_iter'
  | 'time_limit'
  | 'primal_infeasible'
  | 'dual_infeasible'
  /**
   * P is not positive semidefinite on the nullspace of A (the QP is not convex): z, λ, μ are not
   * a solution. Detected by every built-in backend (see backends/convexity.ts for the rule).
   */
  | 'non_convex'
  | 'numerical_error';

export interface WarmStart {
  readonly z?: Float64Array;
  readonly lambda?: Float64Array;
  readonly mu?: Float64Array;
}

/** Settings common to every backend. Backend-specific options go in `options`. */
export interface QPSettings {
  /** absolute tolerance on the residuals (default 1e-8 unless the backend says otherwise) */
  epsAbs?: number;
  /** relative tolerance on the residuals (default 1e-9 / backend default) */
  epsRel?: number;
  /** iteration limit */
  maxIter?: number;
  /** wall-clock limit in seconds (Infinity = none) */
  timeLimit?: number;
  /** print per-iteration progress to stderr */
  verbose?: boolean;
  /** initial primal/dual point */
  warmStart?: WarmStart | null;
  /** backend-specific options, passed through; unknown keys produce a warning */
  options?: Readonly<Record<string, unknown>>;
}

/** Residuals of a candidate solution (docs/dqp-layer.md#accuracy-metrics, paper App. G). */
export interface QPResiduals {
  /** r_p = max(‖Az − b‖∞, ‖[Cz − d]₊‖∞, bound violations) */
  readonly primal: number;
  /** r_d = ‖Pz + q + Aᵀλ + Cᵀμ − μ_lb + μ_ub‖∞ */
  readonly dual: number;
  /** r_g = |zᵀPz + qᵀz + bᵀλ + dᵀμ − lbᵀμ_lb + ubᵀμ_ub| */
  readonly gap: number;
}

export interface QPSolution {
  readonly status: QPStatus;
  /** length n */
  readonly z: Float64Array;
  /** length p, equality duals */
  readonly lambda: Float64Array;
  /** length m, inequality duals, ≥ 0 */
  readonly mu: Float64Array;
  /** length n bound duals (zero where the bound is infinite); absent when the problem has no bounds */
  readonly muLb?: Float64Array;
  readonly muUb?: Float64Array;
  /** ½zᵀPz + qᵀz */
  readonly objective: number;
  readonly iterations: number;
  readonly setupMs: number;
  readonly solveMs: number;
  readonly residuals: QPResiduals;
  /** the backend that produced it */
  readonly solver: string;
  /** whether the backend produced duals (false: λ, μ are zeros and must be completed) */
  readonly hasDuals: boolean;
}
