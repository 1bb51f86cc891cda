/**
 * The bi-level embedding: learn Laplacian edge weights θ with the generic loop of
 * optimizer/bilevel until the harmonic map with those weights satisfies every cone condition
 * (all inequality duals vanish), then certify the map (docs/geometry.md#certificate).
 *
 *   await prepareBilevel();                     // once, before the synchronous call (loads tfjs)
 *   const result = embedBilevel(qp, { lr: 1e-2, reg: 0, maxIter: 10000, onIteration });
 *   const result = await embedBilevelAsync(qp, { signal });   // loads tfjs itself, yields
 *
 * The loop: runBilevel on embeddingProblem(qp) (family.ts): θ₀ = −1, Adam, stop by the dual
 * test (every μ_j < stopTol for the layer's and the solver's duals, tightly confirmed) — and,
 * with requireValid (default), only when the map z of that forward has no flipped triangle;
 * otherwise the loop keeps going (a blocked stop) until a limit.
 *
 * Why requireValid: "every dual < 1e-4" is the paper's rule; μ_j = 0 exactly means the harmonic
 * map satisfies the cone conditions and is bijective (Kovalsky et al.), but 0 < μ_j < 1e-4
 * leaves row j active and the QP map is then not harmonic. On the corner example with N = 28
 * the rule fired at max μ = 9.5e-5 with both rows active and 1 flipped triangle. The extra test
 * costs O(#F) at a candidate stop; it never delays a stop with μ = 0 on a valid map.
 *
 * Stall ('stalled-folded'): when every dual is below stopTol but the map folds where no cone
 * row looks (a triangle flat on a polygon edge, or folds away from the reflex corners), the
 * loss has (nearly) no gradient and requireValid would block stops until a limit. After
 * stallSteps (default 50, see BilevelOptions.stallSteps) consecutive blocked stops with the same
 * flip count the loop stops, through the generic loop's abort signal (the caller's own signal is
 * forwarded to the same controller), and the result's `folds` (folds.ts) says where the map
 * folds. Runs with no blocked stop, or whose blocked stops change the fold count, are untouched.
 *
 * Certificate: the generic loop re-solves the QP tightly with the final L (finalEpsAbs, epsRel
 * 0, warm-started); its boundary distance to the target polygon is measured, the boundary is
 * then set exactly to the targets, and flipped/degenerate triangles (orientation · signed area
 * ≤ 0) are counted on that map, which is the one returned in V. valid = 0 flips and a boundary
 * deviation ≤ 1e-6 × the polygon's diameter. stopReason 'converged' (and converged = true) only
 * when the dual test stopped the loop AND the final map is valid; a dual-test stop on a map that
 * is not valid is 'duals-vanished-folded'.
 */
import { BILEVEL_LOOP_DEFAULTS, runBilevel, runBilevelAsync } from '../../optimizer/bilevel/loop.ts';
import type { BilevelLoopOptions, BilevelLoopResult } from '../../optimizer/bilevel/types.ts';
import { InputError } from '../../optimizer/errors.ts';
import type { EmbeddingQP } from '../embedding-qp.ts';
import { countFlipped, embeddingReport, interleavedFromSplit, polygonDiameter, signedAreas } from '../validity.ts';
import type { DualLossKind } from '../../optimizer/bilevel/dual-loss.ts';
import { embeddingLossKind, embeddingProblem } from './family.ts';
import { locateFolds } from './folds.ts';
import type { BilevelOptions, BilevelResult, StopReason } from './types.ts';

/** Defaults of BilevelOptions. */
export const BILEVEL_DEFAULTS = Object.freeze({
  ...BILEVEL_LOOP_DEFAULTS,
  reg: 0,
  squared: false,
  requireValid: true,
  stallSteps: 50,
});

/** Median of a list (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : 0.5 * (s[h - 1]! + s[h]!);
}

/** The loop's inputs for `qp` and the bookkeeping of its dual-test stops. */
function setUp(qp: EmbeddingQP, options: BilevelOptions) {
  const o = { ...BILEVEL_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof BILEVEL_DEFAULTS &
    BilevelOptions;
  const theta0 = o.theta0 ?? qp.initialTheta();
  if (theta0.length !== qp.ne) throw new InputError('theta0', `length ${qp.ne} (one per edge)`, `length ${theta0.length}`);
  const lossKind = embeddingLossKind({ squared: o.squared, loss: o.loss });
  const problem = embeddingProblem(qp, { reg: o.reg, loss: lossKind, theta0 });
  if (!((Number.isInteger(o.stallSteps) && o.stallSteps >= 1) || o.stallSteps === Infinity)) {
    throw new InputError('stallSteps', 'an integer ≥ 1 (or Infinity: never stop for a stall)', String(o.stallSteps));
  }
  const stops = {
    dualRule: null as { iteration: number; flips: number } | null,
    // the current run of consecutive blocked stops with one flip count, and the longest one
    run: 0,
    runFlips: -1,
    lastBlocked: -2,
    longestRun: 0,
    stalledAt: null as number | null,
  };
  // the stall stops the generic loop through its abort signal (checked right after acceptStop
  // at the same forward); the caller's own signal is forwarded to it
  const stall = new AbortController();
  const userSignal = o.signal;
  const forward = () => stall.abort();
  if (userSignal?.aborted) stall.abort();
  else userSignal?.addEventListener('abort', forward, { once: true });
  const release = () => userSignal?.removeEventListener('abort', forward);
  const dom = qp.domain;
  const loopOptions: BilevelLoopOptions = {
    tf: o.tf,
    solver: o.solver,
    lr: o.lr,
    beta2: o.beta2,
    adam: o.adam,
    adamRestart: o.adamRestart,
    predictActiveSet: o.predictActiveSet,
    maxIter: o.maxIter,
    epsAbs: o.epsAbs,
    epsRel: o.epsRel,
    epsActive: o.epsActive,
    stopTol: o.stopTol,
    warmStart: o.warmStart,
    finalEpsAbs: o.finalEpsAbs,
    timeLimit: o.timeLimit,
    signal: stall.signal,
    theta0,
    onIteration: o.onIteration,
    between: o.between,
    // the dual test passed (tightly confirmed); with rows still active (0 < μ < stopTol) the map
    // may yet fold: require 0 flipped triangles unless requireValid is off
    acceptStop: (fwd, k) => {
      const flips = countFlipped(signedAreas(interleavedFromSplit(fwd.z), dom.F), dom.orientation);
      stops.dualRule ??= { iteration: k, flips };
      const accept = !o.requireValid || flips === 0;
      if (!accept) {
        // a stall: stallSteps consecutive forwards, each passing the dual test, all with the
        // same number of flipped triangles (see BilevelOptions.stallSteps)
        if (k === stops.lastBlocked + 1 && flips === stops.runFlips) stops.run++;
        else stops.run = 1;
        stops.lastBlocked = k;
        stops.runFlips = flips;
        stops.longestRun = Math.max(stops.longestRun, stops.run);
        if (stops.run >= o.stallSteps && stops.stalledAt === null) {
          stops.stalledAt = k;
          stall.abort();
        }
      }
      return accept;
    },
  };
  return { o, lossKind, problem, loopOptions, stops, release };
}

/**
 * Run the bi-level loop on `qp` (not modified) synchronously; tfjs must have been loaded by
 * `await prepareBilevel()` (or passed as options.tf). See the file comment and BilevelOptions.
 * Bad options throw InputError; a solver failure ends the loop with stopReason 'solver-failed'
 * (the result still describes the last map).
 */
export function embedBilevel(qp: EmbeddingQP, options: BilevelOptions = {}): BilevelResult {
  const tStart = performance.now();
  const { lossKind, problem, loopOptions, stops, release } = setUp(qp, options);
  let r: BilevelLoopResult;
  try {
    r = runBilevel(problem, loopOptions);
  } finally {
    release();
  }
  return certify(qp, r, lossKind, stops, tStart);
}

/**
 * embedBilevel that loads tfjs when needed and yields to the event loop after every outer
 * iteration, so that timers and signal handlers run while it works (a CLI's SIGINT handler can
 * abort `options.signal`: the loop then stops with stopReason 'interrupted' after the current
 * iteration and still returns the certified final map). Results are identical to embedBilevel's.
 */
export async function embedBilevelAsync(qp: EmbeddingQP, options: BilevelOptions = {}): Promise<BilevelResult> {
  const tStart = performance.now();
  const { lossKind, problem, loopOptions, stops, release } = setUp(qp, options);
  let r: BilevelLoopResult;
  try {
    r = await runBilevelAsync(problem, loopOptions);
  } finally {
    release();
  }
  return certify(qp, r, lossKind, stops, tStart);
}

/** The embedding result of a finished loop: the final map snapped to the targets and checked. */
function certify(
  qp: EmbeddingQP,
  r: BilevelLoopResult,
  lossKind: DualLossKind,
  stops: { dualRule: { iteration: number; flips: number } | null; longestRun: number; stalledAt: number | null },
  tStart: number,
): BilevelResult {
  const dom = qp.domain;
  const V = interleavedFromSplit(r.finalZ);
  const pre = embeddingReport(dom, V);
  for (let t = 0; t < dom.loop.length; t++) {
    const v = dom.loop[t]!;
    V[2 * v] = dom.polygon[2 * t]!;
    V[2 * v + 1] = dom.polygon[2 * t + 1]!;
  }
  // a cone row is violated when (Cx)_r exceeds 1e-9 × (max |C| · polygon diameter)
  const C = qp.instance(r.theta).C;
  let cmax = 0;
  for (let k = 0; k < C.values.length; k++) cmax = Math.max(cmax, Math.abs(C.values[k]!));
  const diam = polygonDiameter(dom.polygon);
  const rep = embeddingReport(dom, V, { C, rowTol: 1e-9 * Math.max(cmax, 1e-300) * diam });
  const valid = rep.flipped === 0 && pre.boundaryDeviation <= 1e-6 * diam;
  let stopReason: StopReason;
  if (r.stopReason === 'duals-vanished') stopReason = valid ? 'converged' : 'duals-vanished-folded';
  // the stall was detected at the loop's last forward (a limit reached at that same forward
  // does not hide it)
  else if (stops.stalledAt !== null) stopReason = 'stalled-folded';
  else stopReason = r.stopReason;
  const totalMs = performance.now() - tStart;
  return {
    converged: stopReason === 'converged',
    stopReason,
    iterations: r.iterations,
    flips: rep.flipped,
    maxDual: r.maxDual,
    vertices: dom.nv,
    constraints: qp.m,
    totalMs,
    forwardMsMedian: median(r.forwardMs),
    backwardMsMedian: median(r.backwardMs),
    adamMsMedian: median(r.adamMs),
    V,
    theta: r.theta,
    lossHistory: r.lossHistory,
    maxDualHistory: r.maxDualHistory,
    activeChanges: r.activeChanges,
    finalStatus: r.finalSolution.status,
    boundaryDeviation: pre.boundaryDeviation,
    minArea: rep.minArea,
    violatedRows: rep.violatedRows ?? 0,
    valid,
    loss: lossKind,
    tightSolves: r.tightSolves,
    blockedStops: r.blockedStops,
    predictedSolves: r.predictedSolves,
    factorizationsMedian: median(r.forwardFactorizations),
    adamRestarts: r.adamRestarts,
    dualRule: stops.dualRule,
    longestBlockedRun: stops.longestRun,
    folds: locateFolds(dom, V),
  };
}
