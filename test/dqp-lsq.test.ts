/**
 * Singular reduced KKT systems above the dense limit (N > LSTSQ_DENSE_LIMIT): the regularized
 * sparse least-squares path ('lstsq-sparse', RegularizedLstsq) through the dQP layer against a
 * brute-force minimum-norm reference written in the tests (K_J from its definition, a
 * rank-revealing QR, the gradient formulas entry by entry: dqp-fixtures.ts) — an
 * LP-like degenerate vertex with non-unique duals (|J| + p > n), dependent active rows with
 * |J| + p ≤ n plus free variables (null P ∩ null B ≠ 0) — and at the factorization level: a
 * nonsingular K̃ sent to the regularized path is solved exactly ('regularized-ldl', against a
 * dense LU), a singular one gets K̃⁺g (against a dense complete orthogonal decomposition),
 * consistent right-hand sides included.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dqpBackward } from '../optimizer/dqp/backward.ts';
import { dqpForward } from '../optimizer/dqp/forward.ts';
import { KktFactorCache, LSTSQ_DENSE_LIMIT, probedSolver, type ReducedKkt } from '../optimizer/dqp/reduced-kkt.ts';
import type { DqpCotangents, DqpForwardResult, DqpGradients } from '../optimizer/dqp/types.ts';
import { resetDqpWarnings, setDqpWarningHandler, type DqpWarning } from '../optimizer/dqp/warnings.ts';
import { cscFromTriplets } from '../optimizer/linalg/csc.ts';
import { DenseLu } from '../optimizer/linalg/dense.ts';
import { DenseCod } from '../optimizer/linalg/lsq.ts';
import { matVec } from '../optimizer/linalg/matrix.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { Rng } from '../optimizer/util/random.ts';
import { bruteForceGradients, denseKktFromDefinition, symmetricFromUpper, symmetricPseudoInverse } from './dqp-fixtures.ts';

let warnings: DqpWarning[] = [];
beforeEach(() => {
  warnings = [];
  resetDqpWarnings();
  setDqpWarningHandler((w) => warnings.push(w));
});
afterEach(() => {
  setDqpWarningHandler(null);
});

const norm = (a: Float64Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));

/**
 * The reference: K_J written from its definition, its pseudo-inverse by a rank-revealing QR, and the
 * gradients of the implicit function theorem entry by entry (dqp-fixtures.ts,
 * bruteForceGradients), with K_J w = g solved as w = K_J⁺ g. Nothing of the layer's assembly, factorizations or VJP is used.
 */
function bruteForce(problem: QPProblem, fwd: DqpForwardResult) {
  const pinv = symmetricPseudoInverse(denseKktFromDefinition(problem, fwd));
  return {
    pinv,
    gradients: (cot: DqpCotangents): DqpGradients => bruteForceGradients(problem, fwd, cot, pinv.solve),
  };
}

function expectClose(g: DqpGradients, ref: DqpGradients, rel: number): void {
  for (const key of ['P', 'q', 'A', 'b', 'C', 'd', 'lb', 'ub'] as const) {
    const a = g[key];
    const b = ref[key];
    expect(!!a, key).toBe(!!b);
    if (!a || !b) continue;
    let err = 0;
    for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
    let scale = 0;
    for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
    // (an identically zero reference, e.g. ∇P when dz = 0, is matched to rounding level)
    expect(err, `${key}: max error ${err} against max |ref| ${scale}`).toBeLessThanOrEqual(rel * scale + 1e-12);
  }
}

describe('a degenerate vertex with non-unique duals (|J| + p > n)', () => {
  // min ½ Σ_{i even} z_i² + qᵀz  s.t.  0 ≤ z ≤ 1,  z_i + z_{i+1} ≤ 2: q < 0 drives every z_i to its
  // upper bound 1, where all n bounds AND all n − 1 pair rows are active (|J| = 2n − 1); P is
  // singular (zero on the odd variables): an LP-like vertex, duals not unique.
  const n = 120;
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i + 1 < n; i++) {
    rows.push(i, i);
    cols.push(i, i + 1);
    vals.push(1, 1);
  }
  const C = cscFromTriplets(n - 1, n, rows, cols, vals);
  const P = cscFromTriplets(
    n,
    n,
    Array.from({ length: n / 2 }, (_, k) => 2 * k),
    Array.from({ length: n / 2 }, (_, k) => 2 * k),
    new Array(n / 2).fill(1),
  );
  const q = Float64Array.from({ length: n }, (_, i) => -2 - (i % 3));
  const problem: QPProblem = { P, q, C, d: new Float64Array(n - 1).fill(2), lb: new Float64Array(n), ub: new Float64Array(n).fill(1) };

  it('takes the sparse least-squares path, flagged, and matches the dense minimum-norm gradients', () => {
    const fwd = dqpForward(problem, { duals: 'kkt' });
    expect(fwd.status).toBe('solved');
    expect(fwd.activeUb.length + fwd.active.length).toBe(2 * n - 1);
    expect(n + fwd.activeUb.length + fwd.active.length).toBeGreaterThan(LSTSQ_DENSE_LIMIT);
    expect(fwd.kktSolver).toBe('lstsq-sparse');
    expect(fwd.flags.overdetermined).toBe(true);
    expect(fwd.flags.leastSquares).toBe(true);
    expect(fwd.flags.nonDifferentiable).toBe(true);
    expect(fwd.eliminated).toBe(0);
    // least-squares duals still satisfy stationarity P z + q + Cᵀμ + μ_ub = 0 (the system is consistent)
    const st = matVec(P, fwd.z);
    const ctmu = new Float64Array(n);
    for (let i = 0; i + 1 < n; i++) {
      ctmu[i] += fwd.mu[i]!;
      ctmu[i + 1] += fwd.mu[i]!;
    }
    for (let i = 0; i < n; i++) expect(Math.abs(st[i]! + q[i]! + ctmu[i]! + fwd.muUb![i]! - fwd.muLb![i]!)).toBeLessThan(1e-7);
    // …and are the minimum-norm split: equal to K_J⁺ [−q; d_J] (rows of C first, then the upper bounds)
    const reference = bruteForce(problem, fwd);
    const kC = fwd.active.length;
    const rhs = new Float64Array(n + kC + fwd.activeUb.length);
    for (let i = 0; i < n; i++) rhs[i] = -q[i]!;
    rhs.fill(2, n, n + kC);
    rhs.fill(1, n + kC);
    const ref = reference.pinv.solve(rhs);
    fwd.active.forEach((r, t) => expect(Math.abs(fwd.mu[r]! - ref[n + t]!)).toBeLessThan(1e-7 * norm(ref)));
    fwd.activeUb.forEach((i, t) => expect(Math.abs(fwd.muUb![i]! - ref[n + kC + t]!)).toBeLessThan(1e-7 * norm(ref)));

    const rng = new Rng('lsq-vertex');
    for (const cot of [{ z: new Float64Array(n).fill(1) }, { z: rng.fillNormal(new Float64Array(n)), mu: rng.fillNormal(new Float64Array(n - 1)), muUb: rng.fillNormal(new Float64Array(n)) }]) {
      const g = dqpBackward(fwd, cot);
      expect(g.leastSquares).toBe(true);
      expectClose(g, reference.gradients(cot), 1e-6);
    }
    // z is pinned at the vertex: dz/dq = 0
    expect(norm(dqpBackward(fwd, { z: new Float64Array(n).fill(1) }).q!)).toBeLessThan(1e-8);
    expect(warnings.map((w) => w.code)).toContain('overdetermined');
  });
});

describe('dependent active rows and free variables (|J| + p ≤ n, K_J singular)', () => {
  // n = 300 (two free variables with P_vv = 0, q_v = 0 and inactive bounds ±1), 48 random
  // 4-entry rows active at z*, 8 more active rows that are combinations of them, 20 inactive rows:
  // null(K_J) = (span of the free coordinates) × (8 dependent-row combinations)
  const n = 300;
  const rng = new Rng('lsq-dependent');
  const rr: number[] = [];
  const cc: number[] = [];
  const vv: number[] = [];
  const base = 48;
  const dep = 8;
  const inactive = 20;
  const rowEntries: [number, number][][] = [];
  for (let i = 0; i < base + inactive; i++) {
    const e: [number, number][] = [];
    const used = new Set<number>();
    while (e.length < 4) {
      const j = rng.int(n - 2);
      if (used.has(j)) continue;
      used.add(j);
      e.push([j, rng.normal()]);
    }
    rowEntries.push(e);
  }
  for (let t = 0; t < dep; t++) {
    const a = rng.normal();
    const b = rng.normal();
    const m = new Map<number, number>();
    for (const [j, v] of rowEntries[2 * t]!) m.set(j, (m.get(j) ?? 0) + a * v);
    for (const [j, v] of rowEntries[2 * t + 1]!) m.set(j, (m.get(j) ?? 0) + b * v);
    rowEntries.push([...m.entries()]);
  }
  // row order: active independent, inactive, dependent
  rowEntries.forEach((e, i) => {
    for (const [j, v] of e) {
      rr.push(i);
      cc.push(j);
      vv.push(v);
    }
  });
  const m = rowEntries.length;
  const C = cscFromTriplets(m, n, rr, cc, vv);
  const zStar = Float64Array.from({ length: n }, (_, i) => (i >= n - 2 ? 0 : 0.3 * rng.normal()));
  const Cz = matVec(C, zStar);
  const d = Float64Array.from({ length: m }, (_, i) => (i >= base && i < base + inactive ? Cz[i]! + 1 : Cz[i]!));
  const muStar = Float64Array.from({ length: m }, (_, i) => (i < base ? 0.5 + rng.uniform() : 0));
  const P = cscFromTriplets(
    n,
    n,
    Array.from({ length: n - 2 }, (_, i) => i),
    Array.from({ length: n - 2 }, (_, i) => i),
    Array.from({ length: n - 2 }, (_, i) => 1 + (i % 5)),
  );
  // stationarity at z*: q = −P z* − Cᵀ μ*
  const q = matVec(P, zStar).map((v) => -v);
  for (let i = 0; i < m; i++) for (const [j, v] of rowEntries[i]!) q[j] -= v * muStar[i]!;
  q[n - 2] = 0;
  q[n - 1] = 0;
  const lb = new Float64Array(n).fill(-Infinity);
  const ub = new Float64Array(n).fill(Infinity);
  lb[n - 2] = lb[n - 1] = -1;
  ub[n - 2] = ub[n - 1] = 1;
  const problem: QPProblem = { P, q, C, d, lb, ub };

  it('is detected as singular, solved by the sparse least squares, and matches the dense minimum-norm gradients', () => {
    const fwd = dqpForward(problem);
    expect(fwd.status).toBe('solved');
    expect(fwd.active.length).toBe(base + dep);
    expect(n + fwd.active.length).toBeGreaterThan(LSTSQ_DENSE_LIMIT);
    expect(fwd.flags.overdetermined).toBe(false);
    expect(fwd.flags.singular).toBe(true);
    expect(fwd.kktSolver).toBe('lstsq-sparse');
    expect(fwd.flags.leastSquares).toBe(true);
    expect(fwd.flags.nonDifferentiable).toBe(true);
    for (let i = 0; i < n; i++) expect(Math.abs(fwd.z[i]! - zStar[i]!)).toBeLessThan(1e-6);
    const cot = { z: rng.fillNormal(new Float64Array(n)), mu: rng.fillNormal(new Float64Array(m)) };
    const g = dqpBackward(fwd, cot);
    expect(g.leastSquares).toBe(true);
    expectClose(g, bruteForce(problem, fwd).gradients(cot), 1e-6);
    // the free variables get the minimum-norm (zero) sensitivity
    expect(Math.abs(g.q![n - 1]!)).toBeLessThan(1e-10);
    expect(warnings.map((w) => w.code)).toContain('singular-kkt');
  });
});

describe('probedSolver (the regularized path of a K̃ whose sparse LDLᵀ was in trouble)', () => {
  /** A sparse KKT K̃ (N = n + r) with `dependent` rows of B combinations of others, scaled to unit max. */
  function sparseKkt(seed: string, n: number, r: number, dependent: number): ReducedKkt {
    const rng = new Rng(seed);
    const N = n + r;
    const colPtr = new Int32Array(N + 1);
    const rowIdx: number[] = [];
    const values: number[] = [];
    const B: Map<number, number>[] = [];
    for (let i = 0; i < r - dependent; i++) {
      const m = new Map<number, number>();
      while (m.size < 3) m.set(rng.int(n), rng.normal());
      B.push(m);
    }
    for (let t = 0; t < dependent; t++) {
      const m = new Map<number, number>();
      for (const [j, v] of B[2 * t]!) m.set(j, (m.get(j) ?? 0) + 0.7 * v);
      for (const [j, v] of B[2 * t + 1]!) m.set(j, (m.get(j) ?? 0) - 1.3 * v);
      B.push(m);
    }
    for (let j = 0; j < n; j++) {
      rowIdx.push(j);
      values.push(0.5 + rng.uniform());
      colPtr[j + 1] = rowIdx.length;
    }
    for (let i = 0; i < r; i++) {
      const e = [...B[i]!.entries()].sort((a, b) => a[0] - b[0]);
      for (const [j, v] of e) {
        rowIdx.push(j);
        values.push(v / 4);
      }
      rowIdx.push(n + i);
      values.push(0);
      colPtr[n + i + 1] = rowIdx.length;
    }
    const signs = new Int8Array(N).fill(1, 0, n).fill(-1, n);
    const upper = { format: 'csc' as const, nrows: N, ncols: N, colPtr, rowIdx: Int32Array.from(rowIdx), values: Float64Array.from(values) };
    let normInf = 0;
    const rs = new Float64Array(N);
    for (let j = 0; j < N; j++)
      for (let e = colPtr[j]!; e < colPtr[j + 1]!; e++) {
        const i = upper.rowIdx[e]!;
        rs[i] += Math.abs(upper.values[e]!);
        if (i !== j) rs[j] += Math.abs(upper.values[e]!);
      }
    for (const v of rs) normInf = Math.max(normInf, v);
    return { n, p: r, k: 0, N, D: new Float64Array(N).fill(1), scale: 1, signs, upper, dense: null, normInf };
  }

  it('solves a nonsingular K̃ exactly (regularized-ldl, not flagged)', () => {
    const K = sparseKkt('probe-ns', 260, 120, 0);
    const { solver, singularReason } = probedSolver(K, 'test', { method: 'sparse-ldl', singularTol: 1e-12, cache: new KktFactorCache() });
    expect(singularReason).toBeNull();
    expect(solver.kind).toBe('regularized-ldl');
    expect(solver.singular).toBe(false);
    const lu = DenseLu.factor(symmetricFromUpper(K));
    const rng = new Rng('probe-ns-rhs');
    for (let t = 0; t < 2; t++) {
      const g = rng.fillNormal(new Float64Array(K.N));
      const { x, leastSquares } = solver.solve(g);
      expect(leastSquares).toBe(false);
      const ref = lu.solve(g);
      let err = 0;
      for (let i = 0; i < K.N; i++) err = Math.max(err, Math.abs(x[i]! - ref[i]!));
      expect(err).toBeLessThan(1e-9 * norm(ref));
    }
  });

  it('gives K̃⁺g on a singular K̃ (lstsq-sparse, flagged), for inconsistent and consistent g', () => {
    const K = sparseKkt('probe-s', 260, 120, 6);
    const cache = new KktFactorCache();
    const { solver, singularReason } = probedSolver(K, 'test', { method: 'sparse-ldl', singularTol: 1e-12, cache });
    expect(singularReason).toMatch(/outside the range/);
    expect(solver.kind).toBe('lstsq-sparse');
    expect(solver.singular).toBe(true);
    const M = symmetricFromUpper(K);
    const cod = DenseCod.factor(M, 1e-12);
    expect(cod.rank).toBe(K.N - 6);
    const rng = new Rng('probe-s-rhs');
    const inconsistent = rng.fillNormal(new Float64Array(K.N));
    const consistent = matVec(M, rng.fillNormal(new Float64Array(K.N)));
    for (const g of [inconsistent, consistent]) {
      const { x, leastSquares } = solver.solve(g);
      expect(leastSquares).toBe(true);
      const ref = cod.solve(g);
      let err = 0;
      for (let i = 0; i < K.N; i++) err = Math.max(err, Math.abs(x[i]! - ref[i]!));
      expect(err).toBeLessThan(1e-7 * norm(ref));
    }
    // the regularized analysis is cached with the K̃ pattern
    expect(cache.analyses).toBe(1);
  });
});
