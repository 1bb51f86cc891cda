import { describe, expect, it } from 'vitest';
import {
  chainQP,
  generateProblem,
  kNearestNeighbours,
  knnLaplacian,
  randomDenseQP,
  randomSparseQP,
  simplexProjectionExact,
  simplexProjectionQP,
} from '../bench/generators.ts';
import { InputError } from '../optimizer/errors.ts';
import type { CscMatrix, Matrix } from '../optimizer/linalg/types.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { Rng, seedFrom } from '../optimizer/util/random.ts';

// ---------- small independent dense helpers (row-major number[][]) ----------
function toRows(M: Matrix): number[][] {
  const out = Array.from({ length: M.nrows }, () => new Array<number>(M.ncols).fill(0));
  if (M.format === 'dense') {
    for (let i = 0; i < M.nrows; i++) for (let j = 0; j < M.ncols; j++) out[i]![j] = M.data[i * M.ncols + j]!;
  } else {
    for (let j = 0; j < M.ncols; j++) {
      for (let e = M.colPtr[j]!; e < M.colPtr[j + 1]!; e++) out[M.rowIdx[e]!]![j]! += M.values[e]!;
    }
  }
  return out;
}
const mul = (M: number[][], x: ArrayLike<number>) => M.map((r) => r.reduce((s, v, j) => s + v * x[j]!, 0));
const mulT = (M: number[][], y: ArrayLike<number>, n: number) => {
  const out = new Array<number>(n).fill(0);
  M.forEach((r, i) => r.forEach((v, j) => (out[j]! += v * y[i]!)));
  return out;
};
/** Cholesky succeeds ⇔ symmetric positive definite (for a symmetric input). Returns min pivot. */
function choleskyMinPivot(S: number[][]): number {
  const n = S.length;
  const L = S.map((r) => r.slice());
  let minPivot = Infinity;
  for (let j = 0; j < n; j++) {
    let d = L[j]![j]!;
    for (let k = 0; k < j; k++) d -= L[j]![k]! ** 2;
    minPivot = Math.min(minPivot, d);
    if (!(d > 0)) return d;
    const ljj = Math.sqrt(d);
    L[j]![j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = L[i]![j]!;
      for (let k = 0; k < j; k++) s -= L[i]![k]! * L[j]![k]!;
      L[i]![j] = s / ljj;
    }
  }
  return minPivot;
}
/** numerical rank by Gaussian elimination with partial pivoting */
function rank(M: number[][], tol = 1e-9): number {
  const A = M.map((r) => r.slice());
  const rows = A.length, cols = A[0]?.length ?? 0;
  let r = 0;
  for (let c = 0; c < cols && r < rows; c++) {
    let piv = r;
    for (let i = r + 1; i < rows; i++) if (Math.abs(A[i]![c]!) > Math.abs(A[piv]![c]!)) piv = i;
    if (Math.abs(A[piv]![c]!) <= tol) continue;
    [A[r], A[piv]] = [A[piv]!, A[r]!];
    for (let i = r + 1; i < rows; i++) {
      const f = A[i]![c]! / A[r]![c]!;
      for (let j = c; j < cols; j++) A[i]![j]! -= f * A[r]![j]!;
    }
    r++;
  }
  return r;
}
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
function expectValidCsc(M: CscMatrix): void {
  expect(M.colPtr.length).toBe(M.ncols + 1);
  expect(M.colPtr[0]).toBe(0);
  for (let j = 0; j < M.ncols; j++) {
    for (let e = M.colPtr[j]!; e < M.colPtr[j + 1]!; e++) {
      expect(M.rowIdx[e]).toBeGreaterThanOrEqual(0);
      expect(M.rowIdx[e]).toBeLessThan(M.nrows);
      if (e > M.colPtr[j]!) expect(M.rowIdx[e]!).toBeGreaterThan(M.rowIdx[e - 1]!);
    }
  }
}
function expectSymmetric(S: number[][], tol = 0): void {
  for (let i = 0; i < S.length; i++) for (let j = 0; j < i; j++) expect(Math.abs(S[i]![j]! - S[j]![i]!)).toBeLessThanOrEqual(tol);
}
function sameProblem(a: QPProblem, b: QPProblem): boolean {
  const arr = (M: Matrix | null | undefined) => (M ? (M.format === 'dense' ? M.data : M.values) : new Float64Array());
  return (
    maxAbsDiff(arr(a.P), arr(b.P)) === 0 &&
    arr(a.P).length === arr(b.P).length &&
    maxAbsDiff(a.q, b.q) === 0 &&
    maxAbsDiff(arr(a.C), arr(b.C)) === 0 &&
    maxAbsDiff(arr(a.A), arr(b.A)) === 0
  );
}

// ---------- the PRNG ----------
describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(7), b = new Rng(7), c = new Rng(8);
    const xa = Array.from({ length: 20 }, () => a.nextUint32());
    const xb = Array.from({ length: 20 }, () => b.nextUint32());
    const xc = Array.from({ length: 20 }, () => c.nextUint32());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
    expect(new Rng('abc').uniform()).toBe(new Rng('abc').uniform());
    expect(seedFrom('dense', 10, 0)).not.toBe(seedFrom('dense', 10, 1));
  });
  it('uniform is in [0,1) with mean 1/2 and variance 1/12; normal has mean 0, variance 1', () => {
    const r = new Rng(123);
    const N = 200_000;
    let s = 0, s2 = 0, lo = 1, hi = 0;
    for (let i = 0; i < N; i++) {
      const u = r.uniform();
      s += u;
      s2 += u * u;
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(s / N - 0.5)).toBeLessThan(5e-3); // std of the mean ≈ 6.5e-4
    expect(Math.abs(s2 / N - (s / N) ** 2 - 1 / 12)).toBeLessThan(2e-3);
    let t = 0, t2 = 0, t4 = 0;
    for (let i = 0; i < N; i++) {
      const z = r.normal();
      t += z;
      t2 += z * z;
      t4 += z ** 4;
    }
    expect(Math.abs(t / N)).toBeLessThan(0.015);
    expect(Math.abs(t2 / N - 1)).toBeLessThan(0.02);
    expect(Math.abs(t4 / N - 3)).toBeLessThan(0.1); // Gaussian kurtosis
  });
  it('int covers its range evenly; permutation is a permutation; bad arguments throw', () => {
    const r = new Rng(5);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.int(6)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    const p = Array.from(r.permutation(50)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(() => r.int(0)).toThrow(InputError);
    expect(() => new Rng(Number.NaN)).toThrow(InputError);
  });
});

// ---------- families ----------
describe('randomDenseQP', () => {
  it('has the documented shapes, SPD P and the strictly feasible point z = 1', () => {
    const n = 25;
    const pr = randomDenseQP(n, 3);
    expect(pr.P.format).toBe('dense');
    expect([pr.P.nrows, pr.P.ncols, pr.q.length]).toEqual([n, n, n]);
    expect([pr.C!.nrows, pr.C!.ncols, pr.d!.length]).toEqual([n, n, n]);
    expect([pr.A!.nrows, pr.A!.ncols, pr.b!.length]).toEqual([13, n, 13]);
    const P = toRows(pr.P);
    expectSymmetric(P);
    expect(choleskyMinPivot(P)).toBeGreaterThan(0);
    // P − 1e-4 I is a Gram matrix of U(0,1) columns: entries positive
    const ones = new Array<number>(n).fill(1);
    const Cz = mul(toRows(pr.C!), ones);
    Cz.forEach((v, i) => expect(v - pr.d![i]!).toBeCloseTo(-1, 10));
    expect(maxAbsDiff(mul(toRows(pr.A!), ones), pr.b!)).toBeLessThan(1e-12);
    for (const v of pr.q) expect(v >= 0 && v < 1).toBe(true);
  });
  it('P equals QᵀQ + 1e-4 I for the Q drawn first from the seed', () => {
    const n = 6, seed = 11;
    const Q = new Rng(seed).fillUniform(new Float64Array(n * n));
    const P = toRows(randomDenseQP(n, seed).P);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = i === j ? 1e-4 : 0;
        for (let r = 0; r < n; r++) s += Q[r * n + i]! * Q[r * n + j]!;
        expect(P[i]![j]).toBeCloseTo(s, 12);
      }
    }
  });
  it('is deterministic in the seed', () => {
    expect(sameProblem(randomDenseQP(10, 1), randomDenseQP(10, 1))).toBe(true);
    expect(sameProblem(randomDenseQP(10, 1), randomDenseQP(10, 2))).toBe(false);
  });
});

describe('k-NN graph and Laplacian', () => {
  it('kNearestNeighbours matches brute force (grid search is exact)', () => {
    const rng = new Rng(99);
    for (const n of [5, 40, 700]) {
      const pts = rng.fillNormal(new Float64Array(2 * n), 0, 3);
      const k = Math.min(3, n - 1);
      const got = kNearestNeighbours(pts, n, k);
      for (let i = 0; i < n; i++) {
        const d = (j: number) => (pts[2 * j]! - pts[2 * i]!) ** 2 + (pts[2 * j + 1]! - pts[2 * i + 1]!) ** 2;
        const brute = Array.from({ length: n }, (_, j) => j)
          .filter((j) => j !== i)
          .sort((a, b) => d(a) - d(b) || a - b)
          .slice(0, k);
        expect(Array.from(got.subarray(i * k, i * k + k))).toEqual(brute);
      }
    }
  });
  it('the Laplacian is symmetric with zero row sums, degree ≥ k on the diagonal', () => {
    const n = 60, k = 3;
    const pts = new Rng(4).fillUniform(new Float64Array(2 * n));
    const L = knnLaplacian(pts, n, k);
    expectValidCsc(L);
    const D = toRows(L);
    expectSymmetric(D);
    for (let i = 0; i < n; i++) {
      expect(D[i]!.reduce((s, v) => s + v, 0)).toBe(0);
      expect(D[i]![i]!).toBeGreaterThanOrEqual(k);
      for (let j = 0; j < n; j++) if (j !== i) expect([0, -1]).toContain(D[i]![j]);
    }
  });
});

describe('randomSparseQP', () => {
  it('has SPD P = LᵀL + ridge I, no empty rows, full-row-rank A and z = 1 strictly feasible', () => {
    const n = 120;
    const pr = randomSparseQP(n, 17);
    for (const M of [pr.P, pr.C!, pr.A!]) {
      expect(M.format).toBe('csc');
      expectValidCsc(M as CscMatrix);
    }
    expect([pr.C!.nrows, pr.A!.nrows]).toEqual([n, 60]);
    const P = toRows(pr.P);
    expectSymmetric(P);
    const minPivot = choleskyMinPivot(P);
    expect(minPivot).toBeGreaterThan(0);
    // P − ridge·I is a square of a Laplacian: singular (constants in its kernel)
    const ones = new Array<number>(n).fill(1);
    expect(maxAbsDiff(mul(P, ones), ones.map(() => 1e-4))).toBeLessThan(1e-12);
    for (const M of [pr.C!, pr.A!]) {
      const rowsSeen = new Set((M as CscMatrix).rowIdx);
      expect(rowsSeen.size).toBe(M.nrows);
    }
    expect(rank(toRows(pr.A!))).toBe(60);
    expect(maxAbsDiff(mul(toRows(pr.A!), ones), pr.b!)).toBeLessThan(1e-12);
    mul(toRows(pr.C!), ones).forEach((v, i) => expect(pr.d![i]! - v).toBeCloseTo(1, 12));
  });
  it('density adds the expected number of random entries; deterministic in the seed', () => {
    const n = 2000;
    const pr = randomSparseQP(n, 5);
    const C = pr.C as CscMatrix;
    // ⌈5e-4·n·n⌉ = 2000 random + n transversal entries, minus rare coincident positions
    expect(C.colPtr[n]).toBeGreaterThan(2 * n - 10);
    expect(C.colPtr[n]).toBeLessThanOrEqual(2 * n);
    expect(sameProblem(pr, randomSparseQP(n, 5))).toBe(true);
    expect(sameProblem(pr, randomSparseQP(n, 6))).toBe(false);
  });
});

describe('simplex projection', () => {
  it('sparsemax satisfies the KKT conditions of the generated QP (rows form)', () => {
    for (const n of [1, 2, 10, 500]) {
      const pr = simplexProjectionQP(n, seedFrom('t', n));
      const ex = simplexProjectionExact(pr.q);
      const { z, lambda, mu } = ex;
      // primal: 1ᵀz = 1, −z ≤ 0
      expect(z.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
      for (const v of z) expect(v).toBeGreaterThanOrEqual(0);
      for (const v of mu) expect(v).toBeGreaterThanOrEqual(0);
      // complementarity μ ⊙ (Cz − d) = −μ ⊙ z = 0
      for (let i = 0; i < n; i++) expect(mu[i]! * z[i]!).toBe(0);
      // stationarity with the problem's own matrices: P z + q + Aᵀλ + Cᵀμ = 0
      const r = mul(toRows(pr.P), z).map((v, i) => v + pr.q[i]!);
      const at = mulT(toRows(pr.A!), lambda, n);
      const ct = mulT(toRows(pr.C!), mu, n);
      expect(maxAbsDiff(r.map((v, i) => v + at[i]! + ct[i]!), new Float64Array(n))).toBeLessThan(1e-12);
      expect(ex.support).toBe(z.filter((v) => v > 0).length);
      expect(pr.d!.every((v) => v === 0)).toBe(true);
    }
  });
  it('matches an independent bisection on τ and a brute-force check of optimality', () => {
    const q = new Rng(8).fillNormal(new Float64Array(300));
    const ex = simplexProjectionExact(q);
    // Σ max(−q − τ, 0) = 1 is decreasing in τ: bisection
    let lo = -100, hi = 100;
    for (let it = 0; it < 200; it++) {
      const mid = (lo + hi) / 2;
      const s = q.reduce((acc, v) => acc + Math.max(-v - mid, 0), 0);
      if (s > 1) lo = mid;
      else hi = mid;
    }
    expect(ex.tau).toBeCloseTo(lo, 10);
    // objective no larger than at random feasible points
    const f = (z: ArrayLike<number>) => Array.from(z).reduce((s, v, i) => s + 0.5 * v * v + q[i]! * v, 0);
    const rng = new Rng(1);
    for (let t = 0; t < 50; t++) {
      const w = rng.fillUniform(new Float64Array(300));
      const sum = w.reduce((s, v) => s + v, 0);
      expect(f(ex.z)).toBeLessThanOrEqual(f(w.map((v) => v / sum)));
    }
  });
  it('bounds form has lb = 0 and no C; rejects a non-finite q', () => {
    const pr = simplexProjectionQP(5, 1, { nonnegativity: 'bounds' });
    expect(pr.C).toBeUndefined();
    expect(Array.from(pr.lb!)).toEqual([0, 0, 0, 0, 0]);
    expect(() => simplexProjectionExact(new Float64Array([1, Number.NaN]))).toThrow(InputError);
  });
});

describe('chainQP', () => {
  it('P = (½I + TᵀT) ⊗ I_k and C encodes ±(z_j − z_{j+1 mod m}) ≤ 1', () => {
    const k = 3, m = 7, n = m * k;
    const pr = chainQP(k, 2, { points: m });
    expectValidCsc(pr.P as CscMatrix);
    expectValidCsc(pr.C as CscMatrix);
    expect([pr.P.nrows, pr.C!.nrows, pr.C!.ncols, pr.d!.length]).toEqual([n, 2 * n, n, 2 * n]);
    expect(pr.A ?? null).toBeNull();
    // independent dense reference: T, M = ½I + TᵀT, then kron with I_k
    const T = Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => (i === j ? 2 : Math.abs(i - j) === 1 ? -1 : 0)));
    const M = T.map((_, i) => T.map((__, j) => (i === j ? 0.5 : 0) + T.reduce((s, row) => s + row[i]! * row[j]!, 0)));
    const P = toRows(pr.P);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const ref = i % k === j % k ? M[Math.floor(i / k)]![Math.floor(j / k)]! : 0;
        expect(P[i]![j]).toBe(ref);
      }
    }
    expect(choleskyMinPivot(P)).toBeGreaterThan(0);
    const z = new Rng(3).fillNormal(new Float64Array(n));
    const Cz = mul(toRows(pr.C!), z);
    for (let j = 0; j < m; j++) {
      for (let c = 0; c < k; c++) {
        const diff = z[j * k + c]! - z[((j + 1) % m) * k + c]!;
        expect(Cz[j * k + c]).toBeCloseTo(diff, 14);
        expect(Cz[n + j * k + c]).toBeCloseTo(-diff, 14);
      }
    }
    expect(pr.d!.every((v) => v === 1)).toBe(true); // z = 0 strictly feasible
    // q = −10·N(0,1): sample std near 10
    const big = chainQP(50, 9);
    const std = Math.sqrt(big.q.reduce((s, v) => s + v * v, 0) / big.q.length);
    expect(std).toBeGreaterThan(9.5);
    expect(std).toBeLessThan(10.5);
  });
});

describe('generateProblem', () => {
  it('names problems and is deterministic in (family, n, index)', () => {
    const a = generateProblem('chain', 300, 2);
    expect(a.name).toBe('chain-n300-2');
    expect(a.problem.P.nrows).toBe(300);
    expect(sameProblem(a.problem, generateProblem('chain', 300, 2).problem)).toBe(true);
    expect(sameProblem(a.problem, generateProblem('chain', 300, 3).problem)).toBe(false);
    const s = generateProblem('simplex', 50, 0);
    expect(maxAbsDiff(s.exact!.z, simplexProjectionExact(s.problem.q).z)).toBe(0);
    expect(generateProblem('sparse', 100, 0).problem.P.format).toBe('csc');
    expect(generateProblem('dense', 10, 0).problem.P.format).toBe('dense');
  });
  it('rejects a chain size that is not a multiple of 100 and bad sizes', () => {
    expect(() => generateProblem('chain', 150, 0)).toThrow(/multiple of 100/);
    expect(() => generateProblem('dense', 0, 0)).toThrow(InputError);
    expect(() => randomSparseQP(3, 0, { k: 3 })).toThrow(InputError);
  });
});
