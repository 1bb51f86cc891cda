/**
 * The bi-level outer loop: learn Laplacian edge weights θ with Adam until the harmonic map
 * with those weights satisfies every cone condition (all inequality duals vanish), then
 * certify the map.
 *
 *   const result = embedBilevel(qp, { lr: 1e-2, reg: 0, maxIter: 10000, onIteration });
 *
 * Loop (geometry-spec.md "Outer problem"):
 *   θ: a tfjs float32 variable (#E), θ₀ = −1;  optimizer tf.train.adam(lr, 0.9, β₂ = 0.999, 1e-8)
 *     (ε = 1e-8 as in PyTorch, which the authors used; tfjs's own default would be 1e-7)
 *   for k = 0, 1, …:
 *     forward at θ_k (EmbeddingObjective.evaluate: inner QP through the dQP layer, warm start)
 *     stop if max_j μ_j < stopTol for the layer's AND the solver's duals, confirmed by a tight
 *       re-solve (objective.ts), and (requireValid, default) the map z has no flipped triangle
 *       ('converged'); or the solver failed ('solver-failed'),
 *       or k = maxIter ('max-iter'), or the time limit passed ('time-limit'), or
 *       options.signal was aborted ('interrupted'; embedBilevelAsync lets signal handlers run)
 *     Adam step: optimizer.minimize(op(θ)) where op = embeddingLossOp (tf.customGrad; the
 *       forward reuses the evaluation above, the gradient is the Float64 backward)
 *   `iterations` = Adam steps taken (a loop that converges at θ₀ reports 0).
 *
 * Why requireValid: "every dual < 1e-4" is the spec's rule; μ_j = 0 exactly means the harmonic
 * map satisfies the cone conditions and is bijective (Kovalsky et al.), but 0 < μ_j < 1e-4
 * leaves row j active and the QP map is then not harmonic. On the corner example with N = 28
 * the rule fired at max μ = 9.5e-5 with both rows active and 1 flipped triangle. The extra test
 * costs O(#F) at a candidate stop; it never delays a stop with μ = 0 on a valid map.
 *
 * Finalize: the QP is re-solved tightly (epsAbs = finalEpsAbs, epsRel 0, warm-started) with
 * the final L; its boundary distance to the target polygon is measured, the boundary is then
 * set exactly to the targets, and flipped/degenerate triangles (orientation · signed area ≤ 0)
 * are counted on that map, which is the one returned in V. valid = 0 flips and a boundary
 * deviation ≤ 1e-6 × the polygon's diameter.
 *
 * Timings: forward = instance(θ) + dQP forward (+ regularizer); backward = dQP backward +
 * pullback; adam = the rest of one optimizer step (tfjs overhead + update).
 */
import * as tf from '@tensorflow/tfjs';
import type { EmbeddingQP } from '../../geometry/embedding-qp.ts';
import { countFlipped, embeddingReport, interleavedFromSplit, signedAreas } from '../../geometry/validity.ts';
import { InputError } from '../errors.ts';
import { solveQP } from '../qp/registry.ts';
import { EmbeddingObjective } from './objective.ts';
import { embeddingLossOp } from './tf-loss.ts';
import type { BilevelOptions, BilevelResult, IterationRecord, StopReason } from './types.ts';

/** Defaults of BilevelOptions. */
export const BILEVEL_DEFAULTS = Object.freeze({
  solver: 'ipm',
  lr: 1e-2,
  reg: 0,
  maxIter: 10_000,
  squared: false,
  epsAbs: 1e-5,
  epsRel: 0,
  epsActive: 1e-4,
  stopTol: 1e-4,
  warmStart: true,
  finalEpsAbs: 1e-9,
  timeLimit: Infinity,
  requireValid: true,
  beta2: 0.999,
});

/** Median of a list (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : 0.5 * (s[h - 1]! + s[h]!);
}

function positive(name: string, v: number | undefined): void {
  if (v !== undefined && !(typeof v === 'number' && v > 0)) throw new InputError(name, 'a number > 0', String(v));
}

function sameSet(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Run the bi-level loop on `qp` (not modified). See the file comment and BilevelOptions for the
 * settings. Bad options throw InputError; a solver failure ends the loop with
 * stopReason 'solver-failed' (the result still describes the last map).
 */
export function embedBilevel(qp: EmbeddingQP, options: BilevelOptions = {}): BilevelResult {
  const steps = bilevelSteps(qp, options);
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

/**
 * embedBilevel that yields to the event loop after every outer iteration, so that timers and
 * signal handlers run while it works (a CLI's SIGINT handler can abort `options.signal`: the
 * loop then stops with stopReason 'interrupted' after the current iteration and still returns
 * the certified final map). Results are identical to embedBilevel's.
 */
export async function embedBilevelAsync(qp: EmbeddingQP, options: BilevelOptions = {}): Promise<BilevelResult> {
  const steps = bilevelSteps(qp, options);
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The loop of embedBilevel as a generator: yields after each outer iteration, returns the result. */
function* bilevelSteps(qp: EmbeddingQP, options: BilevelOptions): Generator<void, BilevelResult, void> {
  const o = { ...BILEVEL_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof BILEVEL_DEFAULTS &
    BilevelOptions;
  positive('lr', o.lr);
  positive('stopTol', o.stopTol);
  positive('finalEpsAbs', o.finalEpsAbs);
  positive('timeLimit', o.timeLimit);
  if (!(o.beta2 >= 0 && o.beta2 < 1)) throw new InputError('beta2', 'a number in [0, 1)', String(o.beta2));
  if (!(Number.isInteger(o.maxIter) && o.maxIter >= 0)) throw new InputError('maxIter', 'an integer ≥ 0', String(o.maxIter));
  const theta0 = o.theta0 ?? qp.initialTheta();
  if (theta0.length !== qp.ne) throw new InputError('theta0', `length ${qp.ne} (one per edge)`, `length ${theta0.length}`);

  const tStart = performance.now();
  const objective = new EmbeddingObjective(
    qp,
    {
      solver: o.solver,
      epsAbs: o.epsAbs,
      epsRel: o.epsRel,
      epsActive: o.epsActive,
      warmStart: o.warmStart,
      reg: o.reg,
      squared: o.squared,
      stopTol: o.stopTol,
      tightEpsAbs: o.finalEpsAbs,
    },
    theta0,
  );
  const op = embeddingLossOp(objective);
  const thetaVar = tf.variable(tf.tensor1d(Float32Array.from(theta0), 'float32'), true, undefined, 'float32');
  const optimizer = tf.train.adam(o.lr, 0.9, o.beta2, 1e-8);

  const lossHistory: number[] = [];
  const maxDualHistory: number[] = [];
  const activeChanges: number[] = [];
  const forwardMs: number[] = [];
  const backwardMs: number[] = [];
  const adamMs: number[] = [];
  let prevActive: Int32Array | null = null;
  let stopReason: StopReason = 'max-iter';
  let steps = 0;
  let blockedStops = 0;
  let dualRule: { iteration: number; flips: number } | null = null;
  let lastMaxDual = NaN;
  let theta = Float64Array.from(theta0);
  let lastZ: Float64Array | null = null;
  let lastLambda: Float64Array | null = null;
  let lastMu: Float64Array | null = null;
  try {
    for (let k = 0; ; k++) {
      theta = Float64Array.from(thetaVar.dataSync());
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
      lastMaxDual = Math.max(ev.maxDual, ev.solverMaxDual);
      if (fwd.context) {
        lastZ = fwd.z;
        lastLambda = fwd.lambda;
        lastMu = fwd.mu;
      }
      const record = {
        iteration: k,
        loss: ev.loss,
        dualTerm: ev.dualTerm,
        regTerm: ev.regTerm,
        maxDual: ev.maxDual,
        active: fwd.active.length,
        positiveDuals,
        activeChanged: changed,
        status: fwd.status,
        solverIterations: fwd.solution.iterations,
        forwardMs: ev.forwardMs,
        tight: ev.tight,
      };
      let stop: StopReason | null = null;
      if (!fwd.context) stop = 'solver-failed';
      else if (ev.maxDual < o.stopTol && ev.solverMaxDual < o.stopTol) {
        // the dual test passed (tightly confirmed); with rows still active (0 < μ < stopTol) the
        // map may yet fold: require 0 flipped triangles unless requireValid is off
        const flips = countFlipped(signedAreas(interleavedFromSplit(fwd.z), qp.domain.F), qp.domain.orientation);
        dualRule ??= { iteration: k, flips };
        if (!o.requireValid || flips === 0) stop = 'converged';
        else blockedStops++;
      }
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
      tf.tidy(() => {
        optimizer.minimize(() => op(thetaVar), false, [thetaVar]);
      });
      const stepMs = performance.now() - tStep;
      backwardMs.push(objective.lastBackwardMs);
      adamMs.push(Math.max(0, stepMs - objective.lastBackwardMs));
      steps++;
      o.onIteration?.({ ...record, backwardMs: objective.lastBackwardMs } satisfies IterationRecord);
      yield;
    }
  } finally {
    thetaVar.dispose();
    optimizer.dispose();
  }

  // the final tight re-solve with the final L
  const inst = qp.instance(theta);
  const warm = lastZ ? { z: lastZ, lambda: lastLambda ?? undefined, mu: lastMu ?? undefined } : null;
  const sol = solveQP(inst.problem, { solver: o.solver, epsAbs: o.finalEpsAbs, epsRel: 0, warmStart: warm });
  const dom = qp.domain;
  // a failed final solve (no finite point) falls back to the last forward's solution
  const finite = sol.z.every((v) => Number.isFinite(v));
  const V = interleavedFromSplit(finite || !lastZ ? sol.z : lastZ);
  const pre = embeddingReport(dom, V);
  for (let t = 0; t < dom.loop.length; t++) {
    const v = dom.loop[t]!;
    V[2 * v] = dom.polygon[2 * t]!;
    V[2 * v + 1] = dom.polygon[2 * t + 1]!;
  }
  // a cone row is violated when (Cx)_r exceeds 1e-9 × (max |C| · polygon diameter)
  let cmax = 0;
  for (let k = 0; k < inst.C.values.length; k++) cmax = Math.max(cmax, Math.abs(inst.C.values[k]!));
  const diam = polygonDiameter(dom.polygon);
  const rep = embeddingReport(dom, V, { C: inst.C, rowTol: 1e-9 * Math.max(cmax, 1e-300) * diam });
  const totalMs = performance.now() - tStart;
  return {
    converged: stopReason === 'converged',
    stopReason,
    iterations: steps,
    flips: rep.flipped,
    maxDual: lastMaxDual,
    vertices: dom.nv,
    constraints: qp.m,
    totalMs,
    forwardMsMedian: median(forwardMs),
    backwardMsMedian: median(backwardMs),
    adamMsMedian: median(adamMs),
    V,
    theta,
    lossHistory,
    maxDualHistory,
    activeChanges,
    finalStatus: sol.status,
    boundaryDeviation: pre.boundaryDeviation,
    minArea: rep.minArea,
    violatedRows: rep.violatedRows ?? 0,
    valid: rep.flipped === 0 && pre.boundaryDeviation <= 1e-6 * diam,
    loss: o.squared ? 'squared-norm' : 'norm',
    tightSolves: objective.tightSolves,
    blockedStops,
    dualRule,
  };
}

/** Diameter of the bounding box of a polygon (#B by 2). */
function polygonDiameter(P: Float64Array): number {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let t = 0; t < P.length; t += 2) {
    x0 = Math.min(x0, P[t]!);
    x1 = Math.max(x1, P[t]!);
    y0 = Math.min(y0, P[t + 1]!);
    y1 = Math.max(y1, P[t + 1]!);
  }
  return Math.hypot(x1 - x0, y1 - y0);
}
