/**
 * The predicted active-set solve (docs/dqp-layer.md#predicted-active-set-solve): a forward pass
 * without the black-box solver, for outer loops whose QP moves a little between calls.
 *
 * Given a prediction J₀ of the active set (in practice: the previous forward's J), solve the
 * equality-constrained QP of J directly with ONE factorization of the reduced KKT matrix
 *
 *   K_J [z; λ; μ_J] = [−q; b; d_J]          (the K_J of reduced-kkt.ts, the one the layer factors anyway)
 *
 * and accept (z, λ, μ_J) — μ_j = 0 off J — when it is a KKT point of the full QP:
 *
 *   primal  s_j r_j ≤ tol            for every inequality row j ∉ J   (r = Cz − d, bounds alike;
 *                                                                   s_j the row scale of normalize.ts or 1)
 *   dual    μ_j / s_j ≥ −tol · max(1, ‖μ_J / s_J‖∞)   for every j ∈ J
 *
 * (stationarity and the rows of A and J hold to the accuracy of the refined solve; a row with
 * μ_j ≈ 0 — weakly active, degenerate — passes and stays in J). The point is then the exact
 * solution of the QP up to tol, as good as a solver call with ε_abs = tol, and its factorization
 * serves the duals and every backward call: one factorization instead of a solver's ~20 plus one.
 *
 * When the check fails, J is corrected like a primal-dual active-set method — rows violated off
 * J join it, rows with a negative dual leave it — and solved again, at most `rounds` more times;
 * after that (or on a singular / overdetermined K_J, a least-squares solve, a non-finite value) the
 * caller falls back to the solver. The returned J is the one the check accepted, not a threshold
 * of the point: rows off J are inactive at the exact solution (μ_j = 0), however close.
 */
import { LinearAlgebraError } from '../errors.ts';
import { allFinite } from '../linalg/vec.ts';
import { inequalityRows } from '../qp/inequality-rows.ts';
import { validateProblem } from '../qp/problem.ts';
import { computeResiduals, objectiveValue } from '../qp/residuals.ts';
import type { QPProblem, QPSolution } from '../qp/types.ts';
import {
  activeRowScale,
  factorActiveSet,
  finishForward,
  kktRhs,
  type Factored,
  type FactorInputs,
  type ForwardEnv,
  type ResolvedDqpOptions,
} from './forward.ts';
import { normalizeRows } from './normalize.ts';
import type { DqpForwardResult } from './types.ts';

/** Settings of the predicted solve (DqpLayerOptions.predictActiveSet documents the defaults). */
export interface PredictSettings {
  /** absolute tolerance of the primal and dual checks (scaled rows); default 1e-9 */
  readonly tol: number;
  /** corrections of J (add violated rows, drop negative duals) before giving up; default 2 */
  readonly rounds: number;
}

export const PREDICT_DEFAULTS: PredictSettings = Object.freeze({ tol: 1e-9, rounds: 2 });

/** Name of the "solver" in the QPSolution of a predicted forward. */
export const PREDICTED_SOLVER = 'predicted-active-set';

/** What one predicted attempt did. */
export interface PredictOutcome {
  /** the forward when the check passed, else null (the caller solves) */
  readonly result: DqpForwardResult | null;
  /** reduced-KKT factorizations spent (1 + corrections) */
  readonly factorizations: number;
  /** corrections of J that were made (0: the prediction held as given) */
  readonly corrections: number;
  /** why it failed: 'check' (still violated after the rounds), 'singular', 'solve' */
  readonly failure: 'check' | 'singular' | 'solve' | null;
}

/**
 * Try the forward pass with the predicted active set J0 (InequalityRows numbering, ascending;
 * not modified). Validates the problem like a solver call would (bad input throws InputError).
 */
export function predictedForward(problem: QPProblem, opts: ResolvedDqpOptions, env: ForwardEnv, J0: Int32Array, settings: PredictSettings = PREDICT_DEFAULTS): PredictOutcome {
  const t0 = performance.now();
  validateProblem(problem);
  const P = problem.P;
  const n = P.ncols;
  const A = problem.A ?? null;
  const p = A ? A.nrows : 0;
  const rows = inequalityRows(n, problem.C ?? null, problem.d, problem.lb, problem.ub);
  const total = rows.total;
  for (let t = 0; t < J0.length; t++) {
    if (!(J0[t]! >= 0 && J0[t]! < total) || (t > 0 && J0[t]! <= J0[t - 1]!)) return { result: null, factorizations: 0, corrections: 0, failure: 'check' };
  }
  const norm = opts.normalize ? normalizeRows(problem) : null;
  const rowScale = activeRowScale(rows, norm);
  const inputs: FactorInputs = { P, A, rows, norm, memo: {}, opts, cache: env.cache };
  const r = new Float64Array(total);
  const inJ = new Uint8Array(total);
  let J = J0;
  let factorizations = 0;
  for (let round = 0; ; round++) {
    const fail = (failure: PredictOutcome['failure']): PredictOutcome => ({ result: null, factorizations, corrections: round, failure });
    let fac: Factored;
    try {
      factorizations++;
      fac = factorActiveSet(inputs, J);
    } catch (e) {
      if (e instanceof LinearAlgebraError) return fail('singular');
      throw e;
    }
    if (fac.overdetermined || fac.diag.singularReason !== null || fac.diag.solver.singular) return fail('singular');
    let x: Float64Array;
    try {
      const sol = fac.diag.solver.solve(kktRhs(problem, rows, J, n, p));
      if (sol.leastSquares || !allFinite(sol.x)) return fail('solve');
      x = sol.x;
    } catch (e) {
      if (e instanceof LinearAlgebraError) return fail('solve');
      throw e;
    }
    const z = x.subarray(0, n);
    rows.residuals(z, r);
    inJ.fill(0);
    for (let t = 0; t < J.length; t++) inJ[J[t]!] = 1;
    // the checks: violated rows off J, negative (scaled) duals on J
    const k = J.length;
    let muMax = 1;
    for (let t = 0; t < k; t++) muMax = Math.max(muMax, Math.abs(x[n + p + t]! / fac.D[n + p + t]!));
    const dualTol = settings.tol * muMax;
    const add: number[] = [];
    for (let j = 0; j < total; j++) if (!inJ[j] && (rowScale ? rowScale[j]! : 1) * r[j]! > settings.tol) add.push(j);
    const drop: number[] = [];
    for (let t = 0; t < k; t++) if (x[n + p + t]! / fac.D[n + p + t]! < -dualTol) drop.push(J[t]!);
    if (add.length === 0 && drop.length === 0) {
      return { result: acceptedResult(problem, rows, fac, x, opts, t0), factorizations, corrections: round, failure: null };
    }
    if (round >= settings.rounds) return fail('check');
    for (const j of drop) inJ[j] = 0;
    for (const j of add) inJ[j] = 1;
    let count = 0;
    for (let j = 0; j < total; j++) count += inJ[j]!;
    const next = new Int32Array(count);
    for (let j = 0, t = 0; j < total; j++) if (inJ[j]) next[t++] = j;
    J = next;
  }
}

/** The forward result of an accepted predicted solve x = (z, λ, μ_J) (a 'solved' QPSolution named PREDICTED_SOLVER). */
function acceptedResult(problem: QPProblem, rows: ReturnType<typeof inequalityRows>, fac: Factored, x: Float64Array, opts: ResolvedDqpOptions, t0: number): DqpForwardResult {
  const n = rows.n;
  const p = problem.A ? problem.A.nrows : 0;
  const J = fac.J;
  const z = x.slice(0, n);
  const lambda = x.slice(n, n + p);
  const muJ = x.slice(n + p, n + p + J.length);
  const mu = new Float64Array(rows.m);
  const muLb = rows.hasBounds ? new Float64Array(n) : null;
  const muUb = rows.hasBounds ? new Float64Array(n) : null;
  rows.scatter(J, muJ, mu, muLb, muUb);
  const ms = performance.now() - t0;
  const solution: QPSolution = {
    status: 'solved',
    z,
    lambda,
    mu,
    ...(rows.hasBounds ? { muLb: muLb!, muUb: muUb! } : {}),
    objective: objectiveValue(problem, z),
    iterations: 0,
    setupMs: 0,
    solveMs: ms,
    residuals: computeResiduals(problem, z, lambda, mu, muLb, muUb),
    solver: PREDICTED_SOLVER,
    hasDuals: true,
  };
  const duals = { lambda, muJ, fromSolver: false, leastSquares: false };
  return finishForward(problem, rows, fac, duals, false, solution, opts, { solveMs: 0, activeSetMs: 0, factorMs: ms, totalMs: 0 }, t0);
}
