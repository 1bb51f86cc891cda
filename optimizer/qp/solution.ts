/**
 * The one place a backend's result becomes a QPSolution (types.ts): the point and counters a
 * backend found, plus what every backend reports the same way — the objective ½zᵀPz + qᵀz and the
 * residuals (residuals.ts) on the ORIGINAL problem, the bound duals only when the point has them.
 */
import { computeResiduals, objectiveValue } from './residuals.ts';
import type { QPProblem, QPResiduals, QPSolution, QPStatus } from './types.ts';

/** What a backend supplies for makeSolution (arrays are taken, not copied). */
export interface SolutionParts {
  readonly status: QPStatus;
  /** length n */
  readonly z: Float64Array;
  /** length p */
  readonly lambda: Float64Array;
  /** length m */
  readonly mu: Float64Array;
  /** length n each, or undefined (both) when the problem has no bounds */
  readonly muLb?: Float64Array | undefined;
  readonly muUb?: Float64Array | undefined;
  readonly iterations: number;
  readonly setupMs: number;
  readonly solveMs: number;
  /** the backend's name */
  readonly solver: string;
  readonly hasDuals: boolean;
  /** the objective when the backend has it already (default: objectiveValue(problem, z)) */
  readonly objective?: number;
  /** the residuals when the backend computed them already (default: computeResiduals of the point) */
  readonly residuals?: QPResiduals;
}

/** The QPSolution of a backend's point (objective and residuals computed unless given). */
export function makeSolution(problem: QPProblem, s: SolutionParts): QPSolution {
  const { z, lambda, mu, muLb, muUb } = s;
  return {
    status: s.status,
    z,
    lambda,
    mu,
    ...(muLb && muUb ? { muLb, muUb } : {}),
    objective: s.objective ?? objectiveValue(problem, z),
    iterations: s.iterations,
    setupMs: s.setupMs,
    solveMs: s.solveMs,
    residuals: s.residuals ?? computeResiduals(problem, z, lambda, mu, muLb, muUb),
    solver: s.solver,
    hasDuals: s.hasDuals,
  };
}
