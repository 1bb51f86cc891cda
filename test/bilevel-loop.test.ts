/**
 * The bi-level outer loop (optimizer/bilevel): convergence to a certified map on small examples,
 * the tfjs custom gradient against the Float64 pullback and against central finite differences,
 * the stop at θ₀ when no dual is positive, the consistency guard, options.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingQP } from '../geometry/embedding-qp.ts';
import { cornerExample } from '../geometry/examples/corner.ts';
import { crossExample } from '../geometry/examples/cross.ts';
import { gridBoundaryClockwise, unitSquareGrid } from '../geometry/examples/grid.ts';
import { HarmonicSolver } from '../geometry/harmonic.ts';
import { countFlipped, signedAreas } from '../geometry/validity.ts';
import { EmbeddingObjective } from '../optimizer/bilevel/objective.ts';
import { embedBilevel, embedBilevelAsync, median } from '../optimizer/bilevel/outer-loop.ts';
import { embeddingLossOp } from '../optimizer/bilevel/tf-loss.ts';
import { refineSizes } from '../cli/commands/refine.ts';
import type { BilevelResult } from '../optimizer/bilevel/types.ts';
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

beforeAll(() => {
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
    expect(r.loss).toBe('norm');
    // the spec's dual rule first held at a stop on a valid map (or earlier, on a folded one)
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
    expect(r.tightSolves).toBeGreaterThan(0);
    const inst = qp.instance(r.theta);
    expect(inst.C.nrows).toBe(2);
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

  it("corner family: the 'anti' grid converges to a bijective map in few steps; the 'corners' grid does not", () => {
    // N = 22 (484 vertices): 58 Adam steps with the default settings (grid.ts, corner.ts)
    const r = embedBilevel(cornerQP(22), { maxIter: 200 });
    expect(r.converged).toBe(true);
    expect(r.flips).toBe(0);
    expect(r.valid).toBe(true);
    expect(r.iterations).toBeGreaterThan(20);
    expect(r.iterations).toBeLessThan(200);
    // the same polygon and vertices, with the corner cell's diagonal against all the others:
    // still folded after the same budget (806 steps measured)
    const c = cornerExample(22, 'corners');
    const other = embedBilevel(EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets), { maxIter: 200 });
    expect(other.converged).toBe(false);
    expect(other.stopReason).toBe('max-iter');
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
    // without requireValid the same dual test stops at once on the folded map (the spec's rule)
    const plain = embedBilevel(crossQP(), { stopTol: 10, maxIter: 3, requireValid: false });
    expect(plain.stopReason).toBe('converged');
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
    const op = embeddingLossOp(obj);
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
    // weights of a converged run make every dual vanish: reuse the loop's θ
    const r = crossRun();
    const ev = obj.evaluate(r.theta);
    expect(ev.maxDual).toBe(0);
    expect(ev.loss).toBe(0);
    expect(Array.from(obj.gradient(ev)).every((x) => x === 0)).toBe(true);
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
