/**
 * Types of the generic bi-level loop (see docs/architecture.md for where it sits and
 * docs/geometry.md#stopping-rule for the embedding that uses it).
 *
 * Outer problem over a parameter vector θ (length `family.size`):
 *
 *   minimize  loss(θ) = ℓ(z*(θ), λ*(θ), μ*(θ)) + r(θ)
 *
 * where (z*, λ*, μ*) are the primal solution and duals of the QP `family.instance(θ)` returned
 * by the dQP layer (μ = 0 off the active set), ℓ is an OutputLoss and r an optional regularizer.
 * The gradient is the dQP backward of ℓ's cotangents pulled back to θ by the family, plus ∇r.
 * Adam (tfjs, float32) takes the steps; every QP solve, backward and pullback is Float64.
 */
import type { Tf } from '../tf/load.ts';
import type { DqpCotangents, DqpForwardResult, DqpGradients, DqpParam } from '../dqp/types.ts';
import type { QPProblem, QPSolution, QPStatus } from '../qp/types.ts';

/**
 * A parameterized QP family θ ↦ QP(θ). Every instance has the same sizes and the same sparsity
 * patterns (only stored values change), so the layer can keep its symbolic factorization and
 * warm start between outer iterations.
 */
export interface QpFamily {
  /** length of θ */
  readonly size: number;
  /** the QP at θ (θ is not modified and may be kept by nobody: copy what you store) */
  instance(theta: Float64Array): QPProblem;
  /**
   * inputs of the QP that do not depend on θ: the layer forms no gradient for them (e.g. the
   * embedding family: ['q', 'A', 'b', 'd'], only P and C depend on θ)
   */
  readonly fixed: readonly DqpParam[];
  /**
   * ∂loss/∂θ from the dQP gradients on the QP's stored values: writes `out` (length `size`,
   * zero-filled by the caller) and returns it
   */
  pullback(theta: Float64Array, grads: DqpGradients, out: Float64Array): Float64Array;
}

/** A loss on the outputs of the dQP layer (z, λ, μ). */
export interface OutputLoss {
  /** the loss value at a forward */
  value(forward: DqpForwardResult): number;
  /**
   * the loss's cotangents w.r.t. the outputs at that forward (for the dQP backward), or null when
   * they are all zero (the backward is skipped: the output part of the gradient is 0)
   */
  cotangents(forward: DqpForwardResult): DqpCotangents | null;
}

/** A regularizer r(θ) with a (sub)gradient; value and gradient computed together. */
export type Regularizer = (theta: Float64Array) => { readonly value: number; readonly gradient: Float64Array };

/** Settings of the generic loop. Every field except the problem has a default. */
export interface BilevelLoopOptions {
  /**
   * the tfjs module for Adam. Default: the one loaded by `await prepareBilevel()` (the async entry
   * point loads it itself); the synchronous entry point throws when neither is available
   */
  readonly tf?: Tf | null;
  /** registry name of the forward QP solver; default 'ipm' */
  readonly solver?: string;
  /** Adam learning rate η; default 1e-2 */
  readonly lr?: number;
  /** Adam's second-moment decay β₂; default 0.999 (β₁ = 0.9, ε = 1e-8 always) */
  readonly beta2?: number;
  /**
   * where Adam runs: 'float64' (default; tf.train.adam's update in a Float64 loop, loop.ts
   * adamStep; no tfjs needed, under 1 ms per step at 10⁵ parameters where tfjs takes tens of ms)
   * or 'tfjs' (tf.train.adam on a float32 variable through tf.customGrad; θ rounded to float32,
   * so the path differs from 'float64' in the last bits; same step counts on the cross, the ant
   * and the corner study, docs/geometry.md#step-count)
   */
  readonly adam?: 'tfjs' | 'float64';
  /**
   * restart Adam (moments to zero, bias correction from t = 1) at the first refused stop of a run
   * of refused stops: the dual test passed but options.acceptStop refused the point (a map that
   * still folds). Adam's second moment still remembers the early, large gradients (β₂ = 0.999:
   * ~1 000 steps), so without a restart its steps near vanishing duals are ~lr/100 and the run
   * crawls (docs/geometry.md#step-count). Default false (the paper's setting).
   */
  readonly adamRestart?: boolean;
  /** maximum number of Adam steps; default 10 000 */
  readonly maxIter?: number;
  /** inner solver tolerances during the loop; defaults 1e-5 / 0 */
  readonly epsAbs?: number;
  readonly epsRel?: number;
  /** active-set threshold ε_J of the dQP layer; default 1e-4 */
  readonly epsActive?: number;
  /**
   * the dual test: stop when every inequality dual (of the layer and of the solver) is < stopTol,
   * confirmed by a tight re-solve (objective.ts); default 1e-4
   */
  readonly stopTol?: number;
  /** warm-start each inner solve from the previous one; default true */
  readonly warmStart?: boolean;
  /** tolerance of the tight re-solves (consistency guard, confirmation, final solve); default 1e-9 */
  readonly finalEpsAbs?: number;
  /**
   * solve each forward first with the previous forward's active set (one factorization of the
   * reduced KKT, checked at finalEpsAbs; objective.ts, docs/dqp-layer.md#predicted-active-set-solve)
   * and call the solver only when the check fails; default true. false: every forward calls the
   * solver (the paper's setting)
   */
  readonly predictActiveSet?: boolean;
  /** wall-clock limit of the loop in seconds; default Infinity */
  readonly timeLimit?: number;
  /**
   * checked after every forward: once aborted, the loop stops ('interrupted'). Synchronously only
   * onIteration can abort it; the async entry point lets timers and signal handlers run between
   * iterations
   */
  readonly signal?: AbortSignal;
  /** initial θ (length family.size, not modified); required */
  readonly theta0: Float64Array;
  /**
   * asked when the dual test passed at forward `iteration`: true accepts the stop, false keeps
   * iterating (counted in blockedStops). Default: always accept
   */
  readonly acceptStop?: ((forward: DqpForwardResult, iteration: number) => boolean) | null;
  /**
   * called once per iteration: after the Adam step (with its backward time), or after the last
   * forward when the loop stops there (backwardMs null)
   */
  readonly onIteration?: ((record: IterationRecord) => void) | null;
  /**
   * awaited by the async entry point between iterations instead of its default yield to the
   * event loop (a page's Pause can wait here); the synchronous entry point ignores it
   */
  readonly between?: (() => Promise<void>) | null;
}

/** What one outer iteration saw (its forward, and the backward when one was taken). */
export interface IterationRecord {
  /** 0-based: the forward at θ after `iteration` Adam steps */
  readonly iteration: number;
  readonly loss: number;
  /** ℓ at the layer's outputs */
  readonly outputTerm: number;
  /** r(θ) (0 without a regularizer) */
  readonly regTerm: number;
  /** max_j μ_j (inequality duals of the layer) */
  readonly maxDual: number;
  /** |J|, inequality rows within ε_J of equality */
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
  /**
   * how the forward was solved: `predicted` = the predicted active-set solve was accepted (no
   * solver call); `factorizations` = reduced-KKT factorizations + solver iterations (one
   * factorization each for ipm) of every solve this forward made
   */
  readonly inner: { readonly predicted: boolean; readonly factorizations: number };
  /** dQP backward + pullback of this iteration's step; null when the loop stopped at this forward */
  readonly backwardMs: number | null;
  /**
   * the layer's primal solution z at this forward (the QP's own variable order; shared, not
   * copied: copy it to keep it past the callback)
   */
  readonly z: Float64Array;
}

/**
 * Why the generic loop ended:
 *   'duals-vanished'  the dual test passed (tightly confirmed) and acceptStop agreed
 *   'max-iter'        maxIter Adam steps were taken
 *   'time-limit'      timeLimit seconds passed
 *   'solver-failed'   a forward produced no differentiable point
 *   'interrupted'     options.signal was aborted
 * What 'duals-vanished' certifies is the application's business (geometry/embed checks the map).
 */
export type LoopStopReason = 'duals-vanished' | 'max-iter' | 'time-limit' | 'solver-failed' | 'interrupted';

/** The problem the generic loop optimizes. */
export interface BilevelProblem {
  readonly family: QpFamily;
  readonly loss: OutputLoss;
  /** r(θ); absent = 0 */
  readonly regularizer?: Regularizer | null;
}

export interface BilevelLoopResult {
  readonly stopReason: LoopStopReason;
  /** Adam steps taken */
  readonly iterations: number;
  /** final θ */
  readonly theta: Float64Array;
  /** max inequality dual (of the layer and of the solver) at the last forward */
  readonly maxDual: number;
  /** loss at every forward (iterations + 1 entries when the loop stopped at a forward) */
  readonly lossHistory: number[];
  /** max layer dual at every forward */
  readonly maxDualHistory: number[];
  /** iterations whose active set differed from the previous one's (iteration 0 not included) */
  readonly activeChanges: number[];
  /** per-iteration times, ms: forward (instance + dQP forward + regularizer), backward, Adam overhead */
  readonly forwardMs: readonly number[];
  readonly backwardMs: readonly number[];
  readonly adamMs: readonly number[];
  /** forwards repeated with the tight tolerance */
  readonly tightSolves: number;
  /** forwards solved by the predicted active-set solve (no solver call) */
  readonly predictedSolves: number;
  /** factorizations of every forward (IterationRecord.inner.factorizations) */
  readonly forwardFactorizations: readonly number[];
  /** times the dual test passed but acceptStop refused */
  readonly blockedStops: number;
  /** Adam restarts done by options.adamRestart (0 without it) */
  readonly adamRestarts: number;
  /** the QP at the final θ, re-solved with finalEpsAbs (epsRel 0), warm-started from the last forward */
  readonly finalProblem: QPProblem;
  readonly finalSolution: QPSolution;
  /**
   * the final point: finalSolution.z when finite, else the last differentiable forward's z
   * (a failed final solve falls back to it; finalSolution.z if there was none)
   */
  readonly finalZ: Float64Array;
}
