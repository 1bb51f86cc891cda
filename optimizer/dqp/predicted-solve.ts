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
import { inequalityRows, type InequalityRows } from '../qp/inequality-rows.ts';
import { validateProblem } from '../qp/problem.ts';
import { computeResiduals, objectiveValue } from '../qp/residuals.ts';
import type { QPProblem, QPSolution } from '../qp/types.ts';
import {
  activeRowScale,
  checkPositiveSemidefinite,
  factorActiveSet,
  finishForward,
  kktRhs,
  type Factored,
  type FactorInputs,
  type ForwardEnv,
  type ResolvedDqpOptions,
} from './forward.ts';
import { BorderedBase, InequalityRowAccess } from './bordered-kkt.ts';
import type { KktSolver } from './kkt-solvers.ts';
import { scalingVector } from './kkt-assembly.ts';
import { normalizeRows } from './normalize.ts';
import type { DqpForwardResult } from './types.ts';

/** Settings of the predicted solve (DqpLayerOptions.predictActiveSet documents the defaults). */
export interface PredictSettings {
  /** absolute tolerance of the primal and dual checks (scaled rows); default 1e-9 */
  readonly tol: number;
  /** corrections of J (add violated rows, drop negative duals) before giving up; default 4 */
  readonly rounds: number;
  /**
   * rows in which J may differ from the factored base J_b and still be solved through the
   * factorization of K_{J_b} (bordered-kkt.ts); beyond it K_J is factored itself. Default 64
   */
  readonly maxBorder: number;
}

export const PREDICT_DEFAULTS: PredictSettings = Object.freeze({ tol: 1e-9, rounds: 4, maxBorder: 64 });

/** Name of the "solver" in the QPSolution of a predicted forward. */
export const PREDICTED_SOLVER = 'predicted-active-set';

/** What one predicted attempt did. */
export interface PredictOutcome {
  /** the forward when the check passed, else null (the caller solves) */
  readonly result: DqpForwardResult | null;
  /** corrections of J that were made (0: the prediction held as given) */
  readonly corrections: number;
  /** the active set whose K_J was factored last (the base of the border) */
  readonly factoredJ: Int32Array | null;
  /** rows in which the accepted J differs from factoredJ (0: K_J itself was factored) */
  readonly borderSize: number;
  /** why it failed: 'check' (still violated after the rounds), 'singular', 'solve' */
  readonly failure: 'check' | 'singular' | 'solve' | null;
}

function sameSet(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** J is ascending, without repeats, within 0 … total − 1, and names rows that exist (finite right-hand side) */
function validRows(J: Int32Array, rows: InequalityRows): boolean {
  for (let t = 0; t < J.length; t++) {
    const j = J[t]!;
    if (!(j >= 0 && j < rows.total) || (t > 0 && j <= J[t - 1]!) || !Number.isFinite(rows.rhs(j))) return false;
  }
  return true;
}

/**
 * Try the forward pass with the predicted active set J0 (InequalityRows numbering, ascending;
 * not modified). `base`: the active set to factor, J0 being solved through its factorization
 * when they differ by at most settings.maxBorder rows (default: J0 itself) — an outer loop keeps
 * the base fixed while J drifts by a few rows, so the symbolic analysis of K_{base} is reused and
 * each forward costs one numeric factorization. Validates the problem like a solver call would
 * (bad input throws InputError).
 */
export function predictedForward(
  problem: QPProblem,
  opts: ResolvedDqpOptions,
  env: ForwardEnv,
  J0: Int32Array,
  settings: PredictSettings = PREDICT_DEFAULTS,
  base: Int32Array | null = null,
): PredictOutcome {
  const t0 = performance.now();
  validateProblem(problem);
  if (opts.checkP) checkPositiveSemidefinite(problem.P);
  const P = problem.P;
  const n = P.ncols;
  const A = problem.A ?? null;
  const p = A ? A.nrows : 0;
  const rows = inequalityRows(n, problem.C ?? null, problem.d, problem.lb, problem.ub);
  const total = rows.total;
  let corrections = 0;
  // the factored base: K_{Jb}, and the bordered systems through it
  const st: { Jb: Int32Array | null; fac0: Factored | null; bordered: BorderedBase | null } = { Jb: null, fac0: null, bordered: null };
  const fail = (failure: PredictOutcome['failure']): PredictOutcome => ({ result: null, corrections, factoredJ: st.Jb, borderSize: 0, failure });
  if (!validRows(J0, rows) || (base && !validRows(base, rows))) return fail('check');
  const norm = opts.normalize ? normalizeRows(problem) : null;
  const rowScale = activeRowScale(rows, norm);
  const inputs: FactorInputs = { P, A, rows, norm, memo: {}, opts, cache: env.cache };
  const access = new InequalityRowAccess(rows, problem.C ?? null, inputs.memo);
  /** factor K_Jb and make it the base of the border; false when it cannot serve */
  const factorBase = (Jb: Int32Array): boolean => {
    st.Jb = Jb;
    st.fac0 = null;
    st.bordered = null;
    let fac: Factored;
    try {
      fac = factorActiveSet(inputs, Jb);
    } catch (e) {
      if (e instanceof LinearAlgebraError) return false;
      throw e;
    }
    // only an LDLᵀ whose inertia was checked ((n, p + k): P positive definite on the null space of
    // the active rows) certifies a minimizer; LU, regularized and least-squares solutions go to the solver
    const kind = fac.diag.solver.kind;
    if (fac.overdetermined || fac.diag.singularReason !== null || fac.diag.solver.singular || (kind !== 'sparse-ldl' && kind !== 'dense-ldl')) return false;
    st.fac0 = fac;
    st.bordered = new BorderedBase(fac.diag.solver, Jb, n, p, P, A, access);
    return true;
  };
  const borderSize = (J: Int32Array, Jb: Int32Array): number => {
    let common = 0;
    for (let a = 0, b = 0; a < J.length && b < Jb.length; ) {
      if (J[a] === Jb[b]) {
        common++;
        a++;
        b++;
      } else if (J[a]! < Jb[b]!) a++;
      else b++;
    }
    return J.length + Jb.length - 2 * common;
  };
  let first = base ?? J0;
  if (borderSize(J0, first) > settings.maxBorder) first = J0;
  if (!factorBase(first)) {
    if (first === J0 || !factorBase(J0)) return fail('singular');
  }
  const r = new Float64Array(total);
  const inJ = new Uint8Array(total);
  let J = J0;
  for (;;) {
    if (J.length + p > n) return fail('singular');
    // the factored K_J itself, or K_J through the border of the factored base
    let border = borderSize(J, st.Jb!);
    if (border > settings.maxBorder) {
      if (!factorBase(J)) return fail('singular');
      border = 0;
    }
    const f0 = st.fac0!;
    const solver: KktSolver | null = border === 0 ? f0.diag.solver : st.bordered!.solverFor(J);
    if (!solver) return fail('singular');
    let x: Float64Array;
    try {
      const sol = solver.solve(kktRhs(problem, rows, J, n, p));
      if (sol.leastSquares || !allFinite(sol.x)) return fail('solve');
      x = sol.x;
    } catch (e) {
      if (e instanceof LinearAlgebraError) return fail('solve');
      throw e;
    }
    const D = border === 0 ? f0.D : scalingVector({ P, A, rows, J, sA: norm ? norm.sA : null, sC: norm ? norm.sC : null });
    const z = x.subarray(0, n);
    rows.residuals(z, r);
    inJ.fill(0);
    for (let t = 0; t < J.length; t++) inJ[J[t]!] = 1;
    // the checks: violated rows off J, negative (scaled) duals on J
    const k = J.length;
    let muMax = 1;
    for (let t = 0; t < k; t++) muMax = Math.max(muMax, Math.abs(x[n + p + t]! / D[n + p + t]!));
    const dualTol = settings.tol * muMax;
    const add: number[] = [];
    for (let j = 0; j < total; j++) if (!inJ[j] && (rowScale ? rowScale[j]! : 1) * r[j]! > settings.tol) add.push(j);
    const drop: number[] = [];
    for (let t = 0; t < k; t++) if (x[n + p + t]! / D[n + p + t]! < -dualTol) drop.push(J[t]!);
    if (add.length === 0 && drop.length === 0) {
      const fac: Factored = border === 0 ? f0 : { J, D, diag: { solver, singularReason: null }, overdetermined: false, eliminated: f0.eliminated };
      return { result: acceptedResult(problem, rows, fac, x, opts, t0), corrections, factoredJ: st.Jb, borderSize: border, failure: null };
    }
    if (corrections >= settings.rounds) return fail('check');
    corrections++;
    for (const j of drop) inJ[j] = 0;
    for (const j of add) inJ[j] = 1;
    let count = 0;
    for (let j = 0; j < total; j++) count += inJ[j]!;
    const next = new Int32Array(count);
    for (let j = 0, t = 0; j < total; j++) if (inJ[j]) next[t++] = j;
    J = sameSet(next, J) ? J : next;
  }
}

/** The forward result of an accepted predicted solve x = (z, λ, μ_J) (a 'solved' QPSolution named PREDICTED_SOLVER). */
function acceptedResult(problem: QPProblem, rows: InequalityRows, fac: Factored, x: Float64Array, opts: ResolvedDqpOptions, t0: number): DqpForwardResult {
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
