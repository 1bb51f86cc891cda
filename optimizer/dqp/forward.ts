/**
 * Forward pass of the dQP layer (dqp-spec.md, Algorithm 1):
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
 * `dqpForward` is the stateless entry point; DqpLayer (layer.ts) adds warm starts and the
 * symbolic-factorization cache through `forwardWithCache`.
 */
import { InputError, LinearAlgebraError } from '../errors.ts';
import { DenseLdl } from '../linalg/dense.ts';
import { SparseLdl } from '../linalg/ldl.ts';
import type { Matrix } from '../linalg/types.ts';
import { solveQP } from '../qp/registry.ts';
import type { QPProblem, QPSettings, QPSolution, WarmStart } from '../qp/types.ts';
import { inequalityResiduals, inequalityRows, selectActiveSet, splitActiveSet, weaklyActiveRows, type InequalityRows } from './active-set.ts';
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
  let negative = 0;
  try {
    if (P.format === 'dense') {
      const ldl = DenseLdl.factor(P, { signs: new Int8Array(n).fill(1), staticReg: tau, refineSteps: 0 });
      negative = ldl.negativePivots;
    } else {
      const ldl = SparseLdl.analyze(P, { signs: new Int8Array(n).fill(1), staticReg: tau, refineSteps: 0 }).factor();
      negative = ldl.negativePivots;
    }
  } catch (e) {
    if (!(e instanceof LinearAlgebraError)) throw e;
    negative = 1;
  }
  if (negative > 0) throw new InputError('P', 'a positive semidefinite matrix (options.checkP)', `an indefinite matrix (${negative} negative pivot${negative > 1 ? 's' : ''} in LDLᵀ)`);
}

/** Mutable per-layer state the forward pass may use. */
export interface ForwardEnv {
  readonly cache: KktFactorCache;
}

const zeros = (k: number) => new Float64Array(k);

function allFinite(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
}

/** The right-hand side [−q; b; d_J] (bound rows: −lb_i, ub_i). */
function kktRhs(problem: QPProblem, rows: InequalityRows, J: Int32Array, n: number, p: number): Float64Array {
  const k = J.length;
  const g = new Float64Array(n + p + k);
  for (let i = 0; i < n; i++) g[i] = -problem.q[i]!;
  if (problem.b) g.set(problem.b, n);
  const { m } = rows;
  for (let t = 0; t < k; t++) {
    const j = J[t]!;
    g[n + p + t] = j < m ? rows.d![j]! : j < m + n ? -rows.lb![j - m]! : rows.ub![j - m - n]!;
  }
  return g;
}

interface Factored {
  readonly J: Int32Array;
  /** D = diag(1_n, s_A, s_J) of K_J (reduced-kkt.ts) */
  readonly D: Float64Array;
  readonly diag: FactorDiagnosis;
  readonly overdetermined: boolean;
  /** variables eliminated before factoring (eliminate.ts), 0 = the full K_J was factored */
  readonly eliminated: number;
}

const FULL = { varMap: null, vars: null, rowSel: null } as const;

/**
 * The forward pass with an explicit environment (factorization cache).
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
  const C = problem.C ?? null;
  const m = C ? C.nrows : 0;
  const hasBounds = !!(problem.lb || problem.ub);

  // 1. the black-box solve (solveQP validates the problem)
  const norm = opts.normalize ? normalizeRows(problem) : null;
  let warm: WarmStart | null = opts.warmStart;
  if (warm && norm) {
    // duals of the scaled problem: λ̂ = λ / s_A, μ̂ = μ / s_C
    const div = (v: Float64Array | undefined, s: Float64Array) => (v && v.length === s.length ? v.map((x, i) => x / s[i]!) : v);
    warm = { z: warm.z, lambda: div(warm.lambda, norm.sA), mu: div(warm.mu, norm.sC) };
  }
  if (opts.checkP) checkPositiveSemidefinite(P);
  const settings = {
    ...opts.solverSettings,
    solver: opts.solver,
    epsAbs: opts.epsAbs,
    epsRel: opts.epsRel,
    warmStart: warm,
  };
  const tSolve = performance.now();
  const solution: QPSolution = solveQP(norm ? norm.problem : problem, settings);
  const solveMs = performance.now() - tSolve;
  const z = solution.z;

  const differentiable =
    solution.status !== 'primal_infeasible' && solution.status !== 'dual_infeasible' && solution.status !== 'numerical_error' && allFinite(z);
  if (solution.status !== 'solved' && solution.status !== 'solved_inaccurate') {
    dqpWarn('solve-failed', `the forward solver "${solution.solver}" returned status "${solution.status}"${differentiable ? '; derivatives are taken at its last iterate' : '; no derivatives'}`);
  }
  if (!differentiable) {
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
      muLb: hasBounds ? zeros(n) : null,
      muUb: hasBounds ? zeros(n) : null,
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

  // 2. active set
  const tAct = performance.now();
  const rows = inequalityRows(n, C, problem.d, problem.lb, problem.ub);
  let rowScale: Float64Array | null = null;
  if (norm) {
    rowScale = new Float64Array(rows.total).fill(1);
    rowScale.set(norm.sC);
  }
  const r = inequalityResiduals(rows, z);
  let J = selectActiveSet(r, opts.epsActive, rowScale);
  let activeSetMs = performance.now() - tAct;

  // 3. reduced KKT
  const tFac = performance.now();
  const memo: { A?: RowCompressed; C?: RowCompressed } = {};
  const factor = (Jc: Int32Array): Factored => {
    const k = Jc.length;
    const N = n + p + k;
    const overdetermined = k + p > n;
    const method = overdetermined ? 'lstsq' : resolveMethod(opts.linearSolver, P.format, N);
    const inp = { P, A, rows, J: Jc, sA: norm ? norm.sA : null, sC: norm ? norm.sC : null, memo };
    const B = assembleBRows(inp);
    const D = scalingVector(inp);
    const full = (): FactorDiagnosis => {
      const form = method === 'sparse-ldl' || (method === 'lstsq' && N > LSTSQ_DENSE_LIMIT) ? 'sparse' : 'dense';
      const K = assembleKkt(P, B, FULL, D, p, k, form);
      return factorReducedKkt(K, { method, singularTol: opts.singularTol, cache: env.cache, denseRetry: opts.linearSolver === 'auto' });
    };
    // no elimination on the least-squares path (|J| + p > n, or linearSolver 'lstsq'): z = Z w + β
    // is not an orthogonal change of variables, so the minimum-norm solution of K_R is not that of
    // K_J; for the same reason factorEliminated gives up when K_R turns out singular
    if (method !== 'lstsq' && opts.eliminateFixed) {
      const choice = opts.linearSolver === 'lstsq' ? 'auto' : opts.linearSolver;
      const el = factorEliminated(P, B, D, { choice, singularTol: opts.singularTol, cache: env.cache }, () => full().solver);
      if (el) return { J: Jc, D, diag: el.diag, overdetermined, eliminated: el.eliminated };
    }
    return { J: Jc, D, diag: full(), overdetermined, eliminated: 0 };
  };

  let fac: Factored | null = null;
  let refined = false;
  if (opts.refineActiveSet && rows.total > 0) {
    const tRef = performance.now();
    const rTilde = new Float64Array(rows.total);
    let last: Factored | null = null;
    let bestFac: Factored | null = null;
    let bestRes = Infinity;
    const evaluate = (Jc: Int32Array): number => {
      const f = factor(Jc);
      last = f;
      let res: number;
      if (f.diag.singularReason !== null || f.overdetermined) res = Infinity;
      else {
        const x = f.diag.solver.solve(kktRhs(problem, rows, Jc, n, p)).x;
        inequalityResiduals(rows, x.subarray(0, n), rTilde);
        const inJ = new Uint8Array(rows.total);
        for (let t = 0; t < Jc.length; t++) inJ[Jc[t]!] = 1;
        res = 0;
        for (let j = 0; j < rows.total; j++) if (!inJ[j]) res = Math.max(res, (rowScale ? rowScale[j]! : 1) * rTilde[j]!);
        for (let t = 0; t < Jc.length; t++) res = Math.max(res, -x[n + p + t]! / f.D[n + p + t]!);
      }
      if (res < bestRes || bestFac === null) {
        bestRes = res;
        bestFac = last;
      }
      return res;
    };
    let zMax = 0;
    for (let i = 0; i < n; i++) zMax = Math.max(zMax, Math.abs(z[i]!));
    const tol = 1e-12 * (1 + zMax);
    const out = refineActiveSet(J, r, rowScale, Math.max(0, n - p), evaluate, tol);
    refined = out.added > 0;
    J = out.J;
    const chosen = bestFac as Factored | null;
    if (chosen && chosen.J === J) fac = chosen;
    activeSetMs += performance.now() - tRef;
  }
  fac ??= factor(J);
  const { D, diag, overdetermined, eliminated } = fac;
  const kkt = diag.solver;
  const k = J.length;

  // 4. duals
  const lambda = zeros(p);
  const muJ = zeros(k);
  let useSolver = opts.duals !== 'kkt' && solution.hasDuals;
  if (useSolver && hasBounds && (!solution.muLb || !solution.muUb)) useSolver = false;
  if (opts.duals === 'solver' && !solution.hasDuals) {
    dqpWarn('no-solver-duals', `solver "${solution.solver}" returned no duals; they were completed from the reduced KKT system`);
  }
  let leastSquares = kkt.singular;
  if (useSolver) {
    lambda.set(solution.lambda);
    const mu = solution.mu.slice();
    if (norm) {
      unscaleDuals(lambda, norm.sA);
      unscaleDuals(mu, norm.sC);
    }
    for (let t = 0; t < k; t++) {
      const j = J[t]!;
      muJ[t] = j < m ? mu[j]! : j < m + n ? solution.muLb![j - m]! : solution.muUb![j - m - n]!;
    }
  } else {
    const sol = kkt.solve(kktRhs(problem, rows, J, n, p));
    leastSquares ||= sol.leastSquares;
    for (let i = 0; i < p; i++) lambda[i] = sol.x[n + i]!;
    for (let t = 0; t < k; t++) muJ[t] = sol.x[n + p + t]!;
  }
  const factorMs = performance.now() - tFac;

  // 5. degeneracy
  const muScaled = new Float64Array(k);
  for (let t = 0; t < k; t++) muScaled[t] = muJ[t]! / D[n + p + t]!;
  const weak = weaklyActiveRows(J, muScaled, opts.epsWeak);
  const singular = diag.singularReason !== null;
  if (weak.length > 0) dqpWarn('weakly-active', `${weak.length} active row(s) have a (nearly) zero dual (e.g. row ${weak[0]}): the solution is not differentiable there; one-sided derivatives are returned`);
  if (overdetermined) dqpWarn('overdetermined', `|J| + p = ${k + p} > n = ${n}: the active constraints are linearly dependent; least-squares derivatives are returned`);
  if (singular) dqpWarn('singular-kkt', `the reduced KKT matrix is singular (${diag.singularReason}); least-squares derivatives are returned`);

  const mu = zeros(m);
  const muLb = hasBounds ? zeros(n) : null;
  const muUb = hasBounds ? zeros(n) : null;
  for (let t = 0; t < k; t++) {
    const j = J[t]!;
    if (j < m) mu[j] = muJ[t]!;
    else if (j < m + n) muLb![j - m] = muJ[t]!;
    else muUb![j - m - n] = muJ[t]!;
  }
  const { active, activeLb, activeUb } = splitActiveSet(rows, J);
  const flags: DqpFlags = {
    nonDifferentiable: weak.length > 0 || overdetermined || singular,
    leastSquares,
    dualsCompleted: !useSolver,
    activeSetRefined: refined,
    weaklyActive: weak,
    overdetermined,
    singular,
  };
  const zOut = z.slice();
  const context = new DqpContext(
    n,
    p,
    m,
    hasBounds,
    J,
    zOut,
    lambda,
    muJ,
    kkt,
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
    timings: { solveMs, activeSetMs, factorMs, totalMs: performance.now() - t0 },
    solution,
    kktSolver: kkt.kind,
    eliminated,
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
