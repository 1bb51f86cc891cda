import { describe, expect, it } from 'vitest';
import {
  cscDiag,
  cscFromDense,
  cscFromTriplets,
  cscFromTripletsWithMap,
  cscIdentity,
  cscLowerTriangle,
  cscMatTVec,
  cscMatVec,
  cscRowCompressed,
  cscScale,
  cscSelectRows,
  cscSymPermuteUpper,
  cscSymUpperMatVec,
  cscToDense,
  cscTranspose,
  cscUpperTriangle,
  invertPermutation,
} from '../optimizer/linalg/csc.ts';
import type { CscMatrix, DenseMatrix } from '../optimizer/linalg/types.ts';
import { DimensionError, InputError } from '../optimizer/errors.ts';
import { rng } from './helpers.ts';

function randomDense(m: number, n: number, density: number, rand: () => number): DenseMatrix {
  const data = new Float64Array(m * n);
  for (let k = 0; k < m * n; k++) if (rand() < density) data[k] = rand() * 2 - 1;
  return { format: 'dense', nrows: m, ncols: n, data };
}

function get(D: DenseMatrix, i: number, j: number): number {
  return D.data[i * D.ncols + j]!;
}

/** structural invariants of our CSC output: sorted unique rows, consistent lengths */
function expectWellFormed(M: CscMatrix): void {
  expect(M.colPtr.length).toBe(M.ncols + 1);
  expect(M.colPtr[0]).toBe(0);
  const nz = M.colPtr[M.ncols]!;
  expect(M.rowIdx.length).toBe(nz);
  expect(M.values.length).toBe(nz);
  for (let j = 0; j < M.ncols; j++) {
    expect(M.colPtr[j + 1]!).toBeGreaterThanOrEqual(M.colPtr[j]!);
    for (let p = M.colPtr[j]!; p < M.colPtr[j + 1]!; p++) {
      const i = M.rowIdx[p]!;
      expect(i >= 0 && i < M.nrows).toBe(true);
      if (p > M.colPtr[j]!) expect(i).toBeGreaterThan(M.rowIdx[p - 1]!);
    }
  }
}

function denseMatVec(D: DenseMatrix, x: Float64Array): Float64Array {
  const y = new Float64Array(D.nrows);
  for (let i = 0; i < D.nrows; i++) for (let j = 0; j < D.ncols; j++) y[i] += get(D, i, j) * x[j]!;
  return y;
}

function randVec(n: number, rand: () => number): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = rand() * 2 - 1;
  return v;
}

function symmetricDense(n: number, density: number, rand: () => number): DenseMatrix {
  const D = randomDense(n, n, density, rand);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) D.data[i * n + j] = D.data[j * n + i]!;
  return D;
}

describe('cscFromTriplets', () => {
  it('sums duplicates, sorts rows and matches a dense accumulation', () => {
    const rand = rng(1);
    const m = 7;
    const n = 5;
    const T = 60;
    const rows: number[] = [];
    const cols: number[] = [];
    const vals: number[] = [];
    const D = new Float64Array(m * n);
    for (let k = 0; k < T; k++) {
      const i = Math.floor(rand() * m);
      const j = Math.floor(rand() * n);
      const v = rand() - 0.5;
      rows.push(i);
      cols.push(j);
      vals.push(v);
      D[i * n + j] += v;
    }
    const { matrix, map } = cscFromTripletsWithMap(m, n, rows, cols, vals);
    expectWellFormed(matrix);
    const back = cscToDense(matrix);
    for (let k = 0; k < m * n; k++) expect(back.data[k]).toBeCloseTo(D[k]!, 14);
    // the map re-assembles new values on the same pattern
    const vals2 = vals.map((v) => v * 3 + 1);
    const re = new Float64Array(matrix.values.length);
    for (let k = 0; k < T; k++) re[map[k]!] += vals2[k]!;
    const direct = cscFromTriplets(m, n, rows, cols, vals2);
    for (let p = 0; p < re.length; p++) expect(re[p]).toBeCloseTo(direct.values[p]!, 13);
    for (let k = 0; k < T; k++) {
      expect(matrix.rowIdx[map[k]!]).toBe(rows[k]);
      const p = map[k]!;
      expect(p >= matrix.colPtr[cols[k]!]! && p < matrix.colPtr[cols[k]! + 1]!).toBe(true);
    }
  });

  it('keeps explicit zeros and handles empty input', () => {
    const M = cscFromTriplets(3, 3, [0, 2], [1, 1], [0, 0]);
    expect(Array.from(M.colPtr)).toEqual([0, 0, 2, 2]);
    expect(Array.from(M.rowIdx)).toEqual([0, 2]);
    const E = cscFromTriplets(0, 4, [], [], []);
    expect(Array.from(E.colPtr)).toEqual([0, 0, 0, 0, 0]);
  });

  it('rejects bad indices and mismatched lengths', () => {
    expect(() => cscFromTriplets(2, 2, [2], [0], [1])).toThrow(InputError);
    expect(() => cscFromTriplets(2, 2, [0], [-1], [1])).toThrow(/cols\[0\]/);
    expect(() => cscFromTriplets(2, 2, [0.5], [0], [1])).toThrow(InputError);
    expect(() => cscFromTriplets(2, 2, [0, 1], [0], [1, 2])).toThrow(DimensionError);
    expect(() => cscFromTriplets(-1, 2, [], [], [])).toThrow(InputError);
  });
});

describe('dense conversion, transpose, triangles', () => {
  it('round-trips dense ↔ csc and transposes', () => {
    const rand = rng(2);
    const D = randomDense(6, 9, 0.3, rand);
    const M = cscFromDense(D);
    expectWellFormed(M);
    expect(M.values.every((v) => v !== 0)).toBe(true);
    expect(Array.from(cscToDense(M).data)).toEqual(Array.from(D.data));
    const full = cscFromDense(D, true);
    expect(full.values.length).toBe(54);
    const T = cscTranspose(M);
    expectWellFormed(T);
    const TD = cscToDense(T);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 9; j++) expect(get(TD, j, i)).toBe(get(D, i, j));
  });

  it('lists the rows in row-compressed form with the map back to the entries of M', () => {
    const rand = rng(21);
    const D = randomDense(7, 5, 0.4, rand);
    const M = cscFromDense(D, false);
    const R = cscRowCompressed(M);
    expect(R.rowPtr.length).toBe(8);
    expect(R.rowPtr[7]).toBe(M.values.length);
    for (let i = 0; i < 7; i++) {
      // row i, brute force from the dense matrix: the nonzero columns ascending
      const cols: number[] = [];
      for (let j = 0; j < 5; j++) if (get(D, i, j) !== 0) cols.push(j);
      const got = Array.from(R.colIdx.subarray(R.rowPtr[i]!, R.rowPtr[i + 1]!));
      expect(got).toEqual(cols);
      for (let t = R.rowPtr[i]!; t < R.rowPtr[i + 1]!; t++) {
        expect(R.values[t]).toBe(get(D, i, R.colIdx[t]!));
        // srcPos points at the same entry of M: same value, row i, column colIdx[t]
        const p = R.srcPos[t]!;
        expect(M.values[p]).toBe(R.values[t]);
        expect(M.rowIdx[p]).toBe(i);
        expect(M.colPtr[R.colIdx[t]!]! <= p && p < M.colPtr[R.colIdx[t]! + 1]!).toBe(true);
      }
    }
    // read as CSC, the row-compressed arrays are Mᵀ
    const T = cscTranspose(M);
    expect(Array.from(T.colPtr)).toEqual(Array.from(R.rowPtr));
    expect(Array.from(T.rowIdx)).toEqual(Array.from(R.colIdx));
    expect(Array.from(T.values)).toEqual(Array.from(R.values));
  });

  it('splits triangles so that upper + lower − diag = M', () => {
    const rand = rng(3);
    const D = randomDense(8, 8, 0.5, rand);
    const M = cscFromDense(D);
    const U = cscToDense(cscUpperTriangle(M));
    const L = cscToDense(cscLowerTriangle(M));
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        expect(get(U, i, j)).toBe(i <= j ? get(D, i, j) : 0);
        expect(get(L, i, j)).toBe(i >= j ? get(D, i, j) : 0);
      }
    }
  });

  it('builds identity and diagonal matrices', () => {
    const I = cscToDense(cscIdentity(3, 2.5));
    expect(Array.from(I.data)).toEqual([2.5, 0, 0, 0, 2.5, 0, 0, 0, 2.5]);
    const Dg = cscDiag(new Float64Array([1, 0, -3]));
    expect(Dg.values.length).toBe(3);
    expect(Array.from(cscToDense(Dg).data)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, -3]);
  });
});

describe('products', () => {
  it('M x and Mᵀ x match dense, with and without accumulation', () => {
    const rand = rng(4);
    const D = randomDense(7, 4, 0.5, rand);
    const M = cscFromDense(D);
    const x = randVec(4, rand);
    const ref = denseMatVec(D, x);
    const y = cscMatVec(M, x);
    for (let i = 0; i < 7; i++) expect(y[i]).toBeCloseTo(ref[i]!, 14);
    const y2 = new Float64Array(7).fill(1);
    cscMatVec(M, x, y2, true);
    for (let i = 0; i < 7; i++) expect(y2[i]).toBeCloseTo(ref[i]! + 1, 14);
    cscMatVec(M, x, y2);
    for (let i = 0; i < 7; i++) expect(y2[i]).toBeCloseTo(ref[i]!, 14);
    const z = randVec(7, rand);
    const Dt: DenseMatrix = cscToDense(cscTranspose(M));
    const refT = denseMatVec(Dt, z);
    const w = cscMatTVec(M, z);
    for (let j = 0; j < 4; j++) expect(w[j]).toBeCloseTo(refT[j]!, 14);
    const w2 = new Float64Array(4).fill(-2);
    cscMatTVec(M, z, w2, true);
    for (let j = 0; j < 4; j++) expect(w2[j]).toBeCloseTo(refT[j]! - 2, 14);
    expect(() => cscMatVec(M, new Float64Array(5))).toThrow(DimensionError);
    expect(() => cscMatTVec(M, new Float64Array(4))).toThrow(DimensionError);
  });

  it('symmetric product from the upper triangle (and from the full matrix) equals K x', () => {
    const rand = rng(5);
    const K = symmetricDense(9, 0.4, rand);
    const x = randVec(9, rand);
    const ref = denseMatVec(K, x);
    const full = cscFromDense(K);
    const upper = cscUpperTriangle(full);
    const y1 = cscSymUpperMatVec(upper, x);
    const y2 = cscSymUpperMatVec(full, x, new Float64Array(9).fill(7));
    for (let i = 0; i < 9; i++) {
      expect(y1[i]).toBeCloseTo(ref[i]!, 13);
      expect(y2[i]).toBeCloseTo(ref[i]!, 13);
    }
  });
});

describe('cscSymPermuteUpper', () => {
  it('returns triu(K(perm, perm)) and a value map usable for refactoring', () => {
    const rand = rng(6);
    const n = 12;
    const K = symmetricDense(n, 0.35, rand);
    for (let i = 0; i < n; i++) K.data[i * n + i] = 1 + i;
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
    }
    const full = cscFromDense(K);
    for (const input of [cscUpperTriangle(full), full]) {
      const { matrix, map } = cscSymPermuteUpper(input, perm);
      expectWellFormed(matrix);
      const C = cscToDense(matrix);
      for (let k = 0; k < n; k++) {
        for (let l = 0; l < n; l++) expect(get(C, k, l)).toBe(k <= l ? get(K, perm[k]!, perm[l]!) : 0);
      }
      // scatter new values through the map
      const vals = input.values.map((v) => 2 * v - 1);
      const out = new Float64Array(matrix.values.length);
      let used = 0;
      for (let p = 0; p < vals.length; p++) {
        const q = map[p]!;
        if (q >= 0) {
          out[q] = vals[p]!;
          used++;
        } else expect(input.rowIdx[p]!).toBeGreaterThan(0); // only below-diagonal entries dropped
      }
      expect(used).toBe(matrix.values.length);
      for (let q = 0; q < out.length; q++) expect(out[q]).toBe(2 * matrix.values[q]! - 1);
    }
  });

  it('rejects non-permutations', () => {
    const U = cscIdentity(3);
    expect(() => cscSymPermuteUpper(U, new Int32Array([0, 0, 1]))).toThrow(/repeated/);
    expect(() => cscSymPermuteUpper(U, new Int32Array([0, 1]))).toThrow(DimensionError);
    expect(() => invertPermutation([0, 3, 1], 3)).toThrow(InputError);
    expect(Array.from(invertPermutation([2, 0, 1], 3))).toEqual([1, 2, 0]);
  });
});

describe('row selection and scaling', () => {
  it('selects rows in any order with repeats', () => {
    const rand = rng(7);
    const D = randomDense(6, 5, 0.5, rand);
    const M = cscFromDense(D);
    const rows = [4, 0, 4, 5, 2];
    const S = cscSelectRows(M, rows);
    expectWellFormed(S);
    expect(S.nrows).toBe(5);
    const SD = cscToDense(S);
    for (let r = 0; r < rows.length; r++) for (let j = 0; j < 5; j++) expect(get(SD, r, j)).toBe(get(D, rows[r]!, j));
    expect(cscSelectRows(M, []).nrows).toBe(0);
    expect(() => cscSelectRows(M, [6])).toThrow(InputError);
  });

  it('scales rows and columns: diag(r) M diag(c)', () => {
    const rand = rng(8);
    const D = randomDense(4, 3, 0.7, rand);
    const M = cscFromDense(D);
    const r = new Float64Array([1, 2, 3, 4]);
    const c = new Float64Array([-1, 0.5, 2]);
    const S = cscToDense(cscScale(M, r, c));
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) expect(get(S, i, j)).toBeCloseTo(r[i]! * get(D, i, j) * c[j]!, 15);
    const Sr = cscToDense(cscScale(M, r, null));
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) expect(get(Sr, i, j)).toBeCloseTo(r[i]! * get(D, i, j), 15);
    expect(M.values).not.toBe(cscScale(M, null, null).values);
    expect(() => cscScale(M, new Float64Array(3), null)).toThrow(DimensionError);
  });
});
