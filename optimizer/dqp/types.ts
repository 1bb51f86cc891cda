/**
 * Public types of the dQP layer (docs/dqp-layer.md): options, forward result, cotangents, gradients.
 *
 *   z*(θ) = argmin ½ zᵀPz + qᵀz  s.t.  Az = b (p rows),  Cz ≤ d (m rows),  lb ≤ z ≤ ub
 *
 * Forward: any registered QP solver gives z* (and maybe λ*, μ*); the active set
 *   J = { j : (Cz* − d)_j ≥ −ε_J }
 * selects the rows of C that hold with equality; the reduced KKT matrix
 *
 *   K_J = [ P    Aᵀ   C_Jᵀ ]      size N = n + p + |J|, symmetric indefinite
 *         [ A    0    0    ]      (n positive and p + |J| negative eigenvalues
 *         [ C_J  0    0    ]       at a non-degenerate point)
 *
 * is factored once. Backward: for cotangents g = (g_z, g_λ, g_μJ) solve K_J w = g and
 * (d_z, d_λ, d_μ) = −w, then ∇q = d_z, ∇P = ½(d_z zᵀ + z d_zᵀ), ∇b = −d_λ, ∇A = d_λ zᵀ + λ d_zᵀ,
 * ∇d_J = −d_μ, ∇C_J = d_μ zᵀ + μ_J d_zᵀ (rows of C outside J get zero gradient).
 *
 * Bounds lb ≤ z ≤ ub are handled as extra inequality rows (−z_i ≤ −lb_i and z_i ≤ ub_i for each
 * FINITE bound); their duals are returned as muLb / muUb and their gradients as vectors over
 * lb / ub (∇lb_i = −∇d of the row −z_i ≤ −lb_i, ∇ub_i = ∇d of the row z_i ≤ ub_i).
 *
 * Notation: the code of optimizer/dqp follows the model above (P, q, A, b, C, d, lb, ub; z, λ, μ;
 * n variables, p rows of A, m rows of C). Where it uses other names, they mean:
 *   lambda, mu          λ (length p), μ (length m, the rows of C)
 *   muLb, muUb          μ_lb, μ_ub: duals of the bound rows −z_i ≤ −lb_i, z_i ≤ ub_i (length n)
 *   rows                the inequality rows with their numbering (InequalityRows,
 *                       optimizer/qp/inequality-rows.ts): rows of C, then m + i for lb_i,
 *                       m + n + i for ub_i; `total` of them
 *   J, k                the active rows (ascending, that numbering) and k = |J|
 *   muJ                 μ_J, the duals of the active rows (length k, order of J)
 *   B                   [A; C_J], the constraint rows of K_J (bound rows as ∓e_iᵀ)
 *   N                   n + p + k, the size of K_J
 *   K̃, D, s (scale)     the factored K̃ = D K_J D / s (reduced-kkt.ts); sA, sC the row scales of
 *                       A and C in D (normalize.ts, or ones)
 *   g, w                cotangents (g_z, g_λ, g_μJ) and the solution of K_J w = g
 *   dz, dl, dm          d_z, d_λ, d_μ = −w, split like (z, λ, μ_J)
 *   K_R, eliminated     the reduced system after fixed/tied variables are removed (eliminate.ts)
 */
import type { QPSettings, QPSolution, QPStatus, WarmStart } from '../qp/types.ts';
import type { DqpContext } from './context.ts';

/** Names of the differentiable problem inputs. */
export type DqpParam = 'P' | 'q' | 'A' | 'b' | 'C' | 'd' | 'lb' | 'ub';

export const DQP_PARAMS: readonly DqpParam[] = ['P', 'q', 'A', 'b', 'C', 'd', 'lb', 'ub'];

/**
 * How K_J is factored.
 *  'auto'       dense when P is a DenseMatrix or N ≤ 64, otherwise 'sparse-ldl' (N: size of the
 *               system actually factored, after the elimination of fixed variables)
 *  'sparse-ldl' sparse LDLᵀ (AMD ordering, pivot signs, static regularization + iterative
 *               refinement against the unregularized K_J; inertia and conditioning checked)
 *  'dense'      dense LDLᵀ in the natural order (z first: a Cholesky of P then the Schur
 *               complement), falling back to LU with partial pivoting
 *  'lstsq'      always the minimum-norm least-squares solution (dense complete orthogonal
 *               decomposition for N ≤ 300, otherwise the regularized sparse method
 *               'lstsq-sparse' of KktSolverKind)
 * Whatever the choice, a K_J found singular is solved in the least-squares sense (flagged).
 */
export type LinearSolverChoice = 'auto' | 'sparse-ldl' | 'dense' | 'lstsq';

/**
 * Where λ, μ come from.
 *  'auto'   the solver's duals when it returns any (QPSolution.hasDuals), else completed from K_J
 *  'solver' the solver's duals (falls back to K_J, with a warning, when it returns none)
 *  'kkt'    always completed from K_J: (z̃, λ, μ_J) = K_J⁻¹ [−q; b; d_J], μ_j = 0 for j ∉ J
 *           (z̃ is used only for the duals; the returned z is the solver's)
 */
export type DualsMode = 'auto' | 'solver' | 'kkt';

export interface DqpOptions {
  /** registry name of the forward solver; default 'ipm' */
  readonly solver?: string;
  /** factorization of K_J; default 'auto' */
  readonly linearSolver?: LinearSolverChoice;
  /**
   * absolute / relative tolerance passed to the backend (settings.epsAbs / epsRel).
   * Defaults 1e-9 / 0: the active set is read off the primal solution with threshold
   * ε_J = 1e-5, so the forward solve must be clearly more accurate than ε_J.
   */
  readonly epsAbs?: number;
  readonly epsRel?: number;
  /** active-set threshold ε_J: row j is active when (Cz − d)_j ≥ −ε_J; default 1e-5 */
  readonly epsActive?: number;
  /**
   * a row j ∈ J is WEAKLY active (non-differentiable point) when
   * μ_j ≤ epsWeak · max(1, ‖μ_J‖∞); default = epsActive
   */
  readonly epsWeak?: number;
  /** origin of the duals; default 'auto' */
  readonly duals?: DualsMode;
  /**
   * scale each row of A and C to unit 2-norm before solving (rows with norm < 1e-7 keep
   * scale 1), so that ε_J compares distances; duals are returned for the ORIGINAL rows and
   * the gradients are those of the original problem. Default false.
   */
  readonly normalize?: boolean;
  /** paper App. B heuristic: grow J greedily while the reduced-system residual decreases; default false */
  readonly refineActiveSet?: boolean;
  /** initial point for the solver (DqpLayer fills it from the previous call when warmStart is on) */
  readonly warmStart?: WarmStart | null;
  /** inputs that get no gradient (and for which the backward keeps nothing); default none */
  readonly fixed?: readonly DqpParam[];
  /** check that P is symmetric and positive semidefinite (costly; throws InputError); default false */
  readonly checkP?: boolean;
  /** extra backend settings (maxIter, timeLimit, options, verbose...), passed through */
  readonly solverSettings?: Omit<QPSettings, 'epsAbs' | 'epsRel' | 'warmStart'>;
  /**
   * K_J is treated as singular (least squares) when its estimated 1-norm condition number
   * exceeds 1 / singularTol; default 1e-12
   */
  readonly singularTol?: number;
  /**
   * before factoring K_J, eliminate the variables FIXED by one-entry active rows (active bounds,
   * rows of C or A with one nonzero) and TIED by active two-entry rows of equal magnitudes
   * (b(z_u ± z_v) ≤ d, e.g. difference constraints), and recover their components exactly
   * (eliminate.ts): same derivatives, a much smaller system when many such rows are active
   * (simplex projection, chains). Default true; false always factors the full K_J.
   */
  readonly eliminateFixed?: boolean;
}

/** What happened at this point; every flag is also reported once through the warning handler. */
export interface DqpFlags {
  /** a weakly active row, |J| + p > n, or a singular K_J: derivatives are one-sided / least squares */
  readonly nonDifferentiable: boolean;
  /** K_J was solved in the least-squares sense (singular, or |J| + p > n, or linearSolver 'lstsq') */
  readonly leastSquares: boolean;
  /** λ, μ were computed from K_J (not taken from the solver) */
  readonly dualsCompleted: boolean;
  /** the App. B heuristic changed the active set */
  readonly activeSetRefined: boolean;
  /** rows of J with μ_j ≈ 0 (indices into the rows of C, then m + i for lb_i, m + n + i for ub_i) */
  readonly weaklyActive: Int32Array;
  /** |J| + p > n */
  readonly overdetermined: boolean;
  /** the factorization found K_J singular (or ill-conditioned beyond singularTol) */
  readonly singular: boolean;
}

export interface DqpTimings {
  /** forward QP solve (the backend, wall clock) */
  readonly solveMs: number;
  /** active-set selection (and refinement) */
  readonly activeSetMs: number;
  /** assembly + factorization of K_J (+ dual completion) */
  readonly factorMs: number;
  readonly totalMs: number;
}

/**
 * Which factorization ended up used for K_J (reduced-kkt.ts).
 *  'sparse-ldl' / 'dense-ldl' / 'dense-lu'  K_J nonsingular, factored directly
 *  'regularized-ldl'  K_J nonsingular although its sparse LDLᵀ met pivots at the regularization
 *                     level: solved by a Krylov method preconditioned with an LDLᵀ of K̃ + δS
 *  'lstsq-dense'      K_J singular, N ≤ 300: minimum-norm least squares by a dense complete
 *                     orthogonal decomposition
 *  'lstsq-sparse'     K_J singular, N > 300: minimum-norm least squares by the same
 *                     regularized Krylov method (RegularizedLstsq, optimizer/linalg/lsq.ts)
 *  'lstsq-minres'     last resort when no regularized factorization could be computed
 */
export type KktSolverKind = 'sparse-ldl' | 'dense-ldl' | 'dense-lu' | 'regularized-ldl' | 'lstsq-dense' | 'lstsq-sparse' | 'lstsq-minres';

export interface DqpForwardResult {
  readonly status: QPStatus;
  /** length n, the solver's primal solution (zeros when the solver returned a non-finite one) */
  readonly z: Float64Array;
  /** length p, equality duals */
  readonly lambda: Float64Array;
  /** length m, inequality duals, exactly 0 outside the active set */
  readonly mu: Float64Array;
  /** length n bound duals (0 where inactive or infinite); null when the problem has no bounds */
  readonly muLb: Float64Array | null;
  readonly muUb: Float64Array | null;
  /** active rows of C, ascending */
  readonly active: Int32Array;
  /** variables whose finite lower / upper bound is active, ascending (empty when no bounds) */
  readonly activeLb: Int32Array;
  readonly activeUb: Int32Array;
  readonly flags: DqpFlags;
  readonly timings: DqpTimings;
  /** the raw solver output (its residuals, iterations, objective) */
  readonly solution: QPSolution;
  /** factorization of K_J used for K_J; null when the forward failed (no finite z) */
  readonly kktSolver: KktSolverKind | null;
  /**
   * variables fixed or tied by short active rows and eliminated from K_J before factoring (one
   * per eliminating row; option eliminateFixed; `kktSolver` then names the factorization of the
   * remaining system); 0 when the full K_J was factored
   */
  readonly eliminated: number;
  /** opaque: the K_J factorization and what the backward needs; null when not differentiable at all */
  readonly context: DqpContext | null;
}

/** Cotangents (∂loss/∂output). Omitted entries are zero. */
export interface DqpCotangents {
  /** length n */
  readonly z?: Float64Array | null;
  /** length p */
  readonly lambda?: Float64Array | null;
  /** length m; entries outside J are ignored (μ_j ≡ 0 there, with zero derivative) */
  readonly mu?: Float64Array | null;
  /** length n each; entries of inactive bounds are ignored */
  readonly muLb?: Float64Array | null;
  readonly muUb?: Float64Array | null;
}

/**
 * Gradients of the loss with respect to the inputs. Absent: the input is fixed, or absent from
 * the problem. Matrices: CSC input → the gradient on the STORED pattern, same length and order
 * as `values` (explicit zeros kept); dense input → row-major nrows×ncols like `data`.
 */
export interface DqpGradients {
  readonly P?: Float64Array;
  readonly q?: Float64Array;
  readonly A?: Float64Array;
  readonly b?: Float64Array;
  readonly C?: Float64Array;
  readonly d?: Float64Array;
  /** length n, zero where lb_i = −∞ */
  readonly lb?: Float64Array;
  /** length n, zero where ub_i = +∞ */
  readonly ub?: Float64Array;
  /** K_J w = g was solved in the least-squares sense (for this call) */
  readonly leastSquares: boolean;
  /**
   * the forward status was not 'solved' (max_iter, solved_inaccurate...): these are gradients at
   * the solver's last iterate, not at a verified solution (only with allowInexact; absent = false)
   */
  readonly inexact?: boolean;
}

/** Options of dqpBackward. */
export interface DqpBackwardOptions {
  /**
   * differentiate a forward pass whose solver status is not 'solved' (the gradients are then
   * flagged `inexact`); default false: such a backward throws InexactSolutionError
   */
  readonly allowInexact?: boolean;
}
