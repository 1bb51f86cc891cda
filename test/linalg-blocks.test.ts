import { describe, expect, it } from 'vitest';
import { DimensionError, InputError } from '../optimizer/errors.ts';
import { bmat, blockDiag, hstack, kron, vstack } from '../optimizer/linalg/blocks.ts';
import { cscFromDense, cscFromTriplets, cscToDense } from '../optimizer/linalg/csc.ts';
import { denseFromRows } from '../optimizer/linalg/matrix.ts';
import type { CscMatrix, DenseMatrix } from '../optimizer/linalg/types.ts';
import { Rng } from '../optimizer/util/random.ts';

function randomCsc(m: number, n: number, density: number, rng: Rng): CscMatrix {
  const data = new Float64Array(m * n);
  for (let k = 0; k < m * n; k++) if (rng.uniform() < density) data[k] = rng.normal();
  return cscFromDense({ format: 'dense', nrows: m, ncols: n, data });
}

function get(M: DenseMatrix, i: number, j: number): number {
  return M.data[i * M.ncols + j]!;
}

/** Rows sorted and unique within every column, colPtr consistent. */
function expectValidCsc(M: CscMatrix): void {
  expect(M.colPtr.length).toBe(M.ncols + 1);
  expect(M.colPtr[0]).toBe(0);
  expect(M.rowIdx.length).toBe(M.colPtr[M.ncols]);
  for (let j = 0; j < M.ncols; j++)
    for (let p = M.colPtr[j]!; p < M.colPtr[j + 1]!; p++) {
      expect(M.rowIdx[p]).toBeGreaterThanOrEqual(0);
      expect(M.rowIdx[p]).toBeLessThan(M.nrows);
      if (p > M.colPtr[j]!) expect(M.rowIdx[p]).toBeGreaterThan(M.rowIdx[p - 1]!);
    }
}

describe('block assembly', () => {
  const rng = new Rng('blocks');

  it('hstack and vstack place every entry at its offset', () => {
    const A = randomCsc(4, 3, 0.5, rng);
    const B = randomCsc(4, 5, 0.5, rng);
    const C = randomCsc(4, 1, 0.9, rng);
    const H = hstack([A, B, C]);
    expectValidCsc(H);
    expect([H.nrows, H.ncols]).toEqual([4, 9]);
    const Hd = cscToDense(H);
    const parts = [A, B, C].map(cscToDense);
    let c0 = 0;
    for (const P of parts) {
      for (let i = 0; i < 4; i++) for (let j = 0; j < P.ncols; j++) expect(get(Hd, i, c0 + j)).toBe(get(P, i, j));
      c0 += P.ncols;
    }
    const D = randomCsc(2, 3, 0.5, rng);
    const V = vstack([A, D]);
    expectValidCsc(V);
    const Vd = cscToDense(V);
    const Ad = cscToDense(A);
    const Dd = cscToDense(D);
    for (let j = 0; j < 3; j++) {
      for (let i = 0; i < 4; i++) expect(get(Vd, i, j)).toBe(get(Ad, i, j));
      for (let i = 0; i < 2; i++) expect(get(Vd, 4 + i, j)).toBe(get(Dd, i, j));
    }
    expect(() => hstack([A, D])).toThrow(DimensionError);
    expect(() => hstack([A, D])).toThrow(/^blocks\[1\]: expected 4 rows/);
    expect(() => vstack([A, B])).toThrow(/^blocks\[1\]: expected 3 columns/);
    expect(() => hstack([])).toThrow(InputError);
  });

  it('keeps explicit zeros and accepts dense blocks', () => {
    const Z = cscFromTriplets(2, 2, [0, 1], [0, 1], [0, 0]); // two explicit zeros
    const H = hstack([Z, denseFromRows([[1, 0], [0, 2]])]);
    expect(H.colPtr[H.ncols]).toBe(4);
    expect(Array.from(H.values)).toEqual([0, 0, 1, 2]);
  });

  it('bmat assembles a KKT matrix [P Aᵀ; A 0] with a null block', () => {
    const P = randomCsc(5, 5, 0.6, rng);
    const A = randomCsc(2, 5, 0.6, rng);
    const At = cscFromDense({ format: 'dense', nrows: 5, ncols: 2, data: (() => {
      const Ad = cscToDense(A);
      const d = new Float64Array(10);
      for (let i = 0; i < 2; i++) for (let j = 0; j < 5; j++) d[j * 2 + i] = get(Ad, i, j);
      return d;
    })() });
    const K = bmat([
      [P, At],
      [A, null],
    ]);
    expectValidCsc(K);
    expect([K.nrows, K.ncols]).toEqual([7, 7]);
    const Kd = cscToDense(K);
    const Pd = cscToDense(P);
    const Ad = cscToDense(A);
    for (let i = 0; i < 7; i++)
      for (let j = 0; j < 7; j++) {
        const ref = i < 5 && j < 5 ? get(Pd, i, j) : i >= 5 && j < 5 ? get(Ad, i - 5, j) : i < 5 ? get(Ad, j - 5, i) : 0;
        expect(get(Kd, i, j)).toBe(ref);
      }
    expect(() => bmat([[P, null], [null, null]])).toThrow(InputError);
    const withSizes = bmat([[P, null], [null, null]], { rows: [5, 3], cols: [5, 1] });
    expect([withSizes.nrows, withSizes.ncols]).toEqual([8, 6]);
    expect(() => bmat([[P, A]])).toThrow(/^grid\[0\]\[1\]: expected 5 rows/);
    expect(() => bmat([[P], [P, P]])).toThrow(DimensionError);
  });

  it('blockDiag puts blocks on the diagonal', () => {
    const blocks = [randomCsc(2, 3, 0.7, rng), randomCsc(0, 2, 0.5, rng), randomCsc(3, 1, 0.9, rng)];
    const D = blockDiag(blocks);
    expectValidCsc(D);
    expect([D.nrows, D.ncols]).toEqual([5, 6]);
    const Dd = cscToDense(D);
    let nnzInBlocks = 0;
    let r0 = 0;
    let c0 = 0;
    for (const B of blocks) {
      const Bd = cscToDense(B);
      for (let i = 0; i < B.nrows; i++) for (let j = 0; j < B.ncols; j++) expect(get(Dd, r0 + i, c0 + j)).toBe(get(Bd, i, j));
      nnzInBlocks += B.colPtr[B.ncols]!;
      r0 += B.nrows;
      c0 += B.ncols;
    }
    expect(D.colPtr[D.ncols]).toBe(nnzInBlocks);
    expect(blockDiag([]).nrows).toBe(0);
  });

  it('kron matches the definition (A ⊗ B)[iA·mB+iB, jA·nB+jB] = A[iA,jA]·B[iB,jB]', () => {
    const A = randomCsc(3, 2, 0.7, rng);
    const B = randomCsc(2, 4, 0.6, rng);
    const K = kron(A, B);
    expectValidCsc(K);
    expect([K.nrows, K.ncols]).toEqual([6, 8]);
    const Kd = cscToDense(K);
    const Ad = cscToDense(A);
    const Bd = cscToDense(B);
    for (let ia = 0; ia < 3; ia++)
      for (let ja = 0; ja < 2; ja++)
        for (let ib = 0; ib < 2; ib++)
          for (let jb = 0; jb < 4; jb++) expect(Math.abs(get(Kd, ia * 2 + ib, ja * 4 + jb) - get(Ad, ia, ja) * get(Bd, ib, jb))).toBe(0);
    // the chain benchmark's G₀ ⊗ I_k
    const G = denseFromRows([
      [1, -1, 0],
      [0, 1, -1],
      [-1, 0, 1],
    ]);
    const I2 = denseFromRows([
      [1, 0],
      [0, 1],
    ]);
    const GI = cscToDense(kron(G, I2));
    expect(Array.from(GI.data.subarray(0, 6))).toEqual([1, 0, -1, 0, 0, 0]);
    expect(Array.from(GI.data.subarray(6, 12))).toEqual([0, 1, 0, -1, 0, 0]);
  });
});
