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

/**
 * Brute-force reference of the reduced KKT gradients, independent of the layer's assembly,
 * factorizations and VJP: K_J written densely from its definition, its minimum-norm
 * least-squares solve through a rank-revealing QR (symmetricPseudoInverse), and the gradient formulas of the
 * implicit function theorem written out entry by entry.
 *
 * At (z, λ, μ_J) the KKT residual F = [Pz + q + Aᵀλ + C_Jᵀμ_J; Az − b; C_J z − d_J] = 0 with
 * ∂F/∂(z, λ, μ_J) = K_J, so for a loss with cotangents g: K_J w = g, (d_z, d_λ, d_μ) = −w and
 *   ∇q = d_z, ∇P_ij = ½(d_z,i z_j + z_i d_z,j), ∇b = −d_λ, ∇A_ij = d_λ,i z_j + λ_i d_z,j,
 *   ∇d_r = −d_μ,r, ∇C_rj = d_μ,r z_j + μ_r d_z,j (active r; 0 otherwise),
 *   bound rows: −z_i ≤ −lb_i ⇒ ∇lb_i = d_μ,   z_i ≤ ub_i ⇒ ∇ub_i = −d_μ.
 * When K_J is singular w is the minimum-norm least-squares solution K_J⁺ g.
 */
export interface ActiveRowsOf {
  /** active rows of C, lower-bound variables, upper-bound variables (ascending each) */
  readonly active: Int32Array;
  readonly activeLb: Int32Array;
  readonly activeUb: Int32Array;
}

/** The dense K_J (unscaled) with the active rows ordered: rows of C, lower bounds, upper bounds. */
export function denseKktFromDefinition(problem: QPProblem, act: ActiveRowsOf): DenseMatrix {
  const n = problem.P.ncols;
  const p = problem.A ? problem.A.nrows : 0;
  const P = toDense(problem.P);
  const A = problem.A ? toDense(problem.A) : null;
  const C = problem.C ? toDense(problem.C) : null;
  const rows: Float64Array[] = [];
  for (let i = 0; i < p; i++) rows.push(A!.data.slice(i * n, (i + 1) * n));
  for (const r of act.active) rows.push(C!.data.slice(r * n, (r + 1) * n));
  for (const i of act.activeLb) rows.push(Float64Array.from({ length: n }, (_, j) => (j === i ? -1 : 0)));
  for (const i of act.activeUb) rows.push(Float64Array.from({ length: n }, (_, j) => (j === i ? 1 : 0)));
  const N = n + rows.length;
  const data = new Float64Array(N * N);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[i * N + j] = P.data[i * n + j]!;
  rows.forEach((row, t) => {
    for (let j = 0; j < n; j++) {
      data[(n + t) * N + j] = row[j]!;
      data[j * N + n + t] = row[j]!;
    }
  });
  return { format: 'dense', nrows: N, ncols: N, data };
}

/**
 * The minimum-norm least-squares solver of a symmetric dense K, brute force: a Householder QR
 * with column pivoting K Π = Q R gives the numerical rank r (|R_kk| > relTol · |R_00|) and an
 * orthonormal basis Q₁ (first r columns of Q) of range(K) = range(Kᵀ). The minimum-norm
 * least-squares solution lies in range(Kᵀ) = span Q₁ and K maps span Q₁ onto itself, so
 * x = Q₁ y with (Q₁ᵀ K Q₁) y = Q₁ᵀ g (an r×r nonsingular system, Gaussian elimination with
 * partial pivoting). Returns g ↦ K⁺ g, and r.
 */
export function symmetricPseudoInverse(K: DenseMatrix, relTol = 1e-9): { rank: number; solve: (g: Float64Array) => Float64Array } {
  const N = K.nrows;
  const a = Float64Array.from(K.data); // row-major, overwritten by R and the reflectors
  const reflectors: Float64Array[] = [];
  let rank = 0;
  let first = 0;
  for (let k = 0; k < N; k++) {
    let best = k;
    let bestNorm = -1;
    for (let j = k; j < N; j++) {
      let s2 = 0;
      for (let i = k; i < N; i++) s2 += a[i * N + j]! ** 2;
      if (s2 > bestNorm) {
        bestNorm = s2;
        best = j;
      }
    }
    const nrm = Math.sqrt(bestNorm);
    if (k === 0) first = nrm;
    if (!(nrm > relTol * first)) break;
    if (best !== k) for (let i = 0; i < N; i++) [a[i * N + k], a[i * N + best]] = [a[i * N + best]!, a[i * N + k]!];
    const v = new Float64Array(N - k);
    for (let i = k; i < N; i++) v[i - k] = a[i * N + k]!;
    const alpha = v[0]! >= 0 ? -nrm : nrm;
    v[0] -= alpha;
    let vv = 0;
    for (const x of v) vv += x * x;
    for (let j = k; j < N; j++) {
      let dot = 0;
      for (let i = k; i < N; i++) dot += v[i - k]! * a[i * N + j]!;
      const f = (2 * dot) / vv;
      for (let i = k; i < N; i++) a[i * N + j] -= f * v[i - k]!;
    }
    reflectors.push(v);
    rank++;
  }
  const r = rank;
  // Q₁ (N×r, row-major): H_0 ⋯ H_{r−1} applied to the first r unit vectors
  const Q1 = new Float64Array(N * r);
  for (let c = 0; c < r; c++) {
    const e = new Float64Array(N);
    e[c] = 1;
    for (let k = r - 1; k >= 0; k--) {
      const v = reflectors[k]!;
      let vv = 0;
      let dot = 0;
      for (let i = k; i < N; i++) {
        vv += v[i - k]! ** 2;
        dot += v[i - k]! * e[i]!;
      }
      const f = (2 * dot) / vv;
      for (let i = k; i < N; i++) e[i] -= f * v[i - k]!;
    }
    for (let i = 0; i < N; i++) Q1[i * r + c] = e[i]!;
  }
  // B = Q₁ᵀ K Q₁ (r×r), then its LU with partial pivoting
  const KQ = new Float64Array(N * r);
  for (let i = 0; i < N; i++)
    for (let l = 0; l < N; l++) {
      const kil = K.data[i * N + l]!;
      if (kil !== 0) for (let c = 0; c < r; c++) KQ[i * r + c] += kil * Q1[l * r + c]!;
    }
  const B = new Float64Array(r * r);
  for (let i = 0; i < N; i++) for (let c1 = 0; c1 < r; c1++) {
    const q = Q1[i * r + c1]!;
    if (q !== 0) for (let c2 = 0; c2 < r; c2++) B[c1 * r + c2] += q * KQ[i * r + c2]!;
  }
  const piv = new Int32Array(r);
  for (let k = 0; k < r; k++) {
    let pr = k;
    for (let i = k + 1; i < r; i++) if (Math.abs(B[i * r + k]!) > Math.abs(B[pr * r + k]!)) pr = i;
    piv[k] = pr;
    if (pr !== k) for (let j = 0; j < r; j++) [B[k * r + j], B[pr * r + j]] = [B[pr * r + j]!, B[k * r + j]!];
    for (let i = k + 1; i < r; i++) {
      const f = (B[i * r + k]! /= B[k * r + k]!);
      if (f !== 0) for (let j = k + 1; j < r; j++) B[i * r + j] -= f * B[k * r + j]!;
    }
  }
  const solve = (g: Float64Array): Float64Array => {
    const y = new Float64Array(r);
    for (let c = 0; c < r; c++) for (let i = 0; i < N; i++) y[c] += Q1[i * r + c]! * g[i]!;
    // the row interchanges first (in order), then the unit lower triangle, then the upper one
    for (let k = 0; k < r; k++) {
      const pr = piv[k]!;
      if (pr !== k) [y[k], y[pr]] = [y[pr]!, y[k]!];
    }
    for (let k = 0; k < r; k++) for (let i = k + 1; i < r; i++) y[i] -= B[i * r + k]! * y[k]!;
    for (let k = r - 1; k >= 0; k--) {
      for (let j = k + 1; j < r; j++) y[k] -= B[k * r + j]! * y[j]!;
      y[k] /= B[k * r + k]!;
    }
    const x = new Float64Array(N);
    for (let i = 0; i < N; i++) for (let c = 0; c < r; c++) x[i] += Q1[i * r + c]! * y[c]!;
    return x;
  };
  return { rank, solve };
}

/**
 * Brute-force gradients (see above) at the forward outputs (z, λ, μ, μ_lb, μ_ub and the active
 * rows), for the cotangents `cot`; `solve` maps g to w (e.g. symmetricPseudoInverse of K_J). Matrix
 * gradients on the stored pattern (CSC) or row-major (dense), like DqpGradients.
 */
export function bruteForceGradients(
  problem: QPProblem,
  out: ActiveRowsOf & { z: Float64Array; lambda: Float64Array; mu: Float64Array; muLb: Float64Array | null; muUb: Float64Array | null },
  cot: { z?: Float64Array | null; lambda?: Float64Array | null; mu?: Float64Array | null; muLb?: Float64Array | null; muUb?: Float64Array | null },
  solve: (g: Float64Array) => Float64Array,
): DqpGradients {
  const n = problem.P.ncols;
  const p = problem.A ? problem.A.nrows : 0;
  const m = problem.C ? problem.C.nrows : 0;
  const { z, lambda } = out;
  const kC = out.active.length;
  const kL = out.activeLb.length;
  const N = n + p + kC + kL + out.activeUb.length;
  const g = new Float64Array(N);
  for (let i = 0; i < n; i++) g[i] = cot.z?.[i] ?? 0;
  for (let i = 0; i < p; i++) g[n + i] = cot.lambda?.[i] ?? 0;
  out.active.forEach((r, t) => (g[n + p + t] = cot.mu?.[r] ?? 0));
  out.activeLb.forEach((i, t) => (g[n + p + kC + t] = cot.muLb?.[i] ?? 0));
  out.activeUb.forEach((i, t) => (g[n + p + kC + kL + t] = cot.muUb?.[i] ?? 0));
  const w = solve(g);
  const dz = Float64Array.from({ length: n }, (_, i) => -w[i]!);
  const dl = Float64Array.from({ length: p }, (_, i) => -w[n + i]!);
  const dmuC = new Float64Array(m); // d_μ per row of C (0 off the active set)
  const active = new Uint8Array(m);
  out.active.forEach((r, t) => {
    dmuC[r] = -w[n + p + t]!;
    active[r] = 1;
  });
  const onPattern = (M: Matrix, f: (i: number, j: number) => number): Float64Array => {
    if (M.format === 'dense') return Float64Array.from({ length: M.nrows * M.ncols }, (_, e) => f(Math.floor(e / M.ncols), e % M.ncols));
    const r = new Float64Array(M.colPtr[M.ncols]!);
    for (let j = 0; j < M.ncols; j++) for (let e = M.colPtr[j]!; e < M.colPtr[j + 1]!; e++) r[e] = f(M.rowIdx[e]!, j);
    return r;
  };
  const res: { -readonly [K in keyof DqpGradients]: DqpGradients[K] } = { leastSquares: true };
  res.q = dz;
  res.P = onPattern(problem.P, (i, j) => 0.5 * (dz[i]! * z[j]! + z[i]! * dz[j]!));
  if (problem.A) {
    res.b = Float64Array.from(dl, (x) => -x);
    res.A = onPattern(problem.A, (i, j) => dl[i]! * z[j]! + lambda[i]! * dz[j]!);
  }
  if (problem.C) {
    res.d = Float64Array.from(dmuC, (x) => -x);
    res.C = onPattern(problem.C, (r, j) => (active[r] ? dmuC[r]! * z[j]! + out.mu[r]! * dz[j]! : 0));
  }
  if (problem.lb) {
    const gl = new Float64Array(n);
    out.activeLb.forEach((i, t) => (gl[i] = -w[n + p + kC + t]!));
    res.lb = gl;
  }
  if (problem.ub) {
    const gu = new Float64Array(n);
    out.activeUb.forEach((i, t) => (gu[i] = w[n + p + kC + kL + t]!));
    res.ub = gu;
  }
  return res;
}
