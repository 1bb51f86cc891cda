/**
 * The solver registry: one API over every QP backend.
 *
 *   registerSolver(backend)        add a backend (the built-in ones are registered on first use)
 *   getBackend(name)               the backend, or SolverNotFoundError listing the available ones
 *   listSolvers()                  [{ name, capabilities, ready }]
 *   loadSolvers(names?)            await the asynchronous preparation (WASM) of some/all backends
 *   solveQP(problem, settings)     validate → warn about unknown options → dispatch → complete
 *
 * solveQP is SYNCHRONOUS (the dQP layer calls it inside tfjs custom gradients). It throws for bad
 * input (InputError and subclasses), an unknown solver, or a backend that is not loaded yet; it
 * never throws for a solver outcome: infeasibility, limits and numerical failures (including a
 * backend that throws something other than an input error) come back as a status.
 */
import { DqpError, InputError, LinearAlgebraError, SolverNotFoundError } from '../errors.ts';
import { allFinite } from '../linalg/vec.ts';
import type { QPBackend, SolverCapabilities } from './backend.ts';
import { builtinBackends } from './backends/index.ts';
import { validateProblem } from './problem.ts';
import { computeResiduals, objectiveValue } from './residuals.ts';
import type { QPProblem, QPResiduals, QPSettings, QPSolution } from './types.ts';
import { warn, warnOnce } from '../log.ts';

export { setWarningHandler, warn, type WarningHandler } from '../log.ts';

/** The solver used when settings.solver is absent. */
export const DEFAULT_SOLVER = 'ipm';

/**
 * Residuals a backend returns when it did not compute them; solveQP fills them in. (Any NaN
 * field means "missing".)
 */
export const MISSING_RESIDUALS: QPResiduals = Object.freeze({ primal: NaN, dual: NaN, gap: NaN });

/** Settings of solveQP: the common QPSettings plus the backend name. */
export interface SolveQPSettings extends QPSettings {
  /** registry name of the backend (default 'ipm') */
  solver?: string;
}

/** One row of listSolvers(). */
export interface SolverInfo {
  readonly name: string;
  readonly capabilities: SolverCapabilities;
  /** isReady() now (a WASM backend is ready after loadSolvers) */
  readonly ready: boolean;
}

const backends = new Map<string, QPBackend>();
let builtinsRegistered = false;

function ensureBuiltins(): void {
  if (builtinsRegistered) return;
  builtinsRegistered = true;
  for (const b of builtinBackends) if (!backends.has(b.name)) backends.set(b.name, b);
}

/**
 * Register a backend under backend.name (lower case letters, digits, '-', '_'). A name that is
 * already taken throws InputError unless `replace` is set.
 */
export function registerSolver(backend: QPBackend, options: { replace?: boolean } = {}): void {
  ensureBuiltins();
  const name = backend?.name;
  if (typeof name !== 'string' || !/^[a-z0-9_-]+$/.test(name)) {
    throw new InputError('backend.name', 'a lower-case name ([a-z0-9_-]+)', JSON.stringify(name));
  }
  if (typeof backend.solve !== 'function' || typeof backend.isReady !== 'function') {
    throw new InputError('backend', 'a QPBackend (solve and isReady functions)', `an object without ${typeof backend.solve !== 'function' ? 'solve' : 'isReady'}`);
  }
  if (backends.has(name) && !options.replace) {
    throw new InputError('backend.name', 'a name not yet registered (or { replace: true })', `"${name}" (already registered)`);
  }
  backends.set(name, backend);
}

/** Remove a backend; returns whether it was registered. */
export function unregisterSolver(name: string): boolean {
  ensureBuiltins();
  return backends.delete(name);
}

/** Registered names in registration order (the built-ins first: ipm, admm, highs, quadprog). */
export function solverNames(): string[] {
  ensureBuiltins();
  return [...backends.keys()];
}

/** The backend registered as `name` (case-insensitive); SolverNotFoundError lists the others. */
export function getBackend(name: string): QPBackend {
  ensureBuiltins();
  const b = backends.get(String(name).toLowerCase());
  if (!b) throw new SolverNotFoundError(String(name), solverNames());
  return b;
}

/** Every registered backend with its capabilities and whether it is ready, in registration order. */
export function listSolvers(): SolverInfo[] {
  return solverNames().map((name) => {
    const b = backends.get(name)!;
    return { name, capabilities: b.capabilities, ready: b.isReady() };
  });
}

/**
 * Await backend.load() for the named backends (all registered ones when `names` is omitted);
 * backends without load() are ready already. Every backend is attempted; if any failed, the
 * promise rejects with a DqpError naming each failure (the others stay loaded).
 * Unknown names reject with SolverNotFoundError before anything is loaded.
 */
export async function loadSolvers(names?: readonly string[]): Promise<void> {
  const list = (names ?? solverNames()).map((n) => getBackend(n));
  const failures: string[] = [];
  for (const b of list) {
    if (!b.load) continue;
    try {
      await b.load();
    } catch (e) {
      failures.push(`${b.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (failures.length > 0) throw new DqpError(`could not load solver${failures.length > 1 ? 's' : ''}: ${failures.join('; ')}`);
}

function checkSettings(s: SolveQPSettings): void {
  const nonNeg = (key: 'epsAbs' | 'epsRel') => {
    const v = s[key];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && Number.isFinite(v))) {
      throw new InputError(`settings.${key}`, 'a finite number ≥ 0', String(v));
    }
  };
  nonNeg('epsAbs');
  nonNeg('epsRel');
  if (s.maxIter !== undefined && !(Number.isInteger(s.maxIter) && s.maxIter >= 1)) {
    throw new InputError('settings.maxIter', 'an integer ≥ 1', String(s.maxIter));
  }
  if (s.timeLimit !== undefined && !(typeof s.timeLimit === 'number' && s.timeLimit > 0)) {
    throw new InputError('settings.timeLimit', 'a number of seconds > 0 (Infinity for none)', String(s.timeLimit));
  }
  if (s.options !== undefined && s.options !== null && (typeof s.options !== 'object' || Array.isArray(s.options))) {
    throw new InputError('settings.options', 'an object of backend options', Array.isArray(s.options) ? 'an array' : typeof s.options);
  }
}

const hasNaN = (r: QPResiduals | undefined | null): boolean => !r || Number.isNaN(r.primal) || Number.isNaN(r.dual) || Number.isNaN(r.gap);

/**
 * Solve `problem` with the backend `settings.solver` (default 'ipm').
 *
 * Steps: validate the problem (O(nnz), always); check the settings; warn ONCE per (solver,
 * option) about keys of settings.options the backend does not know; require backend.isReady()
 * (otherwise a DqpError telling to `await loadSolvers([name])`); call backend.solve and measure
 * it; fill in what the backend left out: solveMs (when setupMs and solveMs are both 0), the
 * residuals (when any field is NaN), the objective (when NaN), and `solver`. A 'solved' status
 * with non-finite z becomes 'numerical_error'. A backend exception other than an input error
 * becomes status 'numerical_error' (z = 0, no duals) plus a warning carrying its message.
 * The problem's arrays are not modified.
 */
export function solveQP(problem: QPProblem, settings: SolveQPSettings = {}): QPSolution {
  const name = settings.solver ?? DEFAULT_SOLVER;
  const backend = getBackend(name);
  const { n, p, m } = validateProblem(problem);
  checkSettings(settings);
  if (settings.options) {
    const known = backend.optionNames;
    for (const key of Object.keys(settings.options)) {
      if (!known.includes(key)) {
        warnOnce(
          `${backend.name}\u0000${key}`,
          `solver "${backend.name}" ignores unknown option "${key}" (${known.length > 0 ? `known: ${known.join(', ')}` : 'it has no backend options'})`,
        );
      }
    }
  }
  if (!backend.isReady()) {
    throw new DqpError(
      `solver "${backend.name}" is not loaded yet: call \`await loadSolvers(['${backend.name}'])\` once before solving`,
    );
  }
  const { solver: _omit, ...backendSettings } = settings;
  const t0 = performance.now();
  let sol: QPSolution;
  try {
    sol = backend.solve(problem, backendSettings);
  } catch (e) {
    if (e instanceof DqpError && !(e instanceof LinearAlgebraError)) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    warn(`solver "${backend.name}" failed: ${msg}`);
    const z = new Float64Array(n);
    const lambda = new Float64Array(p);
    const mu = new Float64Array(m);
    return {
      status: 'numerical_error',
      z,
      lambda,
      mu,
      objective: 0,
      iterations: 0,
      setupMs: 0,
      solveMs: performance.now() - t0,
      residuals: computeResiduals(problem, z, lambda, mu),
      solver: backend.name,
      hasDuals: false,
    };
  }
  const elapsed = performance.now() - t0;
  const timed = !(sol.setupMs > 0 || sol.solveMs > 0);
  const status = sol.status === 'solved' || sol.status === 'solved_inaccurate' ? (allFinite(sol.z) ? sol.status : 'numerical_error') : sol.status;
  const residuals = hasNaN(sol.residuals) ? computeResiduals(problem, sol.z, sol.lambda, sol.mu, sol.muLb, sol.muUb) : sol.residuals;
  return {
    ...sol,
    status,
    objective: Number.isNaN(sol.objective) ? objectiveValue(problem, sol.z) : sol.objective,
    setupMs: timed ? 0 : sol.setupMs,
    solveMs: timed ? elapsed : sol.solveMs,
    residuals,
    solver: sol.solver || backend.name,
  };
}
