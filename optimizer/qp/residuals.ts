/**
 * Accuracy of a candidate primal–dual point (docs/dqp-layer.md#accuracy-metrics, paper App. G),
 * extended with the bound duals of types.ts:
 *
 *   r_p = max( ‖A z − b‖∞, ‖[C z − d]₊‖∞, ‖[lb − z]₊‖∞, ‖[z − ub]₊‖∞ )
 *   r_d = ‖P z + q + Aᵀλ + Cᵀμ − μ_lb + μ_ub‖∞
 *   r_g = | zᵀP z + qᵀz + bᵀλ + dᵀμ − lbᵀμ_lb + ubᵀμ_ub |
 *
 * r_g is the duality gap: at a KKT point zᵀ(Pz + q) = −λᵀAz − μᵀCz + μ_lbᵀz − μ_ubᵀz, which
 * complementarity turns into −bᵀλ − dᵀμ + lbᵀμ_lb − ubᵀμ_ub.
 * In the gap, a bound dual at an infinite bound contributes nothing when it is exactly 0 and
 * makes r_g = +∞ otherwise (a nonzero multiplier on a bound that does not exist is no KKT point).
 * NaN anywhere in the input gives NaN residuals (never hidden); callers treat NaN as failure.
 */
import { checkLength } from '../linalg/check.ts';
import { matTVec, matVec } from '../linalg/matrix.ts';
import type { QPProblem, QPResiduals } from './types.ts';

/** ½ zᵀ P z + qᵀ z.  z: length n, not modified. */
export function objectiveValue(problem: QPProblem, z: Float64Array): number {
  const n = problem.P.ncols;
  checkLength('z', z, n, '= n');
  const Pz = matVec(problem.P, z);
  let s = 0;
  for (let i = 0; i < n; i++) s += z[i]! * (0.5 * Pz[i]! + problem.q[i]!);
  return s;
}

/**
 * Residuals of (z, λ, μ, μ_lb, μ_ub) for `problem` (assumed valid; see validateProblem).
 * z: length n; lambda: length p; mu: length m; muLb, muUb: length n or omitted/null (= zero).
 * Nothing is modified. Cost: two products with each of P, A, C (O(nnz)).
 */
export function computeResiduals(
  problem: QPProblem,
  z: Float64Array,
  lambda: Float64Array,
  mu: Float64Array,
  muLb?: Float64Array | null,
  muUb?: Float64Array | null,
): QPResiduals {
  const { P, q } = problem;
  const n = P.ncols;
  const A = problem.A ?? null;
  const C = problem.C ?? null;
  const b = problem.b ?? null;
  const d = problem.d ?? null;
  const lb = problem.lb ?? null;
  const ub = problem.ub ?? null;
  checkLength('z', z, n, '= n');
  checkLength('lambda', lambda, A ? A.nrows : 0, '= p, rows of A');
  checkLength('mu', mu, C ? C.nrows : 0, '= m, rows of C');
  if (muLb) checkLength('muLb', muLb, n, '= n');
  if (muUb) checkLength('muUb', muUb, n, '= n');

  let primal = 0;
  let gap = 0;
  const viol = (x: number) => {
    // NaN must propagate (Math.max would keep it, a comparison would drop it)
    primal = Math.max(primal, x);
  };

  // stationarity r = Pz + q + Aᵀλ + Cᵀμ − μ_lb + μ_ub, and zᵀPz + qᵀz
  const r = matVec(P, z);
  for (let i = 0; i < n; i++) {
    gap += z[i]! * r[i]! + q[i]! * z[i]!;
    r[i]! += q[i]!;
  }
  if (A && b) {
    const Az = matVec(A, z);
    for (let i = 0; i < Az.length; i++) {
      viol(Math.abs(Az[i]! - b[i]!));
      gap += b[i]! * lambda[i]!;
    }
    matTVec(A, lambda, r, true);
  }
  if (C && d) {
    const Cz = matVec(C, z);
    for (let i = 0; i < Cz.length; i++) {
      viol(Math.max(Cz[i]! - d[i]!, 0) + (Number.isNaN(Cz[i]!) ? NaN : 0));
      gap += d[i]! * mu[i]!;
    }
    matTVec(C, mu, r, true);
  }
  if (lb) for (let i = 0; i < n; i++) if (lb[i]! > -Infinity) viol(Math.max(lb[i]! - z[i]!, 0) + (Number.isNaN(z[i]!) ? NaN : 0));
  if (ub) for (let i = 0; i < n; i++) if (ub[i]! < Infinity) viol(Math.max(z[i]! - ub[i]!, 0) + (Number.isNaN(z[i]!) ? NaN : 0));
  let infiniteGap = false;
  const boundTerm = (bound: number, dual: number): number => {
    if (dual === 0) return 0;
    if (Number.isNaN(dual)) return NaN;
    if (!Number.isFinite(bound)) {
      infiniteGap = true;
      return 0;
    }
    return bound * dual;
  };
  if (muLb) {
    for (let i = 0; i < n; i++) {
      r[i]! -= muLb[i]!;
      gap -= boundTerm(lb ? lb[i]! : -Infinity, muLb[i]!);
    }
  }
  if (muUb) {
    for (let i = 0; i < n; i++) {
      r[i]! += muUb[i]!;
      gap += boundTerm(ub ? ub[i]! : Infinity, muUb[i]!);
    }
  }
  let dual = 0;
  for (let i = 0; i < n; i++) dual = Math.max(dual, Math.abs(r[i]!));
  return { primal, dual, gap: infiniteGap && !Number.isNaN(gap) ? Infinity : Math.abs(gap) };
}

/** max(r_p, r_d, r_g): the single accuracy figure of the benchmarks (NaN if any is NaN). */
export function maxResidual(r: QPResiduals): number {
  return Math.max(r.primal, r.dual, r.gap);
}
