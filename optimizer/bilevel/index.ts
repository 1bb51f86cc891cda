/**
 * Bi-level embedding (paper Section 4): learn the Laplacian weights of a harmonic map so that
 * it is a bijective embedding of a disk mesh into a non-convex polygon.
 *
 *   embedBilevel(qp, options)            the Adam outer loop + final certificate (outer-loop.ts)
 *   embedBilevelAsync(qp, options)       the same, yielding to the event loop (abort with options.signal)
 *   EmbeddingObjective                   Float64 loss, forward and backward (objective.ts)
 *   embeddingLossOp(objective)           the loss as a tfjs op with a custom gradient (tf-loss.ts)
 */
export type { BilevelOptions, BilevelResult, IterationRecord, StopReason } from './types.ts';
export { BILEVEL_DEFAULTS, embedBilevel, embedBilevelAsync, median } from './outer-loop.ts';
export { EmbeddingObjective } from './objective.ts';
export type { Evaluation, ObjectiveOptions } from './objective.ts';
export { embeddingLossOp, tensorToFloat64 } from './tf-loss.ts';
