import { describe, expect, it } from 'vitest';
import { DimensionError, InputError } from '../optimizer/errors.ts';
import { DenseLu } from '../optimizer/linalg/dense.ts';
import { cscFromDense, cscSymUpperMatVec, cscUpperTriangle } from '../optimizer/linalg/csc.ts';
import { SparseLdl } from '../optimizer/linalg/ldl.ts';
import { DenseCod, denseLstsq, rangeRestrictedKrylov, RegularizedLstsq, symmetricMinres } from '../optimizer/linalg/lsq.ts';
import { denseFromRows, matTVec, matVec } from '../optimizer/linalg/matrix.ts';
import type { DenseMatrix } from '../optimizer/linalg/types.ts';
import { Rng } from '../optimizer/util/random.ts';

/** Random orthogonal k × k matrix (rows orthonormal) by modified Gram–Schmidt on Gaussian rows. */
function randomOrthogonal(k: number, rng: Rng): Float64Array {
  const Q = rng.fillNormal(new Float64Array(k * k));
  for (let i = 0; i < k; i++) {
    for (let p = 0; p < i; p++) {
      let d = 0;
      for (let j = 0; j < k; j++) d += Q[i * k + j]! * Q[p * k + j]!;
      for (let j = 0; j < k; j++) Q[i * k + j] -= d * Q[p * k + j]!;
    }
    let nrm = 0;
    for (let j = 0; j < k; j++) nrm += Q[i * k + j]! ** 2;
    nrm = Math.sqrt(nrm);
    for (let j = 0; j < k; j++) Q[i * k + j] /= nrm;
  }
  return Q;
}

/**
 * M = Σ_t σ_t u_t v_tᵀ (m × n) with u_t = row t of U, v_t = row t of V and the given singular
 * values; also the reference minimum-norm solution M⁺ b = Σ_{σ_t > 0, t < keep} v_t (u_tᵀ b) / σ_t
 * (keep < #σ: pseudo-inverse of the truncation to the first `keep` singular triplets).
 */
function svdMatrix(m: number, n: number, sigma: number[], rng: Rng, keep = sigma.length) {
  const U = randomOrthogonal(m, rng);
  const V = randomOrthogonal(n, rng);
  const data = new Float64Array(m * n);
  sigma.forEach((s, t) => {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) data[i * n + j] += s * U[t * m + i]! * V[t * n + j]!;
  });
  const M: DenseMatrix = { format: 'dense', nrows: m, ncols: n, data };
  const pinvTimes = (b: Float64Array): Float64Array => {
    const x = new Float64Array(n);
    sigma.forEach((s, t) => {
      if (s === 0 || t >= keep) return;
      let ub = 0;
      for (let i = 0; i < m; i++) ub += U[t * m + i]! * b[i]!;
      for (let j = 0; j < n; j++) x[j] += (V[t * n + j]! * ub) / s;
    });
    return x;
  };
  return { M, pinvTimes };
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function norm(a: Float64Array): number {
  return Math.sqrt(a.reduce((s, v) => s + v * v, 0));
}

describe('denseLstsq', () => {
  const rng = new Rng('lstsq');
  const cases: [string, number, number, number[]][] = [
    ['square full rank', 6, 6, [5, 4, 3, 2, 1, 0.5]],
    ['overdetermined full rank', 12, 5, [3, 2, 2, 1, 0.1]],
    ['underdetermined full rank', 4, 9, [2, 1.5, 1, 0.3]],
    ['square rank 3 of 7', 7, 7, [4, 2, 1, 0, 0, 0, 0]],
    ['tall rank 2', 10, 6, [10, 1, 0, 0, 0, 0]],
    ['wide rank 3', 5, 11, [1, 1, 1, 0, 0]],
    ['rank 1', 8, 8, [7, 0, 0, 0, 0, 0, 0, 0]],
  ];
  for (const [name, m, n, sigma] of cases) {
    it(`returns M⁺b and the rank: ${name} (${m}×${n})`, () => {
      const { M, pinvTimes } = svdMatrix(m, n, sigma, rng);
      const b = rng.fillNormal(new Float64Array(m));
      const { x, rank } = denseLstsq(M, b);
      expect(rank).toBe(sigma.filter((s) => s > 0).length);
      const ref = pinvTimes(b);
      expect(maxAbsDiff(x, ref)).toBeLessThan(1e-10 * Math.max(1, norm(ref)));
      // normal equations hold: Mᵀ(Mx − b) = 0
      const r = matVec(M, x).map((v, i) => v - b[i]!);
      expect(norm(matTVec(M, r))).toBeLessThan(1e-10);
    });
  }

  it('truncates singular values below rcond·σ_max', () => {
    const { M, pinvTimes } = svdMatrix(6, 6, [1, 1, 1, 1e-9, 1e-12, 0], rng, 3);
    const b = rng.fillNormal(new Float64Array(6));
    expect(denseLstsq(M, b).rank).toBe(5); // default rcond = 6ε keeps 1e-9 and 1e-12
    const coarse = denseLstsq(M, b, 1e-6);
    expect(coarse.rank).toBe(3);
    // the answer is (up to O(1e-9) perturbation of the range) the pseudo-inverse of the rank-3 truncation
    expect(maxAbsDiff(coarse.x, pinvTimes(b))).toBeLessThan(1e-7);
  });

  it('handles zero matrices, empty shapes, and a hand-checked 2×2 example', () => {
    const zero = denseLstsq(denseFromRows([[0, 0], [0, 0], [0, 0]]), new Float64Array([1, 2, 3]));
    expect(zero.rank).toBe(0);
    expect(Array.from(zero.x)).toEqual([0, 0]);
    // [1 1; 1 1] x = [2; 0]: LS solutions satisfy x1 + x2 = 1, the minimum-norm one is (½, ½)
    const { x, rank } = denseLstsq(denseFromRows([[1, 1], [1, 1]]), new Float64Array([2, 0]));
    expect(rank).toBe(1);
    expect(x[0]).toBeCloseTo(0.5, 14);
    expect(x[1]).toBeCloseTo(0.5, 14);
    expect(denseLstsq({ format: 'dense', nrows: 0, ncols: 3, data: new Float64Array(0) }, new Float64Array(0)).x.length).toBe(3);
  });

  it('validates its input', () => {
    expect(() => denseLstsq(denseFromRows([[1, 2]]), new Float64Array(2))).toThrow(DimensionError);
    expect(() => denseLstsq(denseFromRows([[1, 2]]), new Float64Array([Number.NaN]))).toThrow(InputError);
  });
});

describe('symmetricMinres', () => {
  const rng = new Rng('minres');
  const applyOf = (K: DenseMatrix) => (x: Float64Array, y: Float64Array) => {
    matVec(K, x, y);
  };

  /** Symmetric K = V diag(λ) Vᵀ with the given eigenvalues. */
  function symmetric(lambda: number[]): DenseMatrix {
    const n = lambda.length;
    const V = randomOrthogonal(n, rng);
    const data = new Float64Array(n * n);
    lambda.forEach((l, t) => {
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[i * n + j] += l * V[t * n + i]! * V[t * n + j]!;
    });
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) data[i * n + j] = data[j * n + i]!; // exact symmetry
    return { format: 'dense', nrows: n, ncols: n, data };
  }

  it('solves a nonsingular indefinite system (agrees with LU)', () => {
    const n = 30;
    const K = symmetric(Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * (1 + i / 3)));
    const b = rng.fillNormal(new Float64Array(n));
    const res = symmetricMinres(applyOf(K), n, b, { tol: 1e-12 });
    expect(res.converged).toBe(true);
    expect(res.stop).toBe('solved');
    expect(res.inconsistent).toBe(false);
    expect(maxAbsDiff(res.x, DenseLu.factor(K).solve(b))).toBeLessThan(1e-9);
    expect(res.residual).toBeLessThan(1e-9);
  });

  it('returns the minimum-norm solution of a consistent singular system', () => {
    const n = 25;
    const lambda = Array.from({ length: n }, (_, i) => (i < 5 ? 0 : (i % 2 ? -2 : 1) * (0.5 + i / 10)));
    const K = symmetric(lambda);
    const b = matVec(K, rng.fillNormal(new Float64Array(n))); // b ∈ range(K)
    const res = symmetricMinres(applyOf(K), n, b, { tol: 1e-12 });
    expect(res.converged).toBe(true);
    expect(res.inconsistent).toBe(false);
    const ref = denseLstsq(K, b, 1e-10).x;
    expect(maxAbsDiff(res.x, ref)).toBeLessThan(1e-8);
  });

  it('returns the minimum-norm least-squares solution of an inconsistent singular system', () => {
    const n = 25;
    const lambda = Array.from({ length: n }, (_, i) => (i < 4 ? 0 : (i % 3 ? 1.5 : -1) * (0.3 + i / 7)));
    const K = symmetric(lambda);
    const b = rng.fillNormal(new Float64Array(n)); // generic b has a null-space component
    const ref = denseLstsq(K, b, 1e-10).x;
    const res = symmetricMinres(applyOf(K), n, b, { tol: 1e-12 });
    expect(res.converged).toBe(true);
    expect(res.inconsistent).toBe(true);
    expect(res.normalResidual).toBeLessThan(1e-8);
    expect(maxAbsDiff(res.x, ref)).toBeLessThan(1e-7);
    // without the minimum-length correction the answer is a least-squares solution too, but longer
    const raw = symmetricMinres(applyOf(K), n, b, { tol: 1e-12, minLength: false });
    expect(raw.normalResidual).toBeLessThan(1e-8);
    expect(norm(raw.x)).toBeGreaterThan(norm(ref) * (1 + 1e-6));
  });

  it('hand-checked singular 2×2: K = [1 0; 0 0], b = (2, 3) → x = (2, 0)', () => {
    const K = denseFromRows([
      [1, 0],
      [0, 0],
    ]);
    const res = symmetricMinres(applyOf(K), 2, new Float64Array([2, 3]));
    expect(res.x[0]).toBeCloseTo(2, 12);
    expect(res.x[1]).toBeCloseTo(0, 12);
    expect(res.residual).toBeCloseTo(3, 12);
    expect(res.inconsistent).toBe(true);
  });

  it('reports maxIter without claiming convergence, and handles b = 0', () => {
    const n = 40;
    const K = symmetric(Array.from({ length: n }, (_, i) => 10 ** (-4 + (8 * i) / (n - 1))));
    const res = symmetricMinres(applyOf(K), n, rng.fillNormal(new Float64Array(n)), { maxIter: 3 });
    expect(res.converged).toBe(false);
    expect(res.stop).toBe('maxIter');
    expect(res.iterations).toBe(3);
    const zero = symmetricMinres(applyOf(K), n, new Float64Array(n));
    expect(zero.converged).toBe(true);
    expect(norm(zero.x)).toBe(0);
    expect(() => symmetricMinres(applyOf(K), n, new Float64Array(3))).toThrow(DimensionError);
  });
});

describe('DenseCod', () => {
  it('factors once and solves several right-hand sides exactly like denseLstsq', () => {
    const rng = new Rng('cod');
    const { M } = svdMatrix(9, 7, [3, 2, 1, 0.5, 0, 0, 0], rng);
    const cod = DenseCod.factor(M);
    expect(cod.rank).toBe(4);
    for (let t = 0; t < 3; t++) {
      const b = rng.fillNormal(new Float64Array(9));
      const out = new Float64Array(7).fill(5);
      const x = cod.solve(b, out);
      expect(x).toBe(out);
      expect(Array.from(x)).toEqual(Array.from(denseLstsq(M, b).x));
    }
    expect(() => cod.solve(new Float64Array(8))).toThrow(DimensionError);
    expect(() => cod.solve(new Float64Array(9), new Float64Array(6))).toThrow(DimensionError);
  });
});

/** Symmetric n × n Q diag(λ) Qᵀ (dense) and its pseudo-inverse action. */
function symmetricWithSpectrum(lambda: number[], rng: Rng) {
  const n = lambda.length;
  const Q = randomOrthogonal(n, rng);
  const data = new Float64Array(n * n);
  lambda.forEach((l, t) => {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[i * n + j] += l * Q[t * n + i]! * Q[t * n + j]!;
  });
  const pinvTimes = (b: Float64Array): Float64Array => {
    const x = new Float64Array(n);
    lambda.forEach((l, t) => {
      if (l === 0) return;
      let qb = 0;
      for (let i = 0; i < n; i++) qb += Q[t * n + i]! * b[i]!;
      for (let i = 0; i < n; i++) x[i] += (Q[t * n + i]! * qb) / l;
    });
    return x;
  };
  return { M: { format: 'dense', nrows: n, ncols: n, data } as DenseMatrix, pinvTimes };
}

describe('rangeRestrictedKrylov', () => {
  it('converges to B⁺b for a symmetric singular B and an inconsistent b', () => {
    const rng = new Rng('rrk');
    const lambda = [3, -2, 1.5, 1, -0.7, 0.5, 0.4, 0, 0, 0, -0.3, 0.2];
    const { M, pinvTimes } = symmetricWithSpectrum(lambda, rng);
    const b = rng.fillNormal(new Float64Array(lambda.length));
    const ref = pinvTimes(b);
    const applyB = (x: Float64Array, y: Float64Array) => {
      matVec(M, x, y);
    };
    const out = rangeRestrictedKrylov(applyB, b, {
      maxIter: 30,
      check: (_u, r) => {
        const br = matVec(M, r);
        return { stop: norm(br) <= 1e-12 * norm(b), score: norm(br) };
      },
    });
    expect(out.stop).toBe('converged');
    expect(maxAbsDiff(out.u, ref)).toBeLessThan(1e-9 * norm(ref));
    // r is the least-squares residual b − B u: the part of b in null(B)
    const bu = matVec(M, out.u);
    expect(maxAbsDiff(out.r, b.map((v, i) => v - bu[i]!))).toBeLessThan(1e-10);
    expect(out.applications).toBeLessThanOrEqual(lambda.length + 2);
  });

  it('returns u = 0 for b = 0, and the best iterate when never converged', () => {
    const rng = new Rng('rrk-null');
    const { M } = symmetricWithSpectrum([2, 1, 0, 0], rng);
    const applyB = (x: Float64Array, y: Float64Array) => {
      matVec(M, x, y);
    };
    const zero = rangeRestrictedKrylov(applyB, new Float64Array(4), { check: () => ({ stop: false, score: 0 }) });
    expect(zero.stop).toBe('zero');
    expect(Array.from(zero.u)).toEqual([0, 0, 0, 0]);
    let calls = 0;
    const never = rangeRestrictedKrylov(applyB, rng.fillNormal(new Float64Array(4)), {
      maxIter: 6,
      window: 100,
      check: () => ({ stop: false, score: 10 - calls++ }),
    });
    expect(['maxIter', 'breakdown']).toContain(never.stop);
    expect(Number.isFinite(never.score)).toBe(true);
  });
});

/**
 * A KKT matrix K = [P Bᵀ; B 0] of size n + r with P = G Gᵀ ⪰ 0 (rank ≤ rankP), `dependent`
 * rows of B that are combinations of others (null Bᵀ ≠ 0) and `free` variables in neither P nor
 * B (null P ∩ null B ≠ 0), scaled to max |K_ij| = 1; signs (+1 n, −1 r); dense, and M = K + δS
 * factored (AMD order).
 */
function kktCase(seed: string, n: number, r: number, rankP: number, dependent: number, free: number) {
  const rng = new Rng(seed);
  const N = n + r;
  const data = new Float64Array(N * N);
  const G = rng.fillNormal(new Float64Array(n * rankP));
  for (let i = 0; i < n - free; i++)
    for (let j = 0; j < n - free; j++) {
      let s = 0;
      for (let t = 0; t < rankP; t++) s += G[i * rankP + t]! * G[j * rankP + t]!;
      data[i * N + j] = s / rankP;
    }
  const B = new Float64Array(r * n);
  for (let i = 0; i < r - dependent; i++) for (let j = 0; j < n - free; j++) if (rng.uniform() < 0.3) B[i * n + j] = rng.normal();
  for (let i = r - dependent; i < r; i++) {
    const a = rng.normal();
    const b = rng.normal();
    const i1 = i - (r - dependent);
    for (let j = 0; j < n; j++) B[i * n + j] = a * B[i1 * n + j]! + b * B[(i1 + 1) * n + j]!;
  }
  for (let i = 0; i < r; i++)
    for (let j = 0; j < n; j++) {
      data[(n + i) * N + j] = B[i * n + j]!;
      data[j * N + n + i] = B[i * n + j]!;
    }
  // unit scale (max |K_ij| = 1), where δ is meaningful
  let mx = 0;
  for (let k = 0; k < N * N; k++) mx = Math.max(mx, Math.abs(data[k]!));
  for (let k = 0; k < N * N; k++) data[k] = data[k]! / mx;
  const K: DenseMatrix = { format: 'dense', nrows: N, ncols: N, data };
  // dense pattern (explicit zeros kept): every diagonal entry is stored
  const U = cscUpperTriangle(cscFromDense(K, true));
  const signs = new Int8Array(N).fill(1, 0, n).fill(-1, n);
  let normK = 0;
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += Math.abs(data[i * N + j]!);
    normK = Math.max(normK, s);
  }
  const applyK = (x: Float64Array, y: Float64Array) => {
    cscSymUpperMatVec(U, x, y);
  };
  // the smallest δ whose factorization refines well (as reduced-kkt.ts chooses it)
  let lsq: RegularizedLstsq | null = null;
  for (const delta of [1e-8, 1e-6, 1e-4]) {
    const ldl = SparseLdl.analyze(U, { signs, staticReg: delta, refineSteps: 0 }).factor();
    lsq = new RegularizedLstsq(N, applyK, (b) => ldl.solve(b), signs, normK, { delta });
    if (lsq.refinementRate() <= 1e-3) break;
  }
  return { K, N, lsq: lsq!, rng, applyK };
}

describe('RegularizedLstsq', () => {
  it('gives the minimum-norm least-squares solution of a singular KKT matrix (inconsistent g)', () => {
    const { K, N, lsq, rng } = kktCase('rls-1', 70, 50, 45, 5, 2);
    const cod = DenseCod.factor(K, 1e-12);
    expect(cod.rank).toBe(N - 7); // 5 dependent rows + 2 free variables
    for (let t = 0; t < 3; t++) {
      const g = rng.fillNormal(new Float64Array(N));
      const ref = cod.solve(g);
      const out = lsq.solve(g);
      expect(out.converged).toBe(true);
      expect(maxAbsDiff(out.x, ref)).toBeLessThan(1e-7 * norm(ref));
      // the reported residual is the least-squares one: ‖K r‖ ≈ 0 while ‖r‖ is not
      expect(out.normalResidual).toBeLessThan(1e-8 * out.residual);
      const kx = matVec(K, ref);
      expect(out.residual).toBeCloseTo(norm(g.map((v, i) => v - kx[i]!)), 6);
      expect(out.nullFraction).toBeGreaterThan(1e-3);
    }
  });

  it('gives the minimum-norm solution of a consistent singular system (not the one g was made from)', () => {
    const { K, N, lsq, rng } = kktCase('rls-2', 60, 40, 30, 3, 1);
    const x0 = rng.fillNormal(new Float64Array(N));
    const g = matVec(K, x0);
    const ref = DenseCod.factor(K, 1e-12).solve(g);
    const out = lsq.solve(g);
    expect(maxAbsDiff(out.x, ref)).toBeLessThan(1e-7 * norm(ref));
    expect(norm(ref)).toBeLessThan(norm(x0)); // x0 has a null-space component
    expect(out.residual).toBeLessThan(1e-8 * norm(g));
    expect(out.nullFraction).toBeLessThan(1e-8);
  });

  it('equals the exact solve on a nonsingular KKT matrix, with or without pass 1, and its probe finds no null space', () => {
    const { K, N, lsq, rng } = kktCase('rls-3', 60, 35, 60, 0, 0);
    const lu = DenseLu.factor(K);
    expect(lu.singular).toBe(false);
    const g = rng.fillNormal(new Float64Array(N));
    const ref = lu.solve(g);
    for (const consistent of [true, false]) {
      const out = lsq.solve(g, consistent);
      expect(out.converged).toBe(true);
      expect(maxAbsDiff(out.x, ref)).toBeLessThan(1e-8 * norm(ref));
    }
    expect(lsq.nullComponent(rng.fillNormal(new Float64Array(N))).fraction).toBeLessThan(1e-9);
  });

  it('nullComponent returns the projection of g on the null space', () => {
    const { K, N, lsq, rng } = kktCase('rls-4', 50, 40, 20, 4, 3);
    const g = rng.fillNormal(new Float64Array(N));
    const x = DenseCod.factor(K, 1e-12).solve(g);
    const kx = matVec(K, x);
    const gN = g.map((v, i) => v - kx[i]!);
    const out = lsq.nullComponent(g);
    expect(out.converged).toBe(true);
    expect(maxAbsDiff(out.r, gN)).toBeLessThan(1e-8 * norm(g));
    expect(out.fraction).toBeCloseTo(norm(gN) / norm(g), 8);
  });

  it('validates its input', () => {
    const { N, lsq, applyK } = kktCase('rls-5', 10, 5, 10, 0, 0);
    expect(() => lsq.solve(new Float64Array(N + 1))).toThrow(DimensionError);
    expect(() => lsq.solve(new Float64Array(N).fill(Number.NaN))).toThrow(InputError);
    expect(() => new RegularizedLstsq(N, applyK, (b) => b, new Int8Array(N), 1, { delta: 0 })).toThrow(InputError);
    expect(() => new RegularizedLstsq(N, applyK, (b) => b, new Int8Array(N - 1), 1, { delta: 1e-8 })).toThrow(DimensionError);
    expect(Array.from(lsq.solve(new Float64Array(N)).x)).toEqual(new Array(N).fill(0));
  });
});
