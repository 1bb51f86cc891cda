import { describe, expect, it } from 'vitest';
import { amdOrder } from '../optimizer/linalg/amd.ts';
import type { AmdInfo } from '../optimizer/linalg/amd.ts';
import { cscFromTriplets, cscTranspose, cscUpperTriangle } from '../optimizer/linalg/csc.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';
import { DimensionError, InputError } from '../optimizer/errors.ts';
import { rng } from './helpers.ts';

/** 5-point Laplacian pattern of an m × m grid (upper triangle incl. diagonal) */
function gridUpper(m: number): CscMatrix {
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  const id = (i: number, j: number) => i * m + j;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      r.push(id(i, j));
      c.push(id(i, j));
      v.push(4);
      if (i + 1 < m) {
        r.push(id(i, j));
        c.push(id(i + 1, j));
        v.push(-1);
      }
      if (j + 1 < m) {
        r.push(id(i, j));
        c.push(id(i, j + 1));
        v.push(-1);
      }
    }
  }
  return cscFromTriplets(m * m, m * m, r, c, v);
}

/** random symmetric pattern, upper triangle incl. diagonal; `denseRows` rows connected to everything */
function randomUpper(n: number, avgDeg: number, denseRows: number[], rand: () => number): CscMatrix {
  const r: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < n; i++) {
    r.push(i);
    c.push(i);
  }
  const edges = Math.floor((n * avgDeg) / 2);
  for (let e = 0; e < edges; e++) {
    const a = Math.floor(rand() * n);
    const b = Math.floor(rand() * n);
    if (a === b) continue;
    r.push(Math.min(a, b));
    c.push(Math.max(a, b));
  }
  for (const d of denseRows) {
    for (let j = 0; j < n; j++) {
      if (j === d) continue;
      r.push(Math.min(d, j));
      c.push(Math.max(d, j));
    }
  }
  return cscFromTriplets(n, n, r, c, new Array(r.length).fill(1));
}

function expectPermutation(p: Int32Array, n: number): void {
  expect(p.length).toBe(n);
  const seen = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const i = p[k]!;
    expect(Number.isInteger(i) && i >= 0 && i < n).toBe(true);
    expect(seen[i]).toBe(0);
    seen[i] = 1;
  }
}

/**
 * nnz strictly below the diagonal of the Cholesky factor of K(perm, perm), by explicit symbolic
 * elimination on adjacency sets (independent of the library's symbolic code): eliminating a node
 * makes its remaining neighbours a clique.
 */
function symbolicFill(U: CscMatrix, perm: ArrayLike<number>): number {
  const n = U.ncols;
  const pinv = new Int32Array(n);
  for (let k = 0; k < n; k++) pinv[perm[k]!] = k;
  const adj: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
  for (let j = 0; j < n; j++) {
    for (let p = U.colPtr[j]!; p < U.colPtr[j + 1]!; p++) {
      const i = U.rowIdx[p]!;
      if (i === j) continue;
      adj[pinv[i]!]!.add(pinv[j]!);
      adj[pinv[j]!]!.add(pinv[i]!);
    }
  }
  let nnz = 0;
  for (let k = 0; k < n; k++) {
    const later = [...adj[k]!].filter((x) => x > k);
    nnz += later.length;
    for (const a of later) {
      adj[a]!.delete(k);
      for (const b of later) if (a !== b) adj[a]!.add(b);
    }
  }
  return nnz;
}

/** nested dissection of an m × m grid: halves first, the separator line last */
function nestedDissection(m: number): number[] {
  const out: number[] = [];
  const rec = (r0: number, r1: number, c0: number, c1: number): void => {
    const h = r1 - r0;
    const w = c1 - c0;
    if (h <= 0 || w <= 0) return;
    if (h <= 2 && w <= 2) {
      for (let i = r0; i < r1; i++) for (let j = c0; j < c1; j++) out.push(i * m + j);
      return;
    }
    if (h >= w) {
      const mid = r0 + (h >> 1);
      rec(r0, mid, c0, c1);
      rec(mid + 1, r1, c0, c1);
      for (let j = c0; j < c1; j++) out.push(mid * m + j);
    } else {
      const mid = c0 + (w >> 1);
      rec(r0, r1, c0, mid);
      rec(r0, r1, mid + 1, c1);
      for (let i = r0; i < r1; i++) out.push(i * m + mid);
    }
  };
  rec(0, m, 0, m);
  return out;
}

describe('amdOrder', () => {
  it('cuts fill on a 60×60 grid Laplacian: < 0.5× natural order, close to nested dissection', () => {
    const m = 60;
    const U = gridUpper(m);
    const perm = amdOrder(U);
    expectPermutation(perm, m * m);
    const natural = Array.from({ length: m * m }, (_, i) => i);
    const fillAmd = symbolicFill(U, perm);
    const fillNat = symbolicFill(U, natural);
    const nd = nestedDissection(m);
    expectPermutation(Int32Array.from(nd), m * m);
    const fillNd = symbolicFill(U, nd);
    expect(fillAmd).toBeLessThan(0.5 * fillNat);
    expect(fillAmd).toBeLessThan(1.3 * fillNd);
  });

  it('gives the same quality from the full matrix as from the upper triangle', () => {
    const U = gridUpper(30);
    const T = cscTranspose(U);
    // full = U + Uᵀ (diagonal duplicated is harmless for the pattern)
    const r: number[] = [];
    const c: number[] = [];
    for (const M of [U, T]) {
      for (let j = 0; j < M.ncols; j++) {
        for (let p = M.colPtr[j]!; p < M.colPtr[j + 1]!; p++) {
          r.push(M.rowIdx[p]!);
          c.push(j);
        }
      }
    }
    const F = cscFromTriplets(900, 900, r, c, new Array(r.length).fill(1));
    const pu = amdOrder(U);
    const pf = amdOrder(F);
    expectPermutation(pf, 900);
    const lower = cscTranspose(U); // lower triangle input is accepted too
    const pl = amdOrder(lower);
    expectPermutation(pl, 900);
    const fu = symbolicFill(U, pu);
    expect(symbolicFill(U, pf)).toBeLessThan(1.1 * fu);
    expect(symbolicFill(U, pl)).toBeLessThan(1.1 * fu);
  });

  it('returns valid permutations on random patterns, with dense rows ordered last', () => {
    const rand = rng(11);
    for (const n of [2, 3, 17, 100, 400]) {
      for (const avgDeg of [0.5, 3, 12]) {
        const dense = n >= 100 ? [3, n - 1, Math.floor(n / 2)] : [];
        const U = randomUpper(n, avgDeg, dense, rand);
        const info: AmdInfo = { dense: 0, compressions: 0 };
        const p = amdOrder(U, {}, info);
        expectPermutation(p, n);
        if (dense.length > 0) {
          expect(info.dense).toBeGreaterThanOrEqual(dense.length);
          const tail = new Set(Array.from(p.subarray(n - info.dense)));
          for (const d of dense) expect(tail.has(d)).toBe(true);
        }
        // without dense-row handling it is still a permutation
        expectPermutation(amdOrder(U, { dense: Infinity }), n);
        expectPermutation(amdOrder(U, { aggressive: false }), n);
      }
    }
  });

  it('beats natural order on random sparse patterns and exercises workspace compaction', () => {
    const rand = rng(5);
    const U = randomUpper(600, 6, [], rand);
    const info: AmdInfo = { dense: 0, compressions: 0 };
    const p = amdOrder(U, { dense: Infinity }, info);
    expectPermutation(p, 600);
    const natural = Array.from({ length: 600 }, (_, i) => i);
    expect(symbolicFill(U, p)).toBeLessThan(0.6 * symbolicFill(U, natural));
    expect(info.compressions).toBeGreaterThan(0);
  });

  it('orders an arrow matrix with the hub last (no fill)', () => {
    const n = 40;
    const r: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < n; i++) {
      r.push(i);
      c.push(i);
      if (i > 0) {
        r.push(0);
        c.push(i);
      }
    }
    const U = cscFromTriplets(n, n, r, c, new Array(r.length).fill(1));
    const p = amdOrder(U, { dense: Infinity });
    expect(p[n - 1]).toBe(0);
    expect(symbolicFill(U, p)).toBe(n - 1);
  });

  it('handles empty, 1×1, diagonal and disconnected patterns', () => {
    expect(amdOrder(cscFromTriplets(0, 0, [], [], [])).length).toBe(0);
    expect(Array.from(amdOrder(cscFromTriplets(1, 1, [0], [0], [1])))).toEqual([0]);
    const diag = cscFromTriplets(5, 5, [0, 1, 2, 3, 4], [0, 1, 2, 3, 4], [1, 1, 1, 1, 1]);
    expectPermutation(amdOrder(diag), 5);
    // two disjoint paths and an isolated node without diagonal entry
    const U = cscUpperTriangle(cscFromTriplets(7, 7, [0, 1, 3, 4], [1, 2, 4, 5], [1, 1, 1, 1]));
    const p = amdOrder(U);
    expectPermutation(p, 7);
    expect(symbolicFill(U, p)).toBe(4);
  });

  it('rejects non-square input, bad row indices and a bad dense option', () => {
    expect(() => amdOrder(cscFromTriplets(2, 3, [0], [0], [1]))).toThrow(DimensionError);
    expect(() => amdOrder(gridUpper(3), { dense: -1 })).toThrow(InputError);
    const bad: CscMatrix = { format: 'csc', nrows: 2, ncols: 2, colPtr: new Int32Array([0, 1, 2]), rowIdx: new Int32Array([0, 5]), values: new Float64Array(2) };
    expect(() => amdOrder(bad)).toThrow(/rowIdx\[1\]/);
  });
});
