import { describe, expect, it } from 'vitest';
import { SIMPLICIAL_MAX_FLOPS_PER_ENTRY, SparseLdl } from '../optimizer/linalg/ldl.ts';
import type { LdlOptions } from '../optimizer/linalg/ldl.ts';
import { columnCounts, eliminationTree, postorder, simplicialStructure } from '../optimizer/linalg/ldl-symbolic.ts';
import { cscFromDense, cscFromTriplets, cscLowerTriangle, cscToDense, cscUpperTriangle } from '../optimizer/linalg/csc.ts';
import type { CscMatrix, DenseMatrix } from '../optimizer/linalg/types.ts';
import { DimensionError, InputError, StructurallySingularError, ZeroPivotError } from '../optimizer/errors.ts';
import { cscSymUpperMatVec } from '../optimizer/linalg/csc.ts';
import { buildMeshKkt } from '../bench/mesh-kkt.ts';
import { errorOf, rng } from './helpers.ts';

// ---------------------------------------------------------------------------------------------
// helpers: dense references (the seeded generator rng is in test/helpers.ts)
// ---------------------------------------------------------------------------------------------

/** dense solve by Gaussian elimination with partial pivoting (reference) */
function denseSolve(A: DenseMatrix, b: Float64Array): Float64Array {
  const n = A.nrows;
  const M = A.data.slice();
  const x = b.slice();
  for (let k = 0; k < n; k++) {
    let piv = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(M[i * n + k]!) > Math.abs(M[piv * n + k]!)) piv = i;
    if (piv !== k) {
      for (let j = 0; j < n; j++) {
        const t = M[k * n + j]!;
        M[k * n + j] = M[piv * n + j]!;
        M[piv * n + j] = t;
      }
      const t = x[k]!;
      x[k] = x[piv]!;
      x[piv] = t;
    }
    const d = M[k * n + k]!;
    if (d === 0) throw new Error('reference: singular');
    for (let i = k + 1; i < n; i++) {
      const f = M[i * n + k]! / d;
      if (f === 0) continue;
      for (let j = k; j < n; j++) M[i * n + j] -= f * M[k * n + j]!;
      x[i] -= f * x[k]!;
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let j = i + 1; j < n; j++) s -= M[i * n + j]! * x[j]!;
    x[i] = s / M[i * n + i]!;
  }
  return x;
}

/** eigenvalues of a symmetric dense matrix by cyclic Jacobi rotations (reference for inertia) */
function symmetricEigenvalues(A: DenseMatrix): Float64Array {
  const n = A.nrows;
  const a = A.data.slice();
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i * n + j]! ** 2;
    if (off < 1e-26) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  const ev = new Float64Array(n);
  for (let i = 0; i < n; i++) ev[i] = a[i * n + i]!;
  return ev;
}

function dense(n: number): DenseMatrix {
  return { format: 'dense', nrows: n, ncols: n, data: new Float64Array(n * n) };
}

function denseMatVec(A: DenseMatrix, x: Float64Array): Float64Array {
  const n = A.nrows;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A.data[i * n + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

function normInf(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return m;
}

/** ‖K x − b‖∞ / (‖K‖∞ ‖x‖∞ + ‖b‖∞) */
function relResidual(K: DenseMatrix, x: Float64Array, b: Float64Array): number {
  const Kx = denseMatVec(K, x);
  let r = 0;
  for (let i = 0; i < b.length; i++) r = Math.max(r, Math.abs(Kx[i]! - b[i]!));
  let kn = 0;
  const n = K.nrows;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(K.data[i * n + j]!);
    kn = Math.max(kn, s);
  }
  return r / (kn * normInf(x) + normInf(b));
}

function randVec(n: number, rand: () => number): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = 2 * rand() - 1;
  return v;
}

/** sparse random SPD matrix (dense storage): B Bᵀ-free construction, diagonally dominant */
function randomSpd(n: number, density: number, rand: () => number): DenseMatrix {
  const A = dense(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (rand() < density) {
        const v = 2 * rand() - 1;
        A.data[i * n + j] = v;
        A.data[j * n + i] = v;
      }
    }
  }
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) if (j !== i) s += Math.abs(A.data[i * n + j]!);
    A.data[i * n + i] = s + 0.1 + rand();
  }
  return A;
}

/**
 * Random quasi-definite K = [P Bᵀ; B −D] ((n+m) × (n+m), dense): P = randomSpd(n, pDensity) on the
 * first n rows; each row of B (m × n) is fully dense with probability denseRowChance, else each
 * entry is nonzero (uniform in [−1, 1)) with probability rowDensity; D diagonal in [0.01, 1.01).
 */
function randomQuasiDefinite(n: number, m: number, pDensity: number, denseRowChance: number, rowDensity: number, rand: () => number): DenseMatrix {
  const N = n + m;
  const K = dense(N);
  const P = randomSpd(n, pDensity, rand);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K.data[i * N + j] = P.data[i * n + j]!;
  for (let r = 0; r < m; r++) {
    const density = rand() < denseRowChance ? 1 : rowDensity;
    for (let j = 0; j < n; j++) {
      if (rand() < density) {
        const v = 2 * rand() - 1;
        K.data[(n + r) * N + j] = v;
        K.data[j * N + n + r] = v;
      }
    }
    K.data[(n + r) * N + n + r] = -(0.01 + rand());
  }
  return K;
}

/** K = [P Bᵀ; B −δI] (δ ≥ 0), P random SPD n×n, B random sparse m×n with full row rank (an identity part) */
function kkt(n: number, m: number, delta: number, rand: () => number): { K: DenseMatrix; signs: Int8Array } {
  const P = randomSpd(n, 0.2, rand);
  const N = n + m;
  const K = dense(N);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K.data[i * N + j] = P.data[i * n + j]!;
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < n; j++) {
      let v = rand() < 0.15 ? 2 * rand() - 1 : 0;
      if (j === (r * 3) % n) v += 1.5;
      K.data[(n + r) * N + j] = v;
      K.data[j * N + n + r] = v;
    }
    K.data[(n + r) * N + n + r] = -delta;
  }
  const signs = new Int8Array(N);
  signs.fill(1, 0, n);
  signs.fill(-1, n);
  return { K, signs };
}

function upper(K: DenseMatrix): CscMatrix {
  return cscUpperTriangle(cscFromDense(K, false));
}

function expectClose(a: Float64Array, b: Float64Array, tol: number): void {
  const scale = Math.max(1, normInf(b));
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol * scale);
}

// ---------------------------------------------------------------------------------------------

describe('SparseLdl on definite and quasi-definite matrices', () => {
  it('solves random sparse SPD systems like a dense reference (natural, AMD, exact and relaxed supernodes)', () => {
    const rand = rng(1);
    for (const n of [1, 2, 5, 30, 150]) {
      const A = randomSpd(n, n > 50 ? 0.03 : 0.3, rand);
      const b = randVec(n, rand);
      const ref = denseSolve(A, b);
      const U = upper(A);
      for (const opts of [{ ordering: 'natural' }, {}, { relaxedSupernodes: false }] as LdlOptions[]) {
        const ldl = SparseLdl.analyze(U, opts).factor();
        const x = ldl.solve(b);
        expectClose(x, ref, 1e-10);
        expect(relResidual(A, x, b)).toBeLessThan(1e-14);
        expect(ldl.positivePivots).toBe(n);
        expect(ldl.negativePivots).toBe(0);
        expect(ldl.regularizedPivots).toBe(0);
      }
    }
  });

  it('solvePermuted works in the elimination order: xP[k] = x[perm[k]] for bP[k] = b[perm[k]], with and without refinement', () => {
    const rand = rng(11);
    const n = 40;
    const A = randomSpd(n, 0.2, rand);
    const b = randVec(n, rand);
    for (const opts of [{}, { signs: new Int8Array(n).fill(1), staticReg: 1e-6, refineSteps: 3 }] as LdlOptions[]) {
      const ldl = SparseLdl.analyze(upper(A), opts).factor();
      const x = ldl.solve(b);
      const bP = Float64Array.from(ldl.perm, (i) => b[i]!);
      const xP = new Float64Array(n);
      ldl.solvePermuted(bP, xP);
      expect(Array.from(xP)).toEqual(Array.from(ldl.perm, (i) => x[i]!));
      expect(Array.from(bP)).toEqual(Array.from(ldl.perm, (i) => b[i]!)); // bP not modified
      expect(() => ldl.solvePermuted(bP, bP)).toThrow(InputError);
      expect(() => ldl.solvePermuted(bP, new Float64Array(n - 1))).toThrow(DimensionError);
    }
  });

  it('factors quasi-definite KKT [P Bᵀ; B −δI] with inertia (n, m) equal to the eigenvalue signs', () => {
    const rand = rng(2);
    for (const [n, m] of [
      [6, 3],
      [20, 8],
      [40, 25],
    ] as const) {
      const { K } = kkt(n, m, 0.05, rand);
      const ev = symmetricEigenvalues(K);
      const pos = Array.from(ev).filter((e) => e > 0).length;
      const neg = Array.from(ev).filter((e) => e < 0).length;
      expect([pos, neg]).toEqual([n, m]);
      const b = randVec(n + m, rand);
      const ref = denseSolve(K, b);
      for (const ordering of ['natural', 'amd'] as const) {
        const ldl = SparseLdl.analyze(upper(K), { ordering }).factor();
        expect(ldl.positivePivots).toBe(pos);
        expect(ldl.negativePivots).toBe(neg);
        expectClose(ldl.solve(b), ref, 1e-9);
      }
    }
  });

  it('solves an indefinite KKT [P Bᵀ; B 0] with signs, static + dynamic regularization and refinement', () => {
    const rand = rng(3);
    for (const [n, m] of [
      [10, 4],
      [60, 30],
    ] as const) {
      const { K, signs } = kkt(n, m, 0, rand);
      const U = upper(K);
      // the (2,2) block is structurally empty (exact zeros are dropped by cscFromDense)
      const b = randVec(n + m, rand);
      const ldl = SparseLdl.analyze(U, { signs, staticReg: 1e-8, dynamicReg: { eps: 1e-13, delta: 1e-7 } }).factor();
      const x = ldl.solve(b);
      expect(relResidual(K, x, b)).toBeLessThan(1e-10);
      expect(normInf(sub(denseMatVec(K, x), b)) / normInf(b)).toBeLessThan(1e-10);
      expectClose(x, denseSolve(K, b), 1e-7);
      expect(ldl.positivePivots).toBe(n);
      expect(ldl.negativePivots).toBe(m);
      // without refinement the regularized solve is visibly less accurate
      const raw = SparseLdl.analyze(U, { signs, staticReg: 1e-8, refineSteps: 0 }).factor().solve(b);
      expect(normInf(sub(denseMatVec(K, raw), b))).toBeGreaterThan(normInf(sub(denseMatVec(K, x), b)));
    }
  });

  it('natural and AMD orderings, full, upper- and lower-triangle input give the same solution', () => {
    const rand = rng(4);
    const { K, signs } = kkt(25, 10, 0.01, rand);
    const b = randVec(35, rand);
    const full = cscFromDense(K);
    const xs = [
      SparseLdl.analyze(upper(K), { ordering: 'natural' }).factor().solve(b),
      SparseLdl.analyze(cscLowerTriangle(full)).factor().solve(b), // a lower triangle is detected and read
      SparseLdl.analyze(upper(K)).factor().solve(b),
      SparseLdl.analyze(full).factor().solve(b),
      SparseLdl.analyze(full, { signs, ordering: Int32Array.from({ length: 35 }, (_, i) => 34 - i) }).factor().solve(b),
    ];
    for (const x of xs.slice(1)) expectClose(x, xs[0]!, 1e-11);
  });

  it('refactors new values on the same pattern like a fresh analyze + factor', () => {
    const rand = rng(5);
    const { K, signs } = kkt(30, 12, 0, rand);
    const U = upper(K);
    const opts: LdlOptions = { signs, staticReg: 1e-9, dynamicReg: { eps: 1e-14, delta: 1e-8 } };
    const ldl = SparseLdl.analyze(U, opts).factor();
    const b = randVec(42, rand);
    ldl.solve(b);
    // new values: scale P by 2, perturb B, keep the pattern
    const v2 = U.values.map((v) => v * (1.5 + rand()));
    const K2 = cscToDense({ ...U, values: v2 });
    const x1 = ldl.factor(v2).solve(b);
    const fresh = SparseLdl.analyze({ ...U, values: v2 }, opts).factor();
    const x2 = fresh.solve(b);
    expectClose(x1, x2, 1e-12);
    // K2 holds only the upper triangle: symmetrize for the dense reference
    for (let i = 0; i < 42; i++) for (let j = 0; j < i; j++) K2.data[i * 42 + j] = K2.data[j * 42 + i]!;
    expect(relResidual(K2, x1, b)).toBeLessThan(1e-12);
    expect(ldl.positivePivots).toBe(fresh.positivePivots);
    expect(ldl.negativePivots).toBe(fresh.negativePivots);
  });

  it('agrees with a dense reference on a larger sparse KKT with many supernodes', () => {
    const rand = rng(6);
    // 2-D grid Laplacian (SPD) + coupling rows
    const g = 14;
    const n = g * g;
    const m = 20;
    const N = n + m;
    const K = dense(N);
    for (let i = 0; i < g; i++) {
      for (let j = 0; j < g; j++) {
        const v = i * g + j;
        K.data[v * N + v] = 4.2;
        for (const [di, dj] of [
          [1, 0],
          [0, 1],
        ]) {
          if (i + di < g && j + dj < g) {
            const u = (i + di) * g + j + dj;
            K.data[v * N + u] = -1;
            K.data[u * N + v] = -1;
          }
        }
      }
    }
    for (let r = 0; r < m; r++) {
      for (let t = 0; t < 6; t++) {
        const j = Math.floor(rand() * n);
        const val = 2 * rand() - 1;
        K.data[(n + r) * N + j] += val;
        K.data[j * N + n + r] += val;
      }
    }
    const signs = new Int8Array(N).fill(1);
    signs.fill(-1, n);
    const b = randVec(N, rand);
    const ref = denseSolve(K, b);
    for (const relaxedSupernodes of [true, false]) {
      const ldl = SparseLdl.analyze(upper(K), { signs, staticReg: 1e-10, dynamicReg: { eps: 1e-14, delta: 1e-9 }, relaxedSupernodes }).factor();
      const x = ldl.solve(b);
      expectClose(x, ref, 1e-9);
      expect(relResidual(K, x, b)).toBeLessThan(1e-13);
      expect(ldl.storedL).toBeGreaterThanOrEqual(ldl.nnzL);
      if (!relaxedSupernodes) expect(ldl.storedL).toBe(ldl.nnzL);
      expect([ldl.positivePivots, ldl.negativePivots]).toEqual([n, m]);
    }
  });
});

function sub(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v - b[i]!);
}

describe('SparseLdl zero pivots, regularization, edge cases', () => {
  it('0×0 and fully dense systems', () => {
    const empty = SparseLdl.analyze(cscFromTriplets(0, 0, [], [], [])).factor();
    expect(empty.solve(new Float64Array(0)).length).toBe(0);
    const rand = rng(12);
    const n = 70;
    const A = randomSpd(n, 1, rand);
    const b = randVec(n, rand);
    const ldl = SparseLdl.analyze(upper(A)).factor();
    expect(ldl.supernodeCount).toBeLessThanOrEqual(2);
    expect(ldl.nnzL).toBe((n * (n - 1)) / 2);
    expectClose(ldl.solve(b), denseSolve(A, b), 1e-10);
  });

  it('1×1 systems', () => {
    const ldl = SparseLdl.analyze(cscFromTriplets(1, 1, [0], [0], [-4])).factor();
    expect(ldl.solve(new Float64Array([2]))[0]).toBe(-0.5);
    expect([ldl.positivePivots, ldl.negativePivots, ldl.nnzL]).toEqual([0, 1, 0]);
    expect(() => SparseLdl.analyze(cscFromTriplets(1, 1, [0], [0], [0])).factor()).toThrow(ZeroPivotError);
    const reg = SparseLdl.analyze(cscFromTriplets(1, 1, [0], [0], [0]), { dynamicReg: { eps: 1e-12, delta: 1e-6 } }).factor();
    expect(reg.regularizedPivots).toBe(1);
    expect(reg.positivePivots).toBe(1);
  });

  it('[[0,1],[1,0]]: zero pivot in natural order; solvable with signs [+1,−1] and dynamic regularization', () => {
    const K = cscFromTriplets(2, 2, [0, 0, 1], [0, 1, 1], [0, 1, 0]);
    const err = errorOf(() => SparseLdl.analyze(K, { ordering: 'natural' }).factor());
    expect(err).toBeInstanceOf(ZeroPivotError);
    expect((err as ZeroPivotError).column).toBe(0);
    expect(err.message).toMatch(/zero pivot .* column 0/);
    const ldl = SparseLdl.analyze(K, { ordering: 'natural', signs: new Int8Array([1, -1]), dynamicReg: { eps: 1e-12, delta: 1e-8 } }).factor();
    expect(ldl.regularizedPivots).toBe(1);
    expect([ldl.positivePivots, ldl.negativePivots]).toEqual([1, 1]);
    const x = ldl.solve(new Float64Array([3, 5]));
    expect(x[0]).toBeCloseTo(5, 12);
    expect(x[1]).toBeCloseTo(3, 12);
  });

  it('names the ORIGINAL column of a zero pivot', () => {
    // K = [[1,0,1],[0,1,0],[1,0,0]]: original column 2 has a zero diagonal and is eliminated first
    const K = cscFromTriplets(3, 3, [0, 1, 0, 2], [0, 1, 2, 2], [1, 1, 1, 0]);
    const err = errorOf(() => SparseLdl.analyze(K, { ordering: new Int32Array([2, 0, 1]) }).factor());
    expect(err).toBeInstanceOf(ZeroPivotError);
    expect((err as ZeroPivotError).column).toBe(2);
    // the natural order factors it: pivots 1, 1, 0 − 1 = −1
    const ldl = SparseLdl.analyze(K, { ordering: 'natural' }).factor();
    expect([ldl.positivePivots, ldl.negativePivots]).toEqual([2, 1]);
  });

  it('rank-deficient matrices: zero pivot without regularization, completes with dynamic regularization', () => {
    // path-graph Laplacian (singular, rows sum to 0): pivots 1, 1, …, 1, 0 exactly in natural order
    const n = 8;
    const r: number[] = [];
    const c: number[] = [];
    const v: number[] = [];
    for (let i = 0; i < n; i++) {
      r.push(i);
      c.push(i);
      v.push(i === 0 || i === n - 1 ? 1 : 2);
      if (i + 1 < n) {
        r.push(i);
        c.push(i + 1);
        v.push(-1);
      }
    }
    const L = cscFromTriplets(n, n, r, c, v);
    expect(() => SparseLdl.analyze(L, { ordering: 'natural' }).factor()).toThrow(ZeroPivotError);
    const ldl = SparseLdl.analyze(L, { ordering: 'natural', dynamicReg: { eps: 1e-10, delta: 1e-6 } }).factor();
    expect(ldl.regularizedPivots).toBeGreaterThan(0);
    // a consistent right-hand side (sums to zero) is solved to a small residual after refinement
    const b = new Float64Array(n);
    b[0] = 1;
    b[n - 1] = -1;
    const x = ldl.solve(b);
    const Kd = cscToDense(L);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) Kd.data[i * n + j] = Kd.data[j * n + i]!;
    expect(normInf(sub(denseMatVec(Kd, x), b))).toBeLessThan(1e-8);
    // rank-deficient KKT: a duplicated constraint row with a zero (2,2) block
    const rand = rng(7);
    const { K } = kkt(8, 3, 0, rand);
    const N = 12;
    const K4 = dense(N);
    for (let i = 0; i < 11; i++) for (let j = 0; j < 11; j++) K4.data[i * N + j] = K.data[i * 11 + j]!;
    for (let j = 0; j < 8; j++) {
      K4.data[11 * N + j] = K.data[8 * 11 + j]!;
      K4.data[j * N + 11] = K.data[j * 11 + 8]!;
    }
    const signs = new Int8Array(N).fill(1);
    signs.fill(-1, 8);
    const U4 = cscUpperTriangle(cscFromDense(K4, true));
    const reg = SparseLdl.analyze(U4, { signs, dynamicReg: { eps: 1e-9, delta: 1e-7 } }).factor();
    expect(reg.regularizedPivots).toBeGreaterThan(0);
    expect([reg.positivePivots, reg.negativePivots]).toEqual([8, 4]);
    const y = reg.solve(randVec(N, rand));
    expect(y.every((t) => Number.isFinite(t))).toBe(true);
  });

  it('a structurally empty row/column: error without regularization, factors with it', () => {
    // column 1 has no entries at all
    const K = cscFromTriplets(3, 3, [0, 0, 2], [0, 2, 2], [2, 1, 3]);
    let err: unknown;
    try {
      SparseLdl.analyze(K);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StructurallySingularError);
    expect((err as StructurallySingularError).index).toBe(1);
    const ldl = SparseLdl.analyze(K, { signs: new Int8Array([1, 1, 1]), staticReg: 1e-6 }).factor();
    expect(ldl.positivePivots).toBe(3);
    const d = SparseLdl.analyze(K, { dynamicReg: { eps: 1e-12, delta: 1 } }).factor();
    expect(d.regularizedPivots).toBe(1);
    const x = d.solve(new Float64Array([1, 0, 1]));
    expect(x[1]).toBe(0);
    expect(2 * x[0]! + x[2]!).toBeCloseTo(1, 12);
  });

  it('rejects bad input with typed errors', () => {
    expect(() => SparseLdl.analyze(cscFromTriplets(2, 3, [0], [0], [1]))).toThrow(DimensionError);
    const K = cscFromTriplets(2, 2, [0, 0, 1], [0, 1, 1], [2, 1, 2]);
    const ldl = SparseLdl.analyze(K);
    expect(() => ldl.solve(new Float64Array(2))).toThrow(InputError); // not factored yet
    expect(() => ldl.factor(new Float64Array([1, NaN, 2]))).toThrow(InputError);
    expect(() => ldl.factor(new Float64Array([1, Infinity, 2]))).toThrow(/finite/);
    expect(() => ldl.factor(new Float64Array([1, 2]))).toThrow(DimensionError);
    ldl.factor();
    expect(() => ldl.solve(new Float64Array(3))).toThrow(DimensionError);
    expect(() => SparseLdl.analyze(K, { signs: new Int8Array([1]) })).toThrow(DimensionError);
    expect(() => SparseLdl.analyze(K, { signs: new Int8Array([1, 0]) })).toThrow(InputError);
    expect(() => SparseLdl.analyze(K, { staticReg: 1e-8 })).toThrow(/signs/);
    expect(() => SparseLdl.analyze(K, { ordering: new Int32Array([0, 0]) })).toThrow(InputError);
    expect(() => SparseLdl.analyze(K, { dynamicReg: { eps: 1e-9, delta: 0 } })).toThrow(InputError);
    // a failed factor invalidates the previous factorization
    expect(() => ldl.factor(new Float64Array([0, 1, 0]))).toThrow(ZeroPivotError);
    expect(() => ldl.solve(new Float64Array(2))).toThrow(InputError);
  });

  it('solve does not modify rhs and may write into rhs itself', () => {
    const rand = rng(8);
    const A = randomSpd(12, 0.3, rand);
    const ldl = SparseLdl.analyze(upper(A)).factor();
    const b = randVec(12, rand);
    const keep = b.slice();
    const x = ldl.solve(b);
    expect(Array.from(b)).toEqual(Array.from(keep));
    const same = ldl.solve(b, b);
    expect(same).toBe(b);
    expectClose(same, x, 0);
  });
});

describe('randomized comparison with the dense reference', () => {
  it('random quasi-definite matrices of many shapes, with dense rows, all orderings and supernode modes', () => {
    const rand = rng(13);
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + Math.floor(rand() * 90);
      const m = Math.floor(rand() * 30);
      const N = n + m;
      const density = [0.02, 0.08, 0.3][trial % 3]!;
      const K = randomQuasiDefinite(n, m, density, 0.15, density, rand);
      // a dense variable row in P, sometimes
      if (n > 20 && trial % 4 === 0) {
        for (let j = 0; j < n; j++) {
          if (j === 3) continue;
          const v = 0.01 * (2 * rand() - 1);
          K.data[3 * N + j] = v;
          K.data[j * N + 3] = v;
        }
        K.data[3 * N + 3] += 1;
      }
      const b = randVec(N, rand);
      const ref = denseSolve(K, b);
      const perm = Int32Array.from({ length: N }, (_, i) => i).sort(() => rand() - 0.5);
      for (const opts of [{}, { ordering: 'natural' }, { ordering: perm }, { relaxedSupernodes: false }] as LdlOptions[]) {
        const ldl = SparseLdl.analyze(upper(K), opts).factor();
        const x = ldl.solve(b);
        expect(relResidual(K, x, b)).toBeLessThan(1e-13);
        expectClose(x, ref, 1e-8);
        expect([ldl.positivePivots, ldl.negativePivots]).toEqual([n, m]);
      }
    }
  });
});

describe('mesh KKT (the benchmark matrix, small)', () => {
  it('factors [P Bᵀ; B 0] of a jittered grid with inertia (nVars, nEq + nIneq) and residual ≤ 1e-10', () => {
    const { K, nVars, nEq, nIneq, signs } = buildMeshKkt({ gridSize: 20, nPatches: 6, patchRadius: 0.2 });
    const n = K.ncols;
    expect(n).toBe(nVars + nEq + nIneq);
    expect([nVars, nEq, nIneq]).toEqual([800, 2 * 76, 12]);
    // K is an upper triangle
    for (let j = 0; j < n; j++) for (let p = K.colPtr[j]!; p < K.colPtr[j + 1]!; p++) expect(K.rowIdx[p]!).toBeLessThanOrEqual(j);
    const ldl = SparseLdl.analyze(K, { signs, staticReg: 1e-8, dynamicReg: { eps: 1e-12, delta: 1e-7 } }).factor();
    expect([ldl.positivePivots, ldl.negativePivots]).toEqual([nVars, nEq + nIneq]);
    const rand = rng(10);
    const b = randVec(n, rand);
    const x = ldl.solve(b);
    const r = cscSymUpperMatVec(K, x);
    for (let i = 0; i < n; i++) r[i] -= b[i]!;
    expect(normInf(r) / normInf(b)).toBeLessThan(1e-10);
    // AMD keeps the fill modest (natural order would give ≈ n·√n)
    expect(ldl.nnzL).toBeLessThan(n * 25);
  });
});

describe('symbolic analysis', () => {
  it('column counts (Gilbert–Ng–Peyton) and nnzL match explicit symbolic elimination', () => {
    const rand = rng(9);
    for (const n of [1, 7, 40, 120]) {
      const A = randomSpd(n, 4 / n, rand);
      const U = upper(A);
      const ldl = SparseLdl.analyze(U);
      // explicit symbolic elimination of K(perm, perm)
      const pinv = ldl.pinv;
      const adj: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
      for (let j = 0; j < n; j++) {
        for (let p = U.colPtr[j]!; p < U.colPtr[j + 1]!; p++) {
          const i = U.rowIdx[p]!;
          if (i !== j) {
            adj[pinv[i]!]!.add(pinv[j]!);
            adj[pinv[j]!]!.add(pinv[i]!);
          }
        }
      }
      const counts: number[] = [];
      for (let k = 0; k < n; k++) {
        const later = [...adj[k]!].filter((x) => x > k);
        counts.push(later.length + 1);
        for (const a of later) for (const b of later) if (a !== b) adj[a]!.add(b);
      }
      expect(ldl.nnzL).toBe(counts.reduce((s, c) => s + c - 1, 0));
      // the exported kernels on the permuted pattern (postordered) reproduce the per-column counts
      const lowerRows: number[][] = Array.from({ length: n }, () => []);
      for (let j = 0; j < n; j++) {
        for (let p = U.colPtr[j]!; p < U.colPtr[j + 1]!; p++) {
          const i = U.rowIdx[p]!;
          if (i === j) continue;
          const a = pinv[i]!;
          const b = pinv[j]!;
          lowerRows[Math.min(a, b)]!.push(Math.max(a, b));
        }
      }
      const lp = new Int32Array(n + 1);
      for (let j = 0; j < n; j++) lp[j + 1] = lp[j]! + lowerRows[j]!.length;
      const li = Int32Array.from(lowerRows.flat());
      const up: number[][] = Array.from({ length: n }, () => []);
      for (let j = 0; j < n; j++) for (const i of lowerRows[j]!) up[i]!.push(j);
      const upp = new Int32Array(n + 1);
      for (let j = 0; j < n; j++) upp[j + 1] = upp[j]! + up[j]!.length;
      const parent = eliminationTree(n, upp, Int32Array.from(up.flat()));
      const post = postorder(n, parent);
      // the analysis postorders its elimination tree, so the postorder here is the identity
      expect(Array.from(post)).toEqual(Array.from({ length: n }, (_, i) => i));
      const cc = columnCounts(n, lp, li, parent);
      expect(Array.from(cc)).toEqual(counts);
      // simplicial structure: rows of L from explicit elimination, columns ascending, positions consistent
      const colsOfRow: number[][] = Array.from({ length: n }, () => []);
      const adj2: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
      for (let j = 0; j < n; j++) for (const i of lowerRows[j]!) adj2[j]!.add(i);
      for (let k = 0; k < n; k++) {
        const later = [...adj2[k]!].filter((x) => x > k);
        for (const a of later) colsOfRow[a]!.push(k);
        for (const a of later) for (const b of later) if (a < b) adj2[a]!.add(b);
      }
      const st = simplicialStructure(n, lp, li, parent, cc);
      for (let k = 0; k < n; k++) {
        const row = Array.from(st.rowCol.subarray(st.rowPtr[k]!, st.rowPtr[k + 1]!));
        expect(row).toEqual(colsOfRow[k]!.sort((a, b) => a - b));
        for (let t = st.rowPtr[k]!; t < st.rowPtr[k + 1]!; t++) {
          const j = st.rowCol[t]!;
          const pos = st.rowPos[t]!;
          expect(pos >= st.Lp[j]! && pos < st.Lp[j + 1]!).toBe(true);
          expect(st.Li[pos]).toBe(k);
        }
      }
      for (let j = 0; j < n; j++) {
        expect(st.Lp[j + 1]! - st.Lp[j]!).toBe(cc[j]! - 1);
        for (let p = st.Lp[j]! + 1; p < st.Lp[j + 1]!; p++) expect(st.Li[p]!).toBeGreaterThan(st.Li[p - 1]!);
      }
    }
  });
});

describe('simplicial (up-looking) and supernodal (multifrontal) numeric methods', () => {
  it('give the same factorization and solution on random quasi-definite matrices, with regularization and refinement', () => {
    const rand = rng(21);
    for (let trial = 0; trial < 30; trial++) {
      const n = 1 + Math.floor(rand() * 60);
      const m = Math.floor(rand() * 20);
      const N = n + m;
      const K = randomQuasiDefinite(n, m, [0.03, 0.1, 0.4][trial % 3]!, 0.2, 0.1, rand);
      const signs = new Int8Array(N).fill(1);
      signs.fill(-1, n);
      const b = randVec(N, rand);
      const ref = denseSolve(K, b);
      const regs: LdlOptions[] = [{}, { signs, staticReg: 1e-9, dynamicReg: { eps: 1e-14, delta: 1e-9 }, refineSteps: 3 }];
      for (const extra of regs) {
        const sup = SparseLdl.analyze(upper(K), { ...extra, method: 'supernodal' }).factor();
        const sim = SparseLdl.analyze(upper(K), { ...extra, method: 'simplicial' }).factor();
        expect(sup.method).toBe('supernodal');
        expect(sim.method).toBe('simplicial');
        expect(Array.from(sim.perm)).toEqual(Array.from(sup.perm));
        expect(sim.nnzL).toBe(sup.nnzL);
        expect(sim.storedL).toBe(sim.nnzL);
        expect([sim.positivePivots, sim.negativePivots]).toEqual([n, m]);
        expectClose(sim.diagonal(), sup.diagonal(), 1e-12);
        const x = sim.solve(b);
        expect(relResidual(K, x, b)).toBeLessThan(1e-13);
        expectClose(x, ref, 1e-8);
        // elimination order solves and refactoring with new values on the same pattern
        const bP = Float64Array.from(sim.perm, (i) => b[i]!);
        const xP = new Float64Array(N);
        sim.solvePermuted(bP, xP);
        expect(Array.from(xP)).toEqual(Array.from(sim.perm, (i) => x[i]!));
        const U = upper(K);
        const scaled = U.values.map((v) => 2 * v);
        sim.factor(scaled);
        expectClose(sim.solve(b), x.map((v) => v / 2), 1e-8);
      }
    }
  });

  it("'auto' picks simplicial for a diagonal with a dense row and for a band, supernodal for a dense matrix", () => {
    const n = 300;
    // arrow: diag(2..) with a dense last row/column, the last pivot negative (quasi-definite)
    const r: number[] = [];
    const c: number[] = [];
    const v: number[] = [];
    for (let j = 0; j < n; j++) {
      r.push(j, j);
      c.push(j, n);
      v.push(2 + (j % 5), 1);
    }
    r.push(n);
    c.push(n);
    v.push(-1);
    const arrow = cscFromTriplets(n + 1, n + 1, r, c, v);
    const signs = new Int8Array(n + 1).fill(1);
    signs[n] = -1;
    const a = SparseLdl.analyze(arrow, { signs }).factor();
    expect(a.method).toBe('simplicial');
    expect(a.perm[n]).toBe(n); // the dense row is eliminated last: no fill
    expect(a.nnzL).toBe(n);
    expect([a.positivePivots, a.negativePivots]).toEqual([n, 1]);
    const b = new Float64Array(n + 1).fill(1);
    const x = a.solve(b);
    // check K x = b directly
    let worst = 0;
    let last = -x[n]!;
    for (let j = 0; j < n; j++) {
      worst = Math.max(worst, Math.abs((2 + (j % 5)) * x[j]! + x[n]! - 1));
      last += x[j]!;
    }
    worst = Math.max(worst, Math.abs(last - 1));
    expect(worst).toBeLessThan(1e-12);
    // tridiagonal band
    const tr: number[] = [];
    const tc: number[] = [];
    const tv: number[] = [];
    for (let j = 0; j < n; j++) {
      tr.push(j);
      tc.push(j);
      tv.push(4);
      if (j > 0) {
        tr.push(j - 1);
        tc.push(j);
        tv.push(-1);
      }
    }
    expect(SparseLdl.analyze(cscFromTriplets(n, n, tr, tc, tv)).method).toBe('simplicial');
    // dense: Σ(cc−1)² / nnzL ≈ 2n/3 ≫ SIMPLICIAL_MAX_FLOPS_PER_ENTRY
    const rand = rng(5);
    const D = randomSpd(3 * SIMPLICIAL_MAX_FLOPS_PER_ENTRY, 1, rand);
    expect(SparseLdl.analyze(upper(D)).method).toBe('supernodal');
    expect(() => SparseLdl.analyze(upper(D), { method: 'fast' as unknown as 'auto' })).toThrow(InputError);
  });

  it('simplicial: a zero pivot names the original column; dynamic regularization completes a singular matrix', () => {
    // K = [[1,0,1],[0,1,0],[1,0,0]]: original column 2 has a zero diagonal and is eliminated first
    const K = cscFromTriplets(3, 3, [0, 1, 0, 2], [0, 1, 2, 2], [1, 1, 1, 0]);
    const err = errorOf(() => SparseLdl.analyze(K, { ordering: new Int32Array([2, 0, 1]), method: 'simplicial' }).factor());
    expect(err).toBeInstanceOf(ZeroPivotError);
    expect((err as ZeroPivotError).column).toBe(2);
    // [[1, 1], [1, 1]]: singular; the second pivot 1 − 1 = 0 is replaced by delta
    const S = cscFromTriplets(2, 2, [0, 0, 1], [0, 1, 1], [1, 1, 1]);
    expect(() => SparseLdl.analyze(S, { ordering: 'natural', method: 'simplicial' }).factor()).toThrow(ZeroPivotError);
    const reg = SparseLdl.analyze(S, { ordering: 'natural', method: 'simplicial', dynamicReg: { eps: 1e-12, delta: 1e-6 } }).factor();
    expect(reg.regularizedPivots).toBe(1);
    expect(Array.from(reg.diagonal())).toEqual([1, 1e-6]);
  });
});
