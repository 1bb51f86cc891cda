/**
 * `admm`: an OSQP-style operator-splitting QP backend (Stellato, Banjac, Goulart, Bemporad, Boyd,
 * "OSQP: an operator splitting solver for quadratic programs", Math. Prog. Comp. 2020).
 *
 *   settings.ts   defaults and option names        data.ts      our model → l ≤ Ãx ≤ u, CSC kernels
 *   scaling.ts    Ruiz equilibration + cost scale  kkt.ts       quasi-definite KKT, analysed once
 *   algorithm.ts  ADMM iteration, termination, infeasibility, adaptive ρ
 *   polish.ts     active-set polishing             solve.ts     orchestration, dual conversion
 *
 * Default tolerances are OSQP's (epsAbs = epsRel = 1e-3); pass tighter ones for accurate solutions.
 * Polishing is on by default; `solution.polished` (AdmmSolution) says whether the returned point is
 * the polished active-set solution, `solution.info` reports ρ updates and factorization counts.
 *
 * Status rules: 'solved' when the ADMM termination test holds, or when polishing succeeded and the
 * polished point meets the tolerances (polishing is also tried when ADMM stops at maxIter: a
 * verified active-set solution is a solution); 'solved_inaccurate' when, at maxIter, only the
 * tolerances × inaccurateFactor hold; 'max_iter', 'time_limit', 'primal_infeasible' /
 * 'dual_infeasible' (with certificates, see AdmmSolution), 'numerical_error' (the KKT matrix could
 * not be factored with inertia (n, mT), i.e. P is not positive semidefinite, or non-finite iterates).
 */
import type { QPBackend } from '../../backend.ts';
import type { QPProblem, QPSettings } from '../../types.ts';
import { ADMM_OPTION_NAMES } from './settings.ts';
import { solveAdmm } from './solve.ts';
import type { AdmmSolution } from './solve.ts';

export type { AdmmInfo, AdmmSolution, PrimalInfeasibilityCertificate } from './solve.ts';
export type { AdmmOptions } from './settings.ts';
export type { PolishStatus } from './polish.ts';
export { ADMM_DEFAULTS, ADMM_OPTION_NAMES } from './settings.ts';
export { solveAdmm } from './solve.ts';

/** The backend object; `solve` returns the extended AdmmSolution. */
export interface AdmmBackend extends QPBackend {
  solve(problem: QPProblem, settings: QPSettings): AdmmSolution;
}

export const admmBackend: AdmmBackend = {
  name: 'admm',
  capabilities: {
    dense: true,
    sparse: true,
    duals: true,
    warmStart: true,
    maxPracticalSize: Infinity,
    description: 'OSQP-style ADMM (Ruiz scaling, adaptive rho, infeasibility detection, active-set polishing), sparse LDLᵀ',
  },
  optionNames: ADMM_OPTION_NAMES,
  isReady: () => true,
  solve: (problem: QPProblem, settings: QPSettings): AdmmSolution => solveAdmm(problem, settings),
};
