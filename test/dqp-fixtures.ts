/**
 * Shared fixtures of the dqp-*.test.ts files: random QPs with a KNOWN non-degenerate solution,
 * and central finite differences of a loss through a tight reference solve.
 *
 * Construction of a non-degenerate QP (strict complementarity with margins):
 *   choose P ≻ 0, A (p×n), C (m×n), the solution z*, the active rows S (|S| + p ≤ n),
 *   λ* ~ N(0,1), μ*_S ~ U(0.5, 2), slacks of the inactive rows ~ U(0.5, 2); then
 *     b = A z*,  d_S = C_S z*,  d_j = C_j z* + slack_j (j ∉ S),
 *     q = −(P z* + Aᵀλ* + C_Sᵀ μ*_S)
 *   so (z*, λ*, μ*) satisfies the KKT conditions exactly. Bounds (optional) are built the same way.
 */
import { expect } from 'vitest';
import type { DqpGradients } from '../optimizer/dqp/types.ts';
import type { ReducedKkt } from '../optimizer/dqp/reduced-kkt.ts';
import { cscFromDense } from '../optimizer/linalg/csc.ts';
import type { CscMatrix, DenseMatrix, Matrix } from '../optimizer/linalg/types.ts';
import { matTVec, matVec, toDense } from '../optimizer/linalg/matrix.ts';
import { solveQP } from '../optimizer/qp/registry.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { Rng } from '../optimizer/util/random.ts';

export interface KnownQP {
  readonly problem: QPProblem;
  readonly z: Float64Array;
  readonly lambda: Float64Array;
  /** length m */
  readonly mu: Float64Array;
  readonly muLb: Float64Array | null;
  readonly muUb: Float64Array | null;
  /** active rows of C */
  readonly active: Int32Array;
}

export interface KnownQPSpec {
  readonly n: number;
  readonly p?: number;
  readonly m?: number;
  /** active rows of C (≤ m, and k + p + active bounds ≤ n) */
  readonly k?: number;
  /** CSC matrices with this density for A and C (P gets a sparse pattern too); default dense */
  readonly sparse?: boolean;
  readonly density?: number;
  /** add finite lb/ub on some variables, `activeBounds` of them active */
  readonly bounds?: boolean;
  readonly activeBounds?: number;
}

function denseRandom(rng: Rng, r: number, c: number, density = 1): DenseMatrix {
  const data = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    let count = 0;
    for (let j = 0; j < c; j++) {
      if (rng.uniform() < density) {
        data[i * c + j] = rng.normal();
        count++;
      }
    }
    // at least two entries per row (a one-entry row would be parallel to a bound row)
    while (count < Math.min(2, c)) {
      const j = rng.int(c);
      if (data[i * c + j] === 0) {
        data[i * c + j] = (rng.uniform() < 0.5 ? -1 : 1) * (0.5 + rng.uniform());
        count++;
      }
    }
  }
  return { format: 'dense', nrows: r, ncols: c, data };
}

/** P = LᵀL + αI (dense), or a sparse SPD with a random pattern (both triangles stored). */
function randomSpd(rng: Rng, n: number, sparse: boolean): DenseMatrix {
  const data = new Float64Array(n * n);
  if (!sparse) {
    const L = denseRandom(rng, n, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += L.data[k * n + i]! * L.data[k * n + j]!;
        data[i * n + j] = s / n;
      }
    for (let i = 0; i < n; i++) data[i * n + i] += 0.5 + rng.uniform();
    return { format: 'dense', nrows: n, ncols: n, data };
  }
  // sparse: diagonally dominant with a few symmetric off-diagonal entries
  for (let i = 0; i < n; i++) data[i * n + i] = 1 + rng.uniform();
  for (let e = 0; e < 2 * n; e++) {
    const i = rng.int(n);
    const j = rng.int(n);
    if (i === j) continue;
    const v = 0.4 * rng.normal();
    data[i * n + j] = v;
    data[j * n + i] = v;
  }
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) if (j !== i) s += Math.abs(data[i * n + j]!);
    data[i * n + i] += s;
  }
  return { format: 'dense', nrows: n, ncols: n, data };
}

/** Numerical rank of the rows (Gaussian elimination with complete pivoting). */
function rowRank(rows: Float64Array[], n: number): number {
  const M = rows.map((r) => r.slice());
  let rank = 0;
  const used = new Uint8Array(M.length);
  for (let c = 0; c < n; c++) {
    let best = -1;
    let bv = 1e-9;
    for (let i = 0; i < M.length; i++) if (!used[i] && Math.abs(M[i]![c]!) > bv) { bv = Math.abs(M[i]![c]!); best = i; }
    if (best < 0) continue;
    used[best] = 1;
    rank++;
    for (let i = 0; i < M.length; i++) {
      if (used[i]) continue;
      const f = M[i]![c]! / M[best]![c]!;
      for (let j = 0; j < n; j++) M[i]![j] -= f * M[best]![j]!;
    }
  }
  return rank;
}

/**
 * A random QP with known non-degenerate solution (see the file comment). The active
 * constraint normals [A; C_S; ±e_i of the active bounds] are checked to be linearly independent
 * (LICQ); a draw that fails is redrawn from the next sub-seed.
 */
export function knownQP(seed: number | string, spec: KnownQPSpec): KnownQP {
  for (let attempt = 0; attempt < 50; attempt++) {
    const out = knownQPAttempt(attempt === 0 ? seed : `${seed}/${attempt}`, spec);
    const n = spec.n;
    const rows: Float64Array[] = [];
    const dense = (M: Matrix) => (M.format === 'dense' ? M.data : toDense(M).data);
    if (out.problem.A) {
      const a = dense(out.problem.A);
      for (let i = 0; i < out.problem.A.nrows; i++) rows.push(a.slice(i * n, (i + 1) * n));
    }
    if (out.problem.C) {
      const c = dense(out.problem.C);
      for (const j of out.active) rows.push(c.slice(j * n, (j + 1) * n));
    }
    for (const v of [out.muLb, out.muUb]) {
      if (v) for (let i = 0; i < n; i++) if (v[i]! > 0) { const e = new Float64Array(n); e[i] = 1; rows.push(e); }
    }
    if (rowRank(rows, n) === rows.length) return out;
  }
  throw new Error('knownQP: could not draw a problem satisfying LICQ');
}

function knownQPAttempt(seed: number | string, spec: KnownQPSpec): KnownQP {
  const rng = new Rng(seed);
  const { n } = spec;
  const p = spec.p ?? 0;
  const m = spec.m ?? 0;
  const k = Math.min(spec.k ?? 0, m);
  const sparse = spec.sparse ?? false;
  const density = spec.density ?? 0.4;
  const Pd = randomSpd(rng, n, sparse);
  const Ad = p > 0 ? denseRandom(rng, p, n, sparse ? density : 1) : null;
  const Cd = m > 0 ? denseRandom(rng, m, n, sparse ? density : 1) : null;
  const z = new Float64Array(n);
  rng.fillNormal(z);
  const lambda = new Float64Array(p);
  rng.fillNormal(lambda);
  const perm = rng.permutation(m);
  const activeList = Array.from(perm.subarray(0, k)).sort((a, b) => a - b);
  const isActive = new Uint8Array(m);
  for (const j of activeList) isActive[j] = 1;
  const mu = new Float64Array(m);
  for (const j of activeList) mu[j] = 0.5 + 1.5 * rng.uniform();

  let lb: Float64Array | null = null;
  let ub: Float64Array | null = null;
  let muLb: Float64Array | null = null;
  let muUb: Float64Array | null = null;
  if (spec.bounds) {
    lb = new Float64Array(n).fill(-Infinity);
    ub = new Float64Array(n).fill(Infinity);
    muLb = new Float64Array(n);
    muUb = new Float64Array(n);
    const nb = Math.min(spec.activeBounds ?? 1, n - p - k);
    const vp = rng.permutation(n);
    for (let t = 0; t < n; t++) {
      const i = vp[t]!;
      const kind = rng.int(3); // 0 lower, 1 upper, 2 both
      if (t < nb) {
        // active: one side at z_i
        if (kind === 0 || kind === 2) {
          lb[i] = z[i]!;
          muLb[i] = 0.5 + 1.5 * rng.uniform();
          if (kind === 2) ub[i] = z[i]! + 0.5 + rng.uniform();
        } else {
          ub[i] = z[i]!;
          muUb[i] = 0.5 + 1.5 * rng.uniform();
        }
      } else if (rng.uniform() < 0.6) {
        if (kind !== 1) lb[i] = z[i]! - 0.5 - rng.uniform();
        if (kind !== 0) ub[i] = z[i]! + 0.5 + rng.uniform();
      }
    }
  }

  const P: Matrix = sparse ? cscFromDense(Pd) : Pd;
  const A: Matrix | null = Ad ? (sparse ? cscFromDense(Ad) : Ad) : null;
  const C: Matrix | null = Cd ? (sparse ? cscFromDense(Cd) : Cd) : null;
  const b = A ? matVec(A, z) : null;
  let d: Float64Array | null = null;
  if (C) {
    d = matVec(C, z);
    for (let j = 0; j < m; j++) if (!isActive[j]) d[j] += 0.5 + 1.5 * rng.uniform();
  }
  // q = −(P z + Aᵀλ + Cᵀμ − μ_lb + μ_ub)
  const g = matVec(P, z);
  if (A) matTVec(A, lambda, g, true);
  if (C) matTVec(C, mu, g, true);
  if (muLb) for (let i = 0; i < n; i++) g[i] += muUb![i]! - muLb[i]!;
  const q = new Float64Array(n);
  for (let i = 0; i < n; i++) q[i] = -g[i]!;
  const problem: QPProblem = { P, q, A, b, C, d, lb, ub };
  return { problem, z, lambda, mu, muLb, muUb, active: Int32Array.from(activeList) };
}

/** A random linear functional of (z, λ, μ, μ_lb, μ_ub): weights and the loss. */
export interface LinearLoss {
  readonly wz: Float64Array;
  readonly wl: Float64Array;
  readonly wm: Float64Array;
  readonly wlb: Float64Array | null;
  readonly wub: Float64Array | null;
}

export function randomLoss(seed: number | string, n: number, p: number, m: number, bounds: boolean, duals = true): LinearLoss {
  const rng = new Rng(`${seed}-loss`);
  const v = (len: number, on: boolean) => (on ? rng.fillNormal(new Float64Array(len)) : new Float64Array(len));
  return { wz: v(n, true), wl: v(p, duals), wm: v(m, duals), wlb: bounds ? v(n, duals) : null, wub: bounds ? v(n, duals) : null };
}

const dot = (a: Float64Array, b: ArrayLike<number> | null | undefined) => {
  if (!b) return 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** The loss of a reference solve (quadprog: exact active-set method, round-off accurate). */
export function referenceLoss(problem: QPProblem, loss: LinearLoss, solver = 'quadprog'): number {
  const s = solveQP(problem, { solver, epsAbs: 1e-12, epsRel: 0 });
  if (s.status !== 'solved') throw new Error(`reference solve failed: ${s.status}`);
  return dot(loss.wz, s.z) + dot(loss.wl, s.lambda) + dot(loss.wm, s.mu) + (loss.wlb ? dot(loss.wlb, s.muLb) : 0) + (loss.wub ? dot(loss.wub, s.muUb) : 0);
}

type Param = 'P' | 'q' | 'A' | 'b' | 'C' | 'd' | 'lb' | 'ub';

function cloneMatrix(M: Matrix): Matrix {
  return M.format === 'dense' ? { ...M, data: M.data.slice() } : { ...M, values: M.values.slice() };
}

/** index of the entry (j, i) in a CSC matrix, or −1 */
function transposeEntry(M: CscMatrix, e: number, col: number): number {
  const i = M.rowIdx[e]!;
  for (let t = M.colPtr[i]!; t < M.colPtr[i + 1]!; t++) if (M.rowIdx[t] === col) return t;
  return -1;
}

function colOf(M: CscMatrix, e: number): number {
  let lo = 0;
  let hi = M.ncols;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (M.colPtr[mid]! <= e) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Central finite difference of `f(problem)` w.r.t. entry `idx` of input `param`.
 * For P the perturbation is symmetric (entries (i,j) and (j,i) together), and the comparable
 * analytic value is g[(i,j)] + g[(j,i)] (i ≠ j) or g[(i,i)] — see `analyticFor`.
 */
export function finiteDifference(problem: QPProblem, param: Param, idx: number, f: (pr: QPProblem) => number, h = 1e-6): number {
  const evalAt = (delta: number): number => {
    const pr: Record<string, unknown> = { ...problem };
    if (param === 'P' || param === 'A' || param === 'C') {
      const M = cloneMatrix(problem[param]!);
      if (M.format === 'dense') {
        M.data[idx] += delta;
        if (param === 'P') {
          const n = M.ncols;
          const i = Math.floor(idx / n);
          const j = idx % n;
          if (i !== j) M.data[j * n + i] += delta;
        }
      } else {
        M.values[idx] += delta;
        if (param === 'P') {
          const col = colOf(M, idx);
          if (M.rowIdx[idx] !== col) M.values[transposeEntry(M, idx, col)] += delta;
        }
      }
      pr[param] = M;
    } else {
      const v = (problem[param] as Float64Array).slice();
      v[idx] += delta;
      pr[param] = v;
    }
    return f(pr as unknown as QPProblem);
  };
  const base = param === 'P' || param === 'A' || param === 'C' ? (problem[param]!.format === 'dense' ? (problem[param] as DenseMatrix).data[idx]! : (problem[param] as CscMatrix).values[idx]!) : (problem[param] as Float64Array)[idx]!;
  const step = h * Math.max(1, Math.abs(base));
  return (evalAt(step) - evalAt(-step)) / (2 * step);
}

/** The analytic derivative comparable to finiteDifference(…, param, idx) from a gradient array. */
export function analyticFor(problem: QPProblem, param: Param, idx: number, grad: Float64Array): number {
  if (param !== 'P') return grad[idx]!;
  const P = problem.P;
  if (P.format === 'dense') {
    const n = P.ncols;
    const i = Math.floor(idx / n);
    const j = idx % n;
    return i === j ? grad[idx]! : grad[idx]! + grad[j * n + i]!;
  }
  const col = colOf(P, idx);
  if (P.rowIdx[idx] === col) return grad[idx]!;
  return grad[idx]! + grad[transposeEntry(P, idx, col)]!;
}

/** Up to `count` distinct random indices in [0, len) (all when len ≤ count). */
export function sampleIndices(rng: Rng, len: number, count: number): number[] {
  if (len <= count) return Array.from({ length: len }, (_, i) => i);
  const perm = rng.permutation(len);
  return Array.from(perm.subarray(0, count));
}

export function lossValue(loss: LinearLoss, z: Float64Array, lambda: Float64Array, mu: Float64Array, muLb: Float64Array | null, muUb: Float64Array | null): number {
  return dot(loss.wz, z) + dot(loss.wl, lambda) + dot(loss.wm, mu) + (loss.wlb ? dot(loss.wlb, muLb) : 0) + (loss.wub ? dot(loss.wub, muUb) : 0);
}

export { Rng };

/**
 * max |a − b| / max(floor, max |b|) over every gradient both carry (P, q, A, b, C, d, lb, ub);
 * asserts that the two carry the same keys with the same lengths.
 */
export function gradientRelDiff(a: DqpGradients, b: DqpGradients, floor = 1e-12): number {
  let num = 0;
  let den = floor;
  for (const key of ['P', 'q', 'A', 'b', 'C', 'd', 'lb', 'ub'] as const) {
    const x = a[key];
    const y = b[key];
    expect(!!x, key).toBe(!!y);
    if (!x || !y) continue;
    expect(x.length).toBe(y.length);
    for (let i = 0; i < x.length; i++) {
      num = Math.max(num, Math.abs(x[i]! - y[i]!));
      den = Math.max(den, Math.abs(y[i]!));
    }
  }
  return num / den;
}

/** The dense symmetric N × N matrix of a sparse reduced KKT matrix given by its upper triangle. */
export function symmetricFromUpper(K: ReducedKkt): DenseMatrix {
  const U = K.upper!;
  const N = K.N;
  const data = new Float64Array(N * N);
  for (let j = 0; j < N; j++)
    for (let e = U.colPtr[j]!; e < U.colPtr[j + 1]!; e++) {
      data[U.rowIdx[e]! * N + j] = U.values[e]!;
      data[j * N + U.rowIdx[e]!] = U.values[e]!;
    }
  return { format: 'dense', nrows: N, ncols: N, data };
}
