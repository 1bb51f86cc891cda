/**
 * The interface every QP backend implements. The registry (registry.ts) validates the problem,
 * warns about unknown backend options, dispatches to `solve`, and fills in residuals if the
 * backend did not. A backend must be SYNCHRONOUS (the dQP layer runs inside tfjs custom
 * gradients); a backend that needs asynchronous loading (WASM) exposes `load()`, which
 * `loadSolvers()` in the registry awaits once.
 *
 * Conventions a backend must return in (see types.ts): duals with
 *   P z + q + Aᵀ λ + Cᵀ μ − μ_lb + μ_ub = 0,  μ, μ_lb, μ_ub ≥ 0.
 * A backend never reports a QP that is not convex (P not positive semidefinite on the nullspace
 * of A) as solved: it returns status 'non_convex' (backends/convexity.ts has the shared test),
 * with hasDuals false.
 */
import type { QPProblem, QPSettings, QPSolution, WarmStart } from './types.ts';

/** The common fields of QPSettings as a backend resolves them (its defaults applied, validated). */
export interface ResolvedQPSettings {
  readonly epsAbs: number;
  readonly epsRel: number;
  readonly maxIter: number;
  /** seconds; Infinity = none */
  readonly timeLimit: number;
  readonly verbose: boolean;
  readonly warmStart: WarmStart | null;
}

export interface SolverCapabilities {
  /** accepts dense matrices efficiently */
  readonly dense: boolean;
  /** exploits sparsity (CSC input) */
  readonly sparse: boolean;
  /** returns dual variables */
  readonly duals: boolean;
  /** uses settings.warmStart */
  readonly warmStart: boolean;
  /** rough practical size limit in variables (Infinity when none known) */
  readonly maxPracticalSize: number;
  /** one line for `dqp solvers` */
  readonly description: string;
}

export interface QPBackend {
  /** registry name, lower case: 'ipm', 'admm', 'highs', 'quadprog', ... */
  readonly name: string;
  readonly capabilities: SolverCapabilities;
  /** names of the backend-specific options it understands in settings.options */
  readonly optionNames: readonly string[];
  /** true when the backend can be used now (e.g. its WASM module is loaded) */
  isReady(): boolean;
  /** asynchronous one-time preparation (load WASM); absent when not needed */
  load?(): Promise<void>;
  /** Solve a validated problem. Must not modify the problem's arrays. */
  solve(problem: QPProblem, settings: QPSettings): QPSolution;
}
