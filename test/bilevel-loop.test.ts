/**
 * The bi-level loop: the generic core (optimizer/bilevel) on a toy QP family with a closed-form
 * dual, and the embedding driver (geometry/embed): convergence to a certified map on small
 * examples, the honesty of `converged`, the tfjs custom gradient against the Float64 pullback and
 * against central finite differences, the stop at θ₀ when no dual is positive, the consistency
 * guard, options.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EmbeddingQP } from '../geometry/embedding-qp.ts';
import { cornerExample } from '../geometry/examples/corner.ts';
import { crossExample } from '../geometry/examples/cross.ts';
import { gridBoundaryClockwise, unitSquareGrid } from '../geometry/examples/grid.ts';
import { HarmonicSolver } from '../geometry/harmonic.ts';
import { countFlipped, interleavedFromSplit, signedAreas } from '../geometry/validity.ts';
import { EmbeddingObjective, embeddingProblem } from '../geometry/embed/family.ts';
import { embedBilevel, embedBilevelAsync, median } from '../geometry/embed/driver.ts';
import type { BilevelResult } from '../geometry/embed/types.ts';
import { dualNormLoss } from '../optimizer/bilevel/dual-loss.ts';
import { runBilevel, runBilevelAsync } from '../optimizer/bilevel/loop.ts';
import { BilevelObjective } from '../optimizer/bilevel/objective.ts';
import { bilevelLossOp } from '../optimizer/bilevel/tf-op.ts';
import { prepareBilevel } from '../optimizer/bilevel/tf-runtime.ts';
import type { BilevelProblem, QpFamily } from '../optimizer/bilevel/types.ts';
import { yieldToEventLoop } from '../optimizer/bilevel/event-loop.ts';
import { refineSizes } from '../cli/commands/refine.ts';
import { InputError } from '../optimizer/errors.ts';
import { setWarningHandler } from '../optimizer/qp/registry.ts';
import { rng } from './helpers.ts';

function crossQP(): EmbeddingQP {
  const c = crossExample(13);
  return EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets);
}

function cornerQP(N: number): EmbeddingQP {
  const c = cornerExample(N);
  return EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets);
}

/** Map V's boundary back to the domain's polygon and check it matches exactly. */
function boundaryMatches(qp: EmbeddingQP, V: Float64Array): boolean {
  const d = qp.domain;
  for (let t = 0; t < d.loop.length; t++) {
    const v = d.loop[t]!;
    if (V[2 * v] !== d.polygon[2 * t] || V[2 * v + 1] !== d.polygon[2 * t + 1]) return false;
  }
  return true;
}

beforeAll(async () => {
  await prepareBilevel(); // the synchronous entry points use the tfjs module loaded here
  tf.enableProdMode();
  setWarningHandler(() => {}); // degenerate-point warnings of the dQP layer are expected here
});

let crossCache: { r: BilevelResult; records: number[] } | null = null;
/** One converged run on the cross, shared by several tests. */
function crossRunWithRecords(): { r: BilevelResult; records: number[] } {
  if (!crossCache) {
    const records: number[] = [];
    const r = embedBilevel(crossQP(), { onIteration: (x) => records.push(x.iteration) });
    crossCache = { r, records };
  }
  return crossCache;
}
const crossRun = () => crossRunWithRecords().r;

describe('embedBilevel', () => {
  it('turns the folded harmonic map of the cross into a bijective embedding', () => {
    const qp = crossQP();
    const { r, records } = crossRunWithRecords();
    expect(r.converged).toBe(true);
    expect(r.stopReason).toBe('converged');
    expect(r.flips).toBe(0);
    expect(r.valid).toBe(true);
    expect(r.maxDual).toBeLessThan(1e-4);
    // the free harmonic map at θ₀ has 8 violated rows: it cannot stop at once
    expect(r.iterations).toBeGreaterThan(10);
    expect(r.iterations).toBeLessThan(1000);
    expect(r.lossHistory.length).toBe(r.iterations + 1);
    expect(r.maxDualHistory.length).toBe(r.iterations + 1);
    expect(records).toEqual(Array.from({ length: r.iterations + 1 }, (_, k) => k));
    expect(r.lossHistory[0]).toBeGreaterThan(1);
    expect(r.vertices).toBe(169);
    expect(r.constraints).toBe(8);
    // the map returned: boundary exactly the polygon, every triangle positive
    expect(boundaryMatches(qp, r.V)).toBe(true);
    expect(countFlipped(signedAreas(r.V, qp.domain.F), qp.domain.orientation)).toBe(0);
    expect(r.boundaryDeviation).toBeLessThan(1e-8);
    expect(r.theta.length).toBe(qp.ne);
    expect(r.loss).toBe('log-norm');
    // the paper's dual rule first held at a stop on a valid map (or earlier, on a folded one)
    expect(r.dualRule).not.toBeNull();
    expect(r.dualRule!.iteration).toBeLessThanOrEqual(r.iterations);
    if (r.blockedStops === 0) expect(r.dualRule).toEqual({ iteration: r.iterations, flips: 0 });
  });

  it('stops at θ₀ with 0 steps when no dual is positive (convex target)', () => {
    const N = 6;
    const g = unitSquareGrid(N);
    const walk = gridBoundaryClockwise(N);
    const positions = new Float64Array(2 * walk.length);
    for (let t = 0; t < walk.length; t++) {
      positions[2 * t] = g.V[2 * walk[t]!]! * 2; // a 2 × 1 rectangle
      positions[2 * t + 1] = g.V[2 * walk[t]! + 1]!;
    }
    const qp = EmbeddingQP.fromMesh(g.F, g.nv, { vertices: walk, positions });
    expect(qp.m).toBe(0);
    const r = embedBilevel(qp);
    expect(r.converged).toBe(true);
    expect(r.iterations).toBe(0);
    expect(r.lossHistory).toEqual([0]);
    expect(r.flips).toBe(0);
    expect(r.valid).toBe(true);
    expect(Number.isNaN(r.backwardMsMedian)).toBe(true); // no backward was taken
    // with no cone rows the final map is the free harmonic map (direct sparse solve)
    const x = HarmonicSolver.build(qp.domain, qp.lap).solve(qp.instance(qp.initialTheta()).Lv);
    for (let v = 0; v < g.nv; v++) {
      expect(Math.abs(r.V[2 * v]! - x[v]!)).toBeLessThan(1e-7);
      expect(Math.abs(r.V[2 * v + 1]! - x[g.nv + v]!)).toBeLessThan(1e-7);
    }
  });

  it('restarted from converged weights it stops at once (rows present, duals zero)', () => {
    const qp = crossQP();
    const first = crossRun();
    const r = embedBilevel(qp, { theta0: first.theta });
    expect(qp.m).toBe(8);
    expect(r.converged).toBe(true);
    expect(r.iterations).toBe(0);
    expect(r.flips).toBe(0);
    expect(r.tightSolves).toBe(1); // the stop was confirmed with the tight tolerance
    expect(Array.from(r.theta)).toEqual(Array.from(first.theta));
  });

  it('corner N = 12 converges to a valid map (regression: loose-tolerance active-set drop)', () => {
    // with ε_abs = 1e-5 alone the layer dropped both active rows (slack 1.2e-4 > ε_J while the
    // solver's μ was 5e-3), reported μ = 0 and stopped on a map with 4 flipped triangles
    const qp = cornerQP(12);
    const r = embedBilevel(qp);
    expect(r.converged).toBe(true);
    expect(r.flips).toBe(0);
    const inst = qp.instance(r.theta);
    expect(inst.C.nrows).toBe(2);
    // by default the forwards are predicted active-set solves (exact, no guard needed); with the
    // solver on every forward (the paper's setting) the guard's tight re-solves must fire
    const paper = runBilevel(embeddingProblem(qp), { theta0: qp.initialTheta(), predictActiveSet: false });
    expect(paper.stopReason).toBe('duals-vanished');
    expect(paper.tightSolves).toBeGreaterThan(0);
    expect(paper.predictedSolves).toBe(0);
    expect(countFlipped(signedAreas(interleavedFromSplit(paper.finalZ), qp.domain.F), qp.domain.orientation)).toBe(0);
  });

  it('stops at maxIter with the history of every forward', () => {
    const r = embedBilevel(crossQP(), { maxIter: 3 });
    expect(r.converged).toBe(false);
    expect(r.stopReason).toBe('max-iter');
    expect(r.iterations).toBe(3);
    expect(r.lossHistory.length).toBe(4);
    // Adam moves θ away from −1 and the loss goes down on the cross
    expect(r.lossHistory[3]!).toBeLessThan(r.lossHistory[0]!);
    expect(r.theta.some((t) => t !== -1)).toBe(true);
    expect(r.flips).toBeGreaterThan(0); // still folded after 3 steps
    expect(r.valid).toBe(false);
  });

  it("corner family: the 'anti' grid converges to a map whose certificate checks out independently", () => {
    const qp = cornerQP(22);
    const r = embedBilevel(qp, { maxIter: 200 });
    expect(r.converged).toBe(true);
    expect(r.stopReason).toBe('converged');
    // recount the certificate from the returned map: boundary exactly on the polygon, every
    // triangle positively oriented, every cone row satisfied at the final weights
    expect(boundaryMatches(qp, r.V)).toBe(true);
    const areas = signedAreas(r.V, qp.domain.F);
    for (let f = 0; f < areas.length; f++) expect(qp.domain.orientation * areas[f]!).toBeGreaterThan(0);
    expect(r.flips).toBe(0);
    expect(r.violatedRows).toBe(0);
    expect(r.iterations).toBeLessThanOrEqual(200);
    expect(r.lossHistory.length).toBe(r.iterations + 1);
  });

  it("whatever the outcome, converged ⇔ stopReason 'converged' ⇒ a valid final map (corner grid 'corners')", () => {
    const c = cornerExample(12, 'corners');
    const qp = EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets);
    for (const maxIter of [0, 5, 60]) {
      const r = embedBilevel(qp, { maxIter });
      expect(r.converged).toBe(r.stopReason === 'converged');
      const flips = countFlipped(signedAreas(r.V, qp.domain.F), qp.domain.orientation);
      expect(r.flips).toBe(flips);
      expect(r.valid).toBe(flips === 0 && r.boundaryDeviation <= 1e-6 * Math.SQRT2);
      if (r.converged) expect(r.valid).toBe(true);
      else {
        expect(['max-iter', 'duals-vanished-folded']).toContain(r.stopReason);
        if (r.stopReason === 'max-iter') expect(r.iterations).toBe(maxIter);
      }
    }
  });

  it('a blocked stop (duals below stopTol, map still folded) keeps going but respects maxIter', () => {
    // stopTol = 10 > every dual of the cross at θ₀ (max 0.96), whose harmonic map has 41 flips
    const r = embedBilevel(crossQP(), { stopTol: 10, maxIter: 3 });
    expect(r.stopReason).toBe('max-iter');
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(3);
    expect(r.blockedStops).toBe(4);
    expect(r.flips).toBeGreaterThan(0);
    // the dual rule held from the first forward on, on a folded map
    expect(r.dualRule?.iteration).toBe(0);
    expect(r.dualRule?.flips).toBeGreaterThan(0);
    // without requireValid the same dual test stops at once on the folded map (the paper's
    // rule), and the result says so: a folded map is never reported as converged
    const plain = embedBilevel(crossQP(), { stopTol: 10, maxIter: 3, requireValid: false });
    expect(plain.stopReason).toBe('duals-vanished-folded');
    expect(plain.converged).toBe(false);
    expect(plain.valid).toBe(false);
    expect(plain.iterations).toBe(0);
    expect(plain.flips).toBeGreaterThan(0);
  });

  it('embedBilevelAsync gives the same result as embedBilevel and yields to the event loop', async () => {
    const sync = embedBilevel(crossQP(), { maxIter: 5 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const asyncResult = await embedBilevelAsync(crossQP(), { maxIter: 5 });
    clearInterval(timer);
    expect(asyncResult.iterations).toBe(sync.iterations);
    expect(asyncResult.lossHistory).toEqual(sync.lossHistory);
    expect(Array.from(asyncResult.theta)).toEqual(Array.from(sync.theta));
    expect(ticks).toBeGreaterThan(0);
  });

  it('stops with "interrupted" when the signal is aborted, and still certifies the final map', async () => {
    const controller = new AbortController();
    const r = await embedBilevelAsync(crossQP(), {
      signal: controller.signal,
      onIteration: (rec) => {
        if (rec.iteration === 2) controller.abort();
      },
    });
    expect(r.stopReason).toBe('interrupted');
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(3);
    // the final map is still re-solved and counted (the cross folds at θ₀ + 3 small steps)
    expect(r.flips).toBeGreaterThan(0);
    expect(r.V.length).toBe(2 * crossQP().domain.nv);
  });

  it('stops at the time limit', () => {
    const r = embedBilevel(crossQP(), { timeLimit: 1e-6 });
    expect(r.stopReason).toBe('time-limit');
    expect(r.iterations).toBe(0);
  });

  it('rejects bad options', () => {
    const qp = cornerQP(4);
    expect(() => embedBilevel(qp, { lr: 0 })).toThrow(InputError);
    expect(() => embedBilevel(qp, { maxIter: 1.5 })).toThrow(InputError);
    expect(() => embedBilevel(qp, { reg: -1 })).toThrow(InputError);
    expect(() => embedBilevel(qp, { theta0: new Float64Array(3) })).toThrow(/theta0/);
  });
});

describe('gradient of the outer loss', () => {
  it('tf.customGrad returns the Float64 pullback rounded to float32', () => {
    const qp = crossQP();
    const obj = new EmbeddingObjective(qp, { reg: 10 });
    const r = rng(7);
    const theta32 = Float32Array.from({ length: qp.ne }, () => -1 - 0.5 * r());
    const theta = Float64Array.from(theta32);
    const ev = obj.evaluate(theta);
    const g64 = obj.gradient(ev);
    const op = bilevelLossOp(tf, obj);
    const gTensor = tf.grad((t: tf.Tensor) => op(t as tf.Tensor1D))(tf.tensor1d(theta32));
    const g32 = gTensor.dataSync();
    const value = op(tf.tensor1d(theta32)).dataSync()[0]!;
    expect(g32.length).toBe(qp.ne);
    let gmax = 0;
    for (let e = 0; e < qp.ne; e++) gmax = Math.max(gmax, Math.abs(g64[e]!));
    expect(gmax).toBeGreaterThan(0);
    for (let e = 0; e < qp.ne; e++) expect(Math.abs(g32[e]! - g64[e]!)).toBeLessThanOrEqual(1e-6 * Math.abs(g64[e]!) + 1e-12);
    expect(Math.abs(value - ev.loss)).toBeLessThanOrEqual(1e-6 * ev.loss);
  });

  for (const squared of [false, true]) {
    it(`equals central finite differences (cross, λ_reg = 10, ${squared ? '‖μ‖²' : '‖μ‖'})`, () => {
      const qp = crossQP();
      // tight inner solves, no warm start: the loss is then a smooth function of θ near θ
      const obj = new EmbeddingObjective(qp, { reg: 10, squared, epsAbs: 1e-11, warmStart: false });
      const r = rng(11);
      const theta = Float64Array.from({ length: qp.ne }, () => -1 - 0.5 * r());
      const ev = obj.evaluate(theta);
      expect(ev.forward.active.length).toBe(8);
      const g = obj.gradient(ev);
      // the 6 largest entries plus 4 random ones
      const order = Array.from(g.keys()).sort((a, b) => Math.abs(g[b]!) - Math.abs(g[a]!));
      const picks = [...order.slice(0, 6), ...Array.from({ length: 4 }, () => Math.floor(r() * qp.ne))];
      const h = 1e-5;
      let checked = 0;
      for (const e of picks) {
        const tp = theta.slice();
        tp[e] = tp[e]! + h;
        const tm = theta.slice();
        tm[e] = tm[e]! - h;
        const fp = obj.evaluate(tp);
        const fm = obj.evaluate(tm);
        if (fp.forward.active.length !== 8 || fm.forward.active.length !== 8) continue;
        const fd = (fp.loss - fm.loss) / (2 * h);
        expect(Math.abs(fd - g[e]!)).toBeLessThanOrEqual(1e-4 * Math.abs(g[e]!) + 1e-5);
        checked++;
      }
      expect(checked).toBeGreaterThanOrEqual(8);
    });
  }

  it('is zero when no dual is positive and λ_reg = 0', () => {
    const qp = crossQP();
    const obj = new EmbeddingObjective(qp);
    // weights of a run stopped only once every dual was below 1e-9: then every dual is exactly 0
    // (the predicted active-set solve is exact; no row is active)
    const r = embedBilevel(qp, { stopTol: 1e-9 });
    expect(r.converged).toBe(true);
    const ev = obj.evaluate(r.theta);
    expect(ev.maxDual).toBe(0);
    expect(ev.loss).toBe(0);
    expect(Array.from(obj.gradient(ev)).every((x) => x === 0)).toBe(true);
  });
});

/**
 * A toy family with a closed-form answer and nothing geometric: min ½‖z‖² − θᵀz s.t. z ≤ 1
 * (n = 2). z*(θ) = min(θ, 1) and μ*(θ) = max(θ − 1, 0) componentwise; only q = −θ depends on θ.
 */
function toyFamily(): QpFamily {
  const eye = () => ({ format: 'csc' as const, nrows: 2, ncols: 2, colPtr: Int32Array.from([0, 1, 2]), rowIdx: Int32Array.from([0, 1]), values: Float64Array.from([1, 1]) });
  return {
    size: 2,
    fixed: ['P', 'A', 'b', 'C', 'd'],
    instance: (theta) => ({ P: eye(), q: Float64Array.from(theta, (t) => -t), C: eye(), d: Float64Array.from([1, 1]) }),
    pullback: (_theta, grads, out) => {
      for (let i = 0; i < 2; i++) out[i] = -grads.q![i]!;
      return out;
    },
  };
}
const RHO = 0.3;
/** ‖μ‖₂ + ½ρ‖θ‖² (the regularizer only where asked) */
function toyProblem(withReg: boolean): BilevelProblem {
  return {
    family: toyFamily(),
    loss: dualNormLoss(),
    regularizer: withReg ? (t) => ({ value: 0.5 * RHO * (t[0]! ** 2 + t[1]! ** 2), gradient: Float64Array.from(t, (x) => RHO * x) }) : null,
  };
}

describe('generic loop (optimizer/bilevel) on a toy QP family', () => {
  it('loss and gradient equal the closed form ‖max(θ − 1, 0)‖ + ½ρ‖θ‖² and μ/‖μ‖ + ρθ', () => {
    const obj = new BilevelObjective(toyProblem(true), { epsAbs: 1e-10 });
    const theta = Float64Array.from([2, 1.5]);
    const ev = obj.evaluate(theta);
    const mu = [1, 0.5];
    const norm = Math.hypot(mu[0]!, mu[1]!);
    expect(ev.outputTerm).toBeCloseTo(norm, 6);
    expect(ev.regTerm).toBeCloseTo(0.5 * RHO * (4 + 2.25), 12);
    expect(ev.loss).toBeCloseTo(norm + 0.5 * RHO * 6.25, 6);
    expect(ev.maxDual).toBeCloseTo(1, 6);
    const g = obj.gradient(ev);
    for (let i = 0; i < 2; i++) expect(g[i]!).toBeCloseTo(mu[i]! / norm + RHO * theta[i]!, 6);
    // one row inactive: its component of the output gradient is 0
    const ev2 = obj.evaluate(Float64Array.from([3, 0.25]));
    const g2 = obj.gradient(ev2);
    expect(g2[0]!).toBeCloseTo(1 + RHO * 3, 6);
    expect(g2[1]!).toBeCloseTo(RHO * 0.25, 6);
  });

  it("drives the duals to zero and stops with 'duals-vanished'; the final re-solve is z = min(θ, 1)", async () => {
    const records: number[] = [];
    const r = runBilevel(toyProblem(false), { theta0: Float64Array.from([2, 3]), lr: 0.1, maxIter: 500, onIteration: (x) => records.push(x.outputTerm) });
    expect(r.stopReason).toBe('duals-vanished');
    expect(r.iterations).toBeGreaterThan(0);
    expect(r.iterations).toBeLessThan(500);
    expect(r.lossHistory[0]!).toBeCloseTo(Math.sqrt(5), 6);
    expect(records.length).toBe(r.iterations + 1);
    for (let i = 0; i < 2; i++) {
      expect(r.theta[i]!).toBeLessThan(1 + 1e-4);
      expect(r.finalZ[i]!).toBeCloseTo(Math.min(r.theta[i]!, 1), 7);
    }
    expect(r.finalSolution.status).toBe('solved');
    // the async entry point gives the same result
    const a = await runBilevelAsync(toyProblem(false), { theta0: Float64Array.from([2, 3]), lr: 0.1, maxIter: 500 });
    expect(Array.from(a.theta)).toEqual(Array.from(r.theta));
    expect(a.lossHistory).toEqual(r.lossHistory);
  });

  it('acceptStop can refuse a dual-test stop (counted), and the limits still apply', () => {
    const r = runBilevel(toyProblem(false), { theta0: Float64Array.from([0, 0]), maxIter: 2, acceptStop: () => false });
    expect(r.stopReason).toBe('max-iter');
    expect(r.blockedStops).toBe(3);
    expect(r.iterations).toBe(2);
    expect(r.lossHistory).toEqual([0, 0, 0]);
  });

  it('rejects a θ₀ of the wrong length, naming it', () => {
    expect(() => runBilevel(toyProblem(false), { theta0: new Float64Array(3) })).toThrow(/theta0.*length 2/);
  });

  it("the synchronous entry point with adam 'tfjs' and no loaded tfjs says what to do; the default Float64 Adam needs none", async () => {
    vi.resetModules();
    const fresh = await import('../optimizer/bilevel/loop.ts');
    expect(() => fresh.runBilevel(toyProblem(false), { theta0: Float64Array.from([2, 3]), adam: 'tfjs' })).toThrow(/prepareBilevel/);
    const f = fresh.runBilevel(toyProblem(false), { theta0: Float64Array.from([2, 3]), maxIter: 2 });
    expect(f.iterations).toBe(2);
    // an explicit module works without preparing
    const r = fresh.runBilevel(toyProblem(false), { theta0: Float64Array.from([0, 0]), tf, adam: 'tfjs' });
    expect(r.stopReason).toBe('duals-vanished');
    expect(r.iterations).toBe(0);
  });

  it('yieldToEventLoop lets already queued callbacks run first', async () => {
    let ran = false;
    setImmediate(() => (ran = true));
    await yieldToEventLoop();
    expect(ran).toBe(true);
  });
});

describe('helpers', () => {
  it('median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
  });

  it('refine sizes: N = ⌊√(10^k)⌋, k = 1.1, 1.2, …, each N once, N² ≤ max', () => {
    const s = refineSizes(10_000);
    expect(s[0]).toEqual({ k: 1.1, N: 3 });
    expect(s[s.length - 1]!.N).toBe(100);
    for (let i = 1; i < s.length; i++) expect(s[i]!.N).toBeGreaterThan(s[i - 1]!.N);
    for (const { k, N } of s) expect(N).toBe(Math.floor(Math.sqrt(10 ** k)));
    expect(refineSizes(1000).map((x) => x.N)).toEqual([3, 4, 5, 6, 7, 8, 10, 11, 12, 14, 15, 17, 19, 22, 25, 28, 31]);
  });
});
