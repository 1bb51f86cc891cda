/**
 * The `dualas` backend (our Goldfarb–Idnani dual active-set solver): exact solutions of
 * closed-form QPs, agreement with the interior-point backend and with QPs of known solution,
 * KKT conditions, degenerate and dependent constraints, statuses (infeasible, non-convex,
 * limits), warm start, and gradients through the dQP layer.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateProblem } from '../bench/generators.ts';
import { dqpBackward } from '../optimizer/dqp/backward.ts';
import { dqpForward } from '../optimizer/dqp/forward.ts';
import { resetDqpWarnings, setDqpWarningHandler } from '../optimizer/dqp/warnings.ts';
import { InputError } from '../optimizer/errors.ts';
import { DenseLu } from '../optimizer/linalg/dense.ts';
import { denseFromRows, matTVec, matVec } from '../optimizer/linalg/matrix.ts';
import type { DenseMatrix } from '../optimizer/linalg/types.ts';
import { solveQP } from '../optimizer/qp/registry.ts';
import type { QPProblem, QPSolution } from '../optimizer/qp/types.ts';
import { resetWarnOnce, setWarningHandler } from '../optimizer/log.ts';
import { gradientRelDiff, knownQP, randomLoss, type KnownQPSpec } from './dqp-fixtures.ts';
import { dense, equalityKktSolution, maxAbsDiff, randomQP, vec, type RandomQPOptions } from './qp-fixtures.ts';

const das = (pr: QPProblem, extra: Parameters<typeof solveQP>[1] = {}) => solveQP(pr, { solver: 'dualas', ...extra });
const ipmTight = (pr: QPProblem) => solveQP(pr, { solver: 'ipm', epsAbs: 1e-12, epsRel: 1e-13 });

const normInf = (v: ArrayLike<number> | null | undefined) => {
  let s = 0;
  if (v) for (let i = 0; i < v.length; i++) s = Math.max(s, Math.abs(v[i]!));
  return s;
};
/** max |a − b| / (1 + max|b|) */
const rel = (a: ArrayLike<number> | null | undefined, b: ArrayLike<number> | null | undefined) => {
  if (!a || !b) return a === b || (!a && normInf(b) === 0) || (!b && normInf(a) === 0) ? 0 : Infinity;
  return maxAbsDiff(a, b) / (1 + normInf(b));
};

/**
 * KKT check of a solution: stationarity, primal feasibility, μ ≥ 0 and complementarity,
 * relative to the problem's scale. Returns the worst relative violation.
 */
function kktError(pr: QPProblem, s: QPSolution): number {
  const n = pr.P.ncols;
  // bound duals come (both, of length n) exactly when the problem has bounds
  const bounded = pr.lb != null || pr.ub != null;
  expect([s.muLb?.length ?? null, s.muUb?.length ?? null], 'bound duals iff the problem has bounds').toEqual(bounded ? [n, n] : [null, null]);
  const g = matVec(pr.P, s.z);
  let scale = normInf(g) + normInf(pr.q);
  for (let i = 0; i < n; i++) g[i] += pr.q[i]!;
  if (pr.A) matTVec(pr.A, s.lambda, g, true);
  if (pr.C) matTVec(pr.C, s.mu, g, true);
  if (s.muLb) for (let i = 0; i < n; i++) g[i] += s.muUb![i]! - s.muLb[i]!;
  let worst = normInf(g) / (1 + scale);
  scale = 1 + normInf(s.z);
  if (pr.A) {
    const r = matVec(pr.A, s.z);
    for (let i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs(r[i]! - pr.b![i]!) / (scale + Math.abs(pr.b![i]!)));
  }
  if (pr.C) {
    const r = matVec(pr.C, s.z);
    for (let i = 0; i < r.length; i++) {
      const slack = r[i]! - pr.d![i]!;
      worst = Math.max(worst, Math.max(slack, 0) / (scale + Math.abs(pr.d![i]!)));
      expect(s.mu[i]).toBeGreaterThanOrEqual(0);
      worst = Math.max(worst, (s.mu[i]! * Math.abs(slack)) / (scale * (1 + normInf(s.mu))));
    }
  }
  for (let i = 0; i < n; i++) {
    if (pr.lb && pr.lb[i]! > -Infinity) {
      worst = Math.max(worst, Math.max(pr.lb[i]! - s.z[i]!, 0) / scale, (s.muLb![i]! * Math.abs(s.z[i]! - pr.lb[i]!)) / scale);
    }
    if (pr.ub && pr.ub[i]! < Infinity) {
      worst = Math.max(worst, Math.max(s.z[i]! - pr.ub[i]!, 0) / scale, (s.muUb![i]! * Math.abs(pr.ub[i]! - s.z[i]!)) / scale);
    }
    if (bounded) expect(Math.min(s.muLb![i]!, s.muUb![i]!)).toBeGreaterThanOrEqual(0);
  }
  return worst;
}

const warnings: string[] = [];
beforeAll(() => {
  resetDqpWarnings();
  setDqpWarningHandler(() => {});
});
afterEach(() => {
  setWarningHandler(null);
  warnings.length = 0;
});

describe('dualas: closed-form problems', () => {
  it('solves a 2-D QP with one active constraint exactly (z = (½, ½), μ = ½)', () => {
    const s = das({ P: denseFromRows([[1, 0], [0, 1]]), q: vec(-1, -1), C: denseFromRows([[1, 1]]), d: vec(1) });
    expect(s.status).toBe('solved');
    expect(s.solver).toBe('dualas');
    expect(s.hasDuals).toBe(true);
    expect(maxAbsDiff(s.z, [0.5, 0.5])).toBeLessThan(1e-15);
    expect(s.mu[0]).toBeCloseTo(0.5, 14);
    expect(s.objective).toBeCloseTo(-0.75, 14);
    expect(s.iterations).toBe(1);
  });

  it('returns the unconstrained minimizer −P⁻¹q with zero steps when no row is violated', () => {
    const P = denseFromRows([[4, 1], [1, 3]]);
    const s = das({ P, q: vec(1, 2), C: denseFromRows([[1, 0]]), d: vec(10) });
    const x = DenseLu.factor(P).solve(vec(-1, -2));
    expect(s.status).toBe('solved');
    expect(s.iterations).toBe(0);
    expect(maxAbsDiff(s.z, x)).toBeLessThan(1e-15);
    expect(s.mu[0]).toBe(0);
  });

  it('matches the KKT solve of an equality-constrained QP, λ sign included', () => {
    for (let seed = 0; seed < 6; seed++) {
      const n = 7;
      const p = 3;
      const pr = randomQP(300 + seed, { n, p });
      const x = equalityKktSolution(pr);
      const s = das(pr);
      expect(s.status).toBe('solved');
      expect(rel(s.z, x.subarray(0, n))).toBeLessThan(1e-12);
      expect(rel(s.lambda, x.subarray(n))).toBeLessThan(1e-11);
    }
  });

  it('solves a diagonal box QP in closed form: z = clip(−q/p, lb, ub) with μ_lb, μ_ub', () => {
    const p = [1, 2, 4, 0.5, 3];
    const q = vec(-3, 1, -1, 0.25, 6);
    const lb = vec(-1, 0, -Infinity, -2, -1);
    const ub = vec(2, Infinity, 0.1, 2, -1); // the last variable is fixed by lb = ub
    const s = das({ P: dense(5, 5, (i, j) => (i === j ? p[i]! : 0)), q, lb, ub });
    expect(s.status).toBe('solved');
    const z = p.map((pi, i) => Math.min(Math.max(-q[i]! / pi, lb[i]!), ub[i]!));
    expect(maxAbsDiff(s.z, z)).toBeLessThan(1e-14);
    // stationarity per coordinate: p_i z_i + q_i − μ_lb + μ_ub = 0, one of them zero
    for (let i = 0; i < 4; i++) {
      const g = p[i]! * z[i]! + q[i]!;
      expect(s.muLb![i]).toBeCloseTo(Math.max(g, 0), 13);
      expect(s.muUb![i]).toBeCloseTo(Math.max(-g, 0), 13);
    }
    const g4 = p[4]! * -1 + q[4]!; // = 3 > 0: the lower side carries it
    expect(s.muLb![4]! - s.muUb![4]!).toBeCloseTo(g4, 13);
  });
});

describe('dualas: agreement with ipm and with QPs of known solution', () => {
  const cases: [string, RandomQPOptions][] = [
    ['inequalities only', { n: 12, m: 30 }],
    ['equalities + inequalities', { n: 20, p: 6, m: 40 }],
    ['equalities + inequalities + bounds', { n: 25, p: 5, m: 30, boundProb: 0.5 }],
    ['bounds only', { n: 15, boundProb: 0.9 }],
    ['CSC input', { n: 18, p: 4, m: 25, boundProb: 0.3, format: 'csc' }],
    ['more rows than variables, many active', { n: 30, p: 10, m: 120, boundProb: 0.4 }],
  ];
  for (const [name, o] of cases) {
    it(`${name}: z, duals and objective agree with ipm to 1e-7`, () => {
      for (let seed = 0; seed < 4; seed++) {
        const pr = randomQP(1000 + 17 * seed + o.n, o);
        const s = das(pr);
        const r = ipmTight(pr);
        expect(s.status).toBe('solved');
        expect(r.status).toBe('solved');
        expect(rel(s.z, r.z)).toBeLessThan(1e-7);
        expect(rel(s.lambda, r.lambda)).toBeLessThan(1e-7);
        expect(rel(s.mu, r.mu)).toBeLessThan(1e-7);
        expect(rel(s.muLb, r.muLb)).toBeLessThan(1e-7);
        expect(rel(s.muUb, r.muUb)).toBeLessThan(1e-7);
        expect(Math.abs(s.objective - r.objective) / (1 + Math.abs(r.objective))).toBeLessThan(1e-9);
        expect(kktError(pr, s)).toBeLessThan(1e-12);
      }
    });
  }

  const specs: KnownQPSpec[] = [
    { n: 10, m: 14, k: 4 },
    { n: 12, p: 3, m: 15, k: 5 },
    { n: 9, p: 2, m: 8, k: 3, bounds: true, activeBounds: 2 },
    { n: 16, p: 4, m: 20, k: 8, sparse: true, bounds: true, activeBounds: 3 },
    { n: 8, p: 4, m: 6, k: 4 },
  ];
  it('reproduces the known solution (z, λ, μ, μ_lb, μ_ub) of constructed QPs to round-off', () => {
    specs.forEach((spec, i) => {
      const kq = knownQP(`dualas#${i}`, spec);
      const s = das(kq.problem);
      expect(s.status).toBe('solved');
      expect(rel(s.z, kq.z)).toBeLessThan(1e-10);
      expect(rel(s.lambda, kq.lambda)).toBeLessThan(1e-9);
      expect(rel(s.mu, kq.mu)).toBeLessThan(1e-9);
      if (kq.muLb) {
        expect(rel(s.muLb, kq.muLb)).toBeLessThan(1e-9);
        expect(rel(s.muUb, kq.muUb)).toBeLessThan(1e-9);
      }
    });
  });

  it('solves the benchmark dense family at n = 100 like ipm', () => {
    const { problem } = generateProblem('dense', 100, 1);
    const s = das(problem);
    const r = ipmTight(problem);
    expect(s.status).toBe('solved');
    expect(rel(s.z, r.z)).toBeLessThan(1e-7);
    expect(Math.abs(s.objective - r.objective) / Math.abs(r.objective)).toBeLessThan(1e-10);
    expect(kktError(problem, s)).toBeLessThan(1e-10);
    // the duals of a strictly complementary solution agree too
    expect(rel(s.mu, r.mu)).toBeLessThan(1e-6);
    expect(rel(s.lambda, r.lambda)).toBeLessThan(1e-6);
  });
});

describe('dualas: degenerate and dependent constraints', () => {
  it('projection onto the simplex (n = 200, ~all rows active): the exact solution', () => {
    // long runs of additions drive parts of d = Jᵀn into the subnormal range; the Givens
    // rotations must stay orthonormal there (a plain x/hypot(x, y) does not)
    for (const index of [0, 1]) {
      const gen = generateProblem('simplex', 200, index);
      const s = das(gen.problem);
      expect(s.status).toBe('solved');
      expect(maxAbsDiff(s.z, gen.exact!.z)).toBeLessThan(1e-13);
      expect(Math.abs(s.lambda[0]! - gen.exact!.lambda[0]!)).toBeLessThan(1e-12);
      expect(maxAbsDiff(s.mu, gen.exact!.mu)).toBeLessThan(1e-12);
      expect(s.iterations).toBeGreaterThan(150);
    }
  });

  it('duplicate inequality rows: the same z as without them, the dual split summing to the single dual', () => {
    const base = randomQP(41, { n: 10, p: 2, m: 16 });
    const s0 = das(base);
    const C = base.C as DenseMatrix;
    const n = 10;
    const act = Array.from(s0.mu, (v, i) => [v, i] as const).filter(([v]) => v > 1e-8).map(([, i]) => i);
    expect(act.length).toBeGreaterThan(1);
    // duplicate every active row twice (three copies), and one inactive row
    const extra = [...act, ...act, s0.mu.findIndex((v) => v === 0)];
    const rows = [...Array.from({ length: 16 }, (_, i) => i), ...extra];
    const C2 = dense(rows.length, n, (i, j) => C.data[rows[i]! * n + j]!);
    const d2 = Float64Array.from(rows, (i) => base.d![i]!);
    const pr = { ...base, C: C2, d: d2 };
    const s = das(pr);
    expect(s.status).toBe('solved');
    expect(rel(s.z, s0.z)).toBeLessThan(1e-11);
    expect(Math.abs(s.objective - s0.objective)).toBeLessThan(1e-10 * (1 + Math.abs(s0.objective)));
    for (const i of act) {
      const sum = rows.reduce((acc, r, t) => (r === i ? acc + s.mu[t]! : acc), 0);
      expect(Math.abs(sum - s0.mu[i]!)).toBeLessThan(1e-9 * (1 + s0.mu[i]!));
    }
    expect(kktError(pr, s)).toBeLessThan(1e-12);
  });

  it('dependent equality rows (a duplicate and a combination) are skipped; z unchanged, Aᵀλ the same', () => {
    const base = randomQP(43, { n: 9, p: 3, m: 12, boundProb: 0.3 });
    const A = base.A as DenseMatrix;
    const n = 9;
    const A2 = dense(5, n, (i, j) => (i < 3 ? A.data[i * n + j]! : i === 3 ? A.data[n + j]! : 2 * A.data[j]! - A.data[2 * n + j]!));
    const b2 = vec(...base.b!, base.b![1]!, 2 * base.b![0]! - base.b![2]!);
    const pr = { ...base, A: A2, b: b2 };
    const s0 = das(base);
    const s = das(pr);
    expect(s.status).toBe('solved');
    expect(rel(s.z, s0.z)).toBeLessThan(1e-11);
    expect(rel(matTVec(A2, s.lambda), matTVec(A, s0.lambda))).toBeLessThan(1e-10);
    expect(kktError(pr, s)).toBeLessThan(1e-12);
  });

  it('an inequality duplicating an equality, and a vertex with more active rows than variables', () => {
    // min ½‖z − (2, 2)‖²  s.t.  z₁ + z₂ = 2,  z₁ + z₂ ≤ 2,  z₁ ≤ 1,  z₂ ≤ 1,  z₁ + 2 z₂ ≤ 3
    // optimum z = (1, 1): three inequalities through it, all dependent on the equality + one bound
    const pr: QPProblem = {
      P: denseFromRows([[1, 0], [0, 1]]),
      q: vec(-2, -2),
      A: denseFromRows([[1, 1]]),
      b: vec(2),
      C: denseFromRows([[1, 1], [1, 0], [0, 1], [1, 2]]),
      d: vec(2, 1, 1, 3),
    };
    const s = das(pr);
    expect(s.status).toBe('solved');
    expect(maxAbsDiff(s.z, [1, 1])).toBeLessThan(1e-14);
    expect(kktError(pr, s)).toBeLessThan(1e-14);
    expect(s.residuals.dual).toBeLessThan(1e-14);
  });

  it('many coincident bound and row constraints on a box corner', () => {
    // min ½‖z‖² − 10·1ᵀz  s.t. z ≤ 1 as bounds, as rows of C, and as pairwise sums z_i + z_j ≤ 2
    const n = 6;
    const rows: number[][] = [];
    for (let i = 0; i < n; i++) rows.push(Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) rows.push(Array.from({ length: n }, (_, t) => (t === i || t === j ? 1 : 0)));
    const pr: QPProblem = {
      P: dense(n, n, (i, j) => (i === j ? 1 : 0)),
      q: new Float64Array(n).fill(-10),
      C: denseFromRows(rows),
      d: Float64Array.from(rows, (r) => r.reduce((a, b) => a + b, 0)),
      ub: new Float64Array(n).fill(1),
    };
    const s = das(pr);
    expect(s.status).toBe('solved');
    expect(maxAbsDiff(s.z, new Float64Array(n).fill(1))).toBeLessThan(1e-13);
    expect(kktError(pr, s)).toBeLessThan(1e-13);
  });
});

describe('dualas: statuses', () => {
  it('inconsistent inequalities → primal_infeasible', () => {
    // z₁ ≤ −1 and −z₁ ≤ −1 (z₁ ≥ 1)
    const s = das({ P: denseFromRows([[1, 0], [0, 1]]), q: vec(0, 0), C: denseFromRows([[1, 0], [-1, 0]]), d: vec(-1, -1) });
    expect(s.status).toBe('primal_infeasible');
    expect(s.hasDuals).toBe(false);
  });

  it('an inequality contradicting the equalities → primal_infeasible', () => {
    const s = das({ P: denseFromRows([[2, 0], [0, 1]]), q: vec(1, 1), A: denseFromRows([[1, 1]]), b: vec(1), C: denseFromRows([[1, 1]]), d: vec(0) });
    expect(s.status).toBe('primal_infeasible');
  });

  it('inconsistent equalities (a duplicate row with another b) → primal_infeasible', () => {
    const s = das({ P: denseFromRows([[1, 0], [0, 1]]), q: vec(0, 0), A: denseFromRows([[1, 2], [2, 4]]), b: vec(1, 3) });
    expect(s.status).toBe('primal_infeasible');
  });

  it('bounds against a row of C, in a larger random problem → primal_infeasible', () => {
    const base = randomQP(47, { n: 8, m: 10 });
    const C = base.C as DenseMatrix;
    // add the row 1ᵀz ≤ −100 while every z_i ≥ −1
    const C2 = dense(11, 8, (i, j) => (i < 10 ? C.data[i * 8 + j]! : 1));
    const s = das({ ...base, C: C2, d: vec(...base.d!, -100), lb: new Float64Array(8).fill(-1) });
    expect(s.status).toBe('primal_infeasible');
  });

  it("a semidefinite P → numerical_error with a warning; an indefinite one → 'non_convex'; never an exception", () => {
    resetWarnOnce();
    setWarningHandler((m) => warnings.push(m));
    const psd = das({ P: denseFromRows([[1, 0], [0, 0]]), q: vec(1, 1), C: denseFromRows([[1, 1]]), d: vec(1) });
    expect(psd.status).toBe('numerical_error');
    expect(psd.hasDuals).toBe(false);
    expect(warnings.some((w) => /dualas.*positive definite/.test(w))).toBe(true);
    // eigenvalues 3 and −1
    const indef = das({ P: denseFromRows([[1, 2], [2, 1]]), q: vec(1, 1) });
    expect(indef.status).toBe('non_convex');
    expect(indef.hasDuals).toBe(false);
  });

  it('maxIter and timeLimit give max_iter / time_limit with a dual-feasible point', () => {
    const pr = randomQP(53, { n: 20, p: 3, m: 60 });
    const full = das(pr);
    expect(full.iterations).toBeGreaterThan(3);
    const s = das(pr, { maxIter: 2 });
    expect(s.status).toBe('max_iter');
    expect(s.iterations).toBe(2);
    for (const v of s.mu) expect(v).toBeGreaterThanOrEqual(0);
    // dual feasibility: stationarity holds at every iterate
    expect(s.residuals.dual).toBeLessThan(1e-10);
    const t = das(pr, { timeLimit: 1e-12 });
    expect(t.status).toBe('time_limit');
  });

  it('rejects sizes above options.maxSize with an InputError, and bad options', () => {
    const pr = randomQP(59, { n: 6, m: 4 });
    expect(() => das(pr, { options: { maxSize: 5 } })).toThrow(InputError);
    expect(() => das(pr, { options: { maxSize: 5 } })).toThrow(/at most 5 variables/);
    expect(() => das(pr, { options: { depTol: 2 } })).toThrow(InputError);
  });
});

describe('dualas: warm start', () => {
  it('a warm start from the solution gives the same solution in no more steps; a bad one changes nothing', () => {
    for (let seed = 0; seed < 3; seed++) {
      const pr = randomQP(61 + seed, { n: 30, p: 5, m: 80, boundProb: 0.3 });
      const cold = das(pr);
      const warm = das(pr, { warmStart: { mu: cold.mu, z: cold.z } });
      expect(warm.status).toBe('solved');
      expect(rel(warm.z, cold.z)).toBeLessThan(1e-11);
      expect(rel(warm.mu, cold.mu)).toBeLessThan(1e-9);
      expect(warm.iterations).toBeLessThanOrEqual(cold.iterations);
      const bad = das(pr, { warmStart: { mu: Float64Array.from(cold.mu, (v) => (v > 0 ? 0 : 1)) } });
      expect(bad.status).toBe('solved');
      expect(rel(bad.z, cold.z)).toBeLessThan(1e-11);
    }
  });
});

describe('dualas through the dQP layer', () => {
  const specs: KnownQPSpec[] = [
    { n: 8, p: 2, m: 9, k: 3 },
    { n: 10, p: 1, m: 12, k: 6 },
    { n: 6, p: 2, m: 4, k: 1, bounds: true, activeBounds: 1 },
    { n: 12, p: 3, m: 10, k: 4, sparse: true, bounds: true, activeBounds: 2 },
  ];
  it('forward + backward with solver "dualas" gives the gradients of "ipm" (1e-6) and the same active set', () => {
    specs.forEach((spec, i) => {
      const seed = `dualas-dqp#${i}`;
      const kq = knownQP(seed, spec);
      const loss = randomLoss(seed, spec.n, spec.p ?? 0, spec.m ?? 0, !!spec.bounds);
      const cot = { z: loss.wz, lambda: loss.wl, mu: loss.wm, muLb: loss.wlb, muUb: loss.wub };
      const fa = dqpForward(kq.problem, { solver: 'dualas' });
      const fb = dqpForward(kq.problem, { solver: 'ipm' });
      expect(fa.status).toBe('solved');
      expect(Array.from(fa.active)).toEqual(Array.from(kq.active));
      expect(Array.from(fa.active)).toEqual(Array.from(fb.active));
      expect(gradientRelDiff(dqpBackward(fa, cot), dqpBackward(fb, cot))).toBeLessThan(1e-6);
    });
  });

  it('the dense benchmark family at n = 60: dualas and ipm gradients agree', () => {
    const { problem } = generateProblem('dense', 60, 7);
    const fa = dqpForward(problem, { solver: 'dualas' });
    const fb = dqpForward(problem, { solver: 'ipm' });
    expect(fa.status).toBe('solved');
    expect(Array.from(fa.active)).toEqual(Array.from(fb.active));
    const w = new Float64Array(60).fill(1);
    const ga = dqpBackward(fa, { z: w });
    const gb = dqpBackward(fb, { z: w });
    expect(gradientRelDiff(ga, gb)).toBeLessThan(1e-5);
  });
});
