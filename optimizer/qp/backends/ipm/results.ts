/**
 * Results of the `ipm` backend: the scaled iterate of solver.ts mapped back to the user's space
 * and convention (types.ts):
 *
 *   z = D x̃,   λ = E_A ỹ / γ,   μ_i = E_G z̃_k / γ for the kept row i = ineqRows[k] (0 for rows
 *   with d = +∞),   μ_lb[j] = z̃_l / (γ D_j), μ_ub[j] = z̃_u / (γ D_j) at finite bounds (0 elsewhere),
 *
 * which satisfy P z + q + Aᵀλ + Cᵀμ − μ_lb + μ_ub = 0 at a solution, μ ≥ 0 (interior iterates
 * keep z̃ > 0). Residuals and objective are recomputed on the ORIGINAL data (residuals.ts).
 */
import { makeSolution } from '../../solution.ts';
import type { QPProblem, QPSolution, QPStatus } from '../../types.ts';
import type { QpData } from './data.ts';

export interface UnscaledPoint {
  readonly z: Float64Array;
  readonly lambda: Float64Array;
  readonly mu: Float64Array;
  readonly muLb: Float64Array | undefined;
  readonly muUb: Float64Array | undefined;
}

/** Map a scaled point (x̃, ỹ, z̃, z̃_l, z̃_u) to the user's space. Inputs not modified. */
export function unscalePoint(
  problem: QPProblem,
  data: QpData,
  x: Float64Array,
  y: Float64Array,
  zIneq: Float64Array,
  zl: Float64Array,
  zu: Float64Array,
): UnscaledPoint {
  const g = data.costScale;
  const z = new Float64Array(data.n);
  for (let j = 0; j < data.n; j++) z[j] = data.D[j]! * x[j]!;
  const lambda = new Float64Array(data.p);
  for (let i = 0; i < data.p; i++) lambda[i] = (data.EA[i]! * y[i]!) / g;
  const mu = new Float64Array(data.mOriginal);
  for (let k = 0; k < data.m; k++) mu[data.ineqRows[k]!] = Math.max(0, (data.EG[k]! * zIneq[k]!) / g);
  const hasBounds = !!(problem.lb || problem.ub);
  let muLb: Float64Array | undefined;
  let muUb: Float64Array | undefined;
  if (hasBounds) {
    muLb = new Float64Array(data.n);
    muUb = new Float64Array(data.n);
    for (let k = 0; k < data.nl; k++) {
      const j = data.lbIdx[k]!;
      muLb[j] = Math.max(0, zl[k]! / (g * data.D[j]!));
    }
    for (let k = 0; k < data.nu; k++) {
      const j = data.ubIdx[k]!;
      muUb[j] = Math.max(0, zu[k]! / (g * data.D[j]!));
    }
  }
  return { z, lambda, mu, muLb, muUb };
}

/** Assemble the QPSolution (residuals and objective on the original problem). */
export function buildSolution(
  problem: QPProblem,
  point: UnscaledPoint,
  status: QPStatus,
  iterations: number,
  setupMs: number,
  solveMs: number,
): QPSolution {
  return makeSolution(problem, { ...point, status, iterations, setupMs, solveMs, solver: 'ipm', hasDuals: status !== 'non_convex' });
}
