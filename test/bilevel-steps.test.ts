/**
 * The step-count options of the bi-level loop (docs/geometry.md#step-count): the 'log-norm' dual
 * loss (value and cotangent against their formulas; its gradient is the ‖μ‖ gradient divided by
 * τ + ‖μ‖, so the stationary points are the same; the default is bit-identical to 'norm'), the
 * cone-row margin (d = −κ·h on the cone rows; κ = 0 is the paper's QP bit for bit; a converged
 * map with a margin satisfies the rows with that margin), and the CLI flags as a child process.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingQP } from '../geometry/embedding-qp.ts';
import { cornerExample, CORNER_POINT } from '../geometry/examples/corner.ts';
import { crossExample } from '../geometry/examples/cross.ts';
import { embedBilevel } from '../geometry/embed/driver.ts';
import { EmbeddingObjective } from '../geometry/embed/family.ts';
import { dualLossKind, dualNormLoss, LOG_NORM_TAU } from '../optimizer/bilevel/dual-loss.ts';
import { adamStep, runBilevel } from '../optimizer/bilevel/loop.ts';
import type { QpFamily } from '../optimizer/bilevel/types.ts';
import { prepareBilevel } from '../optimizer/bilevel/tf-runtime.ts';
import type { DqpForwardResult } from '../optimizer/dqp/types.ts';
import { InputError } from '../optimizer/errors.ts';
import { setWarningHandler } from '../optimizer/qp/registry.ts';
import { dqp } from './cli-run.ts';
import { rng } from './helpers.ts';

beforeAll(async () => {
  await prepareBilevel();
  setWarningHandler(() => {});
});

const fwd = (mu: number[]) => ({ mu: Float64Array.from(mu) }) as unknown as DqpForwardResult;

describe("dual loss 'log-norm'", () => {
  it('value log(1 + ‖μ‖/τ) and cotangent μ / (‖μ‖ (τ + ‖μ‖)); none at μ = 0', () => {
    const mu = [3e-3, 0, 4e-3]; // ‖μ‖ = 5e-3
    for (const tau of [LOG_NORM_TAU, 0.5]) {
      const loss = dualNormLoss({ kind: 'log-norm', tau: tau === LOG_NORM_TAU ? undefined : tau });
      expect(loss.value(fwd(mu))).toBeCloseTo(Math.log(1 + 5e-3 / tau), 14);
      const cot = loss.cotangents(fwd(mu))!.mu!;
      for (let j = 0; j < 3; j++) expect(cot[j]!).toBeCloseTo(mu[j]! / (5e-3 * (tau + 5e-3)), 10);
    }
    expect(dualNormLoss({ kind: 'log-norm' }).cotangents(fwd([0, 0]))).toBeNull();
    expect(dualNormLoss({ kind: 'log-norm' }).value(fwd([0, 0]))).toBe(0);
  });

  it('the default and squared options are unchanged (norm, squared-norm), bit for bit', () => {
    const mu = [0.3, 0.1, 0, 0.7];
    const a = dualNormLoss().cotangents(fwd(mu))!.mu!;
    const b = dualNormLoss({ kind: 'norm' }).cotangents(fwd(mu))!.mu!;
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(dualNormLoss({ squared: true }).value(fwd(mu))).toBe(dualNormLoss({ kind: 'squared-norm' }).value(fwd(mu)));
    expect(dualLossKind({})).toBe('norm');
    expect(dualLossKind({ squared: true })).toBe('squared-norm');
    expect(() => dualLossKind({ squared: true, kind: 'log-norm' })).toThrow(InputError);
    expect(() => dualNormLoss({ kind: 'log-norm', tau: 0 })).toThrow(/tau/);
    expect(() => dualLossKind({ kind: 'cubic' as 'norm' })).toThrow(/norm \| squared-norm \| log-norm/);
  });

  it('its gradient in θ is the ‖μ‖ gradient divided by τ + ‖μ‖ (same stationary points)', () => {
    const c = crossExample(13);
    const qp = EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets);
    const r = rng(5);
    const theta = Float64Array.from({ length: qp.ne }, () => -1 - 0.5 * r());
    const opts = { epsAbs: 1e-11, warmStart: false };
    const norm = new EmbeddingObjective(qp, { ...opts, loss: 'norm' });
    const log = new EmbeddingObjective(qp, { ...opts, loss: 'log-norm' });
    const en = norm.evaluate(theta);
    const el = log.evaluate(theta);
    const m = en.outputTerm;
    expect(m).toBeGreaterThan(0);
    expect(el.outputTerm).toBeCloseTo(Math.log1p(m / LOG_NORM_TAU), 10);
    const gn = norm.gradient(en);
    const gl = log.gradient(el);
    let gmax = 0;
    for (let e = 0; e < qp.ne; e++) gmax = Math.max(gmax, Math.abs(gn[e]!));
    expect(gmax).toBeGreaterThan(0);
    for (let e = 0; e < qp.ne; e++) expect(Math.abs(gl[e]! - gn[e]! / (LOG_NORM_TAU + m))).toBeLessThanOrEqual(1e-9 * gmax / (LOG_NORM_TAU + m));
  });

  it("embedBilevel with loss 'log-norm' is the default run bit for bit; 'norm' and 'squared-norm' certify the cross too", () => {
    const c = crossExample(13);
    const qp = EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets);
    const a = embedBilevel(qp, { maxIter: 300 });
    const b = embedBilevel(qp, { maxIter: 300, loss: 'log-norm' });
    expect(a.loss).toBe('log-norm');
    expect(b.iterations).toBe(a.iterations);
    expect(Array.from(b.theta)).toEqual(Array.from(a.theta));
    expect(Array.from(b.V)).toEqual(Array.from(a.V));
    for (const loss of ['norm', 'squared-norm'] as const) {
      const l = embedBilevel(qp, { maxIter: 1000, loss });
      expect(l.loss).toBe(loss);
      // a different loss takes a different path
      expect(Array.from(l.theta)).not.toEqual(Array.from(a.theta));
      expect(l.converged).toBe(true);
      expect(l.flips).toBe(0);
    }
    // `squared: true` is 'squared-norm'; with another loss it is a contradiction
    expect(embedBilevel(qp, { maxIter: 3, squared: true }).loss).toBe('squared-norm');
    expect(() => embedBilevel(qp, { maxIter: 3, squared: true, loss: 'log-norm' })).toThrow(/loss/);
  });
});

describe('cone-row margin (EmbeddingQP coneMargin)', () => {
  it('d = −κ·h on the two cone rows of the corner (h = mean polygon edge there), 0 by default; κ = 0 is the paper QP', () => {
    const N = 9;
    const c = cornerExample(N);
    const plain = EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets);
    const zero = EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets, { coneMargin: 0 });
    const kappa = 0.3;
    const m = EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets, { coneMargin: kappa });
    // both polygon edges at the corner R have length |R|/(N − 1) (evenly spaced bottom and right edges)
    const h = Math.hypot(CORNER_POINT[0], CORNER_POINT[1]) / (N - 1);
    expect(Array.from(plain.d)).toEqual([0, 0]);
    expect(Array.from(zero.instance(plain.initialTheta()).problem.d!)).toEqual([0, 0]);
    for (const v of m.d) expect(v).toBeCloseTo(-kappa * h, 14);
    const t = plain.initialTheta();
    const [p0, p1] = [plain.instance(t), m.instance(t)];
    expect(Array.from(p1.C.values)).toEqual(Array.from(p0.C.values));
    expect(Array.from(p1.P.values)).toEqual(Array.from(p0.P.values));
    expect(() => EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets, { coneMargin: -1 })).toThrow(/coneMargin/);
  });

  it('a converged map with a margin satisfies the cone rows with that margin (C x ≤ d)', () => {
    const c = cornerExample(10);
    const qp = EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets, { coneMargin: 0.2 });
    const r = embedBilevel(qp, { maxIter: 500 });
    expect(r.converged).toBe(true);
    const C = qp.instance(r.theta).C;
    const x = new Float64Array(2 * qp.domain.nv);
    for (let i = 0; i < qp.domain.nv; i++) {
      x[i] = r.V[2 * i]!;
      x[qp.domain.nv + i] = r.V[2 * i + 1]!;
    }
    const Cx = new Float64Array(C.nrows);
    for (let j = 0; j < C.ncols; j++) for (let p = C.colPtr[j]!; p < C.colPtr[j + 1]!; p++) Cx[C.rowIdx[p]!] += C.values[p]! * x[j]!;
    for (let k = 0; k < C.nrows; k++) expect(Cx[k]!).toBeLessThanOrEqual(qp.d[k]! + 1e-7);
  });
});

describe("adam 'float64'", () => {
  it('adamStep is the tf.train.adam update (bias-corrected moments), written out by hand', () => {
    const theta = Float64Array.from([-1, 0.5]);
    const m = new Float64Array(2);
    const v = new Float64Array(2);
    const g1 = Float64Array.from([0.2, -4]);
    const t1 = adamStep(theta, g1, m, v, 1, 0.01, 0.999);
    // step 1: m̂ = g, v̂ = g², so θ moves by −lr · g / (|g| + ε)
    expect(t1[0]).toBeCloseTo(-1 - 0.01 * 0.2 / (0.2 + 1e-8), 15);
    expect(t1[1]).toBeCloseTo(0.5 + 0.01 * 4 / (4 + 1e-8), 15);
    const g2 = Float64Array.from([0.1, 0]);
    const t2 = adamStep(t1, g2, m, v, 2, 0.01, 0.999);
    const mm = 0.9 * 0.1 * 0.2 + 0.1 * 0.1;
    const vv = 0.999 * 0.001 * 0.04 + 0.001 * 0.01;
    expect(t2[0]).toBeCloseTo(t1[0]! - (0.01 * (mm / (1 - 0.81))) / (Math.sqrt(vv / (1 - 0.999 ** 2)) + 1e-8), 15);
  });

  it('certifies the cross; its first steps follow the tfjs path to float32 precision', () => {
    const c = crossExample(13);
    const qp = EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets);
    const f = embedBilevel(qp, { adam: 'float64', maxIter: 400 });
    expect(f.converged).toBe(true);
    expect(f.flips).toBe(0);
    const a = embedBilevel(qp, { adam: 'tfjs', maxIter: 3 });
    const b = embedBilevel(qp, { adam: 'float64', maxIter: 3 });
    for (let e = 0; e < qp.ne; e++) expect(Math.abs(a.theta[e]! - b.theta[e]!)).toBeLessThanOrEqual(1e-6);
    expect(() => embedBilevel(qp, { adam: 'sgd' as 'tfjs' })).toThrow(/adam/);
  });
});

describe('CLI flags (child process)', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'dqp-steps-'));
  it('refine --sizes with --loss log-norm --cone-margin runs the chosen sizes and reports tight solves and blocked stops', async () => {
    const r = await dqp(['refine', '--sizes', '5,4', '--loss', 'log-norm', '--cone-margin', '0.2', '--beta2', '0.999', '--adam', 'float64', '--json', '--quiet'], cwd);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout.trim().split('\n').pop()!).rows as Record<string, number | boolean>[];
    expect(rows.map((x) => x.N)).toEqual([5, 4]);
    for (const row of rows) {
      expect(row.converged).toBe(true);
      expect(row.tightSolves as number).toBeGreaterThanOrEqual(0);
      expect(row.blockedStops as number).toBeGreaterThanOrEqual(0);
    }
  });

  it("embed: the JSON names the shift and the loss (defaults 'boundary' and 'log-norm'); --shift all --loss norm is the paper's setting and also certifies the cross", async () => {
    const d = await dqp(['embed', '--out', join(cwd, 'default.obj'), '--json', '--quiet'], cwd);
    expect(d.code).toBe(0);
    const dj = JSON.parse(d.stdout) as Record<string, unknown>;
    expect([dj.shift, dj.loss, dj.converged]).toEqual(['boundary', 'log-norm', true]);
    const p = await dqp(['embed', '--shift', 'all', '--loss', 'norm', '--out', join(cwd, 'paper.obj'), '--json', '--quiet'], cwd);
    expect(p.code).toBe(0);
    const pj = JSON.parse(p.stdout) as Record<string, unknown>;
    expect([pj.shift, pj.loss, pj.converged]).toEqual(['all', 'norm', true]);
    // a different QP and loss: a different run, and a different map on disk
    expect(pj.iterations).not.toBe(dj.iterations);
    expect(readFileSync(join(cwd, 'paper.obj'), 'utf8')).not.toBe(readFileSync(join(cwd, 'default.obj'), 'utf8'));
  });

  it('bad values name the flag', async () => {
    const s = await dqp(['refine', '--sizes', '4', '--shift', 'interior'], cwd);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain('shift');
    expect(s.stderr).toContain('interior');
    const a = await dqp(['refine', '--sizes', '4', '--cone-margin', '-1'], cwd);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain('--cone-margin');
    const b = await dqp(['refine', '--sizes', '4', '--loss', 'cubic'], cwd);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('loss');
    const c = await dqp(['embed', '--loss', 'log-norm', '--squared'], cwd);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('--loss');
  });
});

/**
 * A one-parameter family with a dual that shrinks geometrically: min ½z² s.t. z ≥ b(θ) = e^{−5θ}
 * (C = [−1], d = [−b]). The row is active, z* = μ* = b, loss ‖μ‖ = e^{−5θ}, gradient −5e^{−5θ}:
 * large at θ = 0, tiny once the dual test passes. θ is read back from the records (θ = −ln z / 5).
 */
function shrinkingFamily(): QpFamily {
  const one = () => ({ format: 'csc' as const, nrows: 1, ncols: 1, colPtr: Int32Array.from([0, 1]), rowIdx: Int32Array.from([0]), values: Float64Array.from([1]) });
  const minusOne = () => ({ ...one(), values: Float64Array.from([-1]) });
  return {
    size: 1,
    fixed: ['P', 'q', 'A', 'b', 'C'],
    instance: (theta) => ({ P: one(), q: Float64Array.from([0]), C: minusOne(), d: Float64Array.from([-Math.exp(-5 * theta[0]!)]) }),
    pullback: (theta, grads, out) => {
      out[0] = grads.d![0]! * 5 * Math.exp(-5 * theta[0]!); // ∂d/∂θ = 5 e^{−5θ}
      return out;
    },
  };
}

describe('adamRestart (docs/geometry.md#step-count)', () => {
  const LR = 0.05;
  const STOP = 1e-2; // passes when e^{−5θ} < 1e-2, θ > 0.921
  function run(adamRestart: boolean, refuseUntil: number) {
    const zs: number[] = [];
    const r = runBilevel(
      { family: shrinkingFamily(), loss: dualNormLoss(), regularizer: null },
      {
        theta0: Float64Array.from([0]),
        lr: LR,
        stopTol: STOP,
        adam: 'float64',
        adamRestart,
        maxIter: 400,
        acceptStop: (_f, k) => k >= refuseUntil,
        onIteration: (rec) => zs.push(rec.z[0]!),
      },
    );
    return { r, theta: zs.map((z) => -Math.log(z) / 5) };
  }

  it('restarts once per run of refused stops; the first step after it is a full Adam step (≈ lr), without it a small one', () => {
    const plain = run(false, 60);
    const restarted = run(true, 60);
    // identical until the first refused stop, which both runs meet at the same iteration
    const firstBlocked = plain.theta.findIndex((t) => Math.exp(-5 * t) < STOP);
    expect(firstBlocked).toBeGreaterThan(5);
    expect(firstBlocked).toBeLessThan(60);
    for (let k = 0; k <= firstBlocked; k++) expect(restarted.theta[k]).toBe(plain.theta[k]);
    expect(plain.r.adamRestarts).toBe(0);
    expect(restarted.r.adamRestarts).toBe(1);
    // fresh moments: m̂ = g, v̂ = g², the step is lr·g/(|g| + ε) ≈ lr
    const stepRestarted = restarted.theta[firstBlocked + 1]! - restarted.theta[firstBlocked]!;
    const stepPlain = plain.theta[firstBlocked + 1]! - plain.theta[firstBlocked]!;
    expect(stepRestarted).toBeCloseTo(LR, 6);
    // the second moment still carries the early gradients (5 at θ = 0 against < 0.05 here)
    expect(stepPlain).toBeLessThan(0.5 * LR);
    expect(plain.r.blockedStops).toBe(restarted.r.blockedStops);
  });

  it('does nothing when no stop is refused (bit-identical run)', () => {
    const a = run(false, 0);
    const b = run(true, 0);
    expect(b.r.adamRestarts).toBe(0);
    expect(b.theta).toEqual(a.theta);
    expect(Array.from(b.r.theta)).toEqual(Array.from(a.r.theta));
  });
});
