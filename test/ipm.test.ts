/**
 * The `ipm` backend (optimizer/qp/backends/ipm): exact small cases, brute-force references,
 * sparse vs dense KKT paths, LP, infeasibility certificates, warm start, limits, pattern cache,
 * KKT conditions in the project's dual convention, settings validation.
 */
import { setLogHandler } from '../optimizer/log.ts';
import { describe, expect, it } from 'vitest';
import { chainQP, simplexProjectionExact, simplexProjectionQP } from '../bench/generators.ts';
import { InputError } from '../optimizer/errors.ts';
import { cscFromDense } from '../optimizer/linalg/csc.ts';
import { DenseLu } from '../optimizer/linalg/dense.ts';
import { denseFromRows, matTVec, matVec } from '../optimizer/linalg/matrix.ts';
import type { Matrix } from '../optimizer/linalg/types.ts';
import { IpmBackend, ipmBackend } from '../optimizer/qp/backends/ipm/index.ts';
import type { QPProblem, QPSettings, QPSolution } from '../optimizer/qp/types.ts';
import { Rng } from '../optimizer/util/random.ts';

const f64 = (a: number[]) => Float64Array.from(a);
const dense = (rows: number[][]) => denseFromRows(rows);

function solve(problem: QPProblem, settings: QPSettings = {}): QPSolution {
  return ipmBackend.solve(problem, settings);
}

/** Every matrix of the problem as CSC (same numbers). */
function asSparse(problem: QPProblem): QPProblem {
  const c = (M: Matrix | null | undefined) => (M ? (M.format === 'dense' ? cscFromDense(M) : M) : M);
  return { ...problem, P: c(problem.P)!, A: c(problem.A), C: c(problem.C) };
}

/**
 * KKT conditions of types.ts checked independently of the solver's own residuals:
 * stationarity P z + q + Aᵀλ + Cᵀμ − μ_lb + μ_ub = 0, feasibility, μ ≥ 0, complementarity.
 * Returns the largest violation.
 */
function kktViolation(problem: QPProblem, sol: QPSolution): number {
  const { P, q } = problem;
  const n = q.length;
  const r = matVec(P, sol.z);
  for (let i = 0; i < n; i++) r[i] += q[i]!;
  let worst = 0;
  if (problem.A) {
    matTVec(problem.A, sol.lambda, r, true);
    const Az = matVec(problem.A, sol.z);
    for (let i = 0; i < Az.length; i++) worst = Math.max(worst, Math.abs(Az[i]! - problem.b![i]!));
  }
  if (problem.C) {
    matTVec(problem.C, sol.mu, r, true);
    const Cz = matVec(problem.C, sol.z);
    for (let i = 0; i < Cz.length; i++) {
      const slack = problem.d![i]! - Cz[i]!;
      worst = Math.max(worst, -slack, -sol.mu[i]!);
      if (Number.isFinite(slack)) worst = Math.max(worst, Math.abs(sol.mu[i]! * slack));
    }
  }
  for (let i = 0; i < n; i++) {
    const ml = sol.muLb ? sol.muLb[i]! : 0;
    const mu = sol.muUb ? sol.muUb[i]! : 0;
    r[i] += mu - ml;
    worst = Math.max(worst, -ml, -mu);
    if (problem.lb && problem.lb[i]! > -Infinity) {
      worst = Math.max(worst, problem.lb[i]! - sol.z[i]!, Math.abs(ml * (sol.z[i]! - problem.lb[i]!)));
    } else worst = Math.max(worst, Math.abs(ml));
    if (problem.ub && problem.ub[i]! < Infinity) {
      worst = Math.max(worst, sol.z[i]! - problem.ub[i]!, Math.abs(mu * (problem.ub[i]! - sol.z[i]!)));
    } else worst = Math.max(worst, Math.abs(mu));
  }
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(r[i]!));
  return worst;
}

function maxDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Solve the square system M x = rhs (dense LU). */
function linsolve(M: number[][], rhs: number[]): Float64Array {
  return DenseLu.factor(dense(M)).solve(f64(rhs));
}

/** A random SPD matrix QᵀQ + ridge·I (n × n) as rows. */
function randomSpd(rng: Rng, n: number, ridge: number): number[][] {
  const Q = Array.from({ length: n }, () => Array.from({ length: n }, () => rng.normal()));
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      let s = i === j ? ridge : 0;
      for (let k = 0; k < n; k++) s += Q[k]![i]! * Q[k]![j]!;
      return s;
    }),
  );
}

/**
 * Brute-force solution of a strictly convex QP with inequality rows C z ≤ d and equalities
 * A z = b: for every subset S of the rows, solve the equality-constrained KKT system with
 * A and C_S; the unique KKT point (feasible, μ_S ≥ 0) is the optimum.
 */
function bruteForce(Prow: number[][], q: number[], Arow: number[][], b: number[], Crow: number[][], d: number[]): { z: Float64Array; lambda: Float64Array; mu: Float64Array } {
  const n = q.length;
  const p = Arow.length;
  const m = Crow.length;
  let best: { z: Float64Array; lambda: Float64Array; mu: Float64Array; obj: number } | null = null;
  for (let mask = 0; mask < 1 << m; mask++) {
    const S = Array.from({ length: m }, (_, i) => i).filter((i) => (mask >> i) & 1);
    const E = [...Arow, ...S.map((i) => Crow[i]!)];
    const e = [...b, ...S.map((i) => d[i]!)];
    const k = E.length;
    if (k > n) continue;
    const K = Array.from({ length: n + k }, (_, i) =>
      Array.from({ length: n + k }, (_, j) => {
        if (i < n && j < n) return Prow[i]![j]!;
        if (i < n) return E[j - n]![i]!;
        if (j < n) return E[i - n]![j]!;
        return 0;
      }),
    );
    const lu = DenseLu.factor(dense(K));
    if (lu.singular) continue;
    const sol = lu.solve(f64([...q.map((v) => -v), ...e]));
    const z = sol.subarray(0, n);
    let ok = true;
    const mu = new Float64Array(m);
    S.forEach((i, t) => {
      mu[i] = sol[n + p + t]!;
      if (mu[i]! < -1e-9) ok = false;
    });
    for (let i = 0; i < m && ok; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += Crow[i]![j]! * z[j]!;
      if (s > d[i]! + 1e-9) ok = false;
    }
    if (!ok) continue;
    let obj = 0;
    for (let i = 0; i < n; i++) {
      obj += q[i]! * z[i]!;
      for (let j = 0; j < n; j++) obj += 0.5 * z[i]! * Prow[i]![j]! * z[j]!;
    }
    if (!best || obj < best.obj) best = { z: Float64Array.from(z), lambda: Float64Array.from(sol.subarray(n, n + p)), mu, obj };
  }
  if (!best) throw new Error('brute force found no KKT point');
  return best;
}

describe('ipm: small problems with known solutions', () => {
  it('equality-only QP matches the closed-form KKT solution', () => {
    const P = [
      [4, 1, 0],
      [1, 3, 1],
      [0, 1, 2],
    ];
    const q = [1, -2, 3];
    const A = [
      [1, 1, 1],
      [1, -1, 0],
    ];
    const b = [1, 0.5];
    const K = [
      [4, 1, 0, 1, 1],
      [1, 3, 1, 1, -1],
      [0, 1, 2, 1, 0],
      [1, 1, 1, 0, 0],
      [1, -1, 0, 0, 0],
    ];
    const ref = linsolve(K, [-1, 2, -3, 1, 0.5]);
    for (const problem of [
      { P: dense(P), q: f64(q), A: dense(A), b: f64(b) },
      asSparse({ P: dense(P), q: f64(q), A: dense(A), b: f64(b) }),
    ]) {
      const sol = solve(problem);
      expect(sol.status).toBe('solved');
      expect(maxDiff(sol.z, ref.subarray(0, 3))).toBeLessThan(1e-8);
      expect(maxDiff(sol.lambda, ref.subarray(3))).toBeLessThan(1e-8);
      expect(sol.hasDuals).toBe(true);
      expect(sol.residuals.primal).toBeLessThan(1e-8);
      expect(sol.residuals.dual).toBeLessThan(1e-8);
    }
  });

  it('unconstrained QP: z = −P⁻¹q', () => {
    const P = [
      [2, 0.5],
      [0.5, 1],
    ];
    const sol = solve({ P: dense(P), q: f64([1, -1]) });
    expect(sol.status).toBe('solved');
    expect(maxDiff(sol.z, linsolve(P, [-1, 1]))).toBeLessThan(1e-9);
    expect(sol.lambda.length).toBe(0);
    expect(sol.mu.length).toBe(0);
  });

  it('one active inequality: projection onto a half-space, with its multiplier', () => {
    // min ½‖z − a‖² s.t. 1ᵀz ≤ 1, a = (1, 1, 1): z = a − t·1 with t = (3 − 1)/3, μ = t
    const sol = solve({ P: dense([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), q: f64([-1, -1, -1]), C: dense([[1, 1, 1]]), d: f64([1]) });
    expect(sol.status).toBe('solved');
    for (const v of sol.z) expect(v).toBeCloseTo(1 / 3, 8);
    expect(sol.mu[0]).toBeCloseTo(2 / 3, 8);
    expect(sol.objective).toBeCloseTo(0.5 * 3 * (2 / 3) ** 2 - 1.5, 8);
  });

  it('an inactive inequality gets a zero multiplier', () => {
    const sol = solve({ P: dense([[1, 0], [0, 1]]), q: f64([-1, 0]), C: dense([[1, 0]]), d: f64([5]) });
    expect(sol.status).toBe('solved');
    expect(sol.z[0]).toBeCloseTo(1, 8);
    expect(sol.mu[0]).toBeLessThan(1e-8);
  });

  it('box bounds: z = clip(a, lb, ub) with bound duals of the right sign', () => {
    // min ½‖z − a‖², stationarity z − a − μ_lb + μ_ub = 0
    const a = [-2, 0.5, 3, 1];
    const lb = f64([-1, -1, -Infinity, 0]);
    const ub = f64([1, 1, 2, Infinity]);
    const I = Array.from({ length: 4 }, (_, i) => Array.from({ length: 4 }, (_, j) => (i === j ? 1 : 0)));
    for (const problem of [
      { P: dense(I), q: f64(a.map((v) => -v)), lb, ub },
      asSparse({ P: dense(I), q: f64(a.map((v) => -v)), lb, ub }),
    ]) {
      const sol = solve(problem);
      expect(sol.status).toBe('solved');
      expect(maxDiff(sol.z, f64([-1, 0.5, 2, 1]))).toBeLessThan(1e-7);
      expect(maxDiff(sol.muLb!, f64([1, 0, 0, 0]))).toBeLessThan(1e-7);
      expect(maxDiff(sol.muUb!, f64([0, 0, 1, 0]))).toBeLessThan(1e-7);
      expect(kktViolation(problem, sol)).toBeLessThan(1e-7);
    }
  });

  it('a fixed variable (lb = ub) and a row with d = +∞ (ignored, μ = 0)', () => {
    const problem: QPProblem = {
      P: dense([[1, 0], [0, 1]]),
      q: f64([-3, -3]),
      C: dense([[1, 1], [1, 0]]),
      d: f64([Infinity, 10]),
      lb: f64([2, -Infinity]),
      ub: f64([2, Infinity]),
    };
    const sol = solve(problem);
    expect(sol.status).toBe('solved');
    expect(maxDiff(sol.z, f64([2, 3]))).toBeLessThan(1e-8);
    expect(sol.mu[0]).toBe(0);
    // stationarity at the fixed variable: z − 3 − μ_lb + μ_ub = 0 → μ_lb − μ_ub = −1
    expect(sol.muLb![0]! - sol.muUb![0]!).toBeCloseTo(-1, 7);
    expect(kktViolation(problem, sol)).toBeLessThan(1e-7);
  });

  it('LP (P = 0): minimizes cᵀz over the simplex at the smallest cost', () => {
    const problem: QPProblem = {
      P: dense([[0, 0, 0], [0, 0, 0], [0, 0, 0]]),
      q: f64([3, 1, 2]),
      A: dense([[1, 1, 1]]),
      b: f64([1]),
      lb: f64([0, 0, 0]),
    };
    for (const pr of [problem, asSparse(problem)]) {
      const sol = solve(pr);
      expect(sol.status).toBe('solved');
      expect(maxDiff(sol.z, f64([0, 1, 0]))).toBeLessThan(1e-7);
      expect(sol.objective).toBeCloseTo(1, 7);
      // λ = −1, bound duals 2, 0, 1
      expect(sol.lambda[0]).toBeCloseTo(-1, 7);
      expect(maxDiff(sol.muLb!, f64([2, 0, 1]))).toBeLessThan(1e-7);
    }
  });

  it('LP with inequality rows (vertex solution)', () => {
    // max x + y s.t. x + 2y ≤ 4, 3x + y ≤ 6, x, y ≥ 0 → (1.6, 1.2), value 2.8
    const problem: QPProblem = {
      P: dense([[0, 0], [0, 0]]),
      q: f64([-1, -1]),
      C: dense([[1, 2], [3, 1], [-1, 0], [0, -1]]),
      d: f64([4, 6, 0, 0]),
    };
    const sol = solve(asSparse(problem));
    expect(sol.status).toBe('solved');
    expect(maxDiff(sol.z, f64([1.6, 1.2]))).toBeLessThan(1e-7);
    expect(sol.objective).toBeCloseTo(-2.8, 7);
    expect(maxDiff(sol.mu, f64([0.4, 0.2, 0, 0]))).toBeLessThan(1e-7);
  });
});

describe('ipm: random problems against references', () => {
  it('random strictly convex QPs (n ≤ 4, m ≤ 5, p ≤ 1) match brute-force active-set enumeration', () => {
    const rng = new Rng('ipm-brute-force');
    for (let trial = 0; trial < 40; trial++) {
      const n = 2 + rng.int(3);
      const m = 1 + rng.int(5);
      const p = rng.int(2);
      const P = randomSpd(rng, n, 0.1);
      const q = Array.from({ length: n }, () => 2 * rng.normal());
      const z0 = Array.from({ length: n }, () => rng.normal());
      const C = Array.from({ length: m }, () => Array.from({ length: n }, () => rng.normal()));
      // feasible at z0 with some slack, so some rows are active and some not
      const d = C.map((row) => row.reduce((s, v, j) => s + v * z0[j]!, 0) + rng.uniform());
      const A = Array.from({ length: p }, () => Array.from({ length: n }, () => rng.normal()));
      const b = A.map((row) => row.reduce((s, v, j) => s + v * z0[j]!, 0));
      const ref = bruteForce(P, q, A, b, C, d);
      const problem: QPProblem = { P: dense(P), q: f64(q), C: dense(C), d: f64(d), ...(p > 0 ? { A: dense(A), b: f64(b) } : {}) };
      for (const pr of [problem, asSparse(problem)]) {
        const sol = solve(pr);
        expect(sol.status).toBe('solved');
        expect(maxDiff(sol.z, ref.z)).toBeLessThan(1e-6);
        expect(maxDiff(sol.mu, ref.mu)).toBeLessThan(1e-6);
        if (p > 0) expect(maxDiff(sol.lambda, ref.lambda)).toBeLessThan(1e-6);
        expect(kktViolation(pr, sol)).toBeLessThan(1e-6);
      }
    }
  });

  it('sparse and dense KKT paths agree on a random QP with equalities, inequalities and bounds', () => {
    const rng = new Rng('ipm-sparse-dense');
    const n = 25;
    const P = randomSpd(rng, n, 0.01).map((r) => r.map((v) => v / n));
    const q = Array.from({ length: n }, () => rng.normal());
    const C = Array.from({ length: 30 }, () => Array.from({ length: n }, () => (rng.uniform() < 0.3 ? rng.normal() : 0)));
    const d = C.map(() => 0.5 + rng.uniform());
    const A = Array.from({ length: 5 }, () => Array.from({ length: n }, () => (rng.uniform() < 0.4 ? rng.normal() : 0)));
    const b = A.map(() => 0.1 * rng.normal());
    const lb = new Float64Array(n).fill(-1);
    const ub = new Float64Array(n).fill(1);
    const problem: QPProblem = { P: dense(P), q: f64(q), A: dense(A), b: f64(b), C: dense(C), d: f64(d), lb, ub };
    const sd = solve(problem, { options: { kktSolver: 'dense' } });
    const ss = solve(problem, { options: { kktSolver: 'sparse' } });
    const sa = solve(asSparse(problem));
    for (const s of [sd, ss, sa]) {
      expect(s.status).toBe('solved');
      expect(kktViolation(problem, s)).toBeLessThan(1e-7);
    }
    expect(maxDiff(sd.z, ss.z)).toBeLessThan(1e-7);
    expect(maxDiff(sd.z, sa.z)).toBeLessThan(1e-7);
    expect(maxDiff(sd.mu, ss.mu)).toBeLessThan(1e-6);
    expect(maxDiff(sd.lambda, sa.lambda)).toBeLessThan(1e-6);
    expect(Math.abs(sd.objective - ss.objective)).toBeLessThan(1e-8 * (1 + Math.abs(sd.objective)));
  });

  it('a tighter duality-gap tolerance (epsGapRel) gives a smaller gap on a badly scaled LP', () => {
    // min cᵀz over a box and a budget row, costs of order 1e6
    const rng = new Rng('ipm-gap');
    const n = 30;
    const c = Array.from({ length: n }, () => 1e6 * (rng.uniform() - 0.7));
    const problem: QPProblem = {
      P: dense(Array.from({ length: n }, () => new Array(n).fill(0))),
      q: f64(c),
      C: dense([new Array(n).fill(1)]),
      d: f64([10]),
      lb: new Float64Array(n),
      ub: new Float64Array(n).fill(1),
    };
    const loose = solve(asSparse(problem), { epsAbs: 1e-6, epsRel: 1e-6 });
    const tight = solve(asSparse(problem), { epsAbs: 1e-6, epsRel: 1e-6, options: { epsGapRel: 1e-13 } });
    expect(loose.status).toBe('solved');
    expect(tight.status).toBe('solved');
    // the loose run stops at a gap of order epsRel·|cᵀz| ≈ 1e-6·5e6; the tight one far below
    expect(loose.residuals.gap).toBeGreaterThan(1e-3);
    expect(tight.residuals.gap).toBeLessThan(1e-3 * loose.residuals.gap);
    expect(tight.iterations).toBeGreaterThanOrEqual(loose.iterations);
  });

  it('cost scaling and Ruiz settings change the path, not the answer', () => {
    const rng = new Rng('ipm-scaling');
    const n = 8;
    const P = randomSpd(rng, n, 0.5).map((r, i) => r.map((v, j) => v * 10 ** ((i + j) / 4)));
    const q = Array.from({ length: n }, () => 100 * rng.normal());
    const C = Array.from({ length: 6 }, () => Array.from({ length: n }, () => rng.normal() * 1e3));
    const d = C.map(() => 1e3);
    const problem: QPProblem = { P: dense(P), q: f64(q), C: dense(C), d: f64(d) };
    const a = solve(problem);
    const b = solve(problem, { options: { scaleCost: true } });
    const c = solve(problem, { options: { ruizIterations: 0 } });
    for (const s of [a, b, c]) expect(s.status).toBe('solved');
    expect(maxDiff(a.z, b.z)).toBeLessThan(1e-6);
    expect(maxDiff(a.z, c.z)).toBeLessThan(1e-6);
  });
});

describe('ipm: infeasible and unbounded problems', () => {
  it('contradictory inequalities → primal_infeasible', () => {
    const problem: QPProblem = { P: dense([[1, 0], [0, 1]]), q: f64([0, 0]), C: dense([[1, 0], [-1, 0]]), d: f64([-1, -1]) };
    expect(solve(problem).status).toBe('primal_infeasible');
    expect(solve(asSparse(problem)).status).toBe('primal_infeasible');
  });

  it('bounds incompatible with an equality → primal_infeasible', () => {
    const problem: QPProblem = {
      P: dense([[1, 0, 0], [0, 1, 0], [0, 0, 1]]),
      q: f64([1, 1, 1]),
      A: dense([[1, 1, 1]]),
      b: f64([-1]),
      lb: f64([0, 0, 0]),
    };
    expect(solve(asSparse(problem)).status).toBe('primal_infeasible');
  });

  it('an unbounded LP → dual_infeasible', () => {
    // min −z₀ − z₁ s.t. z ≥ 0, z₀ − z₁ ≤ 1: unbounded along (1, 1)
    const problem: QPProblem = { P: dense([[0, 0], [0, 0]]), q: f64([-1, -1]), C: dense([[1, -1]]), d: f64([1]), lb: f64([0, 0]) };
    expect(solve(problem).status).toBe('dual_infeasible');
    expect(solve(asSparse(problem)).status).toBe('dual_infeasible');
  });

  it('an unbounded QP with a singular P → dual_infeasible', () => {
    const problem: QPProblem = { P: dense([[1, 0], [0, 0]]), q: f64([0, -1]), C: dense([[1, 0]]), d: f64([1]) };
    expect(solve(asSparse(problem)).status).toBe('dual_infeasible');
  });
});

describe('ipm: warm start, limits, cache, settings', () => {
  function randomFamily(seed: string, n: number, m: number): { P: number[][]; q: number[]; C: number[][]; d: number[] } {
    const rng = new Rng(seed);
    const P = randomSpd(rng, n, 0.1).map((r) => r.map((v) => v / n));
    const q = Array.from({ length: n }, () => rng.normal());
    const C = Array.from({ length: m }, () => Array.from({ length: n }, () => rng.normal()));
    const d = C.map(() => 0.2 + rng.uniform());
    return { P, q, C, d };
  }

  it('a warm start from the previous solution reduces iterations on a perturbed re-solve', () => {
    const { P, q, C, d } = randomFamily('ipm-warm', 30, 40);
    const base: QPProblem = { P: dense(P), q: f64(q), C: dense(C), d: f64(d), lb: new Float64Array(30).fill(-2), ub: new Float64Array(30).fill(2) };
    const first = solve(base);
    expect(first.status).toBe('solved');
    const rng = new Rng('ipm-warm-perturb');
    const perturbed: QPProblem = { ...base, q: f64(q.map((v) => v + 1e-3 * rng.normal())) };
    const cold = solve(perturbed);
    const warm = solve(perturbed, { warmStart: { z: first.z, lambda: first.lambda, mu: first.mu } });
    expect(cold.status).toBe('solved');
    expect(warm.status).toBe('solved');
    expect(maxDiff(warm.z, cold.z)).toBeLessThan(1e-6);
    expect(warm.iterations).toBeLessThan(cold.iterations);
  });

  it('maxIter → max_iter with the last iterate', () => {
    const { P, q, C, d } = randomFamily('ipm-maxiter', 20, 30);
    const sol = solve({ P: dense(P), q: f64(q), C: dense(C), d: f64(d) }, { maxIter: 2 });
    expect(sol.status).toBe('max_iter');
    expect(sol.iterations).toBe(2);
    expect(sol.z.every(Number.isFinite)).toBe(true);
  });

  it('a time limit that is already exceeded → time_limit', () => {
    const { P, q, C, d } = randomFamily('ipm-time', 20, 30);
    const sol = solve({ P: dense(P), q: f64(q), C: dense(C), d: f64(d) }, { timeLimit: 1e-12 });
    expect(sol.status).toBe('time_limit');
  });

  it('the symbolic analysis is done once per pattern and reused on the next solve', () => {
    const backend = new IpmBackend();
    const { P, q, C, d } = randomFamily('ipm-cache', 15, 10);
    const problem = asSparse({ P: dense(P), q: f64(q), C: dense(C), d: f64(d) });
    const s1 = backend.solve(problem, {});
    expect(s1.status).toBe('solved');
    expect(backend.stats.analyses).toBe(1);
    // same pattern, other values: no new analysis
    const scaled = asSparse({ P: dense(P.map((r) => r.map((v) => 2 * v))), q: f64(q.map((v) => -v)), C: dense(C), d: f64(d.map((v) => v + 1)) });
    const s2 = backend.solve(scaled, {});
    expect(s2.status).toBe('solved');
    expect(backend.stats.analyses).toBe(1);
    expect(backend.stats.cacheHits).toBe(1);
    expect(kktViolation(scaled, s2)).toBeLessThan(1e-7);
    // another pattern: a new analysis
    backend.solve(asSparse({ P: dense(P), q: f64(q) }), {});
    expect(backend.stats.analyses).toBe(2);
    // no cache: every solve analyzes
    const noCache = new IpmBackend();
    noCache.solve(problem, { options: { patternCacheSize: 0 } });
    noCache.solve(problem, { options: { patternCacheSize: 0 } });
    expect(noCache.stats.analyses).toBe(2);
  });

  it('verbose prints one line per iteration through the log sink', () => {
    const lines: string[] = [];
    const previous = setLogHandler((line) => {
      lines.push(`${line}\n`);
    });
    let sol: QPSolution;
    try {
      sol = solve({ P: dense([[1, 0], [0, 1]]), q: f64([1, 1]), C: dense([[-1, -1]]), d: f64([1]) }, { verbose: true });
    } finally {
      setLogHandler(previous);
    }
    const iterLines = lines.join('').split('\n').filter((l) => /^\s*\d+\s/.test(l));
    expect(iterLines.length).toBe(sol.iterations + 1);
  });

  it('rejects bad settings with InputError naming the setting', () => {
    const problem: QPProblem = { P: dense([[1]]), q: f64([1]) };
    expect(() => solve(problem, { options: { kktSolver: 'qr' } })).toThrow(InputError);
    expect(() => solve(problem, { options: { tau: 1.5 } })).toThrow(/settings\.options\.tau/);
    expect(() => solve(problem, { maxIter: -1 })).toThrow(/settings\.maxIter/);
    expect(() => solve(problem, { options: { scaleCost: 'yes' } })).toThrow(/scaleCost/);
    expect(() => solve(problem, { warmStart: { z: f64([1, 2]) } })).toThrow(/settings\.warmStart\.z: expected length 1/);
    expect(() => solve(problem, { warmStart: { z: f64([NaN]) } })).toThrow(InputError);
  });

  it('does not modify the problem arrays', () => {
    const { P, q, C, d } = randomFamily('ipm-readonly', 6, 5);
    const problem = asSparse({ P: dense(P), q: f64(q), C: dense(C), d: f64(d), lb: new Float64Array(6).fill(-1) });
    const copies = [problem.q, problem.d!, problem.lb!, (problem.P as { values: Float64Array }).values, (problem.C as { values: Float64Array }).values].map((a) => a.slice());
    solve(problem);
    const after = [problem.q, problem.d!, problem.lb!, (problem.P as { values: Float64Array }).values, (problem.C as { values: Float64Array }).values];
    after.forEach((a, i) => expect(Array.from(a)).toEqual(Array.from(copies[i]!)));
  });
});

describe('ipm: structure-exploiting sparse KKT, caches, termination floors', () => {
  /** the same problem through the sparse and the dense KKT paths (fresh backends) */
  const solveBoth = (problem: QPProblem, settings: QPSettings = {}) => ({
    sparse: new IpmBackend().solve(problem, { ...settings, options: { kktSolver: 'sparse' } }),
    dense: new IpmBackend().solve(problem, { ...settings, options: { kktSolver: 'dense' } }),
  });

  it('simplex projection with C = −I (one-entry rows eliminated) matches sparsemax', () => {
    const q = new Rng('ipm-simplex').fillNormal(new Float64Array(40));
    const problem = simplexProjectionQP(40, 1);
    const pr = { ...problem, q };
    const ex = simplexProjectionExact(q);
    const sol = solve(pr, { epsAbs: 1e-10, epsRel: 0 });
    expect(sol.status).toBe('solved');
    expect(maxDiff(sol.z, ex.z)).toBeLessThan(1e-8);
    expect(maxDiff(sol.mu, ex.mu)).toBeLessThan(1e-7);
    expect(Math.abs(sol.lambda[0]! - ex.lambda[0]!)).toBeLessThan(1e-7);
  });

  it('large simplex projections converge from the cold start in few iterations (n = 20 000, sparsemax reference)', () => {
    // the cold start (START_SHIFT 1.5 in solver.ts) begins inside enough that the threshold τ of
    // sparsemax is found without many short primal steps: 9–10 iterations at n = 10⁵ (16–17
    // with a shift of 1)
    for (const seed of [1, 2, 3]) {
      const problem = simplexProjectionQP(20000, seed);
      const ex = simplexProjectionExact(problem.q);
      const sol = new IpmBackend().solve(problem, { epsAbs: 1e-9, epsRel: 0 });
      expect(sol.status).toBe('solved');
      expect(sol.iterations).toBeLessThanOrEqual(12);
      expect(maxDiff(sol.z, ex.z)).toBeLessThan(1e-8);
      expect(Math.abs(sol.lambda[0]! - ex.lambda[0]!)).toBeLessThan(1e-7);
    }
  });

  it('chain difference constraints (all rows two-entry, eliminated) agree with the dense path', () => {
    const problem = chainQP(3, 5, { points: 12 });
    const { sparse, dense: den } = solveBoth(problem, { epsAbs: 1e-10, epsRel: 0 });
    expect(sparse.status).toBe('solved');
    expect(den.status).toBe('solved');
    expect(maxDiff(sparse.z, den.z)).toBeLessThan(1e-7);
    expect(kktViolation(problem, sparse)).toBeLessThan(1e-7);
    // some difference constraints are active, so the eliminated rows carry the duals
    expect(sparse.mu.some((v) => v > 1e-3)).toBe(true);
    expect(maxDiff(sparse.mu, den.mu)).toBeLessThan(1e-6);
  });

  it('a mix of one-, two- and long rows with bounds and equalities agrees with the dense path', () => {
    const rng = new Rng('ipm-mixed-rows');
    const u = (a: number, b: number) => a + (b - a) * rng.uniform();
    const n = 12;
    const Q = Array.from({ length: n }, () => Array.from({ length: n }, () => u(-1, 1)));
    const P = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => Q.reduce((s, r) => s + r[i]! * r[j]!, 0) + (i === j ? 0.1 : 0)));
    const C: number[][] = [];
    for (let i = 0; i < n; i++) C.push(Array.from({ length: n }, (_, j) => (j === i ? u(0.5, 2) * (i % 2 ? 1 : -1) : 0)));
    for (let i = 0; i + 1 < n; i += 2) C.push(Array.from({ length: n }, (_, j) => (j === i ? 1 : j === i + 1 ? -1 : 0)));
    C.push(Array.from({ length: n }, () => u(0, 1)));
    const d = C.map(() => u(0.1, 1));
    const problem = asSparse({
      P: dense(P),
      q: f64(Array.from({ length: n }, () => u(-3, 3))),
      A: dense([Array.from({ length: n }, (_, j) => (j < 4 ? 1 : 0))]),
      b: f64([0.5]),
      C: dense(C),
      d: f64(d),
      lb: new Float64Array(n).fill(-2),
      ub: new Float64Array(n).fill(3),
    });
    const { sparse, dense: den } = solveBoth(problem, { epsAbs: 1e-10, epsRel: 0 });
    expect(sparse.status).toBe('solved');
    expect(den.status).toBe('solved');
    expect(maxDiff(sparse.z, den.z)).toBeLessThan(1e-7);
    expect(kktViolation(problem, sparse)).toBeLessThan(1e-7);
  });

  it('a pattern changed IN PLACE is analysed anew, never matched to the stale cached structure', () => {
    const backend = new IpmBackend();
    const problem = chainQP(2, 3, { points: 6 });
    const C = problem.C as { rowIdx: Int32Array; values: Float64Array; colPtr: Int32Array };
    backend.solve(problem, {});
    expect(backend.stats.analyses).toBe(1);
    // column 0 (point 0, coordinate 0) holds rows 0 and 10 of G₀ ⊗ I₂ (e₀ − e₁ and e₅ − e₀) and
    // their mirrors 12, 22; move its entry of row 10 to row 11: another pattern, same arrays
    const q0 = C.colPtr[0]!;
    expect(Array.from(C.rowIdx.subarray(q0, C.colPtr[1]!))).toEqual([0, 10, 12, 22]);
    C.rowIdx[q0 + 1] = 11;
    const changed = backend.solve(problem, { epsAbs: 1e-10, epsRel: 0 });
    expect(backend.stats.analyses).toBe(2);
    const fresh = new IpmBackend().solve(problem, { epsAbs: 1e-10, epsRel: 0 });
    expect(Array.from(changed.z)).toEqual(Array.from(fresh.z));
  });

  it('reusing the workspace and the structures does not change results (same sizes, other values)', () => {
    const backend = new IpmBackend();
    const a = chainQP(2, 11, { points: 10 });
    const b = chainQP(2, 12, { points: 10 });
    backend.solve(a, {});
    const again = backend.solve(b, {});
    const fresh = new IpmBackend().solve(b, {});
    expect(backend.stats.cacheHits).toBe(1);
    expect(Array.from(again.z)).toEqual(Array.from(fresh.z));
    expect(Array.from(again.mu)).toEqual(Array.from(fresh.mu));
    expect(again.iterations).toBe(fresh.iterations);
  });

  it('stops at the rounding level when epsRel = 0 cannot be met (huge objective)', () => {
    // objective ≈ −2e10: an absolute gap of 1e-9 is a relative 5e-20, below double precision;
    // the run must end 'solved' at the rounding floor instead of running to maxIter
    const pr = chainQP(2, 7, { points: 30 });
    const problem = { ...pr, q: pr.q.map((v) => v * 1e4) };
    const sol = solve(problem, { epsAbs: 1e-9, epsRel: 0 });
    expect(sol.status).toBe('solved');
    expect(sol.iterations).toBeLessThan(60);
    expect(Math.abs(sol.objective)).toBeGreaterThan(1e9);
    expect(sol.residuals.gap / Math.abs(sol.objective)).toBeLessThan(1e-12);
  });
});
