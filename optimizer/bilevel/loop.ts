/**
 * The generic bi-level outer loop: Adam on θ over a parameterized QP family until the
 * inequality duals of the inner QP vanish (see types.ts for the problem, docs/geometry.md for the
 * embedding that drives it).
 *
 *   await prepareBilevel();                                    // loads tfjs once (tf-runtime.ts)
 *   const r = runBilevel({ family, loss, regularizer }, { theta0, lr: 1e-2, onIteration });
 *   const r = await runBilevelAsync(problem, options);         // yields between iterations
 *
 * Loop:
 *   θ: Float64, θ₀ = options.theta0; Adam(lr, 0.9, β₂ = 0.999, 1e-8) as tf.train.adam computes it
 *     (adamStep, default options.adam 'float64'; 'tfjs' runs tf.train.adam on a float32 variable)
 *     (ε = 1e-8 as in PyTorch; tfjs's own default would be 1e-7)
 *   for k = 0, 1, …:
 *     forward at θ_k (BilevelObjective.evaluate: QP(θ) through the dQP layer, warm start)
 *     stop — checked after the forward, before the backward — when
 *       max_j μ_j < stopTol for the layer's AND the solver's duals, confirmed by a tight
 *         re-solve (objective.ts), and options.acceptStop agrees ('duals-vanished'; a refusal
 *         counts as a blocked stop and the loop goes on); or the forward has no differentiable
 *         point ('solver-failed'); or k = maxIter ('max-iter'); or the time limit passed
 *         ('time-limit'); or options.signal was aborted ('interrupted')
 *     Adam step: optimizer.minimize(op(θ)) where op = bilevelLossOp (tf.customGrad; the
 *       forward reuses the evaluation above, the gradient is the Float64 backward)
 *   `iterations` = Adam steps taken (a loop that stops at θ₀ reports 0).
 * Finally the QP at the final θ is re-solved tightly (epsAbs = finalEpsAbs, epsRel 0,
 * warm-started from the last forward): finalSolution / finalZ, for the caller to certify.
 *
 * Timings: forward = instance(θ) + dQP forward (+ regularizer); backward = dQP backward +
 * pullback; adam = the rest of one optimizer step (tfjs overhead + update).
 */
import { InputError } from '../errors.ts';
import { solveQP } from '../qp/registry.ts';
import { yieldToEventLoop } from './event-loop.ts';
import { BilevelObjective } from './objective.ts';
import { bilevelLossOp } from './tf-op.ts';
import { bilevelTf, prepareBilevel } from './tf-runtime.ts';
import type { BilevelLoopOptions, BilevelLoopResult, BilevelProblem, IterationRecord, LoopStopReason } from './types.ts';

/** Defaults of BilevelLoopOptions. */
export const BILEVEL_LOOP_DEFAULTS = Object.freeze({
  solver: 'ipm',
  lr: 1e-2,
  maxIter: 10_000,
  epsAbs: 1e-5,
  epsRel: 0,
  epsActive: 1e-4,
  stopTol: 1e-4,
  warmStart: true,
  finalEpsAbs: 1e-9,
  predictActiveSet: true,
  timeLimit: Infinity,
  beta2: 0.999,
  adam: 'float64' as 'tfjs' | 'float64',
  adamRestart: false,
});

/** Adam's first-moment decay and ε (PyTorch's ε; tfjs's own default would be 1e-7) */
const BETA1 = 0.9;
const ADAM_EPS = 1e-8;

function positive(name: string, v: number | undefined): void {
  if (v !== undefined && !(typeof v === 'number' && v > 0)) throw new InputError(name, 'a number > 0', String(v));
}

function sameSet(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Run the loop synchronously (tfjs: options.tf or a prior `await prepareBilevel()`). Bad options
 * throw InputError; a solver failure ends the loop with stopReason 'solver-failed'.
 */
export function runBilevel(problem: BilevelProblem, options: BilevelLoopOptions): BilevelLoopResult {
  const steps = bilevelSteps(problem, options);
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

/**
 * runBilevel that loads tfjs when needed and yields to the event loop after every outer
 * iteration, so that timers and signal handlers run while it works (a SIGINT handler can abort
 * `options.signal`). Results are identical to runBilevel's.
 */
export async function runBilevelAsync(problem: BilevelProblem, options: BilevelLoopOptions): Promise<BilevelLoopResult> {
  const tf = options.tf ?? (await prepareBilevel());
  const steps = bilevelSteps(problem, { ...options, tf });
  const between = options.between ?? yieldToEventLoop;
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
    await between();
  }
}

/**
 * One Adam step in Float64, the update of tf.train.adam: with t = 1, 2, …
 *   m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,  θ ← θ − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 * m, v updated in place; returns the new θ (a fresh array).
 */
export function adamStep(theta: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, t: number, lr: number, beta2: number): Float64Array {
  // β₁ᵗ and β₂ᵗ by repeated multiplication, not `**`: Math.pow may round differently between
  // JavaScript engines (Node's and a browser's), products are IEEE-exact everywhere, so the page
  // and the command give the same map bit for bit
  let p1 = 1;
  let p2 = 1;
  for (let i = 0; i < t; i++) {
    p1 *= BETA1;
    p2 *= beta2;
  }
  const c1 = 1 - p1;
  const c2 = 1 - p2;
  const out = new Float64Array(theta.length);
  for (let e = 0; e < theta.length; e++) {
    const ge = g[e]!;
    const me = BETA1 * m[e]! + (1 - BETA1) * ge;
    const ve = beta2 * v[e]! + (1 - beta2) * ge * ge;
    m[e] = me;
    v[e] = ve;
    out[e] = theta[e]! - (lr * (me / c1)) / (Math.sqrt(ve / c2) + ADAM_EPS);
  }
  return out;
}

/** The loop as a generator: yields after each Adam step, returns the result. */
export function* bilevelSteps(problem: BilevelProblem, options: BilevelLoopOptions): Generator<void, BilevelLoopResult, void> {
  const o = {
    ...BILEVEL_LOOP_DEFAULTS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as typeof BILEVEL_LOOP_DEFAULTS & BilevelLoopOptions;
  positive('lr', o.lr);
  positive('stopTol', o.stopTol);
  positive('finalEpsAbs', o.finalEpsAbs);
  positive('timeLimit', o.timeLimit);
  if (!(o.beta2 >= 0 && o.beta2 < 1)) throw new InputError('beta2', 'a number in [0, 1)', String(o.beta2));
  if (!(Number.isInteger(o.maxIter) && o.maxIter >= 0)) throw new InputError('maxIter', 'an integer ≥ 0', String(o.maxIter));
  const family = problem.family;
  const theta0 = o.theta0;
  if (!(theta0 instanceof Float64Array)) throw new InputError('theta0', 'a Float64Array', theta0 === null ? 'null' : typeof theta0 === 'object' ? (theta0 as object).constructor?.name ?? 'an object' : typeof theta0);
  if (theta0.length !== family.size) throw new InputError('theta0', `length ${family.size} (family.size)`, `length ${theta0.length}`);
  if (o.adam !== 'tfjs' && o.adam !== 'float64') throw new InputError('adam', "'tfjs' or 'float64'", String(o.adam));
  const useTf = o.adam === 'tfjs';
  const tf = useTf ? bilevelTf(o.tf) : null;

  const tStart = performance.now();
  const objective = new BilevelObjective(problem, {
    solver: o.solver,
    epsAbs: o.epsAbs,
    epsRel: o.epsRel,
    epsActive: o.epsActive,
    warmStart: o.warmStart,
    stopTol: o.stopTol,
    tightEpsAbs: o.finalEpsAbs,
    predictActiveSet: o.predictActiveSet,
  });
  const op = tf ? bilevelLossOp(tf, objective) : null;
  const thetaVar = tf ? tf.variable(tf.tensor1d(Float32Array.from(theta0), 'float32'), true, undefined, 'float32') : null;
  let optimizer = tf ? tf.train.adam(o.lr, BETA1, o.beta2, ADAM_EPS) : null;
  // adam 'float64': θ, the moments and the update in Float64 (same formula as tf.train.adam)
  const m1 = useTf ? null : new Float64Array(theta0.length);
  const m2 = useTf ? null : new Float64Array(theta0.length);

  const lossHistory: number[] = [];
  const maxDualHistory: number[] = [];
  const activeChanges: number[] = [];
  const forwardMs: number[] = [];
  const backwardMs: number[] = [];
  const adamMs: number[] = [];
  const forwardFactorizations: number[] = [];
  let prevActive: Int32Array | null = null;
  let stopReason: LoopStopReason = 'max-iter';
  let steps = 0;
  let blockedStops = 0;
  let adamRestarts = 0;
  // Adam's own step counter t (bias correction), restarted with the moments by adamRestart
  let adamT = 0;
  let previousBlocked = false;
  let lastMaxDual = NaN;
  let theta: Float64Array = Float64Array.from(theta0);
  let lastZ: Float64Array | null = null;
  let lastLambda: Float64Array | null = null;
  let lastMu: Float64Array | null = null;
  try {
    for (let k = 0; ; k++) {
      if (thetaVar) theta = Float64Array.from(thetaVar.dataSync());
      const ev = objective.evaluate(theta);
      const fwd = ev.forward;
      const changed = prevActive !== null && !sameSet(prevActive, fwd.active);
      if (changed) activeChanges.push(k);
      prevActive = fwd.active;
      let positiveDuals = 0;
      for (let j = 0; j < fwd.mu.length; j++) if (fwd.mu[j]! >= o.stopTol) positiveDuals++;
      lossHistory.push(ev.loss);
      maxDualHistory.push(ev.maxDual);
      forwardMs.push(ev.forwardMs);
      forwardFactorizations.push(ev.factorizations);
      lastMaxDual = Math.max(ev.maxDual, ev.solverMaxDual);
      if (fwd.context) {
        lastZ = fwd.z;
        lastLambda = fwd.lambda;
        lastMu = fwd.mu;
      }
      const record = {
        iteration: k,
        loss: ev.loss,
        outputTerm: ev.outputTerm,
        regTerm: ev.regTerm,
        maxDual: ev.maxDual,
        active: fwd.active.length,
        positiveDuals,
        activeChanged: changed,
        status: fwd.status,
        solverIterations: fwd.solution.iterations,
        forwardMs: ev.forwardMs,
        tight: ev.tight,
        inner: { predicted: ev.predicted, factorizations: ev.factorizations },
        z: fwd.z,
      };
      let stop: LoopStopReason | null = null;
      let blocked = false;
      if (!fwd.context) stop = 'solver-failed';
      else if (ev.maxDual < o.stopTol && ev.solverMaxDual < o.stopTol) {
        // the dual test passed (tightly confirmed); the application may still refuse the point
        if (!o.acceptStop || o.acceptStop(fwd, k)) stop = 'duals-vanished';
        else {
          blockedStops++;
          blocked = true;
        }
      }
      if (o.adamRestart && blocked && !previousBlocked) {
        // the first refused stop of a run: forget the moments of the large early gradients
        adamRestarts++;
        adamT = 0;
        if (tf && optimizer) {
          optimizer.dispose();
          optimizer = tf.train.adam(o.lr, BETA1, o.beta2, ADAM_EPS);
        } else {
          m1!.fill(0);
          m2!.fill(0);
        }
      }
      previousBlocked = blocked;
      // the limits apply whatever the dual test said (a blocked stop must not run past them)
      if (stop === null && k >= o.maxIter) stop = 'max-iter';
      if (stop === null && (performance.now() - tStart) / 1000 > o.timeLimit) stop = 'time-limit';
      if (stop === null && o.signal?.aborted) stop = 'interrupted';
      if (stop) {
        stopReason = stop;
        o.onIteration?.({ ...record, backwardMs: null } satisfies IterationRecord);
        break;
      }
      const tStep = performance.now();
      if (tf && optimizer && op && thetaVar) {
        const adam = optimizer;
        tf.tidy(() => {
          adam.minimize(() => op(thetaVar), false, [thetaVar]);
        });
      } else theta = adamStep(theta, objective.gradient(ev), m1!, m2!, adamT + 1, o.lr, o.beta2);
      adamT++;
      const stepMs = performance.now() - tStep;
      backwardMs.push(objective.lastBackwardMs);
      adamMs.push(Math.max(0, stepMs - objective.lastBackwardMs));
      steps++;
      o.onIteration?.({ ...record, backwardMs: objective.lastBackwardMs } satisfies IterationRecord);
      yield;
    }
  } finally {
    thetaVar?.dispose();
    optimizer?.dispose();
  }

  // the final tight re-solve at the final θ
  const finalProblem = family.instance(theta);
  const warm = lastZ ? { z: lastZ, lambda: lastLambda ?? undefined, mu: lastMu ?? undefined } : null;
  const finalSolution = solveQP(finalProblem, { solver: o.solver, epsAbs: o.finalEpsAbs, epsRel: 0, warmStart: warm });
  // a failed final solve (no finite point) falls back to the last forward's solution
  const finite = finalSolution.z.every((v) => Number.isFinite(v));
  return {
    stopReason,
    iterations: steps,
    theta,
    maxDual: lastMaxDual,
    lossHistory,
    maxDualHistory,
    activeChanges,
    forwardMs,
    backwardMs,
    adamMs,
    tightSolves: objective.tightSolves,
    predictedSolves: objective.predictedSolves,
    forwardFactorizations,
    blockedStops,
    adamRestarts,
    finalProblem,
    finalSolution,
    finalZ: finite || !lastZ ? finalSolution.z : lastZ,
  };
}
