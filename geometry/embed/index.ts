/**
 * Bi-level embedding (paper Section 4; docs/geometry.md): learn the Laplacian weights of a
 * harmonic map so that it is a bijective embedding of a disk mesh into a non-convex polygon.
 *
 *   embedBilevel(qp, options)            the generic loop on the embedding family + certificate (driver.ts)
 *   embedBilevelAsync(qp, options)       the same, loading tfjs itself and yielding to the event loop
 *   prepareBilevel()                     load tfjs once before calling embedBilevel (synchronous)
 *   embeddingFamily / embeddingProblem   the embedding as a QP family for optimizer/bilevel (family.ts)
 *   EmbeddingObjective                   Float64 loss, forward and backward at any θ (family.ts)
 *   locateFolds                          where a map folds: count, box, nearest reflex corner (folds.ts)
 */
export type { BilevelOptions, BilevelResult, FoldReport, IterationRecord, StopReason, StrengthenMode } from './types.ts';
export { locateFolds, pointTriangleDistance } from './folds.ts';
export { BILEVEL_DEFAULTS, embedBilevel, embedBilevelAsync } from './driver.ts';
export { EmbeddingObjective, embeddingFamily, embeddingProblem, embeddingRegularizer } from './family.ts';
export type { EmbeddingObjectiveOptions } from './family.ts';
export { STRENGTHEN_MODES } from '../cone-constraints.ts';
export type { EmbeddingQPOptions } from '../embedding-qp.ts';
export { prepareBilevel } from '../../optimizer/bilevel/tf-runtime.ts';
