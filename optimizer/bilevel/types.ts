/**
 * Types of the bi-level embedding loop (geometry-spec.md, paper Section 4).
 *
 * Outer problem over θ (one parameter per undirected mesh edge, #E):
 *
 *   loss(θ) = ‖μ*(θ)‖₂ + λ_reg · ‖L̂(θ) − L̂₀‖∞          (default, `squared: false`)
 *   loss(θ) = ‖μ*(θ)‖₂² + λ_reg · ‖L̂(θ) − L̂₀‖∞         (`squared: true`, the paper's text)
 *
 * μ*(θ) (length m = 2·#reflex corners) are the inequality duals of the inner QP
 * (geometry/embedding-qp.ts) returned by the dQP layer (0 off the active set). The unsquared
 * norm is the default because it is what the authors' code minimizes; its gradient
 * μ/‖μ‖ does not fade as μ → 0, so the last violated corners are pushed as hard as the first.
 */
import type { QPStatus } from '../qp/types.ts';

/** Settings of the inner QP solve and of the outer loop. Every field has a default. */
export interface BilevelOptions {
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
  /** λ_reg ≥ 0, weight of ‖L̂ − L̂₀‖∞; default 0 */
  readonly reg?: number;
  /** maximum number of Adam steps; default 10 000 */
  readonly maxIter?: number;
  /** use ‖μ‖₂² instead of ‖μ‖₂; default false */
  readonly squared?: boolean;
  /** inner solver tolerances during the loop; defaults 1e-5 / 0 (the paper's PIQP settings) */
  readonly epsAbs?: number;
  readonly epsRel?: number;
  /** active-set threshold ε_J of the dQP layer; default 1e-4 */
  readonly epsActive?: number;
  /**
   * stop when every inequality dual is < stopTol (checked after the forward, confirmed by a
   * tight re-solve, see objective.ts); default 1e-4
   */
  readonly stopTol?: number;
  /** warm-start each inner solve from the previous one; default true */
  readonly warmStart?: boolean;
  /**
   * at a stop by the dual test, also require 0 flipped triangles in the (tightly solved) map;
   * otherwise keep iterating. Default true (see outer-loop.ts)
   */
  readonly requireValid?: boolean;
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
   * time), or after the last forward when the loop stops there (backwardMs null)
   */
  readonly onIteration?: ((record: IterationRecord) => void) | null;
}

/** What one outer iteration saw (its forward, and the backward when one was taken). */
export interface IterationRecord {
  /** 0-based: the forward at θ after `iteration` Adam steps */
  readonly iteration: number;
  readonly loss: number;
  /** ‖μ‖₂ (or ‖μ‖₂² when squared) */
  readonly dualTerm: number;
  /** λ_reg ‖L̂ − L̂₀‖∞ */
  readonly regTerm: number;
  /** max_j μ_j */
  readonly maxDual: number;
  /** |J|, rows of C within ε_J of equality */
  readonly active: number;
  /** rows with μ_j ≥ stopTol */
  readonly positiveDuals: number;
  /** the active set differs from the previous iteration's */
  readonly activeChanged: boolean;
  readonly status: QPStatus;
  /** inner solver iterations */
  readonly solverIterations: number;
  readonly forwardMs: number;
  /** the forward was repeated with the tight tolerance (objective.ts, consistency guard) */
  readonly tight: boolean;
  /** dQP backward + pullback of this iteration's step; null when the loop stopped at this forward */
  readonly backwardMs: number | null;
}

/** Why the loop ended. */
export type StopReason = 'converged' | 'max-iter' | 'time-limit' | 'solver-failed' | 'interrupted';

export interface BilevelResult {
  /** every inequality dual < stopTol at the last forward */
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
  /** loss at every forward (iterations + 1 entries when converged) */
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
  readonly loss: 'norm' | 'squared-norm';
  /** forwards repeated with the tight tolerance (inconsistent active set, or a stop to confirm) */
  readonly tightSolves: number;
  /** times the dual test passed but the map still had flipped triangles (requireValid) */
  readonly blockedStops: number;
  /**
   * the first forward at which the spec's dual rule held (every dual < stopTol, tightly
   * confirmed), with the flipped triangles of that forward's map: where a loop without
   * requireValid would have stopped. null when the rule never held
   */
  readonly dualRule: { readonly iteration: number; readonly flips: number } | null;
}
