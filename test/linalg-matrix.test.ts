import { describe, expect, it } from 'vitest';
import { DimensionError, InputError } from '../optimizer/errors.ts';
import { cscFromDense } from '../optimizer/linalg/csc.ts';
import {
  denseFromData,
  denseFromRows,
  matrixColNorms2,
  matrixColNormsInf,
  matrixMaxAbs,
  matrixNnz,
  matrixRowNorms2,
  matrixRowNormsInf,
  matrixScale,
  matrixTranspose,
  matTVec,
  matVec,
  toCsc,
  toDense,
} from '../optimizer/linalg/matrix.ts';
import type { DenseMatrix, Matrix } from '../optimizer/linalg/types.ts';
import { Rng } from '../optimizer/util/random.ts';

function randomDense(m: number, n: number, density: number, rng: Rng): DenseMatrix {
  const data = new Float64Array(m * n);
  for (let k = 0; k < m * n; k++) if (rng.uniform() < density) data[k] = rng.normal();
  return { format: 'dense', nrows: m, ncols: n, data };
}

function entry(M: DenseMatrix, i: number, j: number): number {
  return M.data[i * M.ncols + j]!;
}

describe('matVec / matTVec', () => {
  const rng = new Rng('matrix-matvec');
  for (const [m, n] of [
    [7, 5],
    [1, 9],
    [6, 1],
    [0, 3],
    [4, 0],
  ] as const) {
    it(`agree with the entrywise definition on dense and CSC (${m}×${n})`, () => {
      const D = randomDense(m, n, 0.6, rng);
      const S = cscFromDense(D);
      const x = rng.fillNormal(new Float64Array(n));
      const xt = rng.fillNormal(new Float64Array(m));
      const ref = new Float64Array(m);
      const reft = new Float64Array(n);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          ref[i] += entry(D, i, j) * x[j]!;
          reft[j] += entry(D, i, j) * xt[i]!;
        }
      for (const M of [D, S] as Matrix[]) {
        const y = matVec(M, x);
        const yt = matTVec(M, xt);
        for (let i = 0; i < m; i++) expect(y[i]).toBeCloseTo(ref[i]!, 12);
        for (let j = 0; j < n; j++) expect(yt[j]).toBeCloseTo(reft[j]!, 12);
        // accumulate adds to what is there; without accumulate, y is overwritten
        const acc = new Float64Array(m).fill(2);
        matVec(M, x, acc, true);
        for (let i = 0; i < m; i++) expect(acc[i]).toBeCloseTo(ref[i]! + 2, 12);
        const over = new Float64Array(n).fill(7);
        matTVec(M, xt, over, false);
        for (let j = 0; j < n; j++) expect(over[j]).toBeCloseTo(reft[j]!, 12);
        const acct = new Float64Array(n).fill(-1);
        matTVec(M, xt, acct, true);
        for (let j = 0; j < n; j++) expect(acct[j]).toBeCloseTo(reft[j]! - 1, 12);
      }
    });
  }

  it('reject wrong lengths with a DimensionError naming the argument', () => {
    const D = denseFromRows([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    for (const M of [D, cscFromDense(D)] as Matrix[]) {
      expect(() => matVec(M, new Float64Array(2))).toThrow(DimensionError);
      expect(() => matVec(M, new Float64Array(2))).toThrow(/^x: expected length 3/);
      expect(() => matVec(M, new Float64Array(3), new Float64Array(3))).toThrow(/^y: expected length 2/);
      expect(() => matTVec(M, new Float64Array(3))).toThrow(/^x: expected length 2/);
      expect(() => matTVec(M, new Float64Array(2), new Float64Array(2))).toThrow(/^y: expected length 3/);
    }
  });
});

describe('conversions and constructors', () => {
  it('toCsc / toDense round-trip and return the input when already in that format', () => {
    const rng = new Rng(5);
    const D = randomDense(6, 4, 0.5, rng);
    const S = toCsc(D);
    expect(S.format).toBe('csc');
    expect(toCsc(S)).toBe(S);
    expect(toDense(D)).toBe(D);
    expect(Array.from(toDense(S).data)).toEqual(Array.from(D.data));
    expect(matrixNnz(S)).toBe(matrixNnz(D));
    // keepZeros stores every entry
    expect(matrixNnz(toCsc(D, true))).toBe(24);
  });

  it('denseFromRows builds row-major data and rejects ragged or non-numeric rows', () => {
    const M = denseFromRows([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect([M.nrows, M.ncols]).toEqual([3, 2]);
    expect(Array.from(M.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(denseFromRows([]).nrows).toBe(0);
    expect(() => denseFromRows([[1, 2], [3]])).toThrow(/rows\[1\]: expected length 2/);
    expect(() => denseFromRows([[1, Number.NaN]])).toThrow(InputError);
    expect(() => denseFromData(2, 2, new Float64Array(3))).toThrow(/data: expected length 4/);
  });

  it('matrixNnz counts stored entries of CSC (explicit zeros too) and nonzeros of dense', () => {
    const D = denseFromRows([
      [0, 1],
      [2, 0],
    ]);
    expect(matrixNnz(D)).toBe(2);
    const S = cscFromDense(D, true);
    expect(matrixNnz(S)).toBe(4);
  });
});

describe('norms, scaling, transpose', () => {
  it('row and column norms match the definitions, dense and CSC, with empty rows', () => {
    const rng = new Rng(11);
    const D = randomDense(9, 7, 0.4, rng);
    D.data.fill(0, 2 * 7, 3 * 7); // row 2 empty
    const S = cscFromDense(D);
    for (const M of [D, S] as Matrix[]) {
      const ri = matrixRowNormsInf(M);
      const r2 = matrixRowNorms2(M);
      const ci = matrixColNormsInf(M);
      const c2 = matrixColNorms2(M);
      for (let i = 0; i < 9; i++) {
        let mx = 0;
        let sq = 0;
        for (let j = 0; j < 7; j++) {
          mx = Math.max(mx, Math.abs(entry(D, i, j)));
          sq += entry(D, i, j) ** 2;
        }
        expect(ri[i]).toBe(mx);
        expect(r2[i]).toBeCloseTo(Math.sqrt(sq), 13);
      }
      expect(ri[2]).toBe(0);
      for (let j = 0; j < 7; j++) {
        let mx = 0;
        let sq = 0;
        for (let i = 0; i < 9; i++) {
          mx = Math.max(mx, Math.abs(entry(D, i, j)));
          sq += entry(D, i, j) ** 2;
        }
        expect(ci[j]).toBe(mx);
        expect(c2[j]).toBeCloseTo(Math.sqrt(sq), 13);
      }
      expect(matrixMaxAbs(M)).toBe(Math.max(...Array.from(D.data, Math.abs)));
      expect(() => matrixRowNormsInf(M, new Float64Array(3))).toThrow(/^out: expected length 9/);
    }
  });

  it('matrixScale computes diag(r) M diag(c) and matrixTranspose swaps indices', () => {
    const rng = new Rng(12);
    const D = randomDense(4, 3, 0.8, rng);
    const r = new Float64Array([1, 2, -1, 0.5]);
    const c = new Float64Array([3, 1, -2]);
    for (const M of [D, cscFromDense(D)] as Matrix[]) {
      const Sc = toDense(matrixScale(M, r, c));
      const T = toDense(matrixTranspose(M));
      expect([T.nrows, T.ncols]).toEqual([3, 4]);
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 3; j++) {
          expect(entry(Sc, i, j)).toBeCloseTo(r[i]! * entry(D, i, j) * c[j]!, 14);
          expect(entry(T, j, i)).toBe(entry(D, i, j));
        }
      expect(() => matrixScale(M, new Float64Array(3), null)).toThrow(/rowScale: expected length 4/);
    }
  });
});
