/**
 * Backend 'highs': HiGHS 1.15 compiled to WebAssembly (npm `highs` 1.15.3). For a QP HiGHS runs
 * its primal ACTIVE-SET solver (the only QP algorithm in this build; `solver: "ipm"` falls back to
 * it), on the model
 *
 *   minimize ½ xᵀQx + cᵀx   s.t.  rowLower ≤ M x ≤ rowUpper,  colLower ≤ x ≤ colUpper
 *
 * which we fill as Q = P (lower triangle), c = q, M = [A; C], rowLower = [b; −∞],
 * rowUpper = [b; d], colLower/colUpper = lb/ub (±∞ when absent).
 *
 * Loading: the WASM module is instantiated asynchronously by `load()` (the registry's
 * loadSolvers awaits it, ~40 ms); afterwards `solve` is synchronous. If the WASM runtime aborts
 * (out of memory: the heap is capped at 2 GiB), the runtime is dropped, the solve reports
 * 'numerical_error' with a warning, and the backend is not ready until loaded again.
 *
 * Duals. HiGHS's optimality conditions for a minimization are  c + Qx − Mᵀy − s = 0  with y the
 * row duals and s the column duals (reduced costs), y_i ≥ 0 at an active lower row bound,
 * ≤ 0 at an active upper one; s_j ≥ 0 at an active lower column bound, ≤ 0 at an upper one.
 * Against P z + q + Aᵀλ + Cᵀμ − μ_lb + μ_ub = 0 this gives
 *   λ = −y[0:p],   μ = max(−y[p:p+m], 0),   μ_lb = max(s, 0),   μ_ub = max(−s, 0)
 * (bound duals are zero where the bound is infinite; the clipping only removes round-off of the
 * wrong sign).
 *
 * Settings: epsAbs → primal_feasibility_tolerance and dual_feasibility_tolerance (clamped to
 * HiGHS's minimum 1e-10) and qp_regularization_value = clamp(epsAbs/100, 1e-12, 1e-7) (HiGHS
 * regularizes the reduced Hessian by this value, which perturbs the solution by about
 * value·|z|; its default 1e-7 alone gives errors ~1e-6); timeLimit → time_limit; maxIter →
 * qp_iteration_limit; verbose → output_flag (the log goes to stderr); small_matrix_value = 1e-12
 * (HiGHS's default 1e-9 silently drops small coefficients). settings.options are HiGHS option
 * names (snake_case) passed through after those, so they win. Measured on the 51 Maros–Meszaros
 * problems with n ≤ 400: 46 'solved' with these settings (max residual ≤ 4e-2), 47 with
 * HiGHS's defaults, whose 'solved' answers have residuals up to 4e+1 (9e+3 on QSHARE1B).
 *
 * Statuses: a QP that is not convex (backends/convexity.ts, tested before HiGHS runs) →
 * 'non_convex'; optimal → 'solved'; infeasible → 'primal_infeasible'; unbounded → 'dual_infeasible';
 * "unbounded or infeasible" → decided by a feasibility LP on the same constraints; time limit →
 * 'time_limit'; iteration limit → 'max_iter'; anything else → 'numerical_error', including a
 * failed run (HiGHS rejects its own answer, e.g. "QP solver claims optimality, but with primal
 * infeasibilities" on MPC QUADCMPC3; one warning per distinct message).
 * HiGHS's regularized active-set solver reports an UNBOUNDED QP (a direction w with Pw = 0,
 * qᵀw < 0 that stays feasible) as "optimal" at z ≈ |q|/regularization; when the reported z is
 * that large (‖z‖∞ ≥ 1e6) we test z/‖z‖∞ as such a ray and report 'dual_infeasible' if it is one.
 */
import type { Highs, HighsError as HighsErrorType, InitOptions, ModelData, OptionValue } from 'highs';
import { DqpError, InputError } from '../../errors.ts';
import { vstack } from '../../linalg/blocks.ts';
import { cscLowerTriangle } from '../../linalg/csc.ts';
import { matrixMaxAbs, matVec, toCsc } from '../../linalg/matrix.ts';
import type { CscMatrix } from '../../linalg/types.ts';
import { maxAbs } from '../../linalg/vec.ts';
import type { QPBackend } from '../backend.ts';
import { computeResiduals } from '../residuals.ts';
import { makeSolution } from '../solution.ts';
import type { QPProblem, QPSettings, QPSolution, QPStatus } from '../types.ts';
import { warn, warnOnce } from '../warnings.ts';
import { convexOnEqualityNullspace } from './convexity.ts';
import { log } from './log.ts';

let runtime: Highs | null = null;
let loading: Promise<void> | null = null;
/** true while a verbose solve runs: the WASM log is forwarded to stderr only then */
let echo = false;
let allOptionNames: readonly string[] | null = null;

/** Options that are commonly passed (the full list is read from HiGHS once loaded). */
const STATIC_OPTION_NAMES: readonly string[] = [
  'presolve',
  'time_limit',
  'primal_feasibility_tolerance',
  'dual_feasibility_tolerance',
  'optimality_tolerance',
  'qp_iteration_limit',
  'qp_nullspace_limit',
  'qp_regularization_value',
  'small_matrix_value',
  'output_flag',
  'log_to_console',
  'random_seed',
];

async function loadHighs(): Promise<void> {
  if (runtime) return;
  if (!loading) {
    loading = (async () => {
      // The package ships an ES module whose default export is the loader; TypeScript types the
      // package as CommonJS, so accept both shapes.
      type Loader = (options?: InitOptions) => Promise<Highs>;
      const mod = (await import('highs')) as unknown as { default: Loader | { default: Loader } };
      const loader = typeof mod.default === 'function' ? mod.default : mod.default.default;
      const print = (s: string) => {
        if (echo) log(s);
      };
      const rt = await loader({ print, printErr: print });
      const probe = rt.createModel();
      try {
        allOptionNames = [...probe.options.names()];
      } finally {
        probe.dispose();
      }
      runtime = rt;
    })().finally(() => {
      loading = null;
    });
  }
  await loading;
}

function isHighsError(e: unknown): e is HighsErrorType {
  return e instanceof Error && typeof (e as { operation?: unknown }).operation === 'string';
}

function buildModel(problem: QPProblem, withHessian: boolean): ModelData {
  const n = problem.P.ncols;
  const A = problem.A ? toCsc(problem.A) : null;
  const C = problem.C ? toCsc(problem.C) : null;
  const p = A ? A.nrows : 0;
  const m = C ? C.nrows : 0;
  const rowLower = new Float64Array(p + m).fill(-Infinity);
  const rowUpper = new Float64Array(p + m);
  if (problem.b) {
    rowLower.set(problem.b);
    rowUpper.set(problem.b);
  }
  if (problem.d) rowUpper.set(problem.d, p);
  // [A; C] in CSC (rows of C shifted by p)
  const stacked = [A, C].filter((M): M is CscMatrix => M !== null);
  const AC = stacked.length > 0 ? vstack(stacked) : null;
  const starts = AC ? AC.colPtr : new Int32Array(n + 1);
  const indices = AC ? AC.rowIdx : new Int32Array(0);
  const values = AC ? AC.values : new Float64Array(0);
  const data: ModelData = {
    numCols: n,
    numRows: p + m,
    colCost: withHessian ? problem.q : new Float64Array(n),
    colLower: problem.lb ?? new Float64Array(n).fill(-Infinity),
    colUpper: problem.ub ?? new Float64Array(n).fill(Infinity),
    rowLower,
    rowUpper,
    matrix: { format: 'csc', numRows: p + m, numCols: n, starts, indices, values },
  };
  if (!withHessian) return data;
  const L = cscLowerTriangle(toCsc(problem.P));
  return {
    ...data,
    hessian: { format: 'triangular', dimension: n, starts: L.colPtr, indices: L.rowIdx, values: L.values },
  };
}

function highsOptions(settings: QPSettings): Record<string, OptionValue> {
  const eps = settings.epsAbs ?? 1e-8;
  const opts: Record<string, OptionValue> = {
    output_flag: settings.verbose === true,
    small_matrix_value: 1e-12,
    primal_feasibility_tolerance: Math.max(eps, 1e-10),
    dual_feasibility_tolerance: Math.max(eps, 1e-10),
    qp_regularization_value: Math.min(1e-7, Math.max(1e-12, eps / 100)),
  };
  if (settings.timeLimit !== undefined && Number.isFinite(settings.timeLimit)) opts.time_limit = settings.timeLimit;
  if (settings.maxIter !== undefined) opts.qp_iteration_limit = Math.min(settings.maxIter, 2147483647);
  return opts;
}

/**
 * Is w = z/‖z‖∞ a ray of unboundedness: P w ≈ 0, A w ≈ 0, C w ≤ ≈0, w respects the finite
 * bounds' directions, and qᵀw < 0? Tolerances are relative to the data scale.
 */
function isUnboundedRay(problem: QPProblem, z: Float64Array): boolean {
  const n = z.length;
  let zmax = 0;
  for (let i = 0; i < n; i++) zmax = Math.max(zmax, Math.abs(z[i]!));
  if (!(zmax >= 1e6) || !Number.isFinite(zmax)) return false;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = z[i]! / zmax;
  const tol = 1e-5;
  const Pw = matVec(problem.P, w);
  const pScale = Math.max(1, matrixMaxAbs(problem.P));
  for (let i = 0; i < n; i++) if (Math.abs(Pw[i]!) > tol * pScale) return false;
  let qw = 0;
  let qmax = 0;
  for (let i = 0; i < n; i++) {
    qw += problem.q[i]! * w[i]!;
    qmax = Math.max(qmax, Math.abs(problem.q[i]!));
  }
  if (!(qw < -tol * Math.max(qmax, 1e-12))) return false;
  if (problem.A) {
    const Aw = matVec(problem.A, w);
    const s = Math.max(1, matrixMaxAbs(problem.A));
    for (let i = 0; i < Aw.length; i++) if (Math.abs(Aw[i]!) > tol * s) return false;
  }
  if (problem.C) {
    const Cw = matVec(problem.C, w);
    const s = Math.max(1, matrixMaxAbs(problem.C));
    for (let i = 0; i < Cw.length; i++) if (Cw[i]! > tol * s) return false;
  }
  for (let i = 0; i < n; i++) {
    if (problem.lb && problem.lb[i]! > -Infinity && w[i]! < -tol) return false;
    if (problem.ub && problem.ub[i]! < Infinity && w[i]! > tol) return false;
  }
  return true;
}

/** 'primal_infeasible' if the constraints alone are infeasible (an LP with zero cost), else 'dual_infeasible'. */
function classifyUnboundedOrInfeasible(rt: Highs, problem: QPProblem): QPStatus {
  const model = rt.createModel(buildModel(problem, false));
  try {
    model.options.set({ output_flag: false });
    const r = model.run();
    return r.modelStatus === rt.constants.modelStatus.infeasible ? 'primal_infeasible' : 'dual_infeasible';
  } catch {
    return 'numerical_error';
  } finally {
    model.dispose();
  }
}

function solveHighs(problem: QPProblem, settings: QPSettings): QPSolution {
  const rt = runtime;
  if (!rt) throw new DqpError(`solver "highs" is not loaded: call \`await loadSolvers(['highs'])\` once before solving`);
  const t0 = performance.now();
  const n = problem.P.ncols;
  const p = problem.A ? problem.A.nrows : 0;
  const m = problem.C ? problem.C.nrows : 0;
  const opts = highsOptions(settings);
  const extra = settings.options ?? {};
  const known = allOptionNames ?? STATIC_OPTION_NAMES;
  for (const [key, value] of Object.entries(extra)) {
    if (!known.includes(key)) continue; // the registry warned about it
    if (typeof value !== 'boolean' && typeof value !== 'number' && typeof value !== 'string') {
      throw new InputError(`options.${key}`, 'a boolean, number or string (a HiGHS option value)', typeof value);
    }
    opts[key] = value;
  }

  let status: QPStatus = 'numerical_error';
  let iterations = 0;
  let colValue: Float64Array | null = null;
  let colDual: Float64Array | null = null;
  let rowDual: Float64Array | null = null;
  let t1 = t0;
  let t2 = t0;
  echo = settings.verbose === true || opts.output_flag === true;
  // HiGHS does not reliably reject a non-convex QP (on P = [0 1; 1 0] with box bounds it reports
  // "optimal" at a saddle): test convexity first (backends/convexity.ts; free for a diagonally
  // dominant P, else one sparse LDLᵀ of order n + p)
  const nonConvex = !convexOnEqualityNullspace(problem);
  if (nonConvex) {
    status = 'non_convex';
    if (echo) log('highs: P is not positive semidefinite on the nullspace of A: non_convex');
    echo = false;
  } else {
    try {
      const model = rt.createModel(buildModel(problem, true));
      try {
        for (const [key, value] of Object.entries(opts)) {
          try {
            model.options.set(key, value);
          } catch (e) {
            if (isHighsError(e)) throw new InputError(`options.${key}`, 'a value HiGHS accepts for this option', JSON.stringify(value));
            throw e;
          }
        }
        t1 = performance.now();
        let code: number;
        try {
          code = model.run().modelStatus;
        } catch (e) {
          if (!isHighsError(e)) throw e;
          warnOnce(`highs:${e.message}`, `solver "highs": ${e.message} (reported as status numerical_error; shown once)`);
          code = -1;
        }
        t2 = performance.now();
        const ms = rt.constants.modelStatus;
        if (code === ms.optimal) status = 'solved';
        else if (code === ms.infeasible) status = 'primal_infeasible';
        else if (code === ms.unbounded) status = 'dual_infeasible';
        else if (code === ms.unboundedOrInfeasible) status = classifyUnboundedOrInfeasible(rt, problem);
        else if (code === ms.timeLimit) status = 'time_limit';
        else if (code === ms.iterationLimit) status = 'max_iter';
        if (code >= 0) {
          const sol = model.getSolution();
          colValue = sol.colValue;
          colDual = sol.colDual;
          rowDual = sol.rowDual;
          const count = (name: string): number => {
            try {
              return Number(model.info.get(name));
            } catch {
              return 0;
            }
          };
          iterations = count('qp_iteration_count') || count('simplex_iteration_count');
        }
      } finally {
        model.dispose();
      }
    } catch (e) {
      if (e instanceof DqpError) throw e;
      if (e instanceof Error && e.name === 'RuntimeError') {
        // WebAssembly.RuntimeError: the Emscripten runtime aborted and cannot be used again
        runtime = null;
        warn(`solver "highs": the WASM runtime aborted (${e.message}); it must be loaded again with \`await loadSolvers(['highs'])\``);
        status = 'numerical_error';
      } else throw e;
    } finally {
      echo = false;
    }
  }

  const z = new Float64Array(n);
  if (colValue && colValue.length === n) {
    let finite = true;
    for (let i = 0; i < n; i++) if (!Number.isFinite(colValue[i]!)) finite = false;
    if (finite) z.set(colValue);
    else if (status === 'solved') status = 'numerical_error';
  }
  if (status === 'solved' && isUnboundedRay(problem, z)) status = 'dual_infeasible';
  const lambda = new Float64Array(p);
  const mu = new Float64Array(m);
  const hasBounds = !!(problem.lb || problem.ub);
  const muLb = hasBounds ? new Float64Array(n) : undefined;
  const muUb = hasBounds ? new Float64Array(n) : undefined;
  const hasDuals = status === 'solved' && rowDual !== null && colDual !== null;
  if (hasDuals) {
    for (let i = 0; i < p; i++) lambda[i] = -rowDual![i]!;
    for (let i = 0; i < m; i++) mu[i] = Math.max(-rowDual![p + i]!, 0);
    if (hasBounds) {
      for (let j = 0; j < n; j++) {
        const s = colDual![j]!;
        if (problem.lb && problem.lb[j]! > -Infinity) muLb![j] = Math.max(s, 0);
        if (problem.ub && problem.ub[j]! < Infinity) muUb![j] = Math.max(-s, 0);
      }
    }
  }
  const residuals = computeResiduals(problem, z, lambda, mu, muLb, muUb);
  // HiGHS can report "optimal" at a point that is not a KKT point of the QP (seen: dual residual
  // 7.8 and z off by 0.7 on a 11-variable problem that every other backend solves to 1e-12):
  // check the claim before passing it on.
  if (status === 'solved') {
    const scale = 1 + Math.max(maxAbs(problem.q), objectiveScale(problem, z));
    const tol = Math.max(KKT_CHECK_TOL, 1e3 * (settings.epsAbs ?? 1e-8)) * scale;
    if (residuals.primal > tol || residuals.dual > tol) {
      warnOnce('highs:kkt-check', `solver "highs" reported an optimal point whose KKT residuals (r_p ${residuals.primal.toExponential(2)}, r_d ${residuals.dual.toExponential(2)}) exceed ${tol.toExponential(2)}: reported as status solved_inaccurate (shown once)`);
      status = 'solved_inaccurate';
    }
  }
  return makeSolution(problem, { status, z, lambda, mu, muLb, muUb, iterations, setupMs: t1 - t0, solveMs: t2 - t1, residuals, solver: 'highs', hasDuals });
}

/** Relative KKT residual above which a HiGHS "optimal" is not passed on as 'solved' (at least 1e3·epsAbs). */
const KKT_CHECK_TOL = 1e-6;

/** ‖P z‖∞ (the size of the gradient's quadratic part), for the relative KKT check. */
function objectiveScale(problem: QPProblem, z: Float64Array): number {
  return maxAbs(matVec(problem.P, z));
}

/** Drop the loaded runtime (tests; the next use needs loadSolvers again). */
export function unloadHighs(): void {
  runtime = null;
}

/** The HiGHS backend. Needs `await loadSolvers(['highs'])` (or `highsBackend.load()`) once. */
export const highsBackend: QPBackend = {
  name: 'highs',
  capabilities: {
    dense: true,
    sparse: true,
    duals: true,
    warmStart: false,
    maxPracticalSize: 5000,
    description:
      'HiGHS 1.15 active-set QP via WASM (npm highs); sparse; slow when many constraints change activity (1600-variable grid QP ~15 s); null-space limit 4000 by default; 2 GiB heap',
  },
  get optionNames(): readonly string[] {
    return allOptionNames ?? STATIC_OPTION_NAMES;
  },
  isReady: () => runtime !== null,
  load: loadHighs,
  solve: solveHighs,
};

