/**
 * dQP gradients vs central finite differences of the full QP, re-solved with quadprog (an exact
 * active-set method: round-off accurate), on 220 random QPs with a known non-degenerate solution
 * (strict complementarity with margins ≥ 0.5, LICQ): dense and sparse (CSC), with and without
 * equalities, with bounds, few and many active rows. The loss is a random linear functional of
 * (z, λ, μ, μ_lb, μ_ub), so the dual cotangents are checked too. For each input a random subset
 * of entries is perturbed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dqpBackward } from '../optimizer/dqp/backward.ts';
import { dqpForward } from '../optimizer/dqp/forward.ts';
import type { DqpGradients, DqpOptions } from '../optimizer/dqp/types.ts';
import { resetDqpWarnings, setDqpWarningHandler } from '../optimizer/dqp/warnings.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { captureDqpWarnings } from './helpers.ts';
import { analyticFor, finiteDifference, knownQP, randomLoss, referenceLoss, Rng, sampleIndices, type KnownQPSpec } from './dqp-fixtures.ts';

const PARAMS = ['P', 'q', 'A', 'b', 'C', 'd', 'lb', 'ub'] as const;
// warnings of the tests that do not check them are dropped (a test that does captures its own)
beforeAll(() => {
  resetDqpWarnings();
  setDqpWarningHandler(() => {});
});

/**
 * Max relative error of the analytic gradient against finite differences over sampled entries:
 * max |g − fd| / max(max |fd|, 1e-8), over all inputs of the problem.
 */
function gradientError(seed: string, problem: QPProblem, grads: DqpGradients, loss: ReturnType<typeof randomLoss>, perInput: number): number {
  const rng = new Rng(`${seed}-entries`);
  const f = (pr: QPProblem) => referenceLoss(pr, loss);
  let maxErr = 0;
  let maxFd = 0;
  for (const param of PARAMS) {
    const input = problem[param];
    if (!input) {
      expect(grads[param], `gradient of absent ${param}`).toBeUndefined();
      continue;
    }
    const g = grads[param];
    expect(g, `gradient of ${param}`).toBeDefined();
    for (const idx of sampleIndices(rng, g!.length, perInput)) {
      if ((param === 'lb' || param === 'ub') && !Number.isFinite((input as Float64Array)[idx]!)) {
        expect(g![idx]).toBe(0);
        continue;
      }
      const fd = finiteDifference(problem, param, idx, f);
      const an = analyticFor(problem, param, idx, g!);
      maxErr = Math.max(maxErr, Math.abs(fd - an));
      maxFd = Math.max(maxFd, Math.abs(fd));
    }
  }
  return maxErr / Math.max(maxFd, 1e-8);
}

interface Family {
  readonly name: string;
  readonly count: number;
  readonly spec: (i: number) => KnownQPSpec;
  readonly options?: DqpOptions;
  readonly perInput?: number;
}

const families: Family[] = [
  { name: 'dense, inequalities only, few active', count: 30, spec: (i) => ({ n: 3 + (i % 10), m: 4 + (i % 9), k: i % 3 }) },
  { name: 'dense, inequalities only, many active', count: 30, spec: (i) => ({ n: 3 + (i % 10), m: 5 + (i % 10), k: 3 + (i % 10) }) },
  { name: 'dense, with equalities', count: 40, spec: (i) => ({ n: 4 + (i % 9), p: 1 + (i % 3), m: 6 + (i % 7), k: i % 4 }) },
  { name: 'dense, equalities only', count: 10, spec: (i) => ({ n: 3 + (i % 8), p: 1 + (i % 3) }) },
  { name: 'sparse (CSC), inequalities only', count: 30, spec: (i) => ({ n: 5 + (i % 8), m: 6 + (i % 8), k: 1 + (i % 5), sparse: true }) },
  { name: 'sparse (CSC), with equalities', count: 30, spec: (i) => ({ n: 6 + (i % 7), p: 1 + (i % 3), m: 6 + (i % 6), k: i % 4, sparse: true }) },
  {
    name: 'dense and sparse with bounds',
    count: 30,
    spec: (i) => ({ n: 4 + (i % 8), p: i % 2, m: 3 + (i % 5), k: i % 3, bounds: true, activeBounds: 1 + (i % 2), sparse: i % 2 === 1 }),
  },
  // the same gradients through other code paths (fewer problems each)
  { name: 'duals completed from K_J', count: 8, spec: (i) => ({ n: 6 + i, p: 1, m: 8, k: 3, bounds: i % 2 === 0 }), options: { duals: 'kkt' } },
  { name: 'sparse LDLᵀ of K_J', count: 8, spec: (i) => ({ n: 6 + i, p: 2, m: 8, k: 3, sparse: true, bounds: i % 2 === 0 }), options: { linearSolver: 'sparse-ldl' } },
  { name: 'least-squares solve of K_J', count: 4, spec: (i) => ({ n: 6 + i, p: 1, m: 8, k: 3 }), options: { linearSolver: 'lstsq' } },
  {
    name: 'normalized rows',
    count: 6,
    spec: (i) => ({ n: 6 + i, p: 2, m: 8, k: 3, sparse: i % 2 === 0, bounds: i % 3 === 0 }),
    options: { normalize: true, duals: 'kkt', linearSolver: 'sparse-ldl' },
  },
  { name: 'active-set refinement on', count: 4, spec: (i) => ({ n: 6 + i, p: 1, m: 8, k: 3 }), options: { refineActiveSet: true } },
];

describe('dQP gradients match central finite differences at non-degenerate points', () => {
  const total = families.reduce((s, f) => s + f.count, 0);
  it(`covers at least 200 random QPs (${total})`, () => {
    expect(total).toBeGreaterThanOrEqual(200);
  });
  for (const fam of families) {
    // an explicit least-squares solve says so once; every other family raises no warning at all
    const expected = fam.options?.linearSolver === 'lstsq' ? ['least-squares-solve'] : [];
    it(`${fam.name} (${fam.count} problems), warnings: ${expected.join(', ') || 'none'}`, () => {
      const { warnings } = captureDqpWarnings(() => checkFamily(fam));
      expect([...new Set(warnings.map((w) => w.code))]).toEqual(expected);
    });
  }
});

/** One family of the table: forward recovers the known solution, gradients match finite differences. */
function checkFamily(fam: Family): void {
  let worst = 0;
  for (let i = 0; i < fam.count; i++) {
    const seed = `${fam.name}#${i}`;
    const spec = fam.spec(i);
    const kq = knownQP(seed, spec);
    const p = spec.p ?? 0;
    const m = spec.m ?? 0;
    const fwd = dqpForward(kq.problem, { solver: 'quadprog', ...fam.options });
    expect(fwd.status).toBe('solved');
    // the forward pass recovers the known solution and active set
    for (let j = 0; j < spec.n; j++) expect(fwd.z[j]).toBeCloseTo(kq.z[j]!, 9);
    expect(Array.from(fwd.active)).toEqual(Array.from(kq.active));
    expect(fwd.flags.nonDifferentiable).toBe(false);
    const loss = randomLoss(seed, spec.n, p, m, !!spec.bounds);
    const grads = dqpBackward(fwd, { z: loss.wz, lambda: loss.wl, mu: loss.wm, muLb: loss.wlb, muUb: loss.wub });
    const err = gradientError(seed, kq.problem, grads, loss, fam.perInput ?? 10);
    worst = Math.max(worst, err);
    expect(err, `problem ${seed}`).toBeLessThanOrEqual(1e-5);
  }
  expect(worst).toBeLessThanOrEqual(1e-5);
}
