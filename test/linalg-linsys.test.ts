import { describe, expect, it } from 'vitest';
import { DimensionError, InputError } from '../optimizer/errors.ts';
import { cscFromDense, cscUpperTriangle } from '../optimizer/linalg/csc.ts';
import { SparseLdl } from '../optimizer/linalg/ldl.ts';
import { DenseLinearSystem } from '../optimizer/linalg/linsys-dense.ts';
import { createLinearSystem, factorChecked, hasInertia } from '../optimizer/linalg/linsys.ts';
import type { LinearSystem } from '../optimizer/linalg/linsys.ts';
import type { DenseMatrix } from '../optimizer/linalg/types.ts';
import { errorOf, rng } from './helpers.ts';

/**
 * KKT matrix [P Aᵀ; A −δI] (row-major, n + m square) with P = G Gᵀ + shift·I: for shift > 0 the
 * inertia is (n, m); a negative shift larger than the smallest eigenvalue of G Gᵀ makes P
 * indefinite (a non-convex QP), and then the inertia is not (n, m).
 */
function kkt(n: number, m: number, seed: number, shift: number, delta = 1e-2): DenseMatrix {
  const r = rng(seed);
  const N = n + m;
  const data = new Float64Array(N * N);
  const G = Float64Array.from({ length: n * n }, () => r() * 2 - 1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = i === j ? shift : 0;
      for (let k = 0; k < n; k++) s += G[i * n + k]! * G[j * n + k]!;
      data[i * N + j] = s;
    }
  }
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const a = r() < 0.5 ? r() * 2 - 1 : 0;
      data[(n + i) * N + j] = a;
      data[j * N + n + i] = a;
    }
    data[(n + i) * N + n + i] = -delta;
  }
  return { format: 'dense', nrows: N, ncols: N, data };
}

function signsOf(n: number, m: number): Int8Array {
  const s = new Int8Array(n + m).fill(1);
  s.fill(-1, n);
  return s;
}

/** K x (K row-major, full) */
function mul(K: DenseMatrix, x: Float64Array): Float64Array {
  const N = K.nrows;
  const y = new Float64Array(N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) y[i] += K.data[i * N + j]! * x[j]!;
  return y;
}

/** ‖K x − b‖∞ / (‖b‖∞) */
function relResidual(K: DenseMatrix, x: Float64Array, b: Float64Array): number {
  const y = mul(K, x);
  let r = 0;
  let bn = 0;
  for (let i = 0; i < b.length; i++) {
    r = Math.max(r, Math.abs(y[i]! - b[i]!));
    bn = Math.max(bn, Math.abs(b[i]!));
  }
  return r / bn;
}

/** Both implementations of the interface, built from the same dense K. */
function both(K: DenseMatrix, signs: Int8Array | null): { name: string; sys: LinearSystem; values: (M: DenseMatrix) => Float64Array }[] {
  const U = cscUpperTriangle(cscFromDense(K, true)); // full pattern: every dense K maps onto it
  const upperValues = (M: DenseMatrix): Float64Array => cscUpperTriangle(cscFromDense(M, true)).values;
  return [
    { name: 'SparseLdl', sys: createLinearSystem(U, { signs }), values: upperValues },
    { name: 'DenseLinearSystem', sys: createLinearSystem(K, { signs }), values: (M) => M.data },
  ];
}

describe('LinearSystem (SparseLdl, DenseLinearSystem)', () => {
  it('createLinearSystem picks the implementation by the matrix format', () => {
    const K = kkt(4, 2, 1, 1);
    expect(createLinearSystem(K)).toBeInstanceOf(DenseLinearSystem);
    expect(createLinearSystem(cscUpperTriangle(cscFromDense(K)))).toBeInstanceOf(SparseLdl);
  });

  it('solves a convex KKT system and reports inertia (n, m)', () => {
    const n = 7;
    const m = 3;
    const K = kkt(n, m, 2, 0.5);
    const b = Float64Array.from({ length: n + m }, (_, i) => Math.sin(i + 1));
    for (const { name, sys } of both(K, signsOf(n, m))) {
      sys.factor();
      expect([name, sys.positivePivots, sys.negativePivots, sys.regularizedPivots]).toEqual([name, n, m, 0]);
      expect(hasInertia(sys, { positive: n, negative: m })).toBe(true);
      expect(relResidual(K, sys.solve(b), b)).toBeLessThan(1e-12);
      // the pivots: n positive then m negative entries in elimination order, product = det sign
      const d = sys.diagonal();
      expect(d.length).toBe(n + m);
      expect(Array.from(d).filter((v) => v > 0).length).toBe(n);
    }
  });

  it('refactors new values on the same pattern without a new analysis', () => {
    const n = 6;
    const m = 2;
    const K1 = kkt(n, m, 3, 0.5);
    const K2 = kkt(n, m, 4, 2);
    const b = Float64Array.from({ length: n + m }, (_, i) => 1 / (i + 1));
    for (const { name, sys, values } of both(K1, signsOf(n, m))) {
      sys.factor(values(K2));
      expect([name, relResidual(K2, sys.solve(b), b) < 1e-12]).toEqual([name, true]);
      // a fresh system on K2 gives the same solution bit for bit
      const fresh = both(K2, signsOf(n, m)).find((s) => s.name === name)!.sys.factor();
      expect(Array.from(sys.solve(b))).toEqual(Array.from(fresh.solve(b)));
    }
  });

  it('factorChecked: an indefinite P (non-convex QP) is an inertia status, not an exception', () => {
    const n = 6;
    const m = 2;
    // shift −40: P = G Gᵀ − 40 I has negative eigenvalues (trace of G Gᵀ / n ≈ n/3 < 40)
    const K = kkt(n, m, 5, -40);
    for (const { name, sys } of both(K, signsOf(n, m))) {
      const out = factorChecked(sys, undefined, { positive: n, negative: m });
      expect([name, out.ok]).toEqual([name, false]);
      if (!out.ok) {
        expect(out.reason).toBe('inertia');
        expect(out.message).toMatch(/^inertia \(\d+, \d+\) instead of \(6, 2\)$/);
      }
      expect(sys.positivePivots).toBeLessThan(n);
      expect(sys.positivePivots + sys.negativePivots).toBe(n + m);
    }
  });

  it('factorChecked: a zero pivot is a singular status; the convex system is ok', () => {
    // [[0, 1], [1, 0]] in the natural order: the first pivot is exactly 0
    const Z: DenseMatrix = { format: 'dense', nrows: 2, ncols: 2, data: Float64Array.from([0, 1, 1, 0]) };
    const sparse = SparseLdl.analyze(cscFromDense(Z), { ordering: 'natural' });
    const dense = new DenseLinearSystem(Z);
    for (const sys of [sparse, dense]) {
      const out = factorChecked(sys);
      expect(out.ok).toBe(false);
      if (!out.ok) expect(out.reason).toBe('singular');
    }
    const K = kkt(3, 1, 6, 1);
    for (const { sys } of both(K, signsOf(3, 1))) expect(factorChecked(sys, undefined, { positive: 3, negative: 1 })).toEqual({ ok: true });
  });

  it('dynamic regularization with eps = 0 still replaces an exactly zero pivot', () => {
    const Z: DenseMatrix = { format: 'dense', nrows: 2, ncols: 2, data: Float64Array.from([0, 1, 1, 0]) };
    const b = Float64Array.from([1, 2]);
    const systems: LinearSystem[] = [
      SparseLdl.analyze(cscFromDense(Z), { ordering: 'natural', dynamicReg: { eps: 0, delta: 1e-6 } }),
      new DenseLinearSystem(Z, { dynamicReg: { eps: 0, delta: 1e-6 } }),
    ];
    for (const sys of systems) {
      sys.factor();
      // pivots: +δ (replaced 0), then 0 − 1/δ < 0: inertia (1, 1), the true inertia of Z
      expect([sys.regularizedPivots, sys.positivePivots, sys.negativePivots]).toEqual([1, 1, 1]);
      const x = sys.solve(b);
      expect(x.every((v) => Number.isFinite(v))).toBe(true);
      // refinement against the unregularized Z recovers x = Z⁻¹ b = (2, 1)
      expect(Math.abs(x[0]! - 2) + Math.abs(x[1]! - 1)).toBeLessThan(1e-9);
    }
  });

  it('both implementations reject bad regularization settings with the same message', () => {
    const K = kkt(3, 1, 8, 1);
    const U = cscUpperTriangle(cscFromDense(K, true));
    const bad: { opts: Parameters<typeof createLinearSystem>[1]; name: RegExp }[] = [
      { opts: { signs: Int8Array.from([1, 1, 1]) }, name: /^signs: expected length 4 \(order of K\)/ },
      { opts: { signs: Int8Array.from([1, 0, 1, -1]) }, name: /^signs\[1\]: expected \+1 or −1, found 0/ },
      { opts: { staticReg: 1e-8 }, name: /^staticReg: expected signs/ },
      { opts: { dynamicReg: { eps: 1e-9, delta: 0 } }, name: /^dynamicReg\.delta: expected a finite number > 0/ },
      { opts: { dynamicReg: { eps: -1, delta: 1 } }, name: /^dynamicReg\.eps: expected a finite number ≥ 0/ },
      { opts: { refineSteps: 1.5 }, name: /^refineSteps: expected an integer ≥ 0/ },
    ];
    for (const { opts, name } of bad) {
      const sparse = errorOf(() => createLinearSystem(U, opts).factor());
      const dense = errorOf(() => createLinearSystem(K, opts).factor());
      expect(sparse).toBeInstanceOf(InputError);
      expect(sparse.message).toMatch(name);
      expect(dense.message).toBe(sparse.message);
    }
  });

  it('bad input throws typed errors naming the argument', () => {
    const K = kkt(3, 1, 7, 1);
    for (const { sys } of both(K, null)) {
      expect(errorOf(() => sys.factor(new Float64Array(3)))).toBeInstanceOf(DimensionError);
      expect(errorOf(() => sys.factor(new Float64Array(3)))).toMatchObject({ message: expect.stringMatching(/^values/) });
    }
    expect(errorOf(() => new DenseLinearSystem(K).solve(new Float64Array(4)))).toBeInstanceOf(InputError);
    expect(errorOf(() => createLinearSystem({ format: 'dense', nrows: 2, ncols: 3, data: new Float64Array(6) }))).toBeInstanceOf(DimensionError);
  });
});
