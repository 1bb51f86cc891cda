/**
 * The packed GEMM driver (gemmAcc) with its two micro-kernels (WebAssembly SIMD and JavaScript),
 * the blocked dense factorizations built on it, and the `dualas` iteration kernels (dot products
 * and Givens chains): every result against a naive triple loop written here, on odd sizes (1, 3,
 * 7, 63, 65, 130), non-square shapes, transposes (strides), both signs, the triangular masks, and
 * shapes that cross the packing block sizes (k > 256, n > 512); SIMD and JavaScript paths must
 * agree bit for bit. Then `dualas` on the random dense family (both paths identical, KKT
 * residuals, agreement with the interior point) and its gradients against central differences.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomDenseQP } from '../bench/generators.ts';
import { dqpBackward } from '../optimizer/dqp/backward.ts';
import { dqpForward } from '../optimizer/dqp/forward.ts';
import { DenseLdl, DenseLu, denseGram, denseMatMul } from '../optimizer/linalg/dense.ts';
import { TRI_ALL, TRI_LOWER, TRI_UPPER, gemmAcc } from '../optimizer/linalg/gemm.ts';
import { simdKernel, useSimdKernels } from '../optimizer/linalg/gemm-simd.ts';
import type { DenseMatrix } from '../optimizer/linalg/types.ts';
import { computeResiduals, maxResidual } from '../optimizer/qp/residuals.ts';
import { solveQP } from '../optimizer/qp/registry.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';

afterEach(() => useSimdKernels(true));

/** deterministic uniform numbers in [−1, 1) */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}
const randArray = (len: number, seed: number) => Float64Array.from({ length: len }, rng(seed));
const dense = (nrows: number, ncols: number, data: Float64Array): DenseMatrix => ({ format: 'dense', nrows, ncols, data });

/** Run fn with the SIMD kernels on and off; both results. */
function bothPaths<T>(fn: () => T): { simd: T; js: T } {
  useSimdKernels(true);
  const simd = fn();
  useSimdKernels(false);
  const js = fn();
  useSimdKernels(true);
  return { simd, js };
}

describe('the WebAssembly SIMD kernel', () => {
  it('is available on this Node (V8 has had WebAssembly SIMD since Node 16.4)', () => {
    expect(simdKernel()).not.toBeNull();
    useSimdKernels(false);
    expect(simdKernel()).toBeNull();
  });
});

describe('gemmAcc against a naive triple loop', () => {
  const SIZES = [1, 3, 7, 63, 65, 130];
  const shapes: [number, number, number][] = [];
  for (let t = 0; t < SIZES.length; t++) shapes.push([SIZES[t]!, SIZES[(t + 2) % 6]!, SIZES[(t + 4) % 6]!]);
  shapes.push([130, 130, 130], [65, 7, 300], [7, 600, 5], [3, 1, 520]); // k over KC = 256, n over NC = 512

  for (const [m, n, k] of shapes) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      for (const alpha of [1, -1] as const) {
        it(`m ${m}, n ${n}, k ${k}, ${ta ? 'Aᵀ' : 'A'}·${tb ? 'Bᵀ' : 'B'}, α = ${alpha}`, () => {
          const a = randArray(m * k + 5, m * 31 + k);
          const b = randArray(k * n + 3, n * 17 + k);
          const ao = 2;
          const bo = 1;
          // op(A)_ip = a[ao + i·ais + p·aps]
          const [ais, aps] = ta ? [1, m] : [k, 1];
          const [bps, bjs] = tb ? [1, k] : [n, 1];
          const ldc = n + 3;
          const co = 4;
          const c0 = randArray(co + m * ldc, 99);
          const ref = c0.slice();
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let p = 0; p < k; p++) s += a[ao + i * ais + p * aps]! * b[bo + p * bps + j * bjs]!;
              ref[co + i * ldc + j] += alpha * s;
            }
          const { simd, js } = bothPaths(() => {
            const c = c0.slice();
            gemmAcc(m, n, k, alpha, a, ao, ais, aps, b, bo, bps, bjs, c, co, ldc, TRI_ALL);
            return c;
          });
          expect(simd).toEqual(js);
          let err = 0;
          for (let t = 0; t < ref.length; t++) err = Math.max(err, Math.abs(simd[t]! - ref[t]!));
          expect(err).toBeLessThan(1e-13 * (k + 1));
          // entries outside the window are untouched (the padding columns of each row, the prefix)
          for (let t = 0; t < co; t++) expect(simd[t]).toBe(c0[t]);
          for (let i = 0; i < m; i++) for (let j = n; j < ldc && co + i * ldc + j < c0.length; j++) expect(simd[co + i * ldc + j]).toBe(c0[co + i * ldc + j]);
        });
      }
    }
  }

  for (const n of [1, 7, 65, 130, 600]) {
    for (const tri of [TRI_LOWER, TRI_UPPER]) {
      it(`triangular mask ${tri === TRI_LOWER ? 'lower' : 'upper'}, n ${n}: only that triangle changes`, () => {
        const k = 9;
        const a = randArray(n * k, n + 1);
        const b = randArray(k * n, n + 2);
        const c0 = randArray(n * n, n + 3);
        const { simd, js } = bothPaths(() => {
          const c = c0.slice();
          gemmAcc(n, n, k, -1, a, 0, k, 1, b, 0, n, 1, c, 0, n, tri);
          return c;
        });
        expect(simd).toEqual(js);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            const inside = tri === TRI_LOWER ? i >= j : j >= i;
            if (!inside) {
              expect(simd[i * n + j]).toBe(c0[i * n + j]);
              continue;
            }
            let s = 0;
            for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
            expect(Math.abs(simd[i * n + j]! - (c0[i * n + j]! - s))).toBeLessThan(1e-13);
          }
      });
    }
  }
});

describe('dense routines on the GEMM, odd sizes', () => {
  for (const [m, k, n] of [
    [1, 1, 1],
    [3, 7, 1],
    [63, 65, 7],
    [130, 3, 65],
    [65, 130, 63],
  ]) {
    it(`denseMatMul ${m}×${k} · ${k}×${n} and denseGram of ${k}×${n}`, () => {
      const A = dense(m, k, randArray(m * k, 5));
      const B = dense(k, n, randArray(k * n, 6));
      const C = denseMatMul(A, B).data;
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += A.data[i * k + p]! * B.data[p * n + j]!;
          expect(Math.abs(C[i * n + j]! - s)).toBeLessThan(1e-13 * k);
        }
      const G = denseGram(B).data;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += B.data[p * n + i]! * B.data[p * n + j]!;
          expect(Math.abs(G[i * n + j]! - s)).toBeLessThan(1e-13 * k);
          expect(G[i * n + j]).toBe(G[j * n + i]);
        }
    });
  }

  for (const n of [1, 3, 7, 63, 65, 130]) {
    it(`DenseLdl of a quasi-definite KKT matrix, n ${n}: L D Lᵀ = K, inertia, same bits on both kernels`, () => {
      const np = Math.ceil((2 * n) / 3);
      const B = randArray(n * np, n + 40);
      const K = new Float64Array(n * n);
      for (let i = 0; i < np; i++)
        for (let j = 0; j < np; j++) {
          let s = i === j ? 1 : 0;
          for (let p = 0; p < n; p++) s += B[p * np + i]! * B[p * np + j]!;
          K[i * n + j] = s;
        }
      const G = randArray(n * np, n + 41);
      for (let i = np; i < n; i++) {
        for (let j = 0; j < np; j++) K[i * n + j] = K[j * n + i] = G[i * np + j]!;
        K[i * n + i] = -1;
      }
      const signs = Float64Array.from({ length: n }, (_, i) => (i < np ? 1 : -1));
      const { simd, js } = bothPaths(() => DenseLdl.factor(dense(n, n, K), { signs }));
      expect(simd.pivots()).toEqual(js.pivots());
      expect(simd.lower().data).toEqual(js.lower().data);
      expect(simd.positivePivots).toBe(np);
      expect(simd.negativePivots).toBe(n - np);
      const L = simd.lower().data;
      const D = simd.pivots();
      let err = 0;
      let scale = 0;
      for (let i = 0; i < n; i++)
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let p = 0; p <= j; p++) s += L[i * n + p]! * D[p]! * L[j * n + p]!;
          err = Math.max(err, Math.abs(s - K[i * n + j]!));
          scale = Math.max(scale, Math.abs(K[i * n + j]!));
        }
      expect(err).toBeLessThan(1e-11 * scale);
    });

    it(`DenseLu with partial pivoting, n ${n}: A x = b solved to round-off, same bits on both kernels`, () => {
      const A = randArray(n * n, n + 70);
      for (let i = 0; i < n; i++) A[i * n + i] += 0.5;
      const b = randArray(n, n + 71);
      const { simd, js } = bothPaths(() => DenseLu.factor(dense(n, n, A)).solve(b));
      expect(simd).toEqual(js);
      let res = 0;
      for (let i = 0; i < n; i++) {
        let s = -b[i]!;
        for (let j = 0; j < n; j++) s += A[i * n + j]! * simd[j]!;
        res = Math.max(res, Math.abs(s));
      }
      expect(res).toBeLessThan(1e-10);
    });
  }
});

describe('dualas on the random dense family (its iteration runs the SIMD dot and Givens kernels)', () => {
  for (const n of [7, 65, 130]) {
    it(`n ${n}: SIMD and JavaScript paths give the same bits; KKT residuals tight; the interior point agrees`, () => {
      const pr = randomDenseQP(n, 3);
      const { simd, js } = bothPaths(() => solveQP(pr, { solver: 'dualas', epsAbs: 1e-10 }));
      expect(simd.status).toBe('solved');
      expect(simd.z).toEqual(js.z);
      expect(simd.mu).toEqual(js.mu);
      expect(simd.lambda).toEqual(js.lambda);
      const res = computeResiduals(pr, simd.z, simd.lambda, simd.mu, simd.muLb, simd.muUb);
      expect(maxResidual(res)).toBeLessThan(1e-6);
      const ref = solveQP(pr, { solver: 'ipm', epsAbs: 1e-11, epsRel: 1e-12 });
      let dz = 0;
      let zs = 0;
      for (let i = 0; i < n; i++) {
        dz = Math.max(dz, Math.abs(simd.z[i]! - ref.z[i]!));
        zs = Math.max(zs, Math.abs(ref.z[i]!));
      }
      expect(dz).toBeLessThan(1e-6 * (1 + zs));
    });
  }

  it('with box bounds (bound rows of the working set): both paths equal, the interior point agrees', () => {
    const n = 40;
    const base = randomDenseQP(n, 9);
    const pr: QPProblem = { ...base, lb: new Float64Array(n).fill(0.9), ub: new Float64Array(n).fill(1.2) };
    const { simd, js } = bothPaths(() => solveQP(pr, { solver: 'dualas', epsAbs: 1e-10 }));
    expect(simd.status).toBe('solved');
    expect(simd.z).toEqual(js.z);
    const ref = solveQP(pr, { solver: 'ipm', epsAbs: 1e-11, epsRel: 1e-12 });
    for (let i = 0; i < n; i++) expect(Math.abs(simd.z[i]! - ref.z[i]!)).toBeLessThan(1e-6);
  });

  it('gradients of Σz through the dQP layer match central differences (q and b)', () => {
    const n = 12;
    const pr = randomDenseQP(n, 4);
    const fwd = dqpForward(pr, { solver: 'dualas' });
    const g = dqpBackward(fwd, { z: new Float64Array(n).fill(1) });
    const loss = (p: QPProblem) => {
      const z = dqpForward(p, { solver: 'dualas' }).z;
      let s = 0;
      for (let i = 0; i < n; i++) s += z[i]!;
      return s;
    };
    const h = 1e-6;
    for (const key of ['q', 'b'] as const) {
      const v = pr[key]!;
      for (let i = 0; i < v.length; i++) {
        const plus = Float64Array.from(v);
        const minus = Float64Array.from(v);
        plus[i] += h;
        minus[i] -= h;
        const fd = (loss({ ...pr, [key]: plus }) - loss({ ...pr, [key]: minus })) / (2 * h);
        const an = g[key]![i]!;
        expect(Math.abs(fd - an)).toBeLessThan(1e-5 * (1 + Math.abs(an)));
      }
    }
  });
});
