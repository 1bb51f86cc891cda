/**
 * The blocked front factorization of SparseLdl's supernodal method (panels of pivot columns,
 * trailing updates, update matrices on the stack) against a brute-force dense LDLᵀ written here,
 * on quasi-definite matrices built so that the supernodes take many shapes: one wide dense
 * block of more than two panels, tall blocks (few pivot columns over many rows), 1-column
 * supernodes, trees of small fronts. Also regularization and inertia, and refactor = fresh factor.
 */
import { describe, expect, it } from 'vitest';
import { SparseLdl } from '../optimizer/linalg/ldl.ts';
import type { LdlOptions } from '../optimizer/linalg/ldl.ts';
import { cscFromTriplets, cscSymUpperMatVec } from '../optimizer/linalg/csc.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';
import { rng } from './helpers.ts';

/** a symmetric matrix given by its upper-triangle entries (i ≤ j) */
interface Sym {
  n: number;
  entries: Map<number, number>; // key i·n + j with i ≤ j
  signs: Int8Array;
}

function addEntry(S: Sym, i: number, j: number, v: number): void {
  const a = Math.min(i, j);
  const b = Math.max(i, j);
  const key = a * S.n + b;
  S.entries.set(key, (S.entries.get(key) ?? 0) + v);
}

function upperCsc(S: Sym): CscMatrix {
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (const [key, v] of S.entries) {
    rows.push(Math.floor(key / S.n));
    cols.push(key % S.n);
    vals.push(v);
  }
  return cscFromTriplets(S.n, S.n, rows, cols, vals);
}

/**
 * Quasi-definite [H Bᵀ; B −E] with H (nx × nx) SPD-dominant, E ≥ 0 diagonal: the pattern mixes
 * a dense block of `dense` variables (a wide supernode), `tall` variables coupled to every
 * constraint row (tall fronts), a chain (1-column supernodes) and random sparse couplings.
 */
function quasiDefinite(seed: number, nx: number, nc: number, dense: number, tall: number, density: number, reg: number): Sym {
  const rand = rng(seed);
  const n = nx + nc;
  const S: Sym = { n, entries: new Map(), signs: new Int8Array(n) };
  for (let i = 0; i < nx; i++) S.signs[i] = 1;
  for (let i = nx; i < n; i++) S.signs[i] = -1;
  const rowAbs = new Float64Array(n);
  const off = (i: number, j: number, v: number) => {
    addEntry(S, i, j, v);
    rowAbs[i] += Math.abs(v);
    rowAbs[j] += Math.abs(v);
  };
  // dense block of the first `dense` variables
  for (let j = 0; j < dense; j++) for (let i = 0; i < j; i++) off(i, j, rand() - 0.5);
  // chain over the remaining variables (1-column supernodes after elimination of a path)
  for (let i = dense; i + 1 < nx; i++) off(i, i + 1, rand() - 0.5);
  // random sparse couplings among the variables
  for (let j = 0; j < nx; j++) for (let i = 0; i < j; i++) if (rand() < density) off(i, j, rand() - 0.5);
  // constraints: each row touches a few variables; the `tall` variables touch every row
  for (let r = 0; r < nc; r++) {
    const row = nx + r;
    for (let t = 0; t < 3; t++) off(Math.floor(rand() * nx), row, rand() - 0.5);
    for (let v = 0; v < tall; v++) off(nx - 1 - v, row, rand() - 0.5);
  }
  for (let i = 0; i < nx; i++) addEntry(S, i, i, rowAbs[i]! + 0.5 + rand());
  for (let i = nx; i < n; i++) addEntry(S, i, i, -reg * rand()); // −E (may be exactly 0 when reg = 0)
  return S;
}

/**
 * Brute-force dense LDLᵀ of P K Pᵀ (no pivoting, elimination order perm) with SparseLdl's pivot
 * rules: static shift s·δ, dynamic replacement of a pivot with s·d < eps (or d = 0) by s·delta.
 * Returns D in elimination order and the number of replaced pivots.
 */
function denseLdl(S: Sym, perm: Int32Array, opts: LdlOptions): { D: Float64Array; replaced: number } {
  const n = S.n;
  const A = new Float64Array(n * n);
  const pinv = new Int32Array(n);
  for (let k = 0; k < n; k++) pinv[perm[k]!] = k;
  for (const [key, v] of S.entries) {
    const i = pinv[Math.floor(key / n)]!;
    const j = pinv[key % n]!;
    A[i * n + j] += v;
    if (i !== j) A[j * n + i] += v;
  }
  const sg = (k: number) => S.signs[perm[k]!]!;
  const D = new Float64Array(n);
  let replaced = 0;
  for (let k = 0; k < n; k++) {
    let d = A[k * n + k]! + (opts.staticReg ?? 0) * sg(k);
    const dyn = opts.dynamicReg;
    if (dyn !== undefined && dyn !== null && (!(sg(k) * d >= dyn.eps) || d === 0)) {
      d = sg(k) * dyn.delta;
      replaced++;
    }
    D[k] = d;
    for (let i = k + 1; i < n; i++) {
      const lik = A[i * n + k]! / d;
      if (lik === 0) continue;
      for (let j = k + 1; j <= i; j++) A[i * n + j] -= lik * A[j * n + k]!;
    }
    for (let i = k + 1; i < n; i++) for (let j = k + 1; j < i; j++) A[j * n + i] = A[i * n + j]!;
  }
  return { D, replaced };
}

function relDiff(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / den;
}

const SHAPES: { name: string; nx: number; nc: number; dense: number; tall: number; density: number }[] = [
  { name: 'one wide dense block over three panels (70 columns)', nx: 80, nc: 10, dense: 70, tall: 0, density: 0 },
  { name: 'tall fronts: 5 variables coupled to all 60 constraint rows', nx: 40, nc: 60, dense: 0, tall: 5, density: 0.02 },
  { name: 'a chain: 1-column supernodes', nx: 120, nc: 8, dense: 0, tall: 0, density: 0 },
  { name: 'many small fronts (random sparse)', nx: 150, nc: 40, dense: 6, tall: 1, density: 0.03 },
  { name: 'tiny (3 × 3)', nx: 2, nc: 1, dense: 2, tall: 1, density: 0 },
];

describe('SparseLdl fronts against a brute-force dense LDLᵀ', () => {
  for (const shape of SHAPES) {
    it(`${shape.name}: D equal to the dense LDLᵀ in the same order, inertia, solve`, () => {
      for (const seed of [1, 2]) {
        const S = quasiDefinite(seed, shape.nx, shape.nc, shape.dense, shape.tall, shape.density, 1e-3);
        const K = upperCsc(S);
        for (const relaxedSupernodes of [true, false]) {
          const opts: LdlOptions = { signs: S.signs, method: 'supernodal', relaxedSupernodes };
          const ldl = SparseLdl.analyze(K, opts).factor();
          const ref = denseLdl(S, ldl.perm, opts);
          expect(relDiff(ldl.diagonal(), ref.D)).toBeLessThan(1e-12);
          expect([ldl.positivePivots, ldl.negativePivots]).toEqual([shape.nx, shape.nc]);
          const rand = rng(seed + 10);
          const b = Float64Array.from({ length: S.n }, () => rand() - 0.5);
          const x = ldl.solve(b);
          const r = cscSymUpperMatVec(K, x);
          let e = 0;
          for (let i = 0; i < S.n; i++) e = Math.max(e, Math.abs(r[i]! - b[i]!));
          expect(e).toBeLessThan(1e-10);
        }
      }
    });
  }

  it('a dense block wider than a panel is one supernode of more than 64 columns (the panels are exercised)', () => {
    const S = quasiDefinite(3, 80, 10, 70, 0, 0, 1e-3);
    const ldl = SparseLdl.analyze(upperCsc(S), { signs: S.signs, method: 'supernodal' });
    expect(ldl.supernodeCount).toBeLessThan(S.n - 64);
  });

  it('static and dynamic regularization with signs: the same pivots replaced as the dense rule, inertia = signs', () => {
    // E = 0 on the constraint block and a few variables with a tiny diagonal: pivots to replace
    const S = quasiDefinite(4, 90, 30, 40, 3, 0.02, 0);
    for (const i of [0, 45, 89]) {
      for (const key of [...S.entries.keys()]) if (key === i * S.n + i) S.entries.set(key, 0);
    }
    const K = upperCsc(S);
    for (const opts of [
      { signs: S.signs, staticReg: 1e-9, dynamicReg: { eps: 1e-8, delta: 1e-6 } },
      { signs: S.signs, dynamicReg: { eps: 1e-3, delta: 1e-2 } },
    ] as LdlOptions[]) {
      const ldl = SparseLdl.analyze(K, { ...opts, method: 'supernodal' }).factor();
      const ref = denseLdl(S, ldl.perm, opts);
      expect(ldl.regularizedPivots).toBe(ref.replaced);
      expect(relDiff(ldl.diagonal(), ref.D)).toBeLessThan(1e-10);
      expect([ldl.positivePivots, ldl.negativePivots]).toEqual([90, 30]);
    }
  });

  it('refactor with new values on the same pattern equals a fresh factor, bit for bit', () => {
    const S1 = quasiDefinite(5, 100, 30, 45, 4, 0.03, 1e-3);
    const S2 = quasiDefinite(6, 100, 30, 45, 4, 0.03, 1e-3);
    const K1 = upperCsc(S1);
    // the same pattern with the values of S2 where S2 has the entry (0 elsewhere)
    const v2 = new Float64Array(K1.values.length);
    for (let j = 0; j < K1.ncols; j++) {
      for (let p = K1.colPtr[j]!; p < K1.colPtr[j + 1]!; p++) v2[p] = S2.entries.get(K1.rowIdx[p]! * S1.n + j) ?? 0;
      v2[K1.colPtr[j + 1]! - 1] += j < 100 ? 50 : -1; // keep it quasi-definite
    }
    for (const method of ['supernodal', 'simplicial'] as const) {
      const opts: LdlOptions = { signs: S1.signs, method, staticReg: 1e-10 };
      const reused = SparseLdl.analyze(K1, opts).factor();
      reused.factor(v2);
      const fresh = SparseLdl.analyze({ ...K1, values: v2 }, opts).factor();
      expect(reused.diagonal()).toEqual(fresh.diagonal());
      const b = Float64Array.from({ length: S1.n }, (_, i) => Math.sin(i));
      expect(reused.solve(b)).toEqual(fresh.solve(b));
      expect([reused.positivePivots, reused.negativePivots]).toEqual([fresh.positivePivots, fresh.negativePivots]);
      // and back to the first values
      reused.factor(K1.values);
      expect(reused.diagonal()).toEqual(SparseLdl.analyze(K1, opts).factor().diagonal());
    }
  });

  it('a chain into a front of more than 1024 rows (the second front buffer is capped): same D as the simplicial method', () => {
    // natural order: the chain 0..5 (each column coupled to the next), then a dense block of
    // 1030 columns that column 5 touches entirely: the chain's supernodes feed one big front
    const nChain = 6;
    const nDense = 1030;
    const n = nChain + nDense;
    const rand = rng(7);
    const S: Sym = { n, entries: new Map(), signs: new Int8Array(n).fill(1) };
    for (let i = 0; i + 1 < nChain; i++) addEntry(S, i, i + 1, rand() - 0.5);
    for (let j = nChain; j < n; j++) addEntry(S, nChain - 1, j, (rand() - 0.5) / n);
    for (let j = nChain; j < n; j++) for (let i = nChain; i < j; i++) addEntry(S, i, j, (rand() - 0.5) / n);
    for (let i = 0; i < n; i++) addEntry(S, i, i, 2 + rand());
    const K = upperCsc(S);
    const sup = SparseLdl.analyze(K, { ordering: 'natural', method: 'supernodal' }).factor();
    const simp = SparseLdl.analyze(K, { ordering: 'natural', method: 'simplicial' }).factor();
    expect(relDiff(sup.diagonal(), simp.diagonal())).toBeLessThan(1e-13);
    const b = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
    expect(relDiff(sup.solve(b), simp.solve(b))).toBeLessThan(1e-12);
  });
});
