/**
 * Shared helpers of the qp-* tests: a seeded generator and random QPs that are strictly convex
 * and feasible by construction (a known interior-ish point z0 satisfies every constraint).
 */
import { cscFromDense } from '../optimizer/linalg/csc.ts';
import { DenseLu } from '../optimizer/linalg/dense.ts';
import type { DenseMatrix, Matrix } from '../optimizer/linalg/types.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { rng } from './helpers.ts';

/** mulberry32: a small seeded PRNG, uniform in [0, 1) (test/helpers.ts). */
export { rng };

/** Standard normal samples from a uniform generator (Box–Muller). */
export function normal(u: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

export function dense(nrows: number, ncols: number, f: (i: number, j: number) => number): DenseMatrix {
  const data = new Float64Array(nrows * ncols);
  for (let i = 0; i < nrows; i++) for (let j = 0; j < ncols; j++) data[i * ncols + j] = f(i, j);
  return { format: 'dense', nrows, ncols, data };
}

export interface RandomQPOptions {
  n: number;
  p?: number;
  m?: number;
  /** give every variable finite bounds with this probability (default 0: no bounds) */
  boundProb?: number;
  /** 'csc' converts P, A, C to CSC (default dense) */
  format?: 'dense' | 'csc';
}

/**
 * P = QᵀQ/n + 0.1·I (Q ~ N(0,1)); q ~ N(0, 3²); A, C ~ N(0,1); z0 ~ N(0,1);
 * b = A z0; d = C z0 + U(0, 0.5) (so z0 is feasible and some rows become active);
 * bounds z0 ∓ U(0.1, 1) for a fraction boundProb of the variables.
 */
export function randomQP(seed: number, o: RandomQPOptions): QPProblem {
  const u = rng(seed);
  const g = normal(u);
  const { n } = o;
  const p = o.p ?? 0;
  const m = o.m ?? 0;
  const Q = dense(n, n, () => g());
  const P = dense(n, n, () => 0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += Q.data[k * n + i]! * Q.data[k * n + j]!;
      s /= n;
      if (i === j) s += 0.1;
      P.data[i * n + j] = s;
      P.data[j * n + i] = s;
    }
  }
  const q = Float64Array.from({ length: n }, () => 3 * g());
  const z0 = Float64Array.from({ length: n }, () => g());
  const A = dense(p, n, () => g());
  const C = dense(m, n, () => g());
  const b = new Float64Array(p);
  const d = new Float64Array(m);
  for (let i = 0; i < p; i++) for (let j = 0; j < n; j++) b[i] += A.data[i * n + j]! * z0[j]!;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) d[i] += C.data[i * n + j]! * z0[j]!;
    d[i] += 0.5 * u();
  }
  let lb: Float64Array | null = null;
  let ub: Float64Array | null = null;
  if (o.boundProb && o.boundProb > 0) {
    lb = new Float64Array(n).fill(-Infinity);
    ub = new Float64Array(n).fill(Infinity);
    for (let j = 0; j < n; j++) {
      if (u() < o.boundProb) lb[j] = z0[j]! - 0.1 - 0.9 * u();
      if (u() < o.boundProb) ub[j] = z0[j]! + 0.1 + 0.9 * u();
    }
  }
  const fmt = (M: DenseMatrix): Matrix => (o.format === 'csc' ? cscFromDense(M) : M);
  return {
    P: fmt(P),
    q,
    A: p > 0 ? fmt(A) : null,
    b: p > 0 ? b : null,
    C: m > 0 ? fmt(C) : null,
    d: m > 0 ? d : null,
    lb,
    ub,
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let s = 0;
  for (let i = 0; i < a.length; i++) s = Math.max(s, Math.abs(a[i]! - b[i]!));
  return s;
}

export const vec = (...x: number[]) => Float64Array.from(x);

/**
 * The exact solution of an equality-constrained QP with dense P (n×n) and A (p×n): the KKT system
 * [P Aᵀ; A 0] [z; λ] = [−q; b] solved by LU. Returns [z; λ] (length n + p), λ in the project's sign
 * convention (P z + q + Aᵀλ = 0).
 */
export function equalityKktSolution(pr: QPProblem): Float64Array {
  const P = pr.P as DenseMatrix;
  const A = pr.A as DenseMatrix;
  const n = P.nrows;
  const p = A.nrows;
  const K = dense(n + p, n + p, (i, j) =>
    i < n && j < n ? P.data[i * n + j]! : i < n && j >= n ? A.data[(j - n) * n + i]! : i >= n && j < n ? A.data[(i - n) * n + j]! : 0,
  );
  const rhs = new Float64Array(n + p);
  for (let i = 0; i < n; i++) rhs[i] = -pr.q[i]!;
  rhs.set(pr.b!, n);
  return DenseLu.factor(K).solve(rhs);
}
