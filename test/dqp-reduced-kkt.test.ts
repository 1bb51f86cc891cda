/**
 * The reduced KKT system: assembly (sparse = dense, pattern independent of values), the
 * constraint-aware ordering, every factorization path against a dense reference, the
 * least-squares path against the minimum-norm solution, the condition estimate, the cache.
 */
import { describe, expect, it } from 'vitest';
import { selectActiveSet } from '../optimizer/dqp/active-set.ts';
import { inequalityRows } from '../optimizer/qp/inequality-rows.ts';
import {
  assembleReducedKkt,
  estimateInverseNorm1,
  factorReducedKkt,
  KktFactorCache,
  kktOrdering,
  SPARSE_STATIC_REG,
  type ReducedKkt,
} from '../optimizer/dqp/reduced-kkt.ts';
import { DenseLu } from '../optimizer/linalg/dense.ts';
import { SparseLdl } from '../optimizer/linalg/ldl.ts';
import { PatternCache } from '../optimizer/linalg/pattern-cache.ts';
import { denseLstsq } from '../optimizer/linalg/lsq.ts';
import { toDense } from '../optimizer/linalg/matrix.ts';
import type { CscMatrix, DenseMatrix } from '../optimizer/linalg/types.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { knownQP, Rng, symmetricFromUpper } from './dqp-fixtures.ts';

function kktOf(problem: QPProblem, J: Int32Array, form: 'sparse' | 'dense', scales = false): ReducedKkt {
  const n = problem.P.ncols;
  const rows = inequalityRows(n, problem.C, problem.d, problem.lb, problem.ub);
  const sA = scales && problem.A ? Float64Array.from({ length: problem.A.nrows }, (_, i) => 0.5 + i) : null;
  const sC = scales && problem.C ? Float64Array.from({ length: problem.C.nrows }, (_, i) => 2 + i) : null;
  return assembleReducedKkt({ P: problem.P, A: problem.A ?? null, rows, J, sA, sC }, form);
}

/** The unscaled K_J as a dense matrix: D⁻¹ (s K̃) D⁻¹. */
function unscaledDense(K: ReducedKkt): DenseMatrix {
  const { N, D, scale } = K;
  const M = K.dense ?? symmetricFromUpper(K);
  const data = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) data[i * N + j] = (M.data[i * N + j]! * scale) / (D[i]! * D[j]!);
  return { format: 'dense', nrows: N, ncols: N, data };
}


const activeOf = (kq: ReturnType<typeof knownQP>) => {
  const rows = inequalityRows(kq.problem.P.ncols, kq.problem.C, kq.problem.d, kq.problem.lb, kq.problem.ub);
  return selectActiveSet(rows.residuals(kq.z), 1e-9, null);
};

describe('assembly', () => {
  const kq = knownQP('kkt-assembly', { n: 9, p: 2, m: 8, k: 3, sparse: true, bounds: true, activeBounds: 2 });
  const J = activeOf(kq);

  it('sparse and dense forms are the same matrix, and equal the definition of K_J', () => {
    expect(J.length).toBe(5);
    for (const scales of [false, true]) {
      const a = unscaledDense(kktOf(kq.problem, J, 'sparse', scales));
      const b = unscaledDense(kktOf(kq.problem, J, 'dense', scales));
      for (let i = 0; i < a.data.length; i++) expect(a.data[i]).toBeCloseTo(b.data[i]!, 12);
      // definition: [P Aᵀ C_Jᵀ; A 0 0; C_J 0 0] with bound rows ∓e_i
      const N = a.nrows;
      const P = toDense(kq.problem.P);
      const A = toDense(kq.problem.A!);
      const C = toDense(kq.problem.C!);
      const n = 9;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(a.data[i * N + j]).toBeCloseTo(P.data[i * n + j]!, 12);
      for (let r = 0; r < 2; r++) for (let j = 0; j < n; j++) expect(a.data[(n + r) * N + j]).toBeCloseTo(A.data[r * n + j]!, 12);
      J.forEach((row, t) => {
        for (let j = 0; j < n; j++) {
          const expected = row < 8 ? C.data[row * n + j]! : row < 8 + n ? (j === row - 8 ? -1 : 0) : j === row - 8 - n ? 1 : 0;
          expect(a.data[(n + 2 + t) * N + j]).toBeCloseTo(expected, 12);
        }
      });
      for (let i = n; i < N; i++) for (let j = n; j < N; j++) expect(a.data[i * N + j]).toBe(0);
    }
  });

  it('the sparse pattern depends on the patterns and J only (values and scaling do not matter)', () => {
    const P0 = kq.problem.P as CscMatrix;
    const other: QPProblem = { ...kq.problem, P: { ...P0, values: P0.values.map((v) => v * 3) } };
    const a = kktOf(kq.problem, J, 'sparse').upper!;
    const b = kktOf(other, J, 'sparse', true).upper!;
    expect(Array.from(a.colPtr)).toEqual(Array.from(b.colPtr));
    expect(Array.from(a.rowIdx)).toEqual(Array.from(b.rowIdx));
    // every diagonal entry is stored (explicit zeros for the constraint rows)
    for (let j = 0; j < a.ncols; j++) expect(a.rowIdx[a.colPtr[j + 1]! - 1]).toBe(j);
  });
});

describe('kktOrdering', () => {
  it('gives a permutation whose LDLᵀ pivots stay far from the regularization', () => {
    // many constraints sharing variables: the case where AMD alone produces −δ pivots
    for (let s = 0; s < 4; s++) {
      const kq = knownQP(`kkt-order-${s}`, { n: 60, p: 5, m: 70, k: 40, sparse: true, density: 0.05 });
      const K = kktOf(kq.problem, activeOf(kq), 'sparse');
      const perm = kktOrdering(K.upper!, K.n);
      expect(Array.from(perm).sort((a, b) => a - b)).toEqual(Array.from({ length: K.N }, (_, i) => i));
      const ldl = SparseLdl.analyze(K.upper!, { ordering: perm, signs: K.signs, staticReg: SPARSE_STATIC_REG }).factor(K.upper!.values);
      const d = ldl.diagonal();
      let mn = Infinity;
      for (const v of d) mn = Math.min(mn, Math.abs(v));
      expect(mn).toBeGreaterThan(1e3 * SPARSE_STATIC_REG);
      expect(ldl.positivePivots).toBe(K.n);
      expect(ldl.negativePivots).toBe(K.N - K.n);
      // with the plain AMD order the same matrix has pivots at the regularization level
      const plain = SparseLdl.analyze(K.upper!, { ordering: 'amd', signs: K.signs, staticReg: SPARSE_STATIC_REG }).factor(K.upper!.values);
      let mnPlain = Infinity;
      for (const v of plain.diagonal()) mnPlain = Math.min(mnPlain, Math.abs(v));
      expect(mnPlain).toBeLessThan(10 * SPARSE_STATIC_REG);
    }
  });

  it('ends the order with the long rows (more than max(16, 10√n) variables), in both modes', () => {
    // n = 400 (limit 200): one row over 300 variables, 150 rows of 3; P = I
    const n = 400;
    const rng = new Rng('long-row');
    const rows: number[][] = [Array.from({ length: 300 }, (_, i) => i)];
    for (let t = 0; t < 150; t++) rows.push([rng.int(n), rng.int(n), rng.int(n)].filter((v, i, a) => a.indexOf(v) === i));
    const N = n + rows.length;
    const colPtr = new Int32Array(N + 1);
    const rowIdx: number[] = [];
    const values: number[] = [];
    for (let j = 0; j < n; j++) {
      rowIdx.push(j);
      values.push(1);
      colPtr[j + 1] = rowIdx.length;
    }
    rows.forEach((vars, t) => {
      for (const v of [...vars].sort((a, b) => a - b)) {
        rowIdx.push(v);
        values.push(0.5 + rng.uniform());
      }
      rowIdx.push(n + t);
      values.push(0);
      colPtr[n + t + 1] = rowIdx.length;
    });
    const U: CscMatrix = { format: 'csc', nrows: N, ncols: N, colPtr, rowIdx: Int32Array.from(rowIdx), values: Float64Array.from(values) };
    for (const mode of ['matched', 'all'] as const) {
      const perm = kktOrdering(U, n, undefined, mode);
      expect(perm[N - 1]).toBe(n);
      expect(Array.from(perm).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    }
  });
});

describe('factorizations', () => {
  const rng = new Rng('kkt-solve');
  for (const [method, form] of [
    ['sparse-ldl', 'sparse'],
    ['dense', 'dense'],
    ['lstsq', 'dense'],
  ] as const) {
    it(`${method}: K_J⁻¹ g equals a dense LU solve of the unscaled K_J`, () => {
      for (let s = 0; s < 5; s++) {
        const kq = knownQP(`kkt-solve-${method}-${s}`, { n: 12, p: 2, m: 10, k: 4, sparse: s % 2 === 0, bounds: s > 2, activeBounds: 1 });
        const K = kktOf(kq.problem, activeOf(kq), form, s % 2 === 1);
        const { solver, singularReason } = factorReducedKkt(K, { method, singularTol: 1e-12, cache: new KktFactorCache() });
        expect(singularReason).toBeNull();
        expect(solver.singular).toBe(method === 'lstsq');
        const g = rng.fillNormal(new Float64Array(K.N));
        const ref = DenseLu.factor(unscaledDense(K)).solve(g);
        const { x, leastSquares } = solver.solve(g);
        expect(leastSquares).toBe(method === 'lstsq');
        let err = 0;
        let mx = 0;
        for (let i = 0; i < K.N; i++) {
          err = Math.max(err, Math.abs(x[i]! - ref[i]!));
          mx = Math.max(mx, Math.abs(ref[i]!));
        }
        expect(err / mx).toBeLessThan(1e-10);
      }
    });
  }

  for (const method of ['sparse-ldl', 'dense'] as const) {
    it(`${method}: a singular K_J (dependent rows) switches to the minimum-norm least-squares solution`, () => {
      const kq = knownQP('kkt-singular', { n: 10, p: 2, m: 6, k: 3, sparse: true });
      // append a copy of the first active row (a combination would do as well)
      const C = toDense(kq.problem.C!);
      const j0 = kq.active[0]!;
      const data = new Float64Array((C.nrows + 1) * 10);
      data.set(C.data);
      data.set(C.data.subarray(j0 * 10, j0 * 10 + 10), C.nrows * 10);
      const d = new Float64Array(C.nrows + 1);
      d.set(kq.problem.d!);
      d[C.nrows] = kq.problem.d![j0]!;
      const pr: QPProblem = { ...kq.problem, C: { format: 'dense', nrows: C.nrows + 1, ncols: 10, data }, d };
      const J = Int32Array.from([...Array.from(kq.active), C.nrows]);
      const K = kktOf(pr, J, method === 'dense' ? 'dense' : 'sparse');
      const cache = new KktFactorCache();
      const { solver, singularReason } = factorReducedKkt(K, { method, singularTol: 1e-12, cache });
      expect(singularReason).not.toBeNull();
      expect(solver.kind).toBe('lstsq-dense');
      const g = rng.fillNormal(new Float64Array(K.N));
      const { x, leastSquares } = solver.solve(g);
      expect(leastSquares).toBe(true);
      const ref = denseLstsq(unscaledDense(K), g, 1e-12).x;
      for (let i = 0; i < K.N; i++) expect(x[i]).toBeCloseTo(ref[i]!, 8);
    });
  }
});

describe('estimateInverseNorm1', () => {
  it('is a lower bound of ‖K⁻¹‖₁ within a factor 3 on random symmetric matrices', () => {
    const rng = new Rng('hager');
    for (let s = 0; s < 10; s++) {
      const N = 6 + s;
      const data = new Float64Array(N * N);
      for (let i = 0; i < N; i++)
        for (let j = 0; j <= i; j++) {
          const v = rng.normal();
          data[i * N + j] = v;
          data[j * N + i] = v;
        }
      const M: DenseMatrix = { format: 'dense', nrows: N, ncols: N, data };
      const lu = DenseLu.factor(M);
      // exact ‖M⁻¹‖₁ = max column sum of M⁻¹
      let exact = 0;
      for (let j = 0; j < N; j++) {
        const e = new Float64Array(N);
        e[j] = 1;
        const col = lu.solve(e);
        exact = Math.max(exact, col.reduce((a, v) => a + Math.abs(v), 0));
      }
      const est = estimateInverseNorm1((x) => lu.solve(x), N);
      expect(est).toBeLessThanOrEqual(exact * (1 + 1e-12));
      expect(est).toBeGreaterThanOrEqual(exact / 3);
    }
  });
});

describe('KktFactorCache', () => {
  it('analyses once per pattern and counts hits, with an LRU of the given capacity', () => {
    const kq = knownQP('kkt-cache', { n: 20, p: 2, m: 12, k: 5, sparse: true });
    const J = activeOf(kq);
    const cache = new KktFactorCache(1);
    const K1 = kktOf(kq.problem, J, 'sparse');
    factorReducedKkt(K1, { method: 'sparse-ldl', singularTol: 1e-12, cache });
    factorReducedKkt(kktOf(kq.problem, J, 'sparse', true), { method: 'sparse-ldl', singularTol: 1e-12, cache });
    expect([cache.analyses, cache.hits, cache.factorizations]).toEqual([1, 1, 2]);
    const J2 = J.subarray(0, J.length - 1);
    factorReducedKkt(kktOf(kq.problem, J2, 'sparse'), { method: 'sparse-ldl', singularTol: 1e-12, cache });
    factorReducedKkt(K1, { method: 'sparse-ldl', singularTol: 1e-12, cache });
    // capacity 1: the first pattern was evicted by the second
    expect([cache.analyses, cache.hits]).toEqual([3, 1]);
  });
});

describe('PatternCache (the pattern cache under KktFactorCache)', () => {
  it('returns a stored value only for an identical key, least recently used out first', () => {
    const cache = new PatternCache<string>(2);
    let made = 0;
    const make = (tag: string) => () => `${tag}${made++}`;
    const a = [Int32Array.of(3), Int32Array.of(0, 1, 3), Int32Array.of(0, 0, 1)];
    expect(cache.get(a, make('a'))).toBe('a0');
    // equal contents in fresh arrays hit; a different entry, an extra part or a longer part miss
    expect(cache.get([Int32Array.of(3), Int32Array.of(0, 1, 3), Int32Array.of(0, 0, 1)], make('x'))).toBe('a0');
    expect(cache.get([Int32Array.of(3), Int32Array.of(0, 1, 3), Int32Array.of(0, 0, 2)], make('b'))).toBe('b1');
    expect(cache.get([...a, Uint8Array.of()], make('c'))).toBe('c2');
    expect([cache.hits, cache.misses, cache.size]).toEqual([1, 3, 2]);
    // capacity 2: 'a' was evicted by 'c' (the most recent two are b, c)
    expect(cache.get(a, make('a'))).toBe('a3');
    // a key part modified in place after storing: copyKeys keeps the stored pattern intact
    const copying = new PatternCache<number>(4, true);
    const part = Int32Array.of(1, 2);
    copying.get([part], () => 7);
    part[1] = 5;
    expect(copying.get([Int32Array.of(1, 2)], () => 8)).toBe(7);
    expect(copying.get([part], () => 9)).toBe(9);
  });

  it('keeps nothing with capacity 0', () => {
    const cache = new PatternCache<number>(0);
    let made = 0;
    cache.get([Int32Array.of(1)], () => made++);
    cache.get([Int32Array.of(1)], () => made++);
    expect([made, cache.hits, cache.misses, cache.size]).toEqual([2, 0, 2, 0]);
  });
});
