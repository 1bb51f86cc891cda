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
import { embeddingProblem } from './family.ts';
import type { BilevelOptions, BilevelResult, StopReason } from './types.ts';

/** Defaults of BilevelOptions. */
export const BILEVEL_DEFAULTS = Object.freeze({
  ...BILEVEL_LOOP_DEFAULTS,
  reg: 0,
  squared: false,
  requireValid: true,
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
  const problem = embeddingProblem(qp, { reg: o.reg, squared: o.squared, theta0 });
  const stops = { dualRule: null as { iteration: number; flips: number } | null };
  const dom = qp.domain;
  const loopOptions: BilevelLoopOptions = {
    tf: o.tf,
    solver: o.solver,
    lr: o.lr,
    beta2: o.beta2,
    maxIter: o.maxIter,
    epsAbs: o.epsAbs,
    epsRel: o.epsRel,
    epsActive: o.epsActive,
    stopTol: o.stopTol,
    warmStart: o.warmStart,
    finalEpsAbs: o.finalEpsAbs,
    timeLimit: o.timeLimit,
    signal: o.signal,
    theta0,
    onIteration: o.onIteration,
    between: o.between,
    // the dual test passed (tightly confirmed); with rows still active (0 < μ < stopTol) the map
    // may yet fold: require 0 flipped triangles unless requireValid is off
    acceptStop: (fwd, k) => {
      const flips = countFlipped(signedAreas(interleavedFromSplit(fwd.z), dom.F), dom.orientation);
      stops.dualRule ??= { iteration: k, flips };
      return !o.requireValid || flips === 0;
    },
  };
  return { o, problem, loopOptions, stops };
}

/**
 * Run the bi-level loop on `qp` (not modified) synchronously; tfjs must have been loaded by
 * `await prepareBilevel()` (or passed as options.tf). See the file comment and BilevelOptions.
 * Bad options throw InputError; a solver failure ends the loop with stopReason 'solver-failed'
 * (the result still describes the last map).
 */
export function embedBilevel(qp: EmbeddingQP, options: BilevelOptions = {}): BilevelResult {
  const tStart = performance.now();
  const { o, problem, loopOptions, stops } = setUp(qp, options);
  const r = runBilevel(problem, loopOptions);
  return certify(qp, r, o.squared, stops.dualRule, tStart);
}

/**
 * embedBilevel that loads tfjs when needed and yields to the event loop after every outer
 * iteration, so that timers and signal handlers run while it works (a CLI's SIGINT handler can
 * abort `options.signal`: the loop then stops with stopReason 'interrupted' after the current
 * iteration and still returns the certified final map). Results are identical to embedBilevel's.
 */
export async function embedBilevelAsync(qp: EmbeddingQP, options: BilevelOptions = {}): Promise<BilevelResult> {
  const tStart = performance.now();
  const { o, problem, loopOptions, stops } = setUp(qp, options);
  const r = await runBilevelAsync(problem, loopOptions);
  return certify(qp, r, o.squared, stops.dualRule, tStart);
}

/** The embedding result of a finished loop: the final map snapped to the targets and checked. */
function certify(
  qp: EmbeddingQP,
  r: BilevelLoopResult,
  squared: boolean,
  dualRule: { iteration: number; flips: number } | null,
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
    loss: squared ? 'squared-norm' : 'norm',
    tightSolves: r.tightSolves,
    blockedStops: r.blockedStops,
    dualRule,
  };
}
