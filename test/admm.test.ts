/**
 * The `admm` backend (OSQP-style ADMM with ρ adaptation and polishing): known solutions, random
 * strictly convex QPs against brute-force active-set enumeration, infeasibility certificates,
 * warm start, ρ adaptation without re-analysis, and the iteration/time-limit statuses.
 */
import { setLogHandler } from '../optimizer/log.ts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { diagonallyDominantPsd } from '../optimizer/qp/backends/convexity.ts';
import { admmBackend } from '../optimizer/qp/backends/admm/index.ts';
import type { AdmmSolution } from '../optimizer/qp/backends/admm/index.ts';
import { SparseLdl } from '../optimizer/linalg/ldl.ts';
import { cscFromDense } from '../optimizer/linalg/csc.ts';
import { InputError } from '../optimizer/errors.ts';
import type { DenseMatrix, Matrix } from '../optimizer/linalg/types.ts';
import type { QPProblem, QPSettings } from '../optimizer/qp/types.ts';
import { rng } from './helpers.ts';

// ---------------------------------------------------------------- helpers

function dm(rows: number[][], ncols = rows[0]?.length ?? 0): DenseMatrix {
  return { format: 'dense', nrows: rows.length, ncols, data: Float64Array.from(rows.flat()) };
}

const vec = (v: number[]): Float64Array => Float64Array.from(v);

function solve(problem: QPProblem, settings: QPSettings = {}): AdmmSolution {
  return admmBackend.solve(problem, settings);
}

function denseRows(M: Matrix | null | undefined): number[][] {
  if (!M) return [];
  const out: number[][] = [];
  for (let i = 0; i < M.nrows; i++) {
    const row = new Array<number>(M.ncols).fill(0);
    if (M.format === 'dense') for (let j = 0; j < M.ncols; j++) row[j] = M.data[i * M.ncols + j]!;
    out.push(row);
  }
  if (M.format === 'csc') {
    for (let j = 0; j < M.ncols; j++) for (let k = M.colPtr[j]!; k < M.colPtr[j + 1]!; k++) out[M.rowIdx[k]!]![j] = M.values[k]!;
  }
  return out;
}

/** Gaussian elimination with partial pivoting; null when singular. */
function denseSolve(M: number[][], rhs: number[]): number[] | null {
  const N = rhs.length;
  const a = M.map((r, i) => [...r, rhs[i]!]);
  for (let k = 0; k < N; k++) {
    let piv = k;
    for (let i = k + 1; i < N; i++) if (Math.abs(a[i]![k]!) > Math.abs(a[piv]![k]!)) piv = i;
    if (Math.abs(a[piv]![k]!) < 1e-12) return null;
    [a[k], a[piv]] = [a[piv]!, a[k]!];
    for (let i = k + 1; i < N; i++) {
      const f = a[i]![k]! / a[k]![k]!;
      for (let j = k; j <= N; j++) a[i]![j]! -= f * a[k]![j]!;
    }
  }
  const x = new Array<number>(N).fill(0);
  for (let i = N - 1; i >= 0; i--) {
    let s = a[i]![N]!;
    for (let j = i + 1; j < N; j++) s -= a[i]![j]! * x[j]!;
    x[i] = s / a[i]![i]!;
  }
  return x;
}

interface Reference {
  z: number[];
  lambda: number[];
  mu: number[];
  muLb: number[];
  muUb: number[];
}

/**
 * Brute force: every subset S of the inequality rows (C rows, finite lb, finite ub) is tried as the
 * active set; the KKT system [P Aᵀ G_Sᵀ; A 0 0; G_S 0 0] is solved and the unique point that is
 * primal feasible with nonnegative multipliers is returned (strictly convex P, generic data).
 */
function bruteForce(problem: QPProblem): Reference {
  const n = problem.q.length;
  const P = denseRows(problem.P);
  const A = denseRows(problem.A);
  const C = denseRows(problem.C);
  const b = problem.b ? [...problem.b] : [];
  const d = problem.d ? [...problem.d] : [];
  // generic rows g·z ≤ h with their origin
  const G: { g: number[]; h: number; kind: 'C' | 'lb' | 'ub'; idx: number }[] = [];
  C.forEach((g, i) => G.push({ g, h: d[i]!, kind: 'C', idx: i }));
  for (let j = 0; j < n; j++) {
    const e = new Array<number>(n).fill(0);
    if (problem.lb && problem.lb[j]! > -Infinity) G.push({ g: e.map((_, k) => (k === j ? -1 : 0)), h: -problem.lb[j]!, kind: 'lb', idx: j });
    if (problem.ub && problem.ub[j]! < Infinity) G.push({ g: e.map((_, k) => (k === j ? 1 : 0)), h: problem.ub[j]!, kind: 'ub', idx: j });
  }
  const p = A.length;
  let best: Reference | null = null;
  for (let mask = 0; mask < 1 << G.length; mask++) {
    const S = G.filter((_, i) => mask & (1 << i));
    if (p + S.length > n) continue;
    const N = n + p + S.length;
    const K: number[][] = [];
    for (let i = 0; i < n; i++) K.push([...P[i]!, ...A.map((r) => r[i]!), ...S.map((s) => s.g[i]!)]);
    for (const r of A) K.push([...r, ...new Array<number>(N - n).fill(0)]);
    for (const s of S) K.push([...s.g, ...new Array<number>(N - n).fill(0)]);
    const rhs = [...[...problem.q].map((v) => -v), ...b, ...S.map((s) => s.h)];
    const sol = denseSolve(K, rhs);
    if (!sol) continue;
    const z = sol.slice(0, n);
    const lam = sol.slice(n, n + p);
    const muS = sol.slice(n + p);
    if (muS.some((v) => v < -1e-10)) continue;
    if (G.some((r) => r.g.reduce((acc, gv, k) => acc + gv * z[k]!, 0) > r.h + 1e-10)) continue;
    const ref: Reference = { z, lambda: lam, mu: new Array<number>(C.length).fill(0), muLb: new Array<number>(n).fill(0), muUb: new Array<number>(n).fill(0) };
    S.forEach((s, k) => {
      if (s.kind === 'C') ref.mu[s.idx] = muS[k]!;
      else if (s.kind === 'lb') ref.muLb[s.idx] = muS[k]!;
      else ref.muUb[s.idx] = muS[k]!;
    });
    best = ref;
    break;
  }
  if (!best) throw new Error('brute force found no KKT point');
  return best;
}

/** Random strictly convex QP, n ≤ 4, p equalities, m inequalities (m ≤ 5), some finite bounds; feasible by construction. */
function randomQP(rand: () => number, n: number, p: number, m: number, sparse: boolean): QPProblem {
  const g = () => 2 * rand() - 1;
  const Q = Array.from({ length: n }, () => Array.from({ length: n }, g));
  const P = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => Q.reduce((s, r) => s + r[i]! * r[j]!, 0) + (i === j ? 0.3 : 0)));
  const z0 = Array.from({ length: n }, g);
  const A = Array.from({ length: p }, () => Array.from({ length: n }, g));
  const C = Array.from({ length: m }, () => Array.from({ length: n }, g));
  const b = A.map((r) => r.reduce((s, v, k) => s + v * z0[k]!, 0));
  const d = C.map((r) => r.reduce((s, v, k) => s + v * z0[k]!, 0) + 0.5 * rand());
  const lb = z0.map((v) => (rand() < 0.4 ? v - 0.2 - rand() : -Infinity));
  const ub = z0.map((v) => (rand() < 0.4 ? v + 0.2 + rand() : Infinity));
  const q = Array.from({ length: n }, () => 3 * g());
  const mat = (rows: number[][], cols: number): Matrix => (sparse ? cscFromDense(dm(rows, cols)) : dm(rows, cols));
  return {
    P: mat(P, n),
    q: vec(q),
    ...(p > 0 ? { A: mat(A, n), b: vec(b) } : {}),
    ...(m > 0 ? { C: mat(C, n), d: vec(d) } : {}),
    lb: vec(lb),
    ub: vec(ub),
  };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) s = Math.max(s, Math.abs(a[i]! - b[i]!));
  return s;
}

/** ‖P z + q + Aᵀλ + Cᵀμ − μ_lb + μ_ub‖∞ computed densely here (independent of the backend). */
function stationarity(problem: QPProblem, s: AdmmSolution): number {
  const n = problem.q.length;
  const r = [...problem.q];
  const P = denseRows(problem.P);
  const A = denseRows(problem.A);
  const C = denseRows(problem.C);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) r[i]! += P[i]![j]! * s.z[j]!;
  A.forEach((row, k) => row.forEach((v, j) => (r[j]! += v * s.lambda[k]!)));
  C.forEach((row, k) => row.forEach((v, j) => (r[j]! += v * s.mu[k]!)));
  for (let j = 0; j < n; j++) r[j]! += (s.muUb?.[j] ?? 0) - (s.muLb?.[j] ?? 0);
  return Math.max(...r.map(Math.abs));
}

afterEach(() => {
  vi.restoreAllMocks();
});

// ---------------------------------------------------------------- tests

describe('admm: known small solutions', () => {
  it('equality-constrained least norm: z = (½, ½), λ = ½', () => {
    // min ½(z1² + z2²) − z1 − z2  s.t.  z1 + z2 = 1  →  z = (½, ½), P z + q + λ·1 = 0 ⇒ λ = ½
    const s = solve({ P: dm([[1, 0], [0, 1]]), q: vec([-1, -1]), A: dm([[1, 1]]), b: vec([1]) });
    expect(s.status).toBe('solved');
    expect(s.polished).toBe(true);
    expect(maxAbsDiff(s.z, [0.5, 0.5])).toBeLessThan(1e-12);
    expect(Math.abs(s.lambda[0]! - 0.5)).toBeLessThan(1e-12);
    expect(s.muLb).toBeUndefined();
    expect(s.hasDuals).toBe(true);
    expect(s.solver).toBe('admm');
  });

  it('active inequality: min ½z² − 2z s.t. z ≤ 1 → z = 1, μ = 1, objective −1.5', () => {
    const s = solve({ P: dm([[1]]), q: vec([-2]), C: dm([[1]]), d: vec([1]) });
    expect(s.status).toBe('solved');
    expect(Math.abs(s.z[0]! - 1)).toBeLessThan(1e-12);
    expect(Math.abs(s.mu[0]! - 1)).toBeLessThan(1e-12);
    expect(Math.abs(s.objective + 1.5)).toBeLessThan(1e-12);
  });

  it('box projection: z = clamp(a, lb, ub), μ_ub = [a − ub]₊, μ_lb = [lb − a]₊', () => {
    const a = [2, -3, 0.5, 7, -0.25];
    const lb = [-1, -1, -1, -Infinity, -Infinity];
    const ub = [1, 1, 1, 5, Infinity];
    const n = a.length;
    const I = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
    for (const sparse of [false, true]) {
      const P: Matrix = sparse ? cscFromDense(dm(I)) : dm(I);
      const s = solve({ P, q: vec(a.map((v) => -v)), lb: vec(lb), ub: vec(ub) });
      expect(s.status).toBe('solved');
      expect(s.polished).toBe(true);
      expect(maxAbsDiff(s.z, a.map((v, i) => Math.min(Math.max(v, lb[i]!), ub[i]!)))).toBeLessThan(1e-12);
      expect(maxAbsDiff(s.muUb!, a.map((v, i) => Math.max(v - ub[i]!, 0)))).toBeLessThan(1e-12);
      expect(maxAbsDiff(s.muLb!, a.map((v, i) => Math.max(lb[i]! - v, 0)))).toBeLessThan(1e-12);
    }
  });

  it('an LP (P = 0, empty CSC): min −2z1 − z2 s.t. z1 + z2 ≤ 1.5, 0 ≤ z ≤ 1 → z = (1, ½), μ = 1, μ_ub = (1, 0)', () => {
    const P: Matrix = { format: 'csc', nrows: 2, ncols: 2, colPtr: new Int32Array(3), rowIdx: new Int32Array(0), values: new Float64Array(0) };
    const s = solve({ P, q: vec([-2, -1]), C: dm([[1, 1]]), d: vec([1.5]), lb: vec([0, 0]), ub: vec([1, 1]) });
    expect(s.status).toBe('solved');
    expect(s.polished).toBe(true);
    expect(maxAbsDiff(s.z, [1, 0.5])).toBeLessThan(1e-12);
    expect(Math.abs(s.mu[0]! - 1)).toBeLessThan(1e-12);
    expect(maxAbsDiff(s.muUb!, [1, 0])).toBeLessThan(1e-12);
    expect(maxAbsDiff(s.muLb!, [0, 0])).toBeLessThan(1e-12);
    expect(Math.abs(s.objective + 2.5)).toBeLessThan(1e-12);
  });

  it('an unconstrained QP is solved (polishing solves P z = −q)', () => {
    const s = solve({ P: dm([[4, 1], [1, 3]]), q: vec([1, 2]) });
    expect(s.status).toBe('solved');
    // [4 1; 1 3] z = −(1, 2) → z = (−1/11, −7/11)
    expect(maxAbsDiff(s.z, [-1 / 11, -7 / 11])).toBeLessThan(1e-12);
    expect(s.mu.length).toBe(0);
    expect(s.lambda.length).toBe(0);
  });
});

describe('admm: random strictly convex QPs against brute-force active-set enumeration', () => {
  const cases: { seed: number; n: number; p: number; m: number; sparse: boolean }[] = [];
  for (let k = 0; k < 40; k++) {
    const r = rng(1000 + k);
    const n = 1 + Math.floor(r() * 4);
    const p = Math.floor(r() * Math.min(n, 2));
    const m = Math.floor(r() * 6);
    cases.push({ seed: 77 + k, n, p, m, sparse: k % 2 === 1 });
  }

  it('with polishing (default): z to 1e-8, duals to 1e-7, KKT residual < 1e-9', () => {
    let polished = 0;
    for (const c of cases) {
      const problem = randomQP(rng(c.seed), c.n, c.p, c.m, c.sparse);
      const ref = bruteForce(problem);
      const s = solve(problem);
      expect(s.status, `seed ${c.seed}`).toBe('solved');
      expect(s.polished, `seed ${c.seed}`).toBe(true);
      polished++;
      expect(maxAbsDiff(s.z, ref.z), `z, seed ${c.seed}`).toBeLessThan(1e-8);
      expect(maxAbsDiff(s.lambda, ref.lambda), `λ, seed ${c.seed}`).toBeLessThan(1e-7);
      expect(maxAbsDiff(s.mu, ref.mu), `μ, seed ${c.seed}`).toBeLessThan(1e-7);
      expect(maxAbsDiff(s.muLb!, ref.muLb), `μ_lb, seed ${c.seed}`).toBeLessThan(1e-7);
      expect(maxAbsDiff(s.muUb!, ref.muUb), `μ_ub, seed ${c.seed}`).toBeLessThan(1e-7);
      expect(stationarity(problem, s)).toBeLessThan(1e-9);
      expect(s.residuals.primal).toBeLessThan(1e-9);
      expect(s.residuals.gap).toBeLessThan(1e-9);
      for (const v of [...s.mu, ...s.muLb!, ...s.muUb!]) expect(v).toBeGreaterThanOrEqual(0);
    }
    expect(polished).toBe(cases.length);
  });

  it('without polishing: residuals within the requested tolerance, z close to the reference', () => {
    for (const c of cases) {
      const problem = randomQP(rng(c.seed), c.n, c.p, c.m, c.sparse);
      const ref = bruteForce(problem);
      const eps = 1e-7;
      const s = solve(problem, { epsAbs: eps, epsRel: eps, options: { polish: false } });
      expect(s.status, `seed ${c.seed}`).toBe('solved');
      expect(s.polished).toBe(false);
      expect(s.info.polishStatus).toBe('not_attempted');
      // OSQP's criterion (scale ≤ ~10 here): primal ≤ ε(1 + ‖Ãx‖), dual ≤ ε(1 + max(‖Px‖, ‖Ãᵀy‖, ‖q‖))
      expect(s.info.primalResidual).toBeLessThan(50 * eps);
      expect(s.info.dualResidual).toBeLessThan(50 * eps);
      expect(stationarity(problem, s)).toBeLessThan(50 * eps);
      expect(maxAbsDiff(s.z, ref.z), `z, seed ${c.seed}`).toBeLessThan(1e-4);
    }
  });
});

describe('admm: infeasibility', () => {
  it('primal infeasible (z ≥ 1 by a bound, z1 + z2 ≤ 0, z2 ≥ 0.5): status and a valid Farkas certificate', () => {
    const problem: QPProblem = {
      P: dm([[1, 0], [0, 1]]),
      q: vec([0, 0]),
      C: dm([[1, 1], [0, -1]]),
      d: vec([0, -0.5]),
      lb: vec([1, -Infinity]),
    };
    const s = solve(problem);
    expect(s.status).toBe('primal_infeasible');
    const cert = s.primalCertificate!;
    expect(cert).toBeDefined();
    // Cᵀμ − μ_lb + μ_ub ≈ 0 and dᵀμ − lbᵀμ_lb + ubᵀμ_ub < 0 with μ ≥ 0
    const C = denseRows(problem.C);
    const r = [0, 0];
    C.forEach((row, k) => row.forEach((v, j) => (r[j]! += v * cert.mu[k]!)));
    for (let j = 0; j < 2; j++) r[j]! += cert.muUb[j]! - cert.muLb[j]!;
    expect(Math.max(...r.map(Math.abs))).toBeLessThan(1e-3);
    const support = problem.d![0]! * cert.mu[0]! + problem.d![1]! * cert.mu[1]! - 1 * cert.muLb[0]!;
    expect(support).toBeLessThan(-0.1);
    expect(cert.muLb[1]).toBe(0); // no finite lower bound on z2
    for (const v of [...cert.mu, ...cert.muLb, ...cert.muUb]) expect(v).toBeGreaterThanOrEqual(0);
  });

  it('primal infeasible equalities (z1 + z2 = 1 and z1 + z2 = 2)', () => {
    const s = solve({ P: dm([[1, 0], [0, 1]]), q: vec([0, 0]), A: dm([[1, 1], [1, 1]]), b: vec([1, 2]) });
    expect(s.status).toBe('primal_infeasible');
    const l = s.primalCertificate!.lambda;
    expect(Math.abs(l[0]! + l[1]!)).toBeLessThan(1e-3); // Aᵀλ = 0
    expect(l[0]! * 1 + l[1]! * 2).toBeLessThan(-0.1); // bᵀλ < 0
  });

  it('dual infeasible (unbounded: min z1² − z2 s.t. z2 ≥ 0): status and an improving direction', () => {
    const s = solve({ P: dm([[2, 0], [0, 0]]), q: vec([0, -1]), lb: vec([-Infinity, 0]) });
    expect(s.status).toBe('dual_infeasible');
    const dz = s.dualCertificate!;
    expect(Math.abs(dz[0]!)).toBeLessThan(1e-3); // P dz ≈ 0
    expect(dz[1]).toBeGreaterThan(0.99); // qᵀdz < 0 and dz2 ≥ 0
  });

  it('dual infeasible LP (min −z1 s.t. z1 − z2 ≤ 0): the direction satisfies C dz ≤ 0, qᵀdz < 0', () => {
    const P: Matrix = { format: 'csc', nrows: 2, ncols: 2, colPtr: new Int32Array(3), rowIdx: new Int32Array(0), values: new Float64Array(0) };
    const s = solve({ P, q: vec([-1, 0]), C: dm([[1, -1]]), d: vec([0]) });
    expect(s.status).toBe('dual_infeasible');
    const dz = s.dualCertificate!;
    expect(dz[0]! - dz[1]!).toBeLessThan(1e-3);
    expect(-dz[0]!).toBeLessThan(-0.5);
  });
});

describe('admm: warm start, ρ adaptation, limits', () => {
  function mediumQP(seed: number, shift = 0): QPProblem {
    const rand = rng(seed);
    const n = 30;
    const m = 20;
    const g = () => 2 * rand() - 1;
    const Q = Array.from({ length: n }, () => Array.from({ length: n }, g));
    const P = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => Q.reduce((s, r) => s + r[i]! * r[j]!, 0) + (i === j ? 0.1 : 0)));
    const C = Array.from({ length: m }, () => Array.from({ length: n }, g));
    const A = Array.from({ length: 5 }, () => Array.from({ length: n }, g));
    const q = Array.from({ length: n }, () => 5 * g() + shift);
    return {
      P: cscFromDense(dm(P)),
      q: vec(q),
      A: cscFromDense(dm(A)),
      b: vec(A.map(() => g())),
      C: cscFromDense(dm(C)),
      d: vec(C.map(() => 1 + rand())),
      lb: vec(new Array<number>(n).fill(-2)),
      ub: vec(new Array<number>(n).fill(2)),
    };
  }

  it('a warm start at a nearby solution needs fewer iterations than a cold start', () => {
    const base = solve(mediumQP(5), { epsAbs: 1e-6, epsRel: 1e-6, options: { polish: false } });
    expect(base.status).toBe('solved');
    const perturbed = mediumQP(5, 0.01);
    const settings: QPSettings = { epsAbs: 1e-6, epsRel: 1e-6, options: { polish: false } };
    const cold = solve(perturbed, settings);
    const warm = solve(perturbed, { ...settings, warmStart: { z: base.z, lambda: base.lambda, mu: base.mu } });
    expect(cold.status).toBe('solved');
    expect(warm.status).toBe('solved');
    expect(warm.iterations).toBeLessThan(cold.iterations);
    expect(maxAbsDiff(warm.z, cold.z)).toBeLessThan(1e-3);
  });

  it('a warm start at the exact solution stops at the first termination check', () => {
    const problem = mediumQP(6);
    const exact = solve(problem, { epsAbs: 1e-9, epsRel: 1e-9 });
    expect(exact.polished).toBe(true);
    const warm = solve(problem, { epsAbs: 1e-6, epsRel: 1e-6, warmStart: { z: exact.z, lambda: exact.lambda, mu: exact.mu }, options: { polish: false, checkTermination: 1 } });
    expect(warm.status).toBe('solved');
    expect(warm.iterations).toBeLessThanOrEqual(5);
  });

  it('ρ adaptation refactors numerically without a new symbolic analysis', () => {
    const analyze = vi.spyOn(SparseLdl, 'analyze');
    const factor = vi.spyOn(SparseLdl.prototype, 'factor');
    // start with a badly chosen ρ so that the adaptation must change it
    const s = solve(mediumQP(7), { epsAbs: 1e-6, epsRel: 1e-6, options: { rho: 1e-5, polish: false, adaptiveRhoInterval: 25 } });
    expect(s.status).toBe('solved');
    expect(s.info.rhoUpdates).toBeGreaterThanOrEqual(1);
    expect(s.info.rho).toBeGreaterThan(5e-5);
    expect(s.info.analyses).toBe(1);
    expect(s.info.factorizations).toBe(1 + s.info.rhoUpdates);
    expect(analyze).toHaveBeenCalledTimes(1);
    // plus the convexity test's factorization when P is not diagonally dominant
    const check = diagonallyDominantPsd(mediumQP(7).P) ? 0 : 1;
    expect(factor).toHaveBeenCalledTimes(1 + s.info.rhoUpdates + check);
  });

  it('without adaptation ρ stays fixed and only one factorization happens', () => {
    const s = solve(mediumQP(7), { epsAbs: 1e-4, epsRel: 1e-4, maxIter: 20000, options: { rho: 1e-2, adaptiveRho: false, polish: false } });
    expect(s.info.rhoUpdates).toBe(0);
    expect(s.info.factorizations).toBe(1);
    expect(s.info.rho).toBe(1e-2);
  });

  it('maxIter → status max_iter; a loosened tolerance met at the limit → solved_inaccurate', () => {
    const problem = mediumQP(8);
    const hard = solve(problem, { maxIter: 7, epsAbs: 1e-12, epsRel: 1e-12, options: { polish: false, inaccurateFactor: 1 } });
    expect(hard.status).toBe('max_iter');
    expect(hard.iterations).toBe(7);
    const loose = solve(problem, { maxIter: 7, epsAbs: 1e-12, epsRel: 1e-12, options: { polish: false, inaccurateFactor: 1e14 } });
    expect(loose.status).toBe('solved_inaccurate');
  });

  it('polishing at the iteration limit returns the exact solution with status solved', () => {
    const problem = randomQP(rng(4242), 4, 1, 5, false);
    const ref = bruteForce(problem);
    const s = solve(problem, { maxIter: 20, epsAbs: 1e-14, epsRel: 1e-14 });
    expect(s.info.admmStatus).toBe('max_iter');
    expect(s.polished).toBe(true);
    expect(s.status).toBe('solved');
    expect(maxAbsDiff(s.z, ref.z)).toBeLessThan(1e-9);
  });

  it('an expired time limit stops after one iteration with status time_limit', () => {
    const s = solve(mediumQP(9), { timeLimit: 1e-9 });
    expect(s.status).toBe('time_limit');
    expect(s.iterations).toBe(1);
  });
});

describe('admm: input handling and reporting', () => {
  it('rejects invalid options with InputError naming the option', () => {
    const problem: QPProblem = { P: dm([[1]]), q: vec([1]) };
    expect(() => solve(problem, { options: { rho: -1 } })).toThrow(InputError);
    expect(() => solve(problem, { options: { alpha: 2.5 } })).toThrow(/settings\.options\.alpha/);
    expect(() => solve(problem, { maxIter: 0 })).toThrow(/settings\.maxIter/);
    expect(() => solve(problem, { warmStart: { z: vec([1, 2]) } })).toThrow(/settings\.warmStart\.z/);
  });

  it("a non-convex P is reported as 'non_convex', never NaN", () => {
    const s = solve({ P: dm([[-1, 0], [0, 1]]), q: vec([1, 1]), lb: vec([-1, -1]), ub: vec([1, 1]) });
    expect(s.status).toBe('non_convex');
    for (const v of s.z) expect(Number.isFinite(v)).toBe(true);
  });

  it('verbose writes one progress line per termination check to the log sink', () => {
    const lines: string[] = [];
    const previous = setLogHandler((line) => {
      lines.push(`${line}\n`);
    });
    let s: ReturnType<typeof solve>;
    try {
      s = solve({ P: dm([[1]]), q: vec([-2]), C: dm([[1]]), d: vec([1]) }, { verbose: true, options: { checkTermination: 5 } });
    } finally {
      setLogHandler(previous);
    }
    const text = lines.join('');
    const iterLines = text.split('\n').filter((t) => /^\s+\d+\s/.test(t));
    expect(iterLines.length).toBe(Math.ceil(s.iterations / 5));
    expect(text).toMatch(/admm: n = 1/);
  });
});
