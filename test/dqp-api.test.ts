/**
 * The public contract of dqpForward / dqpBackward: gradient formats (CSC pattern order with
 * explicit zeros, dense row-major), fixed inputs, dual completion, cotangents of inactive duals,
 * row normalization, option and cotangent validation, checkP.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dqpBackward } from '../optimizer/dqp/backward.ts';
import { dqpForward } from '../optimizer/dqp/forward.ts';
import type { DqpGradients } from '../optimizer/dqp/types.ts';
import { resetDqpWarnings, setDqpWarningHandler } from '../optimizer/dqp/warnings.ts';
import { DimensionError, InputError } from '../optimizer/errors.ts';
import { cscFromDense, cscFromTriplets } from '../optimizer/linalg/csc.ts';
import { denseFromRows, toDense } from '../optimizer/linalg/matrix.ts';
import type { CscMatrix, DenseMatrix, Matrix } from '../optimizer/linalg/types.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { knownQP, randomLoss } from './dqp-fixtures.ts';

beforeAll(() => {
  resetDqpWarnings();
  setDqpWarningHandler(() => {});
});

const cotOf = (seed: string, n: number, p: number, m: number) => {
  const l = randomLoss(seed, n, p, m, false);
  return { z: l.wz, lambda: l.wl, mu: l.wm };
};

/** CSC copy of a dense matrix that also stores `extraZeros` explicit zero entries. */
function cscWithExplicitZeros(D: DenseMatrix, extraZeros: [number, number][]): CscMatrix {
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  // triplets in row-major order (cscFromTriplets sorts them into CSC order)
  for (let i = 0; i < D.nrows; i++)
    for (let j = 0; j < D.ncols; j++) {
      const v = D.data[i * D.ncols + j]!;
      if (v !== 0 || extraZeros.some(([a, b]) => a === i && b === j)) {
        rows.push(i);
        cols.push(j);
        vals.push(v);
      }
    }
  return cscFromTriplets(D.nrows, D.ncols, rows, cols, vals);
}

/** The dense gradient entry (i, j) of a CSC gradient array. */
function atCsc(M: CscMatrix, g: Float64Array, i: number, j: number): number | undefined {
  for (let e = M.colPtr[j]!; e < M.colPtr[j + 1]!; e++) if (M.rowIdx[e] === i) return g[e];
  return undefined;
}

describe('gradient formats', () => {
  const kq = knownQP('api-format', { n: 7, p: 2, m: 8, k: 3, sparse: true, density: 0.35 });
  const dense: QPProblem = { ...kq.problem, P: toDense(kq.problem.P), A: toDense(kq.problem.A!), C: toDense(kq.problem.C!) };
  // explicit zeros: in P (symmetric pair), in an ACTIVE row of C and in A
  const activeRow = kq.active[0]!;
  const zeroP: [number, number][] = [];
  const Pd = dense.P as DenseMatrix;
  outer: for (let i = 0; i < 7; i++)
    for (let j = i + 1; j < 7; j++)
      if (Pd.data[i * 7 + j] === 0) {
        zeroP.push([i, j], [j, i]);
        break outer;
      }
  const zeroIn = (M: DenseMatrix, row: number): [number, number][] => {
    for (let j = 0; j < M.ncols; j++) if (M.data[row * M.ncols + j] === 0) return [[row, j]];
    return [];
  };
  const sparse: QPProblem = {
    ...kq.problem,
    P: cscWithExplicitZeros(Pd, zeroP),
    A: cscWithExplicitZeros(dense.A as DenseMatrix, zeroIn(dense.A as DenseMatrix, 0)),
    C: cscWithExplicitZeros(dense.C as DenseMatrix, zeroIn(dense.C as DenseMatrix, activeRow)),
  };
  const cot = cotOf('api-format', 7, 2, 8);
  const gd = dqpBackward(dqpForward(dense, { solver: 'quadprog' }), cot);
  const gs = dqpBackward(dqpForward(sparse, { solver: 'quadprog' }), cot);

  it('CSC inputs get gradients of length nnz in the input entry order, explicit zeros included', () => {
    expect(zeroP.length).toBe(2);
    for (const key of ['P', 'A', 'C'] as const) {
      const M = sparse[key] as CscMatrix;
      const g = gs[key]!;
      expect(g.length).toBe(M.colPtr[M.ncols]);
      const D = dense[key] as DenseMatrix;
      for (let j = 0; j < M.ncols; j++)
        for (let e = M.colPtr[j]!; e < M.colPtr[j + 1]!; e++) {
          const i = M.rowIdx[e]!;
          expect(g[e]).toBeCloseTo(gd[key]![i * D.ncols + j]!, 10);
        }
    }
    // the explicit zero of P carries the (generally nonzero) gradient of its position
    const [i0, j0] = zeroP[0]!;
    const v = atCsc(sparse.P as CscMatrix, gs.P!, i0, j0)!;
    expect(v).toBeCloseTo(gd.P![i0 * 7 + j0]!, 10);
    expect(Math.abs(v)).toBeGreaterThan(1e-8);
  });

  it('dense inputs get dense row-major gradients; ∇P is symmetric; inactive rows of C get 0', () => {
    expect(gd.P!.length).toBe(49);
    expect(gd.A!.length).toBe(14);
    expect(gd.C!.length).toBe(56);
    for (let i = 0; i < 7; i++) for (let j = 0; j < 7; j++) expect(gd.P![i * 7 + j]).toBeCloseTo(gd.P![j * 7 + i]!, 14);
    const active = new Set(kq.active);
    for (let r = 0; r < 8; r++) {
      if (active.has(r)) continue;
      for (let j = 0; j < 7; j++) expect(gd.C![r * 7 + j]).toBe(0);
      expect(gd.d![r]).toBe(0);
    }
    // ∇q = d_z and the outer-product structure ∇P = ½(d_z zᵀ + z d_zᵀ)
    const fwd = dqpForward(dense, { solver: 'quadprog' });
    for (let i = 0; i < 7; i++)
      for (let j = 0; j < 7; j++) expect(gd.P![i * 7 + j]).toBeCloseTo(0.5 * (gd.q![i]! * fwd.z[j]! + fwd.z[i]! * gd.q![j]!), 12);
  });
});

describe('fixed inputs', () => {
  const kq = knownQP('api-fixed', { n: 6, p: 1, m: 7, k: 2, bounds: true, activeBounds: 1 });
  const cot = cotOf('api-fixed', 6, 1, 7);
  const full = dqpBackward(dqpForward(kq.problem, { solver: 'quadprog' }), cot);

  it('get no gradient, and the others are unchanged', () => {
    const fwd = dqpForward(kq.problem, { solver: 'quadprog', fixed: ['P', 'A', 'd', 'ub'] });
    const g = dqpBackward(fwd, cot);
    for (const key of ['P', 'A', 'd', 'ub'] as const) expect(g[key]).toBeUndefined();
    for (const key of ['q', 'b', 'C', 'lb'] as const) expect(Array.from(g[key]!)).toEqual(Array.from(full[key]!));
    // nothing is kept for the fixed matrices
    expect(fwd.context!.P).toBeNull();
    expect(fwd.context!.A).toBeNull();
    expect(fwd.context!.C).not.toBeNull();
  });

  it('absent inputs get no gradient', () => {
    const pr: QPProblem = { P: kq.problem.P, q: kq.problem.q, C: kq.problem.C, d: kq.problem.d };
    const g = dqpBackward(dqpForward(pr, { solver: 'quadprog' }), { z: cot.z });
    expect(g.A).toBeUndefined();
    expect(g.b).toBeUndefined();
    expect(g.lb).toBeUndefined();
    expect(g.ub).toBeUndefined();
    expect(g.C).toBeDefined();
  });
});

describe('duals', () => {
  for (const solver of ['quadprog', 'ipm']) {
    it(`completed from K_J equal the solver's duals (${solver})`, () => {
      for (let s = 0; s < 6; s++) {
        const kq = knownQP(`api-duals-${s}`, { n: 8, p: s % 3, m: 9, k: 2 + (s % 4), bounds: s % 2 === 0, activeBounds: 1, sparse: s >= 3 });
        const a = dqpForward(kq.problem, { solver, duals: 'solver' });
        const b = dqpForward(kq.problem, { solver, duals: 'kkt' });
        expect(a.flags.dualsCompleted).toBe(false);
        expect(b.flags.dualsCompleted).toBe(true);
        const tol = solver === 'quadprog' ? 1e-10 : 1e-6;
        for (const [x, y, ref] of [
          [a.lambda, b.lambda, kq.lambda],
          [a.mu, b.mu, kq.mu],
          [a.muLb, b.muLb, kq.muLb],
          [a.muUb, b.muUb, kq.muUb],
        ] as const) {
          // no bounds: no bound duals from either path
          expect(x === null, 'solver duals present iff the reference has them').toBe(ref === null);
          expect(y === null, 'completed duals present iff the reference has them').toBe(ref === null);
          if (ref === null) continue;
          expect([x!.length, y!.length]).toEqual([ref.length, ref.length]);
          for (let i = 0; i < ref.length; i++) {
            expect(Math.abs(x![i]! - y![i]!)).toBeLessThan(tol);
            expect(Math.abs(y![i]! - ref[i]!)).toBeLessThan(tol);
          }
        }
      }
    });
  }

  it('cotangents of inactive duals are ignored (μ_j ≡ 0 off J)', () => {
    const kq = knownQP('api-inactive', { n: 6, m: 8, k: 2 });
    const fwd = dqpForward(kq.problem, { solver: 'quadprog' });
    const mu = new Float64Array(8);
    const muNoise = new Float64Array(8);
    for (let j = 0; j < 8; j++) {
      mu[j] = kq.active.includes(j) ? 1 + j : 0;
      muNoise[j] = kq.active.includes(j) ? 1 + j : 100 * (j + 1);
    }
    const a = dqpBackward(fwd, { mu });
    const b = dqpBackward(fwd, { mu: muNoise });
    for (const key of ['P', 'q', 'C', 'd'] as const) expect(Array.from(b[key]!)).toEqual(Array.from(a[key]!));
    // and a pure-dual loss has a nonzero gradient (the μ cotangent is used on J)
    expect(a.q!.some((v) => Math.abs(v) > 1e-6)).toBe(true);
  });
});

describe('row normalization', () => {
  it('thresholds distances, returns duals of the original rows, and keeps the gradient', () => {
    const kq = knownQP('api-normalize', { n: 6, p: 2, m: 7, k: 3 });
    // scale rows of A and C by very different factors: the problem is the same
    const scale = (M: Matrix, s: number[]): DenseMatrix => {
      const D = toDense(M);
      const data = D.data.slice();
      for (let i = 0; i < D.nrows; i++) for (let j = 0; j < D.ncols; j++) data[i * D.ncols + j] *= s[i]!;
      return { format: 'dense', nrows: D.nrows, ncols: D.ncols, data };
    };
    const sA = [1e3, 1e-2];
    const sC = [1, 1e4, 1e-3, 10, 1, 100, 1e-2];
    const pr: QPProblem = {
      ...kq.problem,
      A: scale(kq.problem.A!, sA),
      b: kq.problem.b!.map((v, i) => v * sA[i]!),
      C: scale(kq.problem.C!, sC),
      d: kq.problem.d!.map((v, i) => v * sC[i]!),
    };
    const cot = cotOf('api-normalize', 6, 2, 7);
    const plain = dqpForward(pr, { solver: 'quadprog', duals: 'kkt' });
    const norm = dqpForward(pr, { solver: 'quadprog', duals: 'kkt', normalize: true });
    expect(Array.from(norm.active)).toEqual(Array.from(kq.active));
    for (let j = 0; j < 7; j++) expect(norm.mu[j]).toBeCloseTo(plain.mu[j]!, 8);
    for (let i = 0; i < 2; i++) expect(norm.lambda[i]).toBeCloseTo(plain.lambda[i]!, 8);
    const ga = dqpBackward(plain, cot);
    const gb = dqpBackward(norm, cot);
    for (const key of ['P', 'q', 'A', 'b', 'C', 'd'] as const) {
      const x = ga[key]!;
      const y = gb[key]!;
      let mx = 0;
      for (let i = 0; i < x.length; i++) mx = Math.max(mx, Math.abs(x[i]!));
      for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(1e-8 * Math.max(mx, 1));
    }
  });

  it('changes the active set when a row residual is small only as a distance', () => {
    // min ½‖z − c‖²  s.t.  100 z₀ ≤ 100 c₀ + 5e-4: residual −5e-4, distance −5e-6
    const problem: QPProblem = {
      P: denseFromRows([
        [1, 0],
        [0, 1],
      ]),
      q: Float64Array.from([-0.3, -0.2]),
      C: denseFromRows([[100, 0]]),
      d: Float64Array.from([30 + 5e-4]),
    };
    expect(dqpForward(problem, { solver: 'quadprog' }).active.length).toBe(0);
    const fwd = dqpForward(problem, { solver: 'quadprog', normalize: true });
    expect(Array.from(fwd.active)).toEqual([0]);
    expect(fwd.flags.nonDifferentiable).toBe(true); // μ = 0 on an active row: weakly active
  });
});

describe('validation', () => {
  const kq = knownQP('api-validate', { n: 4, p: 1, m: 3, k: 1 });
  it('rejects bad options with InputError naming the option', () => {
    expect(() => dqpForward(kq.problem, { epsActive: -1 })).toThrow(/options\.epsActive/);
    expect(() => dqpForward(kq.problem, { linearSolver: 'cholesky' as never })).toThrow(InputError);
    expect(() => dqpForward(kq.problem, { duals: 'maybe' as never })).toThrow(/options\.duals/);
    expect(() => dqpForward(kq.problem, { fixed: ['Q' as never] })).toThrow(/options\.fixed/);
  });
  it('rejects cotangents of the wrong length with DimensionError', () => {
    const fwd = dqpForward(kq.problem, { solver: 'quadprog' });
    expect(() => dqpBackward(fwd, { z: new Float64Array(3) })).toThrow(DimensionError);
    expect(() => dqpBackward(fwd, { mu: new Float64Array(2) })).toThrow(/cotangents\.mu/);
    expect(() => dqpBackward(fwd, { z: Float64Array.from([1, NaN, 0, 0]) })).toThrow(InputError);
  });
  it('checkP rejects an indefinite P', () => {
    const bad: QPProblem = { ...kq.problem, P: denseFromRows([[1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]) };
    expect(() => dqpForward(bad, { solver: 'quadprog', checkP: true })).toThrow(/positive semidefinite/);
    expect(() => dqpForward({ ...bad, P: cscFromDense(bad.P as DenseMatrix) }, { solver: 'quadprog', checkP: true })).toThrow(InputError);
    expect(() => dqpForward(kq.problem, { solver: 'quadprog', checkP: true })).not.toThrow();
  });
});

describe('an all-zero cotangent', () => {
  it('gives all-zero gradients without a solve', () => {
    const kq = knownQP('api-zero', { n: 5, m: 4, k: 2 });
    const g: DqpGradients = dqpBackward(dqpForward(kq.problem, { solver: 'quadprog' }), {});
    for (const key of ['P', 'q', 'C', 'd'] as const) expect(g[key]!.every((v) => v === 0)).toBe(true);
    expect(g.leastSquares).toBe(false);
  });
});
