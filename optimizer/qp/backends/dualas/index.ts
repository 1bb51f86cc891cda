/**
 * `dualas`: a dense dual active-set QP solver (Goldfarb–Idnani), written for strictly convex
 * QPs with dense data — the random dense benchmark family, small/medium control and learning
 * problems. Exact up to round-off: the result is the KKT point of the final working set.
 *
 *   minimize ½ zᵀPz + qᵀz   s.t.  Az = b,  Cz ≤ d,  lb ≤ z ≤ ub        (P positive DEFINITE)
 *
 * Method (Goldfarb & Idnani 1983; the same family as DAQP, Arnström–Bemporad–Axehill 2022):
 * start at the minimizer subject to the equalities (which never leave the working set) — dual
 * feasible with no inequality active — and repeatedly pick the most violated inequality
 * (violation / ‖row‖₂), move primal and dual variables so that it becomes satisfied, dropping
 * an active inequality whenever its multiplier would turn negative. Every iterate is dual
 * feasible (μ ≥ 0, stationarity holds), so the first primal-feasible iterate is optimal.
 *
 * Cost: one Cholesky of P (n³/3, GEMM-blocked), the QR of L⁻¹Aᵀ and J = L⁻ᵀQ for the
 * equalities (O(n³), mostly GEMM), then O(n·(n − p) + m·n) per active-set change (the Givens
 * rotations of J and the slack update). Memory ≈ 16·n² bytes (J, R) plus P's factor, and the
 * iteration's copies of J, C and L (store.ts; in the WebAssembly memory of the SIMD kernels).
 *
 * Layout:
 *   settings.ts  defaults + validation of QPSettings and the backend options
 *   kernels.ts   Cholesky, blocked triangular solves, Householder QR with rank skipping, compact
 *                WY, Givens coefficients (row-major Float64Array kernels)
 *   store.ts     the iteration's arrays (J column-major, copies of C and L) and its kernels:
 *                dot products and Givens chains, WebAssembly SIMD where available
 *   solver.ts    the iteration, the dual assembly
 *
 * Numerical safeguards: orthogonal factor updates only (Householder for the equalities, Givens
 * for every add/drop; the classic stable form J = L⁻ᵀQ, R triangular); linear dependence of a
 * new normal on the working set measured relative to ‖L⁻¹n‖ (options.depTol) — a dependent
 * violated row leads to a pure dual step that drops a constraint, or, when no multiplier can
 * absorb it, 'primal_infeasible'; dependent equality rows are skipped and checked for
 * consistency; Givens coefficients computed on scaled pairs (orthonormal even when entries of
 * Jᵀn underflow into the subnormal range, as they do after long runs of additions); slacks
 * recomputed from scratch periodically and before declaring optimality; the feasibility
 * tolerance never below the round-off floor of the slack (64ε·scale); a final KKT check
 * (stationarity and per-row feasibility) that turns 'solved' into 'solved_inaccurate' with a
 * warning if the point misses it.
 *
 * Statuses: 'solved'; 'solved_inaccurate' (the final check failed); 'primal_infeasible'
 * (inconsistent constraints); 'max_iter';
 * 'time_limit'; 'numerical_error' when P is not numerically positive definite (with a
 * one-time warning; a semidefinite P needs 'ipm' or 'admm'). n above options.maxSize (5000)
 * throws InputError. Warm start: the inequality rows with μ > 0 in settings.warmStart.mu (or,
 * without μ, the rows and bounds tight at settings.warmStart.z) are preferred when choosing the
 * next violated row; this shortens the path when the guess is good and never changes the result.
 *
 *   import { dualasBackend } from './optimizer/qp/backends/dualas/index.ts';
 *   solveQP(problem, { solver: 'dualas' })
 */
import type { QPBackend, SolverCapabilities } from '../../backend.ts';
import type { QPProblem, QPSettings, QPSolution } from '../../types.ts';
import { checkWarmStart, DUALAS_OPTION_NAMES, resolveSettings } from './settings.ts';
import { solveDualAs } from './solver.ts';

export { DUALAS_DEFAULTS, DUALAS_OPTION_NAMES, type DualAsSettings } from './settings.ts';

const capabilities: SolverCapabilities = {
  dense: true,
  sparse: false,
  duals: true,
  warmStart: true,
  maxPracticalSize: 3000,
  description:
    'our Goldfarb–Idnani dual active set, dense (Cholesky + Givens updates); P must be positive definite; exact; ~1 s at n = 1000 (bench dense)',
};

/** The dual active-set backend (always ready). */
export const dualasBackend: QPBackend = {
  name: 'dualas',
  capabilities,
  optionNames: DUALAS_OPTION_NAMES,
  isReady: () => true,
  solve(problem: QPProblem, settings: QPSettings): QPSolution {
    const st = resolveSettings(settings);
    checkWarmStart(st.warmStart, problem.P.ncols, problem.A ? problem.A.nrows : 0, problem.C ? problem.C.nrows : 0);
    return solveDualAs(problem, st);
  },
};
