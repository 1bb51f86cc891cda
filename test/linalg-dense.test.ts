import { describe, expect, it } from 'vitest';
import { DimensionError, InputError, ZeroPivotError } from '../optimizer/errors.ts';
import {
  DenseLdl,
  DenseLu,
  denseGram,
  denseIdentity,
  denseIsSymmetric,
  denseMatMul,
  denseSymmetricMatVec,
  denseTranspose,
} from '../optimizer/linalg/dense.ts';
import { denseFromRows, matVec } from '../optimizer/linalg/matrix.ts';
import type { DenseMatrix } from '../optimizer/linalg/types.ts';
import { Rng } from '../optimizer/util/random.ts';

function randomDense(m: number, n: number, rng: Rng): DenseMatrix {
  return { format: 'dense', nrows: m, ncols: n, data: rng.fillNormal(new Float64Array(m * n)) };
}

/** Brute-force triple loop product. */
function naiveMul(A: DenseMatrix, B: DenseMatrix): DenseMatrix {
  const C = new Float64Array(A.nrows * B.ncols);
  for (let i = 0; i < A.nrows; i++)
    for (let j = 0; j < B.ncols; j++) {
      let s = 0;
      for (let p = 0; p < A.ncols; p++) s += A.data[i * A.ncols + p]! * B.data[p * B.ncols + j]!;
      C[i * B.ncols + j] = s;
    }
  return { format: 'dense', nrows: A.nrows, ncols: B.ncols, data: C };
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function normInf(a: Float64Array): number {
  return a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

/** Random SPD matrix Qᵀ Q + n·shift·I. */
function randomSpd(n: number, rng: Rng, shift = 0.1): DenseMatrix {
  const Q = randomDense(n, n, rng);
  const K = naiveMul(denseTranspose(Q), Q);
  for (let i = 0; i < n; i++) K.data[i * n + i] += shift * n;
  return K;
}

/** Quasi-definite KKT [[H, Aᵀ], [A, −δI]] with H SPD (n × n) and A (m × n). */
function randomKkt(n: number, m: number, rng: Rng, delta: number): DenseMatrix {
  const H = randomSpd(n, rng);
  const A = randomDense(m, n, rng);
  const N = n + m;
  const K = new Float64Array(N * N);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K[i * N + j] = H.data[i * n + j]!;
  for (let r = 0; r < m; r++)
    for (let j = 0; j < n; j++) {
      K[(n + r) * N + j] = A.data[r * n + j]!;
      K[j * N + n + r] = A.data[r * n + j]!;
    }
  for (let r = 0; r < m; r++) K[(n + r) * N + n + r] = -delta;
  return { format: 'dense', nrows: N, ncols: N, data: K };
}

describe('dense kernels', () => {
  it('denseMatMul matches the triple loop for shapes that hit every remainder path', () => {
    const rng = new Rng('matmul');
    for (const [m, k, n] of [
      [7, 5, 3],
      [4, 70, 9],
      [1, 1, 1],
      [9, 130, 2],
      [0, 3, 2],
      [70, 300, 135], // larger than one packed panel in every direction
    ] as const) {
      const A = randomDense(m, k, rng);
      const B = randomDense(k, n, rng);
      const ref = naiveMul(A, B);
      const C = denseMatMul(A, B);
      expect([C.nrows, C.ncols]).toEqual([m, n]);
      expect(maxAbsDiff(C.data, ref.data)).toBeLessThan(1e-12 * Math.max(1, k));
      // the transposed variants see the same product
      const At = denseTranspose(A);
      const Bt = denseTranspose(B);
      expect(maxAbsDiff(denseMatMul(At, B, { transA: true }).data, ref.data)).toBeLessThan(1e-12 * Math.max(1, k));
      expect(maxAbsDiff(denseMatMul(A, Bt, { transB: true }).data, ref.data)).toBeLessThan(1e-12 * Math.max(1, k));
      expect(maxAbsDiff(denseMatMul(At, Bt, { transA: true, transB: true }).data, ref.data)).toBeLessThan(1e-12 * Math.max(1, k));
    }
    expect(() => denseMatMul(randomDense(2, 3, rng), randomDense(2, 3, rng))).toThrow(DimensionError);
    expect(() => denseMatMul(randomDense(2, 3, rng), randomDense(2, 3, rng), { transA: true })).not.toThrow();
    expect(() => denseMatMul(randomDense(2, 3, rng), randomDense(2, 3, rng), { transB: true })).not.toThrow();
  });

  it('denseGram computes AᵀA, exactly symmetric', () => {
    const rng = new Rng('gram');
    for (const [m, n] of [
      [5, 3],
      [300, 133],
      [2, 9],
    ] as const) {
      const A = randomDense(m, n, rng);
      const G = denseGram(A);
      expect(maxAbsDiff(G.data, naiveMul(denseTranspose(A), A).data)).toBeLessThan(1e-12 * m);
      expect(denseIsSymmetric(G)).toBe(true);
    }
  });

  it('denseTranspose, denseIdentity, denseIsSymmetric', () => {
    const rng = new Rng(3);
    const A = randomDense(37, 45, rng);
    const T = denseTranspose(A);
    for (let i = 0; i < 37; i++) for (let j = 0; j < 45; j++) expect(T.data[j * 37 + i]).toBe(A.data[i * 45 + j]);
    expect(Array.from(denseIdentity(2, 3).data)).toEqual([3, 0, 0, 3]);
    const S = randomSpd(6, rng);
    expect(denseIsSymmetric(S)).toBe(true);
    S.data[1] += 1e-9 * Math.abs(S.data[1]!) + 1e-12;
    expect(denseIsSymmetric(S)).toBe(false);
    expect(denseIsSymmetric(S, 1e-6)).toBe(true);
    expect(denseIsSymmetric(A)).toBe(false);
  });

  it('denseSymmetricMatVec reads only the lower triangle', () => {
    const rng = new Rng(4);
    const S = randomSpd(8, rng);
    const x = rng.fillNormal(new Float64Array(8));
    const ref = matVec(S, x);
    const garbled = { ...S, data: S.data.slice() };
    for (let i = 0; i < 8; i++) for (let j = i + 1; j < 8; j++) garbled.data[i * 8 + j] = 1e6;
    expect(maxAbsDiff(denseSymmetricMatVec(garbled, x), ref)).toBeLessThan(1e-12);
  });
});

describe('DenseLdl', () => {
  it('reconstructs L D Lᵀ = K and solves an SPD system (sizes across the 4-row blocking)', () => {
    const rng = new Rng('ldl-spd');
    for (const n of [1, 2, 3, 4, 5, 9, 30, 47, 48, 49, 97, 150]) {
      const K = randomSpd(n, rng);
      const f = DenseLdl.factor(K);
      const L = f.lower();
      const d = f.pivots();
      const LD = { ...L, data: L.data.map((v, k) => v * d[k % n]!) };
      const R = naiveMul(LD, denseTranspose(L));
      expect(maxAbsDiff(R.data, K.data)).toBeLessThan(1e-10 * n * n);
      expect(f.positivePivots).toBe(n);
      expect(f.negativePivots).toBe(0);
      const b = rng.fillNormal(new Float64Array(n));
      const x = f.solve(b);
      const r = matVec(K, x).map((v, i) => v - b[i]!);
      expect(normInf(r)).toBeLessThan(1e-11 * n);
      // in-place solve (out aliases rhs)
      const bb = b.slice();
      f.solve(bb, bb);
      expect(maxAbsDiff(bb, x)).toBeLessThan(1e-14);
    }
  });

  it('gives the inertia (n positive, m negative) of a quasi-definite KKT matrix', () => {
    const rng = new Rng('ldl-kkt');
    const K = randomKkt(12, 5, rng, 1e-3);
    const f = DenseLdl.factor(K);
    expect([f.positivePivots, f.negativePivots, f.regularizedPivots]).toEqual([12, 5, 0]);
    const b = rng.fillNormal(new Float64Array(17));
    const r = matVec(K, f.solve(b)).map((v, i) => v - b[i]!);
    expect(normInf(r)).toBeLessThan(1e-9);
  });

  it('inertia and solution of a larger KKT (several panels), also with dynamic regularization', () => {
    const rng = new Rng('ldl-kkt-large');
    const n = 90;
    const m = 40;
    const K = randomKkt(n, m, rng, 1e-4);
    const signs = new Int8Array(n + m).fill(1).fill(-1, n);
    const b = rng.fillNormal(new Float64Array(n + m));
    for (const f of [DenseLdl.factor(K), DenseLdl.factor(K, { signs, dynamicReg: { eps: 1e-14, delta: 1e-8 } })]) {
      expect([f.positivePivots, f.negativePivots, f.regularizedPivots]).toEqual([n, m, 0]);
      const r = matVec(K, f.solve(b)).map((v, i) => v - b[i]!);
      expect(normInf(r)).toBeLessThan(1e-8);
    }
  });

  it('ignores entries above the diagonal', () => {
    const rng = new Rng(8);
    const K = randomSpd(7, rng);
    const G = { ...K, data: K.data.slice() };
    for (let i = 0; i < 7; i++) for (let j = i + 1; j < 7; j++) G.data[i * 7 + j] = -123;
    const b = rng.fillNormal(new Float64Array(7));
    expect(maxAbsDiff(DenseLdl.factor(G).solve(b), DenseLdl.factor(K).solve(b))).toBe(0);
  });

  it('throws ZeroPivotError for a zero pivot without regularization', () => {
    // first pivot exactly zero
    expect(() => DenseLdl.factor(denseFromRows([[0, 1], [1, 0]]))).toThrow(ZeroPivotError);
    // singular PSD: second pivot 1 - 1 = 0
    try {
      DenseLdl.factor(denseFromRows([[1, 1], [1, 1]]));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ZeroPivotError);
      expect((e as ZeroPivotError).column).toBe(1);
    }
  });

  it('dynamic regularization with signs repairs zero pivots of a KKT with a zero (2,2) block', () => {
    // [[H, Aᵀ], [A, 0]] with duplicate rows in A: singular; expected signs (+, +, −, −)
    const K = denseFromRows([
      [2, 0, 1, 1],
      [0, 2, 1, 1],
      [1, 1, 0, 0],
      [1, 1, 0, 0],
    ]);
    const signs = new Int8Array([1, 1, -1, -1]);
    expect(() => DenseLdl.factor(K, { signs })).toThrow(ZeroPivotError);
    const f = DenseLdl.factor(K, { signs, dynamicReg: { eps: 1e-12, delta: 1e-7 } });
    expect(f.regularizedPivots).toBe(1);
    expect([f.positivePivots, f.negativePivots]).toEqual([2, 2]);
    // consistent right-hand side: refinement against the unregularized K drives the residual down
    const b = matVec(K, new Float64Array([1, -1, 0.5, 0.5]));
    const x = f.solve(b);
    const r = matVec(K, x).map((v, i) => v - b[i]!);
    expect(normInf(r)).toBeLessThan(1e-9);
  });

  it('dynamic regularization without signs keeps the sign a pivot already has', () => {
    // pivots: 1, then −1 − 1 = −2 (kept), then a zero pivot → +delta
    const K = denseFromRows([
      [1, 1, 1],
      [1, -1, 1],
      [1, 1, 1],
    ]);
    const f = DenseLdl.factor(K, { dynamicReg: { eps: 1e-10, delta: 1e-6 } });
    expect(Array.from(f.pivots())).toEqual([1, -2, 1e-6]);
    expect([f.positivePivots, f.negativePivots, f.regularizedPivots]).toEqual([2, 1, 1]);
    // second pivot (1 + 2ε) − 1 = 2ε: rejected by the default tolerance 2·ε·max|K| = 8ε, accepted
    // by the exact-zero rule (zeroPivotTol: 0)
    const eps = 2 ** -52;
    const nearly = denseFromRows([
      [4, 2],
      [2, 1 + 2 * eps],
    ]);
    expect(() => DenseLdl.factor(nearly)).toThrow(ZeroPivotError);
    expect(DenseLdl.factor(nearly, { zeroPivotTol: 0 }).pivots()[1]).toBe(2 * eps);
  });

  it('static regularization plus iterative refinement solves the UNregularized system', () => {
    const rng = new Rng('ldl-refine');
    const n = 20;
    const m = 8;
    const K = randomKkt(n, m, rng, 0); // zero (2,2) block: quasi-definite only after regularization
    const signs = new Int8Array(n + m).fill(1).fill(-1, n);
    const b = rng.fillNormal(new Float64Array(n + m));
    const res = (x: Float64Array): number => normInf(matVec(K, x).map((v, i) => v - b[i]!));
    const plain = DenseLdl.factor(K, { signs, staticReg: 1e-5, refineSteps: 0 }).solve(b);
    const refined = DenseLdl.factor(K, { signs, staticReg: 1e-5 }).solve(b);
    expect(res(plain)).toBeGreaterThan(1e-8); // the regularization perturbs the solution ...
    expect(res(refined)).toBeLessThan(1e-5 * res(plain)); // ... refinement removes the perturbation
  });

  it('validates its input', () => {
    expect(() => DenseLdl.factor(denseFromRows([[1, 2, 3]]))).toThrow(DimensionError);
    expect(() => DenseLdl.factor(denseFromRows([[1, 0], [Number.POSITIVE_INFINITY, 1]]))).toThrow(InputError);
    expect(() => DenseLdl.factor(denseIdentity(2), { signs: new Int8Array([1]) })).toThrow(/signs: expected length 2/);
    expect(() => DenseLdl.factor(denseIdentity(2), { signs: [1, 0] })).toThrow(/signs\[1\]/);
    expect(() => DenseLdl.factor(denseIdentity(2), { staticReg: 1e-8 })).toThrow(/staticReg: expected signs/);
    expect(() => DenseLdl.factor(denseIdentity(2)).solve(new Float64Array(3))).toThrow(/rhs: expected length 2/);
  });
});

describe('DenseLu', () => {
  /** P A = L U with P from perm. */
  function checkFactors(A: DenseMatrix, lu: DenseLu): number {
    const n = A.nrows;
    const { L, U } = lu.factors();
    const LU = naiveMul(L, U);
    let err = 0;
    for (let k = 0; k < n; k++)
      for (let j = 0; j < n; j++) err = Math.max(err, Math.abs(LU.data[k * n + j]! - A.data[lu.perm[k]! * n + j]!));
    return err;
  }

  it('factors with row pivoting (zero diagonal) and solves A x = b and Aᵀ x = b', () => {
    const rng = new Rng('lu');
    for (const n of [1, 2, 5, 31, 32, 33, 70]) {
      const A = randomDense(n, n, rng);
      for (let i = 0; i < n; i++) A.data[i * n + i] = 0; // forces pivoting
      if (n === 1) A.data[0] = 3;
      const lu = DenseLu.factor(A);
      expect(lu.singular).toBe(false);
      expect(checkFactors(A, lu)).toBeLessThan(1e-12 * n);
      // |L_ij| ≤ 1 is the defining property of partial pivoting
      const { L } = lu.factors();
      expect(normInf(L.data)).toBeLessThanOrEqual(1);
      const b = rng.fillNormal(new Float64Array(n));
      const x = lu.solve(b);
      expect(normInf(matVec(A, x).map((v, i) => v - b[i]!))).toBeLessThan(1e-10);
      const xt = lu.solveTranspose(b);
      expect(normInf(matVec(denseTranspose(A), xt).map((v, i) => v - b[i]!))).toBeLessThan(1e-10);
    }
  });

  it('flags a singular matrix, refuses to solve, and reports rcond 0', () => {
    const rng = new Rng(21);
    const n = 40;
    const A = randomDense(n, n, rng);
    // row 7 = row 3 + 2·row 11
    for (let j = 0; j < n; j++) A.data[7 * n + j] = A.data[3 * n + j]! + 2 * A.data[11 * n + j]!;
    const lu = DenseLu.factor(A);
    expect(lu.singular).toBe(true);
    expect(lu.rcondEstimate()).toBe(0);
    expect(() => lu.solve(new Float64Array(n))).toThrow(ZeroPivotError);
    expect(DenseLu.factor(denseFromRows([[0, 0], [0, 0]])).singular).toBe(true);
  });

  it('rcondEstimate is close to the exact 1/(‖A‖₁‖A⁻¹‖₁)', () => {
    const rng = new Rng('rcond');
    const cases: DenseMatrix[] = [randomDense(25, 25, rng), randomDense(60, 60, rng)];
    // Hilbert matrix, condition ≈ 1e10 at n = 8
    const H = new Float64Array(64);
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) H[i * 8 + j] = 1 / (i + j + 1);
    cases.push({ format: 'dense', nrows: 8, ncols: 8, data: H });
    for (const A of cases) {
      const n = A.nrows;
      const lu = DenseLu.factor(A);
      // exact ‖A⁻¹‖₁: max column sum of the inverse
      let invNorm = 0;
      for (let j = 0; j < n; j++) {
        const e = new Float64Array(n);
        e[j] = 1;
        invNorm = Math.max(invNorm, lu.solve(e).reduce((s, v) => s + Math.abs(v), 0));
      }
      let aNorm = 0;
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += Math.abs(A.data[i * n + j]!);
        aNorm = Math.max(aNorm, s);
      }
      const exact = 1 / (aNorm * invNorm);
      const est = lu.rcondEstimate();
      expect(est).toBeGreaterThanOrEqual(exact * (1 - 1e-8)); // ‖A⁻¹‖₁ is estimated from below
      expect(est).toBeLessThan(exact * 10);
    }
  });

  it('logDeterminant matches the determinant of small matrices', () => {
    const A = denseFromRows([
      [0, 2, 1],
      [1, 1, 0],
      [3, 0, 1],
    ]);
    // det = 0·(1) − 2·(1 − 0) + 1·(0 − 3) = −5
    const { logAbs, sign } = DenseLu.factor(A).logDeterminant();
    expect(sign).toBe(-1);
    expect(Math.exp(logAbs)).toBeCloseTo(5, 12);
  });

  it('validates its input', () => {
    expect(() => DenseLu.factor(denseFromRows([[1, 2]]))).toThrow(DimensionError);
    expect(() => DenseLu.factor(denseFromRows([[Number.NaN]]))).toThrow(InputError);
  });
});
