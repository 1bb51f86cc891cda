/**
 * Forward pass of the dQP layer (docs/dqp-layer.md, Algorithm 1):
 *
 *   1. solve the QP with any registered solver (black box): z* (and λ*, μ* if it gives them);
 *   2. active set J = { j : (C z* − d)_j ≥ −ε_J } over the rows of C and the finite bounds
 *      (optionally refined by the App. B heuristic, refine-active-set.ts);
 *   3. assemble and factor the reduced KKT matrix K_J (reduced-kkt.ts), deciding whether the
 *      point is degenerate (|J| + p > n, singular K_J → least squares); by default the variables
 *      fixed by one-entry active rows (active bounds...) or tied by equal-magnitude two-entry
 *      rows are eliminated first and only the remaining system is factored (eliminate.ts,
 *      option eliminateFixed);
 *   4. duals: the solver's, or completed from K_J: (z̃, λ, μ_J) = K_J⁻¹ [−q; b; d_J], μ_j = 0 off J;
 *   5. flag weakly active rows (μ_j ≈ 0 on J) and keep the factorization for the backward.
 *
 * A solver status other than 'solved' with a finite iterate still gets steps 2–5 (the result
 * carries the status), but dqpBackward refuses it unless the caller opts in (allowInexact).
 *
 * `dqpForward` is the stateless entry point; DqpLayer (layer.ts) adds warm starts and the
 * symbolic-factorization cache through `forwardWithCache`.
 */
import { InputError } from '../errors.ts';
import { createLinearSystem, factorChecked } from '../linalg/linsys.ts';
import { allFinite } from '../linalg/vec.ts';
import type { Matrix } from '../linalg/types.ts';
import { solveQP } from '../qp/registry.ts';
import type { QPProblem, QPSettings, QPSolution, WarmStart } from '../qp/types.ts';
import { InequalityRows, inequalityRows } from '../qp/inequality-rows.ts';
import { selectActiveSet, weaklyActiveRows } from './active-set.ts';
import { DqpContext } from './context.ts';
import { normalizeRows, unscaleDuals } from './normalize.ts';
import { factorEliminated } from './eliminate.ts';
import {
  assembleBRows,
  assembleKkt,
  factorReducedKkt,
  KktFactorCache,
  LSTSQ_DENSE_LIMIT,
  resolveMethod,
  scalingVector,
  type FactorDiagnosis,
  type KktSolver,
  type RowCompressed,
} from './reduced-kkt.ts';
import { refineActiveSet } from './refine-active-set.ts';
import { DQP_PARAMS, type DqpFlags, type DqpForwardResult, type DqpOptions, type DqpParam, type DualsMode, type LinearSolverChoice } from './types.ts';
import { dqpWarn } from './warnings.ts';

/** Defaults of DqpOptions (documented there). */
export const DQP_DEFAULTS = Object.freeze({
  solver: 'ipm',
  linearSolver: 'auto' as LinearSolverChoice,
  epsAbs: 1e-9,
  epsRel: 0,
  epsActive: 1e-5,
  duals: 'auto' as DualsMode,
  normalize: false,
  refineActiveSet: false,
  checkP: false,
  singularTol: 1e-12,
  eliminateFixed: true,
});

/** DqpOptions with every default filled in and validated. */
export interface ResolvedDqpOptions {
  readonly solver: string;
  readonly linearSolver: LinearSolverChoice;
  readonly epsAbs: number;
  readonly epsRel: number;
  readonly epsActive: number;
  readonly epsWeak: number;
  readonly duals: DualsMode;
  readonly normalize: boolean;
  readonly refineActiveSet: boolean;
  readonly warmStart: WarmStart | null;
  readonly fixed: ReadonlySet<DqpParam>;
  readonly checkP: boolean;
  readonly solverSettings: Omit<QPSettings, 'epsAbs' | 'epsRel' | 'warmStart'>;
  readonly singularTol: number;
  readonly eliminateFixed: boolean;
}

function nonNegative(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new InputError(`options.${name}`, 'a finite number ≥ 0', String(v));
  return v;
}

function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new InputError(`options.${name}`, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, JSON.stringify(v));
  return v as T;
}

function bool(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new InputError(`options.${name}`, 'true or false', JSON.stringify(v));
  return v;
}

/** Fill in defaults and validate (InputError naming the option). */
export function resolveDqpOptions(o: DqpOptions = {}): ResolvedDqpOptions {
  if (typeof o !== 'object' || o === null) throw new InputError('options', 'an object', String(o));
  const solver = o.solver ?? DQP_DEFAULTS.solver;
  if (typeof solver !== 'string') throw new InputError('options.solver', 'a solver name', typeof solver);
  const epsActive = nonNegative('epsActive', o.epsActive, DQP_DEFAULTS.epsActive);
  const fixed = new Set<DqpParam>();
  if (o.fixed !== undefined) {
    if (!Array.isArray(o.fixed)) throw new InputError('options.fixed', `an array of input names (${DQP_PARAMS.join(', ')})`, typeof o.fixed);
    for (const f of o.fixed as unknown[]) {
      if (!(DQP_PARAMS as readonly unknown[]).includes(f)) throw new InputError('options.fixed', `names among ${DQP_PARAMS.join(', ')}`, JSON.stringify(f));
      fixed.add(f as DqpParam);
    }
  }
  const singularTol = nonNegative('singularTol', o.singularTol, DQP_DEFAULTS.singularTol);
  if (!(singularTol > 0 && singularTol < 1)) throw new InputError('options.singularTol', 'a number in (0, 1)', String(singularTol));
  return {
    solver,
    linearSolver: oneOf('linearSolver', o.linearSolver, ['auto', 'sparse-ldl', 'dense', 'lstsq'], DQP_DEFAULTS.linearSolver),
    epsAbs: nonNegative('epsAbs', o.epsAbs, DQP_DEFAULTS.epsAbs),
    epsRel: nonNegative('epsRel', o.epsRel, DQP_DEFAULTS.epsRel),
    epsActive,
    epsWeak: nonNegative('epsWeak', o.epsWeak, epsActive),
    duals: oneOf('duals', o.duals, ['auto', 'solver', 'kkt'], DQP_DEFAULTS.duals),
    normalize: bool('normalize', o.normalize, DQP_DEFAULTS.normalize),
    refineActiveSet: bool('refineActiveSet', o.refineActiveSet, DQP_DEFAULTS.refineActiveSet),
    warmStart: o.warmStart ?? null,
    fixed,
    checkP: bool('checkP', o.checkP, DQP_DEFAULTS.checkP),
    solverSettings: o.solverSettings ?? {},
    singularTol,
    eliminateFixed: bool('eliminateFixed', o.eliminateFixed, DQP_DEFAULTS.eliminateFixed),
  };
}

/**
 * Optional check that P is positive semidefinite: LDLᵀ of P + τI (τ = 1e-10 max|P|, no
 * pivoting, which exists for every positive definite matrix) must have positive pivots.
 * Symmetry is checked by validateProblem. Throws InputError('P', ...) otherwise.
 */
export function checkPositiveSemidefinite(P: Matrix): void {
  const n = P.ncols;
  let mx = 0;
  const vals = P.format === 'dense' ? P.data : P.values;
  for (let i = 0; i < vals.length; i++) mx = Math.max(mx, Math.abs(vals[i]!));
  const tau = 1e-10 * Math.max(mx, 1e-300);
  const sys = createLinearSystem(P, { signs: new Int8Array(n).fill(1), staticReg: tau, refineSteps: 0 });
  const negative = factorChecked(sys).ok ? sys.negativePivots : 1;
  if (negative > 0) throw new InputError('P', 'a positive semidefinite matrix (options.checkP)', `an indefinite matrix (${negative} negative pivot${negative > 1 ? 's' : ''} in LDLᵀ)`);
}

/** Mutable per-layer state the forward pass may use. */
export interface ForwardEnv {
  readonly cache: KktFactorCache;
}

const zeros = (k: number) => new Float64Array(k);

/** The right-hand side [−q; b; d_J] of K_J (bound rows: −lb_i, ub_i). */
export function kktRhs(problem: QPProblem, rows: InequalityRows, J: Int32Array, n: number, p: number): Float64Array {
  const k = J.length;
  const g = new Float64Array(n + p + k);
  for (let i = 0; i < n; i++) g[i] = -problem.q[i]!;
  if (problem.b) g.set(problem.b, n);
  for (let t = 0; t < k; t++) g[n + p + t] = rows.rhs(J[t]!);
  return g;
}

/** A factored K_J of one active set. */
export interface Factored {
  readonly J: Int32Array;
  /** D = diag(1_n, s_A, s_J) of K_J (reduced-kkt.ts) */
  readonly D: Float64Array;
  readonly diag: FactorDiagnosis;
  readonly overdetermined: boolean;
  /** variables eliminated before factoring (eliminate.ts), 0 = the full K_J was factored */
  readonly eliminated: number;
}

const FULL = { varMap: null, vars: null, rowSel: null } as const;

/** Step 1 output: the black-box solve. */
interface SolveStep {
  /** the row normalization (option normalize), or null */
  readonly norm: ReturnType<typeof normalizeRows> | null;
  readonly solution: QPSolution;
  readonly solveMs: number;
}

/**
 * Step 1: solve the (optionally row-normalized) QP with the registered backend, warm-started
 * (duals of a normalized problem are the scaled ones: λ̂ = λ / s_A, μ̂ = μ / s_C). solveQP
 * validates the problem; checkP runs first.
 */
function solveStep(problem: QPProblem, opts: ResolvedDqpOptions): SolveStep {
  const norm = opts.normalize ? normalizeRows(problem) : null;
  let warm: WarmStart | null = opts.warmStart;
  if (warm && norm) {
    const div = (v: Float64Array | undefined, s: Float64Array) => (v && v.length === s.length ? v.map((x, i) => x / s[i]!) : v);
    warm = { z: warm.z, lambda: div(warm.lambda, norm.sA), mu: div(warm.mu, norm.sC) };
  }
  if (opts.checkP) checkPositiveSemidefinite(problem.P);
  const settings = {
    ...opts.solverSettings,
    solver: opts.solver,
    epsAbs: opts.epsAbs,
    epsRel: opts.epsRel,
    warmStart: warm,
  };
  const tSolve = performance.now();
  const solution: QPSolution = solveQP(norm ? norm.problem : problem, settings);
  return { norm, solution, solveMs: performance.now() - tSolve };
}

/**
 * Whether a solver outcome gives a point to differentiate at (finite z, not declared infeasible
 * or numerically failed); warns when the status is not a solved one.
 */
function differentiableOutcome(solution: QPSolution): boolean {
  const differentiable =
    solution.status !== 'primal_infeasible' && solution.status !== 'dual_infeasible' && solution.status !== 'numerical_error' && solution.status !== 'non_convex' && allFinite(solution.z);
  if (solution.status !== 'solved' && solution.status !== 'solved_inaccurate') {
    const what = differentiable ? '; dqpBackward refuses it unless called with { allowInexact: true } (derivatives at its last iterate, flagged)' : '; no derivatives';
    dqpWarn('solve-failed', `the forward solver "${solution.solver}" returned status "${solution.status}"${what}`);
  }
  return differentiable;
}

/** The result of a forward pass without a differentiable point (no context, zero duals). */
function failedResult(rows: InequalityRows, p: number, step: SolveStep, t0: number): DqpForwardResult {
  const { n, m } = rows;
  const { solution, solveMs } = step;
  const z = solution.z;
  const flags: DqpFlags = {
    nonDifferentiable: true,
    leastSquares: false,
    dualsCompleted: false,
    activeSetRefined: false,
    weaklyActive: new Int32Array(0),
    overdetermined: false,
    singular: false,
  };
  return {
    status: solution.status,
    // the solver's last iterate, or zeros when it is not finite (never a NaN out of the layer)
    z: allFinite(z) ? z.slice() : zeros(n),
    lambda: zeros(p),
    mu: zeros(m),
    muLb: rows.hasBounds ? zeros(n) : null,
    muUb: rows.hasBounds ? zeros(n) : null,
    active: new Int32Array(0),
    activeLb: new Int32Array(0),
    activeUb: new Int32Array(0),
    flags,
    timings: { solveMs, activeSetMs: 0, factorMs: 0, totalMs: performance.now() - t0 },
    solution,
    kktSolver: null,
    eliminated: 0,
    context: null,
  };
}

/** Row scales of the inequality rows for the active-set threshold: s_C on the rows of C, 1 on bound rows; null without normalization. */
export function activeRowScale(rows: InequalityRows, norm: SolveStep['norm']): Float64Array | null {
  if (!norm) return null;
  const rowScale = new Float64Array(rows.total).fill(1);
  rowScale.set(norm.sC);
  return rowScale;
}

/** What factorActiveSet needs besides J (fixed for one forward pass). */
export interface FactorInputs {
  readonly P: Matrix;
  readonly A: Matrix | null;
  readonly rows: InequalityRows;
  readonly norm: SolveStep['norm'];
  /** row-compressed A and C, filled on first use */
  readonly memo: { A?: RowCompressed; C?: RowCompressed };
  readonly opts: ResolvedDqpOptions;
  readonly cache: KktFactorCache;
}

/**
 * Step 3: assemble and factor K_J of the active set J — after eliminating the variables fixed
 * or tied by short active rows (eliminate.ts, option eliminateFixed), else the full K_J. The
 * least-squares path (|J| + p > n, or linearSolver 'lstsq') never eliminates: z = Z w + β is not
 * an orthogonal change of variables, so the minimum-norm solution of K_R is not that of K_J (for
 * the same reason factorEliminated gives up when K_R turns out singular).
 */
export function factorActiveSet(f: FactorInputs, J: Int32Array): Factored {
  const { P, A, rows, norm, opts } = f;
  const n = rows.n;
  const p = A ? A.nrows : 0;
  const k = J.length;
  const N = n + p + k;
  const overdetermined = k + p > n;
  const method = overdetermined ? 'lstsq' : resolveMethod(opts.linearSolver, P.format, N);
  const inp = { P, A, rows, J, sA: norm ? norm.sA : null, sC: norm ? norm.sC : null, memo: f.memo };
  const B = assembleBRows(inp);
  const D = scalingVector(inp);
  const full = (): FactorDiagnosis => {
    const form = method === 'sparse-ldl' || (method === 'lstsq' && N > LSTSQ_DENSE_LIMIT) ? 'sparse' : 'dense';
    const K = assembleKkt(P, B, FULL, D, p, k, form);
    return factorReducedKkt(K, { method, singularTol: opts.singularTol, cache: f.cache, denseRetry: opts.linearSolver === 'auto' });
  };
  if (method !== 'lstsq' && opts.eliminateFixed) {
    const choice = opts.linearSolver === 'lstsq' ? 'auto' : opts.linearSolver;
    const el = factorEliminated(P, B, D, { choice, singularTol: opts.singularTol, cache: f.cache }, () => full().solver);
    if (el) return { J, D, diag: el.diag, overdetermined, eliminated: el.eliminated };
  }
  return { J, D, diag: full(), overdetermined, eliminated: 0 };
}

/**
 * Step 2b (option refineActiveSet, paper App. B): grow J greedily while the residual of the
 * reduced system decreases (refine-active-set.ts). Each candidate is factored (step 3) and scored
 * by the largest violation of the completed point: rows outside J (scaled residual) and negative
 * duals on J. Returns the chosen J and its factorization when that was the last one evaluated
 * for it (else null: the caller factors J).
 */
function refineStep(
  f: FactorInputs,
  problem: QPProblem,
  z: Float64Array,
  J0: Int32Array,
  r: Float64Array,
  rowScale: Float64Array | null,
): { J: Int32Array; fac: Factored | null; refined: boolean } {
  const { rows } = f;
  const n = rows.n;
  const p = f.A ? f.A.nrows : 0;
  const rTilde = new Float64Array(rows.total);
  let bestFac: Factored | null = null;
  let bestRes = Infinity;
  const evaluate = (Jc: Int32Array): number => {
    const fac = factorActiveSet(f, Jc);
    let res: number;
    if (fac.diag.singularReason !== null || fac.overdetermined) res = Infinity;
    else {
      const x = fac.diag.solver.solve(kktRhs(problem, rows, Jc, n, p)).x;
      rows.residuals(x.subarray(0, n), rTilde);
      const inJ = new Uint8Array(rows.total);
      for (let t = 0; t < Jc.length; t++) inJ[Jc[t]!] = 1;
      res = 0;
      for (let j = 0; j < rows.total; j++) if (!inJ[j]) res = Math.max(res, (rowScale ? rowScale[j]! : 1) * rTilde[j]!);
      for (let t = 0; t < Jc.length; t++) res = Math.max(res, -x[n + p + t]! / fac.D[n + p + t]!);
    }
    if (res < bestRes || bestFac === null) {
      bestRes = res;
      bestFac = fac;
    }
    return res;
  };
  let zMax = 0;
  for (let i = 0; i < n; i++) zMax = Math.max(zMax, Math.abs(z[i]!));
  const tol = 1e-12 * (1 + zMax);
  const out = refineActiveSet(J0, r, rowScale, Math.max(0, n - p), evaluate, tol);
  const chosen = bestFac as Factored | null;
  return { J: out.J, fac: chosen && chosen.J === out.J ? chosen : null, refined: out.added > 0 };
}

/** Step 4 output: the duals of the equality rows and of the active rows. */
export interface DualsStep {
  /** length p */
  readonly lambda: Float64Array;
  /** length |J|, original row scaling */
  readonly muJ: Float64Array;
  /** taken from the solver (false: completed from K_J) */
  readonly fromSolver: boolean;
  /** the completion solve was a least-squares one (or K_J is singular) */
  readonly leastSquares: boolean;
}

/**
 * Step 4: the duals — the solver's (unscaled back to the original rows when normalized) when it
 * returned them and the option allows, else completed from K_J: (z̃, λ, μ_J) = K_J⁻¹ [−q; b; d_J].
 */
function dualsStep(problem: QPProblem, rows: InequalityRows, J: Int32Array, kkt: KktSolver, solution: QPSolution, norm: SolveStep['norm'], opts: ResolvedDqpOptions): DualsStep {
  const n = rows.n;
  const p = problem.A ? problem.A.nrows : 0;
  const k = J.length;
  const lambda = zeros(p);
  const muJ = zeros(k);
  let fromSolver = opts.duals !== 'kkt' && solution.hasDuals;
  if (fromSolver && rows.hasBounds && (!solution.muLb || !solution.muUb)) fromSolver = false;
  if (opts.duals === 'solver' && !solution.hasDuals) {
    dqpWarn('no-solver-duals', `solver "${solution.solver}" returned no duals; they were completed from the reduced KKT system`);
  }
  let leastSquares = kkt.singular;
  if (fromSolver) {
    lambda.set(solution.lambda);
    const mu = solution.mu.slice();
    if (norm) {
      unscaleDuals(lambda, norm.sA);
      unscaleDuals(mu, norm.sC);
    }
    rows.gather(J, mu, solution.muLb, solution.muUb, muJ);
  } else {
    const sol = kkt.solve(kktRhs(problem, rows, J, n, p));
    leastSquares ||= sol.leastSquares;
    for (let i = 0; i < p; i++) lambda[i] = sol.x[n + i]!;
    for (let t = 0; t < k; t++) muJ[t] = sol.x[n + p + t]!;
  }
  return { lambda, muJ, fromSolver, leastSquares };
}

/**
 * Step 5: degeneracy — weakly active rows (μ_j ≈ 0 on J, compared in the scaled rows), |J| + p > n,
 * a singular K_J; each kind is warned once.
 */
export function degeneracyStep(fac: Factored, muJ: Float64Array, n: number, p: number, epsWeak: number): { weak: Int32Array; singular: boolean } {
  const { J, D, diag, overdetermined } = fac;
  const k = J.length;
  const muScaled = new Float64Array(k);
  for (let t = 0; t < k; t++) muScaled[t] = muJ[t]! / D[n + p + t]!;
  const weak = weaklyActiveRows(J, muScaled, epsWeak);
  const singular = diag.singularReason !== null;
  if (weak.length > 0) dqpWarn('weakly-active', `${weak.length} active row(s) have a (nearly) zero dual (e.g. row ${weak[0]}): the solution is not differentiable there; one-sided derivatives are returned`);
  if (overdetermined) dqpWarn('overdetermined', `|J| + p = ${k + p} > n = ${n}: the active constraints are linearly dependent; least-squares derivatives are returned`);
  if (singular) dqpWarn('singular-kkt', `the reduced KKT matrix is singular (${diag.singularReason}); least-squares derivatives are returned`);
  return { weak, singular };
}

/**
 * The forward pass with an explicit environment (factorization cache):
 *   1. solve (solveStep), stop here when there is no differentiable point (failedResult);
 *   2. active set J from the residuals (selectActiveSet), optionally refined (refineStep);
 *   3. factor K_J (factorActiveSet);
 *   4. duals (dualsStep);
 *   5. degeneracy flags (degeneracyStep), then the result and the backward context.
 *   problem  the QP (not modified)
 *   opts     resolved options
 *   env      cache of symbolic analyses (counters updated)
 */
export function forwardWithCache(problem: QPProblem, opts: ResolvedDqpOptions, env: ForwardEnv): DqpForwardResult {
  const t0 = performance.now();
  const P = problem.P;
  const n = P.ncols;
  const A = problem.A ?? null;
  const p = A ? A.nrows : 0;
  const rows = inequalityRows(n, problem.C ?? null, problem.d, problem.lb, problem.ub);

  // 1. the black-box solve
  const solved = solveStep(problem, opts);
  const { norm, solution } = solved;
  if (!differentiableOutcome(solution)) return failedResult(rows, p, solved, t0);
  const z = solution.z;

  // 2. active set
  const tAct = performance.now();
  const rowScale = activeRowScale(rows, norm);
  const r = rows.residuals(z);
  let J = selectActiveSet(r, opts.epsActive, rowScale);
  let activeSetMs = performance.now() - tAct;

  // 3. reduced KKT (2b. the refinement factors its candidates)
  const tFac = performance.now();
  const inputs: FactorInputs = { P, A, rows, norm, memo: {}, opts, cache: env.cache };
  let fac: Factored | null = null;
  let refined = false;
  if (opts.refineActiveSet && rows.total > 0) {
    const tRef = performance.now();
    const out = refineStep(inputs, problem, z, J, r, rowScale);
    ({ J, fac, refined } = out);
    activeSetMs += performance.now() - tRef;
  }
  fac ??= factorActiveSet(inputs, J);

  // 4. duals
  const duals = dualsStep(problem, rows, J, fac.diag.solver, solution, norm, opts);
  const factorMs = performance.now() - tFac;

  // 5. degeneracy, result
  return finishForward(problem, rows, fac, duals, refined, solution, opts, { solveMs: solved.solveMs, activeSetMs, factorMs, totalMs: 0 }, t0);
}

/**
 * Step 5 (shared with the predicted solve, predicted-solve.ts): degeneracy flags, the outputs
 * scattered to the inequality rows, and the backward context holding the factored K_J.
 *   refined  J came from the refinement heuristic (flags.activeSetRefined)
 *   timings  totalMs is filled here (from t0)
 */
export function finishForward(
  problem: QPProblem,
  rows: InequalityRows,
  fac: Factored,
  duals: DualsStep,
  refined: boolean,
  solution: QPSolution,
  opts: ResolvedDqpOptions,
  timings: DqpForwardResult['timings'],
  t0: number,
): DqpForwardResult {
  const { n, m } = rows;
  const p = problem.A ? problem.A.nrows : 0;
  const { P } = problem;
  const A = problem.A ?? null;
  const C = problem.C ?? null;
  const J = fac.J;
  const kkt = fac.diag.solver;
  const { lambda, muJ } = duals;
  const z = solution.z;
  const { weak, singular } = degeneracyStep(fac, muJ, n, p, opts.epsWeak);
  const mu = zeros(m);
  const muLb = rows.hasBounds ? zeros(n) : null;
  const muUb = rows.hasBounds ? zeros(n) : null;
  rows.scatter(J, muJ, mu, muLb, muUb);
  const { active, activeLb, activeUb } = rows.split(J);
  const flags: DqpFlags = {
    nonDifferentiable: weak.length > 0 || fac.overdetermined || singular,
    leastSquares: duals.leastSquares,
    dualsCompleted: !duals.fromSolver,
    activeSetRefined: refined,
    weaklyActive: weak,
    overdetermined: fac.overdetermined,
    singular,
  };
  const zOut = z.slice();
  const context = new DqpContext(
    n,
    p,
    m,
    InequalityRows.numbering(n, m, rows.hasBounds),
    J,
    zOut,
    lambda,
    muJ,
    kkt,
    solution.status,
    opts.fixed,
    opts.fixed.has('P') ? null : P,
    opts.fixed.has('A') ? null : A,
    opts.fixed.has('C') ? null : C,
    { b: p > 0, d: m > 0, lb: !!problem.lb, ub: !!problem.ub },
  );
  return {
    status: solution.status,
    z: zOut,
    lambda,
    mu,
    muLb,
    muUb,
    active,
    activeLb,
    activeUb,
    flags,
    timings: { ...timings, totalMs: performance.now() - t0 },
    solution,
    kktSolver: kkt.kind,
    eliminated: fac.eliminated,
    context,
  };
}

/**
 * Solve the QP with a black-box solver and prepare its derivative.
 *   problem  the QP (dense or CSC; not modified)
 *   options  DqpOptions (defaults: solver 'ipm', ε_J = 1e-5, solver tolerances 1e-9 / 0, ...)
 * Returns z, λ, μ (0 off the active set), the active set, degeneracy flags, timings and the
 * context for dqpBackward. Bad input throws (InputError...); a solver failure is a status
 * (then `context` is null).
 *
 * Example:
 *   const fwd = dqpForward({ P, q, C, d }, { solver: 'quadprog' });
 *   const g = dqpBackward(fwd, { z: new Float64Array(n).fill(1) });   // ∇ of Σ z
 */
export function dqpForward(problem: QPProblem, options: DqpOptions = {}): DqpForwardResult {
  return forwardWithCache(problem, resolveDqpOptions(options), { cache: new KktFactorCache(0) });
}
