/**
 * Types of the bi-level embedding (paper Section 4; docs/geometry.md): the generic loop of
 * optimizer/bilevel run on the embedding QP family, then the final map certified.
 *
 * Outer problem over θ (one parameter per undirected mesh edge, #E):
 *
 *   loss(θ) = log(1 + ‖μ*(θ)‖₂/1e-4) + λ_reg · ‖L̂(θ) − L̂₀‖∞   (default, loss 'log-norm')
 *   loss(θ) = ‖μ*(θ)‖₂ + λ_reg · ‖L̂(θ) − L̂₀‖∞          (loss 'norm', the authors' code)
 *   loss(θ) = ‖μ*(θ)‖₂² + λ_reg · ‖L̂(θ) − L̂₀‖∞         (loss 'squared-norm' or `squared: true`, the paper's text)
 *
 * μ*(θ) (length m = 2·#reflex corners) are the inequality duals of the inner QP
 * (geometry/embedding-qp.ts) returned by the dQP layer (0 off the active set). All three vanish
 * exactly where μ does. 'log-norm' is the default because its gradient ∇‖μ‖/(1e-4 + ‖μ‖) keeps
 * Adam's steps from fading while the duals shrink by orders of magnitude: with it the corner
 * study certifies every size up to 10⁵ vertices in 25–76 steps (docs/geometry.md#step-count).
 */
import type { Tf } from '../../optimizer/tf/load.ts';
import type { IterationRecord } from '../../optimizer/bilevel/types.ts';
import type { DualLossKind } from '../../optimizer/bilevel/dual-loss.ts';
import type { QPStatus } from '../../optimizer/qp/types.ts';
import type { FoldReport } from './folds.ts';
import type { StrengthenMode } from '../cone-constraints.ts';

export type { IterationRecord, FoldReport, StrengthenMode, DualLossKind };

/** Settings of the inner QP solve and of the outer loop. Every field has a default. */
export interface BilevelOptions {
  /** the tfjs module for Adam; default: prepareBilevel()'s (embedBilevelAsync loads it itself) */
  readonly tf?: Tf | null;
  /** registry name of the forward QP solver; default 'ipm' */
  readonly solver?: string;
  /** Adam learning rate η; default 1e-2 */
  readonly lr?: number;
  /**
   * Adam's second-moment decay β₂; default 0.999 (tf.train.adam's and PyTorch's). On the corner
   * study smaller values shorten the plateau after the first fast descent (N = 25: 2 695 steps
   * with 0.999, 1 102 with 0.99, 533 with 0.9)
   */
  readonly beta2?: number;
  /** where Adam runs: 'float64' (default) or 'tfjs' (float32; optimizer/bilevel/types.ts BilevelLoopOptions.adam) */
  readonly adam?: 'tfjs' | 'float64';
  /** restart Adam at the first refused stop of a run (BilevelLoopOptions.adamRestart); default false */
  readonly adamRestart?: boolean;
  /**
   * solve each forward by the predicted active set of the previous one (one factorization, checked,
   * the solver only when the check fails: BilevelLoopOptions.predictActiveSet); default true,
   * false = the paper's setting (the solver at every forward)
   */
  readonly predictActiveSet?: boolean;
  /** λ_reg ≥ 0, weight of ‖L̂ − L̂₀‖∞; default 0 */
  readonly reg?: number;
  /** maximum number of Adam steps; default 10 000 */
  readonly maxIter?: number;
  /** use ‖μ‖₂² (same as loss 'squared-norm'); default false */
  readonly squared?: boolean;
  /**
   * the dual loss: 'log-norm' log(1 + ‖μ‖₂/1e-4) (default: same minimizers as ‖μ‖₂; keeps Adam's
   * steps from fading as the duals shrink, see optimizer/bilevel/dual-loss.ts and
   * docs/geometry.md#step-count), 'norm' ‖μ‖₂ (the authors' code), 'squared-norm' ‖μ‖₂² (the
   * paper's text)
   */
  readonly loss?: DualLossKind;
  /** inner solver tolerances during the loop; defaults 1e-5 / 0 (the paper's PIQP settings) */
  readonly epsAbs?: number;
  readonly epsRel?: number;
  /** active-set threshold ε_J of the dQP layer; default 1e-4 */
  readonly epsActive?: number;
  /**
   * stop when every inequality dual is < stopTol (checked after the forward, confirmed by a
   * tight re-solve, see optimizer/bilevel/objective.ts); default 1e-4
   */
  readonly stopTol?: number;
  /** warm-start each inner solve from the previous one; default true */
  readonly warmStart?: boolean;
  /**
   * at a stop by the dual test, also require 0 flipped triangles in the (tightly solved) map;
   * otherwise keep iterating. Default true (see driver.ts). With false the loop stops at the
   * first dual-test pass; a folded final map is then reported as 'duals-vanished-folded',
   * never as 'converged'
   */
  readonly requireValid?: boolean;
  /**
   * stop with 'stalled-folded' after this many consecutive forwards that each pass the dual test
   * (tightly confirmed) and are each refused by requireValid with the SAME number of flipped
   * triangles; Infinity never stops for a stall. Default 50. Why 50: when every dual is exactly
   * 0 the loss ‖μ‖ and its gradient are 0 and Adam only coasts on its first moment, which decays
   * by β₁ = 0.9 per step: after 50 steps what is left of the motion is at most
   * lr · 0.9⁵⁰ / (1 − 0.9) ≈ 0.05 · lr in θ, so the map cannot change any more and waiting longer
   * only burns time. When the duals are below stopTol but not 0 the gradient μ/‖μ‖ keeps pushing;
   * 50 steps with the fold count unchanged is then the signal that this push does not reach the
   * folds (they are not where the cone rows are). No run on the examples (cross, corner study,
   * bumpy disk into the built-in domains) has any blocked stop, so the default changes none of
   * them
   */
  readonly stallSteps?: number;
  /** tolerance of the tight re-solves (consistency guard, confirmation, final map); default 1e-9 */
  readonly finalEpsAbs?: number;
  /** wall-clock limit of the loop in seconds; default Infinity */
  readonly timeLimit?: number;
  /**
   * checked after every forward: once aborted, the loop stops ('interrupted') and the final map
   * is still certified. With embedBilevel (synchronous) only onIteration can abort it; use
   * embedBilevelAsync to let signal handlers and timers run between iterations
   */
  readonly signal?: AbortSignal;
  /** initial θ (#E, not modified); default θ = −1 on every edge */
  readonly theta0?: Float64Array | null;
  /**
   * called once per iteration, for progress output: after the Adam step (with its backward
   * time), or after the last forward when the loop stops there (backwardMs null). The record's
   * outputTerm is ‖μ‖₂ (or ‖μ‖₂² when squared), regTerm λ_reg ‖L̂ − L̂₀‖∞
   */
  readonly onIteration?: ((record: IterationRecord) => void) | null;
  /**
   * embedBilevelAsync awaits this between iterations instead of a plain yield to the event loop
   * (the web page's Pause waits here); ignored by embedBilevel. Results do not depend on it
   */
  readonly between?: (() => Promise<void>) | null;
}

/**
 * Why the embedding loop ended:
 *   'converged'              the dual test passed AND the final tight map is valid (0 flipped
 *                            triangles, boundary on the target polygon): the certificate holds
 *   'duals-vanished-folded'  the dual test passed but the final tight map is not valid (possible
 *                            with requireValid: false, or if the final re-solve disagrees with
 *                            the loop's last forward): NOT a success
 *   'stalled-folded'         every dual < stopTol (tightly confirmed) but the map keeps flipped
 *                            triangles: stallSteps consecutive forwards refused by requireValid
 *                            with an unchanged flip count. The cone rows are satisfied, the folds
 *                            are elsewhere (see `folds`); the loop cannot make progress. NOT a
 *                            success (a CLI exits with 2, as for the other failures)
 *   'max-iter' | 'time-limit' | 'solver-failed' | 'interrupted'   as in the generic loop
 */
export type StopReason =
  | 'converged'
  | 'duals-vanished-folded'
  | 'stalled-folded'
  | 'max-iter'
  | 'time-limit'
  | 'solver-failed'
  | 'interrupted';

export interface BilevelResult {
  /** stopReason === 'converged': every dual < stopTol AND the final map is valid */
  readonly converged: boolean;
  readonly stopReason: StopReason;
  /** Adam steps taken */
  readonly iterations: number;
  /** flipped or degenerate triangles of the final map (signed area ≤ 0 w.r.t. the orientation) */
  readonly flips: number;
  /** max inequality dual (of the layer and of the solver) at the last forward of the loop */
  readonly maxDual: number;
  /** #V */
  readonly vertices: number;
  /** inequality rows of the inner QP (2 per reflex corner) */
  readonly constraints: number;
  /** wall clock of the loop and the final re-solve, ms */
  readonly totalMs: number;
  /** medians over iterations of the forward (instance + dQP forward) and backward times, ms */
  readonly forwardMsMedian: number;
  readonly backwardMsMedian: number;
  /** median time of one Adam update through tfjs (customGrad + optimizer), excluding the backward */
  readonly adamMsMedian: number;
  /** #V by 2 final positions (interleaved); boundary vertices exactly at their targets */
  readonly V: Float64Array;
  /** final θ, #E */
  readonly theta: Float64Array;
  /** loss at every forward (iterations + 1 entries when the loop stopped at a forward) */
  readonly lossHistory: number[];
  /** max dual at every forward */
  readonly maxDualHistory: number[];
  /** iterations whose active set differed from the previous one's (iteration 0 not included) */
  readonly activeChanges: number[];
  /** the final tight re-solve: status, ‖boundary − target‖∞ before snapping, min signed area */
  readonly finalStatus: QPStatus;
  readonly boundaryDeviation: number;
  readonly minArea: number;
  /** inequality rows violated (C x > 1e-9 · scale) by the final map */
  readonly violatedRows: number;
  /** flips = 0 and boundary deviation within 1e-6 × polygon diameter */
  readonly valid: boolean;
  /** which loss was minimized */
  readonly loss: DualLossKind;
  /** forwards repeated with the tight tolerance (inconsistent active set, or a stop to confirm) */
  readonly tightSolves: number;
  /** times the dual test passed but the map still had flipped triangles (requireValid) */
  readonly blockedStops: number;
  /** forwards solved by the predicted active set (no solver call) */
  readonly predictedSolves: number;
  /** median numeric factorizations per forward */
  readonly factorizationsMedian: number;
  /** Adam restarts (adamRestart) */
  readonly adamRestarts: number;
  /**
   * the first forward at which the dual rule held (every dual < stopTol, tightly confirmed),
   * with the flipped triangles of that forward's map: where a loop without requireValid would
   * have stopped. null when the rule never held
   */
  readonly dualRule: { readonly iteration: number; readonly flips: number } | null;
  /**
   * the longest run of consecutive blocked stops with an unchanged flip count (the quantity
   * stallSteps bounds); 0 when no stop was blocked
   */
  readonly longestBlockedRun: number;
  /**
   * where the final map (V) folds: count, face ids, bounding box [xmin, ymin, xmax, ymax] in V's
   * coordinates and the nearest reflex corner (vertex id, distance in V's units) (folds.ts);
   * null when no triangle is flipped
   */
  readonly folds: FoldReport | null;
}
