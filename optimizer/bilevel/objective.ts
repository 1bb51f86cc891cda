/**
 * The outer objective of the generic bi-level loop, in Float64, forward and backward.
 *
 *   obj = new BilevelObjective(problem, options)
 *   ev  = obj.evaluate(θ)            forward: QP(θ) through the dQP layer, loss value
 *   gθ  = obj.gradient(ev)           backward: ∂loss/∂θ (length family.size)
 *
 * Forward at θ:
 *   QP = family.instance(θ)
 *   (z, λ, μ) = DqpLayer.forward(QP)              μ = 0 off the active set J
 *   loss = ℓ(z, λ, μ) + r(θ)                      ℓ = problem.loss, r = problem.regularizer
 * Backward:
 *   (ḡ_z, ḡ_λ, ḡ_μ) = ℓ's cotangents              (none: the output part of the gradient is 0)
 *   grads = dqpBackward(fwd, ḡ)                   gradients on the stored values of QP(θ)
 *   gθ = family.pullback(θ, grads) + ∇r(θ)
 * The inputs in family.fixed are declared fixed to the layer (no gradient formed).
 *
 * The layer keeps its warm start and its symbolic-factorization cache between evaluations.
 *
 * Tight re-solve (consistency guard; see docs/geometry.md#stopping-rule). With a loose inner
 * tolerance (ε_abs = 1e-5, the paper's setting) an interior point solver may stop with a
 * complementarity product s_j·μ_j ≈ 1e-6 on a row that is truly active: μ_j = 5e-3 with slack
 * s_j = 1.2e-4 > ε_J. The layer then leaves row j out of the active set J and reports μ_j = 0,
 * so the loss (and a stop test on it) sees a converged problem that is not (observed on the
 * corner example, N ≥ 12: "converged" maps with flips).
 * Hence the forward is repeated by a second layer with tolerance `tightEpsAbs` (1e-9, epsRel 0)
 * whenever
 *   - a row outside J has a solver dual ≥ stopTol (the active set contradicts the duals), or
 *   - every dual of the layer is < stopTol (the loop would stop: confirm it tightly),
 * and that result is used. With gap ≤ 1e-9 every row with μ_j ≥ 1e-4 has s_j ≲ 1e-5 < ε_J.
 * Loose solves that need repeating come in runs, so after one the next 1, 3, 7, … (at most
 * MAX_PAUSE) forwards go to the tight layer directly (the pause doubles while the loose attempt
 * after it needs repeating again and resets when it does not). Tight results are always
 * acceptable, so this only saves wasted loose solves (on the corner study ~90 % of the loose
 * solves were inconsistent).
 *
 * Predicted active set (option predictActiveSet, default on; docs/dqp-layer.md#predicted-active-set-solve).
 * Before any solver call the layer tries the QP of the previous forward's active set J with one
 * factorization of K_J, checked for primal feasibility off J and dual signs on J at tolerance
 * tightEpsAbs (corrected at most 4 times: violated rows join J, negative duals leave it). A check
 * that passes gives the exact solution of the QP up to tightEpsAbs: every row off J has μ_j = 0
 * and is feasible, every row in J holds with equality — the active set and the duals agree by
 * construction, so the consistency guard has nothing to repeat and a stop needs no confirming
 * re-solve (it counts as tight). Only when the check fails does the forward take the solver path
 * above. Both layers then keep the accepted result as their warm start and next prediction.
 */
import { DimensionError, InputError } from '../errors.ts';
import { DqpLayer } from '../dqp/layer.ts';
import type { DqpForwardResult } from '../dqp/types.ts';
import type { BilevelProblem, OutputLoss, QpFamily, Regularizer } from './types.ts';

export interface ObjectiveOptions {
  readonly solver?: string;
  readonly epsAbs?: number;
  readonly epsRel?: number;
  readonly epsActive?: number;
  readonly warmStart?: boolean;
  /** duals below this count as zero (the loop's stop tolerance); default 1e-4 */
  readonly stopTol?: number;
  /** tolerance of the confirming re-solve; default 1e-9 */
  readonly tightEpsAbs?: number;
  /**
   * try the previous active set first (one K_J factorization, checked at tightEpsAbs) and call
   * the solver only when the check fails; default true. false: the paper's setting (every
   * forward calls the solver)
   */
  readonly predictActiveSet?: boolean;
}

/** One forward evaluation (keep it to call gradient()). */
export interface Evaluation {
  /** the θ it was computed at (a private copy) */
  readonly theta: Float64Array;
  readonly loss: number;
  /** ℓ at the layer's outputs */
  readonly outputTerm: number;
  /** r(θ); 0 without a regularizer */
  readonly regTerm: number;
  /** max_j μ_j (0 when m = 0) */
  readonly maxDual: number;
  /** the dQP forward result (z, λ, μ, active set, context for the backward) */
  readonly forward: DqpForwardResult;
  /** ∇r(θ); null without a regularizer */
  readonly regGrad: Float64Array | null;
  readonly forwardMs: number;
  /** max_j of the SOLVER's duals over all rows (= maxDual unless inconsistent); 0 without solver duals */
  readonly solverMaxDual: number;
  /** the forward was solved with the tight tolerance (see the file comment) */
  readonly tight: boolean;
  /** the predicted active-set solve was accepted (no solver call; exact up to tightEpsAbs) */
  readonly predicted: boolean;
  /**
   * factorizations of this forward: reduced-KKT factorizations of both layers (predicted
   * attempts included) + iterations of every solver call (one factorization each for ipm)
   */
  readonly factorizations: number;
}

function checkNumber(name: string, v: number | undefined, ok: (x: number) => boolean, expected: string): void {
  if (v !== undefined && !(typeof v === 'number' && ok(v))) throw new InputError(name, expected, String(v));
}

/** longest run of forwards solved tightly without a loose attempt */
const MAX_PAUSE = 63;

/** max_j v_j (0 for an empty vector) */
function maxOf(v: Float64Array): number {
  let m = 0;
  for (let j = 0; j < v.length; j++) if (v[j]! > m) m = v[j]!;
  return m;
}

export class BilevelObjective {
  readonly family: QpFamily;
  readonly loss: OutputLoss;
  readonly regularizer: Regularizer | null;
  readonly layer: DqpLayer;
  /** the layer of the confirming re-solves (tolerance tightEpsAbs) */
  readonly tightLayer: DqpLayer;
  readonly stopTol: number;
  /** number of forwards solved with the tight tolerance */
  tightSolves = 0;
  /** the predicted active-set solve is tried first (option predictActiveSet) */
  readonly predictActiveSet: boolean;
  /** forwards whose predicted solve was accepted */
  predictedSolves = 0;
  /** forwards still to be solved tightly without a loose attempt */
  private skipLoose = 0;
  /** length of the current pause of loose attempts (doubles while they keep being inconsistent) */
  private pause = 0;
  /** time of the last gradient() call, ms */
  lastBackwardMs = 0;
  private last: Evaluation | null = null;

  /**
   * problem  the family θ ↦ QP(θ), the loss ℓ on the layer's outputs, the regularizer r (optional)
   * options  solver (default 'ipm'), epsAbs (1e-5), epsRel (0), epsActive (1e-4), warmStart
   *          (true), stopTol (1e-4), tightEpsAbs (1e-9), predictActiveSet (true)
   */
  constructor(problem: BilevelProblem, options: ObjectiveOptions = {}) {
    checkNumber('stopTol', options.stopTol, (x) => x > 0, 'a number > 0');
    checkNumber('tightEpsAbs', options.tightEpsAbs, (x) => x > 0, 'a number > 0');
    if (options.predictActiveSet !== undefined && typeof options.predictActiveSet !== 'boolean') {
      throw new InputError('predictActiveSet', 'true or false', JSON.stringify(options.predictActiveSet));
    }
    this.predictActiveSet = options.predictActiveSet ?? true;
    this.family = problem.family;
    this.loss = problem.loss;
    this.regularizer = problem.regularizer ?? null;
    this.stopTol = options.stopTol ?? 1e-4;
    const common = {
      solver: options.solver ?? 'ipm',
      epsActive: options.epsActive ?? 1e-4,
      warmStart: options.warmStart ?? true,
      fixed: problem.family.fixed,
    };
    const tightEpsAbs = options.tightEpsAbs ?? 1e-9;
    const predict = this.predictActiveSet ? { tol: tightEpsAbs } : false;
    this.layer = new DqpLayer({ ...common, epsAbs: options.epsAbs ?? 1e-5, epsRel: options.epsRel ?? 0, predictActiveSet: predict });
    this.tightLayer = new DqpLayer({ ...common, epsAbs: tightEpsAbs, epsRel: 0 });
  }

  /** Forward at θ (length family.size, not modified). Remembered as the last evaluation. */
  evaluate(theta: Float64Array): Evaluation {
    const size = this.family.size;
    if (theta.length !== size) throw new DimensionError('theta', `length ${size} (family.size)`, `length ${theta.length}`);
    for (let e = 0; e < theta.length; e++) {
      if (!Number.isFinite(theta[e]!)) throw new InputError('theta', 'finite values', `θ[${e}] = ${theta[e]}`);
    }
    const t0 = performance.now();
    const problem = this.family.instance(theta);
    let forward: DqpForwardResult | null = null;
    let tight = false;
    let factorizations = 0;
    // the predicted active-set solve first (see the file comment)
    if (this.predictActiveSet) {
      forward = this.layer.tryPredicted(problem);
      factorizations += this.layer.last.kktFactorizations;
    }
    const predicted = forward !== null;
    const solve = (layer: DqpLayer): DqpForwardResult => {
      const fwd = layer.solve(problem);
      factorizations += layer.last.kktFactorizations + layer.last.solverIterations;
      return fwd;
    };
    if (forward) {
      this.predictedSolves++;
      this.skipLoose = 0;
      this.pause = 0;
    } else if (this.skipLoose > 0) {
      // the previous forward needed the tight tolerance: go there directly (see the file comment)
      this.skipLoose--;
      forward = solve(this.tightLayer);
      tight = !!forward.context;
      if (!forward.context) forward = solve(this.layer);
    } else {
      forward = solve(this.layer);
      const why = forward.context ? this.needsTightSolve(forward) : null;
      if (why) {
        const again = solve(this.tightLayer);
        if (again.context) {
          forward = again;
          tight = true;
          // loose solves that need repeating come in runs (the slack of the active rows drifts
          // to ≈ ε_J; or the duals sit below stopTol at a point the loop does not accept yet):
          // skip the loose attempt for a while, doubling the pause while it keeps failing
          this.pause = Math.min(2 * this.pause + 1, MAX_PAUSE);
          this.skipLoose = this.pause;
        }
      } else if (forward.context) this.pause = 0;
    }
    if (tight) this.tightSolves++;
    if (this.predictActiveSet) {
      // both layers start the next forward from the accepted result
      this.layer.remember(forward);
      this.tightLayer.remember(forward);
    }
    const maxDual = maxOf(forward.mu);
    const outputTerm = this.loss.value(forward);
    let regTerm = 0;
    let regGrad: Float64Array | null = null;
    if (this.regularizer) {
      const r = this.regularizer(theta);
      regTerm = r.value;
      regGrad = r.gradient;
    }
    const ev: Evaluation = {
      theta: theta.slice(),
      loss: outputTerm + regTerm,
      outputTerm,
      regTerm,
      maxDual,
      forward,
      regGrad,
      forwardMs: performance.now() - t0,
      solverMaxDual: forward.solution.hasDuals ? maxOf(forward.solution.mu) : 0,
      tight,
      predicted,
      factorizations,
    };
    this.last = ev;
    return ev;
  }

  /**
   * A forward must be confirmed tightly when it would stop the loop (every dual < stopTol) or
   * when a row outside the active set has a solver dual ≥ stopTol. m = 0: never.
   */
  private needsTightSolve(fwd: DqpForwardResult): 'confirm' | 'inconsistent' | null {
    const m = fwd.mu.length;
    if (m === 0) return null;
    if (fwd.solution.hasDuals) {
      const smu = fwd.solution.mu;
      for (let j = 0; j < m; j++) if (fwd.mu[j] === 0 && smu[j]! >= this.stopTol) return 'inconsistent';
    }
    return maxOf(fwd.mu) < this.stopTol ? 'confirm' : null;
  }

  /** The last evaluation when it was taken at exactly θ, else a fresh evaluate(θ). */
  evaluateCached(theta: Float64Array): Evaluation {
    const l = this.last;
    if (l && l.theta.length === theta.length) {
      let same = true;
      for (let e = 0; e < theta.length && same; e++) same = l.theta[e] === theta[e];
      if (same) return l;
    }
    return this.evaluate(theta);
  }

  /**
   * ∂loss/∂θ at an evaluation (length family.size, fresh array). Throws DqpError when the forward
   * produced no differentiable point (solver failure; see dqpBackward).
   */
  gradient(ev: Evaluation): Float64Array {
    const t0 = performance.now();
    const g = new Float64Array(this.family.size);
    const cot = this.loss.cotangents(ev.forward);
    if (cot) {
      const grads = this.layer.backward(ev.forward, cot);
      this.family.pullback(ev.theta, grads, g);
    }
    const rg = ev.regGrad;
    if (rg) for (let e = 0; e < g.length; e++) g[e] = g[e]! + rg[e]!;
    this.lastBackwardMs = performance.now() - t0;
    return g;
  }
}
