/**
 * The generic bi-level loop (paper Section 4, as an algorithm on any parameterized QP family):
 * learn θ with Adam so that a loss on the dQP layer's outputs (plus a regularizer on θ) goes
 * down, stopping when the inequality duals vanish. Nothing here knows about meshes: the
 * embedding application (geometry/embed) supplies its QP family and certifies the result.
 *
 *   prepareBilevel()                      load tfjs once (importing this module does not)
 *   runBilevel(problem, options)          the Adam loop + final tight re-solve (loop.ts)
 *   runBilevelAsync(problem, options)     the same, yielding to the event loop (abort with options.signal)
 *   BilevelObjective                      Float64 loss, forward and backward (objective.ts)
 *   bilevelLossOp(tf, objective)          the loss as a tfjs op with a custom gradient (tf-op.ts)
 *   dualNormLoss({ squared })             ‖μ‖₂ or ‖μ‖₂² as an OutputLoss (dual-loss.ts)
 *
 * Internals not exported here: bilevelSteps (the loop as a generator), bilevelTf (tfjs
 * resolution), yieldToEventLoop (event-loop.ts, the portable yield of the async entry point).
 */
export type {
  BilevelLoopOptions,
  BilevelLoopResult,
  BilevelProblem,
  IterationRecord,
  LoopStopReason,
  OutputLoss,
  QpFamily,
  Regularizer,
} from './types.ts';
export { BILEVEL_LOOP_DEFAULTS, runBilevel, runBilevelAsync } from './loop.ts';
export { BilevelObjective } from './objective.ts';
export type { Evaluation, ObjectiveOptions } from './objective.ts';
export { bilevelLossOp } from './tf-op.ts';
export { dualNormLoss } from './dual-loss.ts';
export { prepareBilevel } from './tf-runtime.ts';
