import { afterEach, describe, expect, it } from 'vitest';
import { DenseLu } from '../optimizer/linalg/dense.ts';
import { denseFromRows, toCsc } from '../optimizer/linalg/matrix.ts';
import type { DenseMatrix } from '../optimizer/linalg/types.ts';
import { solveQP } from '../optimizer/qp/registry.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { resetWarnOnce, setWarningHandler } from '../optimizer/log.ts';
import { dense, maxAbsDiff, normal, randomQP, rng, vec } from './qp-fixtures.ts';

const qp = (pr: QPProblem) => solveQP(pr, { solver: 'quadprog' });

afterEach(() => {
  setWarningHandler(null);
});

describe('quadprog backend', () => {
  it('solves a 2-D QP with one active constraint (z = (½, ½), μ = ½)', () => {
    // min ½‖z‖² − z₁ − z₂ s.t. z₁ + z₂ ≤ 1
    const s = qp({ P: denseFromRows([[1, 0], [0, 1]]), q: vec(-1, -1), C: denseFromRows([[1, 1]]), d: vec(1) });
    expect(s.status).toBe('solved');
    expect(s.solver).toBe('quadprog');
    expect(s.hasDuals).toBe(true);
    expect(maxAbsDiff(s.z, [0.5, 0.5])).toBeLessThan(1e-15);
    expect(s.mu[0]).toBeCloseTo(0.5, 14);
    expect(s.objective).toBeCloseTo(-0.75, 14);
  });

  it('matches the closed-form equality-constrained solution, λ sign included', () => {
    // [P Aᵀ; A 0] [z; λ] = [−q; b]; large b stresses quadprog's equality-orientation flips
    const g = normal(rng(5));
    for (let seed = 0; seed < 8; seed++) {
      const n = 6;
      const p = 3;
      const pr = randomQP(100 + seed, { n, p });
      const b = Float64Array.from(pr.b!, (x) => x * (seed % 2 ? 1000 : 1) + g());
      const P = pr.P as DenseMatrix;
      const A = pr.A as DenseMatrix;
      const K = dense(n + p, n + p, (i, j) =>
        i < n && j < n ? P.data[i * n + j]! : i < n && j >= n ? A.data[(j - n) * n + i]! : i >= n && j < n ? A.data[(i - n) * n + j]! : 0,
      );
      const rhs = new Float64Array(n + p);
      for (let i = 0; i < n; i++) rhs[i] = -pr.q[i]!;
      rhs.set(b, n);
      const x = DenseLu.factor(K).solve(rhs);
      const s = qp({ ...pr, b });
      expect(s.status).toBe('solved');
      const scale = 1 + Math.max(...Array.from(x, Math.abs));
      expect(maxAbsDiff(s.z, x.subarray(0, n)) / scale).toBeLessThan(1e-10);
      expect(maxAbsDiff(s.lambda, x.subarray(n)) / scale).toBeLessThan(1e-9);
    }
  });

  it('solves a diagonal box QP in closed form: z = clip(−q/p, lb, ub) with μ_lb, μ_ub', () => {
    const p = [1, 2, 4, 0.5];
    const q = vec(-3, 1, -1, 0.25);
    const lb = vec(-1, 0, -Infinity, -2);
    const ub = vec(2, Infinity, 0.1, 2);
    const s = qp({ P: dense(4, 4, (i, j) => (i === j ? p[i]! : 0)), q, lb, ub });
    const z = p.map((pi, i) => Math.min(Math.max(-q[i]! / pi, lb[i]!), ub[i]!));
    expect(maxAbsDiff(s.z, z)).toBeLessThan(1e-14);
    // gradient g = p z + q: at an active lower bound μ_lb = g, at an active upper bound μ_ub = −g
    const grad = z.map((zi, i) => p[i]! * zi + q[i]!);
    expect(maxAbsDiff(s.muLb!, [0, grad[1]!, 0, 0])).toBeLessThan(1e-14);
    expect(maxAbsDiff(s.muUb!, [-grad[0]!, 0, -grad[2]!, 0])).toBeLessThan(1e-14);
  });

  it('returns KKT-consistent duals on random QPs with equalities, inequalities and bounds', () => {
    for (let seed = 0; seed < 15; seed++) {
      const pr = randomQP(200 + seed, { n: 12, p: 3, m: 10, boundProb: 0.5 });
      const before = [pr.q.slice(), (pr.P as DenseMatrix).data.slice(), pr.b!.slice(), pr.d!.slice()];
      const s = qp(pr);
      expect(s.status).toBe('solved');
      expect(s.residuals.primal).toBeLessThan(1e-10);
      expect(s.residuals.dual).toBeLessThan(1e-9);
      expect(s.residuals.gap).toBeLessThan(1e-8);
      expect(Math.min(...s.mu, ...s.muLb!, ...s.muUb!)).toBeGreaterThanOrEqual(0);
      // the problem's arrays are untouched (quadprog overwrites its own copies)
      expect(Array.from(pr.q)).toEqual(Array.from(before[0]!));
      expect(Array.from((pr.P as DenseMatrix).data)).toEqual(Array.from(before[1]!));
      expect(Array.from(pr.b!)).toEqual(Array.from(before[2]!));
      expect(Array.from(pr.d!)).toEqual(Array.from(before[3]!));
    }
  });

  it('solves unconstrained problems (z = −P⁻¹q) and accepts CSC input', () => {
    const pr = randomQP(7, { n: 5 });
    const z = DenseLu.factor(pr.P as DenseMatrix).solve(Float64Array.from(pr.q, (x) => -x));
    expect(maxAbsDiff(qp(pr).z, z)).toBeLessThan(1e-12);
    const pc = randomQP(8, { n: 6, p: 1, m: 4, boundProb: 0.3 });
    const sd = qp(pc);
    const sc = qp({ ...pc, P: toCsc(pc.P), A: toCsc(pc.A!), C: toCsc(pc.C!) });
    expect(maxAbsDiff(sd.z, sc.z)).toBeLessThan(1e-12);
    expect(maxAbsDiff(sd.mu, sc.mu)).toBeLessThan(1e-12);
  });

  it('reports contradictory constraints as primal_infeasible', () => {
    // z₁ + z₂ ≤ −1 and −z₁ − z₂ ≤ −1 (i.e. z₁ + z₂ ≥ 1)
    const s = qp({ P: denseFromRows([[1, 0], [0, 1]]), q: vec(0, 0), C: denseFromRows([[1, 1], [-1, -1]]), d: vec(-1, -1) });
    expect(s.status).toBe('primal_infeasible');
    expect(s.hasDuals).toBe(false);
  });

  it('reports a semidefinite P as numerical_error with a one-time warning', () => {
    resetWarnOnce();
    const warnings: string[] = [];
    setWarningHandler((m) => warnings.push(m));
    const pr: QPProblem = { P: denseFromRows([[1, 0], [0, 0]]), q: vec(0, -1), C: denseFromRows([[0, 1]]), d: vec(1) };
    expect(qp(pr).status).toBe('numerical_error');
    expect(qp(pr).status).toBe('numerical_error');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/quadprog.*positive definite/);
  });
});
