/**
 * The dQP layer: differentiate the solution of a QP solved by any registered (black-box) solver.
 *
 *   dqpForward(problem, options)      solve, active set, factor K_J, duals, flags
 *   dqpBackward(result, cotangents)   gradients w.r.t. P, q, A, b, C, d (and lb, ub)
 *   DqpLayer                          stateful: warm start + symbolic reuse for outer loops
 *   dqpForwardBatch / dqpBackwardBatch / DqpWorkerPool   batches, serial or on worker threads
 *
 * The math is in docs/dqp-layer.md and in the comments of forward.ts, reduced-kkt.ts and
 * backward.ts.
 */
export type {
  DqpBackwardOptions,
  DqpCotangents,
  DqpFlags,
  DqpForwardResult,
  DqpGradients,
  DqpOptions,
  DqpParam,
  DqpTimings,
  DualsMode,
  KktSolverKind,
  LinearSolverChoice,
} from './types.ts';
export { DQP_PARAMS } from './types.ts';
export { dqpForward, resolveDqpOptions, DQP_DEFAULTS, checkPositiveSemidefinite, type ResolvedDqpOptions } from './forward.ts';
export { dqpBackward, reducedKktVjp, type VjpPoint, type VjpTargets } from './backward.ts';
export { DqpContext } from './context.ts';
export { DqpLayer, type DqpLayerOptions, type DqpLayerStats } from './layer.ts';
export { dqpForwardBatch, dqpBackwardBatch, DqpWorkerPool, isRemoteResult, type DqpWorkerPoolOptions } from './batch.ts';
export { setDqpWarningHandler, resetDqpWarnings, type DqpWarning, type DqpWarningCode, type DqpWarningHandler } from './warnings.ts';
export { KktFactorCache, type KktSolver, type KktSolveResult } from './reduced-kkt.ts';
export { rowScales, normalizeRows } from './normalize.ts';
