/**
 * The reduced KKT system of an active set J (docs/dqp-layer.md#reduced-kkt):
 *
 *   K_J = [ P    Aᵀ   C_Jᵀ ]   unknowns ordered (z: n, λ: p, μ_J: k = |J|),  N = n + p + k
 *         [ A    0    0    ]
 *         [ C_J  0    0    ]
 *
 * Rows of C_J are the active inequality rows (InequalityRows numbering, optimizer/qp/inequality-rows.ts:
 * rows of C, then the bound rows −e_iᵀ / +e_iᵀ). K_J is symmetric INDEFINITE: at a non-degenerate point (P positive
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
 *
 * The module is split by concern; this file re-exports it:
 *   kkt-assembly.ts               B = [A; C_J] rows, K̃ in sparse / dense form, products, conversions
 *   kkt-cache.ts                  the symbolic-analysis cache (KktFactorCache, SharedLdl) on
 *                                 ../linalg/pattern-cache.ts
 *   kkt-solvers.ts                the solvers of K̃ (refined, regularized Krylov, least squares)
 *   kkt-factor.ts                 factorReducedKkt: the decision tree above, step by step
 *   ../linalg/kkt-ordering.ts     the constraint-aware fill-reducing ordering (kktOrdering)
 *   ../linalg/condition.ts        the condition estimate (estimateInverseNorm1)
 */
export {
  assembleBRows,
  assembleKkt,
  assembleReducedKkt,
  finishDenseKkt,
  finishSparseKkt,
  kktDense,
  kktMatVec,
  rowCompressed,
  scalingVector,
  toDenseKkt,
  withUpper,
  type BRows,
  type KktSelection,
  type ReducedKkt,
  type ReducedKktInput,
  type RowCompressed,
} from './kkt-assembly.ts';
export { KktFactorCache, SharedLdl } from './kkt-cache.ts';
export {
  LSQ_DELTAS,
  LSQ_MAX_REFINEMENT_RATE,
  LSTSQ_DENSE_LIMIT,
  MAX_REFINE_STEPS,
  SOLVE_RESIDUAL_TOL,
  type KktSolveResult,
  type KktSolver,
} from './kkt-solvers.ts';
export {
  AUTO_DENSE_LIMIT,
  DENSE_RETRY_LIMIT,
  factorReducedKkt,
  FILL_CHECK_MIN,
  FILL_CHECK_RATIO,
  NULL_PROBE_TOL,
  PIVOT_SPREAD_CHECK,
  probedSolver,
  resolveMethod,
  SPARSE_STATIC_REG,
  TINY_PIVOT,
  type FactorDiagnosis,
  type FactorOptions,
} from './kkt-factor.ts';
export { definiteVariables, kktOrdering, matchRowsByMagnitude, MATCH_MAGNITUDE, type KktOrderingMode } from '../linalg/kkt-ordering.ts';
export { estimateInverseNorm1 } from '../linalg/condition.ts';
