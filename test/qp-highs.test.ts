import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DqpError, InputError } from '../optimizer/errors.ts';
import { denseFromRows, toCsc } from '../optimizer/linalg/matrix.ts';
import { unloadHighs } from '../optimizer/qp/backends/highs.ts';
import { getBackend, loadSolvers, solveQP } from '../optimizer/qp/registry.ts';
import type { QPProblem, QPSettings } from '../optimizer/qp/types.ts';
import { setWarningHandler } from '../optimizer/log.ts';
import { equalityKktSolution, maxAbsDiff, randomQP, vec } from './qp-fixtures.ts';

const hi = (pr: QPProblem, s: QPSettings = {}) => solveQP(pr, { solver: 'highs', ...s });

beforeAll(async () => {
  await loadSolvers(['highs']);
});
afterEach(() => {
  setWarningHandler(null);
});

describe('highs backend', () => {
  it('is ready after loadSolvers and solves a 2-D QP with one active constraint', () => {
    expect(getBackend('highs').isReady()).toBe(true);
    const s = hi({ P: denseFromRows([[1, 0], [0, 1]]), q: vec(-1, -1), C: denseFromRows([[1, 1]]), d: vec(1) });
    expect(s.status).toBe('solved');
    expect(s.solver).toBe('highs');
    expect(maxAbsDiff(s.z, [0.5, 0.5])).toBeLessThan(1e-9);
    expect(s.mu[0]).toBeCloseTo(0.5, 8);
    expect(s.residuals.dual).toBeLessThan(1e-8);
  });

  it('matches the closed-form equality-constrained solution (dense and CSC)', () => {
    for (let seed = 0; seed < 4; seed++) {
      const n = 6;
      const p = 2;
      const pr = randomQP(300 + seed, { n, p });
      const x = equalityKktSolution(pr);
      for (const prob of [pr, { ...pr, P: toCsc(pr.P), A: toCsc(pr.A!) }]) {
        const s = hi(prob);
        expect(s.status).toBe('solved');
        expect(maxAbsDiff(s.z, x.subarray(0, n))).toBeLessThan(1e-7);
        expect(maxAbsDiff(s.lambda, x.subarray(n))).toBeLessThan(1e-6);
      }
    }
  });

  it('agrees with quadprog on z, λ, μ, μ_lb, μ_ub (same sign convention) on 20 random QPs', () => {
    for (let seed = 0; seed < 20; seed++) {
      const pr = randomQP(400 + seed, { n: 10, p: seed % 3, m: 8, boundProb: seed % 2 ? 0.4 : 0 });
      const a = hi(pr, { epsAbs: 1e-9 });
      const b = solveQP(pr, { solver: 'quadprog' });
      expect(a.status).toBe('solved');
      expect(b.status).toBe('solved');
      expect(a.residuals.dual).toBeLessThan(1e-6);
      expect(b.residuals.dual).toBeLessThan(1e-6);
      expect(maxAbsDiff(a.z, b.z)).toBeLessThan(1e-6);
      expect(maxAbsDiff(a.lambda, b.lambda)).toBeLessThan(1e-5);
      expect(maxAbsDiff(a.mu, b.mu)).toBeLessThan(1e-5);
      if (pr.lb) {
        expect(maxAbsDiff(a.muLb!, b.muLb!)).toBeLessThan(1e-5);
        expect(maxAbsDiff(a.muUb!, b.muUb!)).toBeLessThan(1e-5);
      } else expect(a.muLb).toBeUndefined();
    }
  });

  it('reports contradictory inequalities as primal_infeasible', () => {
    const s = hi({ P: denseFromRows([[1, 0], [0, 1]]), q: vec(0, 0), C: denseFromRows([[1, 1], [-1, -1]]), d: vec(-1, -1) });
    expect(s.status).toBe('primal_infeasible');
    expect(s.hasDuals).toBe(false);
  });

  it('reports unbounded problems as dual_infeasible (zero P, and a PSD P with a descent ray)', () => {
    // P = 0 (an LP): min −z₁ s.t. −z₁ ≤ 0 is unbounded along (1, 0)
    const lp = hi({ P: denseFromRows([[0, 0], [0, 0]]), q: vec(-1, 0), C: denseFromRows([[-1, 0]]), d: vec(0) });
    expect(lp.status).toBe('dual_infeasible');
    // P = diag(1, 0), q = (0, −1), z₁ ≤ 10: the ray (0, 1) has Pw = 0, qᵀw < 0
    const ray = hi({ P: denseFromRows([[1, 0], [0, 0]]), q: vec(0, -1), C: denseFromRows([[1, 0]]), d: vec(10) });
    expect(ray.status).toBe('dual_infeasible');
    // the same with the direction blocked by an upper bound is bounded and solved
    const ok = hi({ P: denseFromRows([[1, 0], [0, 0]]), q: vec(0, -1), C: denseFromRows([[1, 0]]), d: vec(10), lb: null, ub: vec(Infinity, 3) });
    expect(ok.status).toBe('solved');
    expect(maxAbsDiff(ok.z, [0, 3])).toBeLessThan(1e-7);
    expect(ok.muUb![1]).toBeCloseTo(1, 6);
  });

  it('maps maxIter and timeLimit to HiGHS limits', () => {
    const pr = randomQP(3, { n: 30, p: 5, m: 40, boundProb: 0.5 });
    const full = hi(pr);
    expect(full.status).toBe('solved');
    expect(full.iterations).toBeGreaterThan(5);
    const limited = hi(pr, { maxIter: 2 });
    expect(limited.status).toBe('max_iter');
    expect(limited.hasDuals).toBe(false);
    expect(hi(pr, { timeLimit: 1e-6 }).status).toBe('time_limit');
  });

  it('passes backend options through (regularization changes the accuracy) and rejects bad values', () => {
    // min ½(z₁ − z₂)² − z₁ − z₂ s.t. z₁ ≤ 10: z = (10, 11); HiGHS perturbs it by ~regularization·|z|
    const pr: QPProblem = { P: denseFromRows([[1, -1], [-1, 1]]), q: vec(-1, -1), C: denseFromRows([[1, 0]]), d: vec(10) };
    const tight = hi(pr);
    const loose = hi(pr, { options: { qp_regularization_value: 1e-5 } });
    expect(maxAbsDiff(tight.z, [10, 11])).toBeLessThan(1e-8);
    expect(maxAbsDiff(loose.z, [10, 11])).toBeGreaterThan(1e-5);
    expect(() => hi(pr, { options: { qp_regularization_value: -1 } })).toThrow(InputError);
    expect(() => hi(pr, { options: { qp_iteration_limit: { x: 1 } } })).toThrow('options.qp_iteration_limit: expected a boolean, number or string');
  });

  it('writes its log to stderr only, and only when verbose', () => {
    const out = vi.spyOn(process.stdout, 'write');
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const pr = randomQP(1, { n: 3, m: 2 });
      hi(pr);
      expect(err).not.toHaveBeenCalled();
      hi(pr, { verbose: true });
      const text = err.mock.calls.map((c) => String(c[0])).join('');
      expect(text).toMatch(/HiGHS/);
      expect(text).toMatch(/Model status\s*: Optimal/);
      expect(out).not.toHaveBeenCalled();
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });

  it('says how to load it when it is not loaded', async () => {
    unloadHighs();
    expect(getBackend('highs').isReady()).toBe(false);
    const pr = randomQP(1, { n: 3 });
    expect(() => hi(pr)).toThrow(DqpError);
    expect(() => hi(pr)).toThrow("call `await loadSolvers(['highs'])`");
    await loadSolvers(['highs']);
    expect(hi(pr).status).toBe('solved');
  });
});
