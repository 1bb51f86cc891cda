/**
 * Status 'non_convex' (backends/convexity.ts): every built-in backend path refuses a QP whose P is
 * not positive semidefinite on the nullspace of A, solves (where the method allows it) a QP whose
 * indefinite P is convex on that nullspace, and does not flag convex problems with a singular P.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cscFromDense } from '../optimizer/linalg/csc.ts';
import type { DenseMatrix } from '../optimizer/linalg/types.ts';
import { convexOnEqualityNullspace, diagonallyDominantPsd } from '../optimizer/qp/backends/convexity.ts';
import { IpmBackend } from '../optimizer/qp/backends/ipm/index.ts';
import { loadSolvers, solveQP } from '../optimizer/qp/registry.ts';
import type { QPProblem, QPSettings } from '../optimizer/qp/types.ts';
import { setWarningHandler } from '../optimizer/qp/warnings.ts';
import { dense, maxAbsDiff, normal, rng, vec } from './qp-fixtures.ts';

beforeAll(async () => {
  await loadSolvers(['highs']);
});
afterEach(() => setWarningHandler(null));

const rows = (r: number[][]): DenseMatrix => dense(r.length, r[0]!.length, (i, j) => r[i]![j]!);

/** Every backend path: name, solver, settings. */
const PATHS: [string, string, QPSettings][] = [
  ['ipm dense', 'ipm', { options: { kktSolver: 'dense' } }],
  ['ipm sparse', 'ipm', { options: { kktSolver: 'sparse' } }],
  ['admm', 'admm', {}],
  ['dualas', 'dualas', {}],
  ['quadprog', 'quadprog', {}],
  ['highs', 'highs', {}],
];

const solve = (pr: QPProblem, solver: string, s: QPSettings) => {
  setWarningHandler(() => {});
  return solveQP(pr, { solver, ...s });
};

const saddle = rows([
  [1, 0],
  [0, -1],
]);
const box = { lb: vec(-1, -1), ub: vec(1, 1) };
const NON_CONVEX: Record<string, QPProblem> = {
  'P = diag(1, −1), no constraints': { P: saddle, q: vec(1, 1) },
  'P = diag(1, −1), box bounds': { P: saddle, q: vec(1, 1), ...box },
  'P = diag(1, −1), one inequality row': { P: saddle, q: vec(1, 1), C: rows([[1, 1]]), d: vec(1) },
  'P = [0 1; 1 0] (zero diagonal), box bounds': { P: rows([[0, 1], [1, 0]]), q: vec(1, 0), ...box },
  'P = diag(1, 1, −1), equality that leaves the −1 direction free': {
    P: rows([[1, 0, 0], [0, 1, 0], [0, 0, -1]]),
    q: vec(0, 0, 0),
    A: rows([[1, 1, 0]]),
    b: vec(1),
    lb: vec(-5, -5, -5),
    ub: vec(5, 5, 5),
  },
};

describe("status 'non_convex'", () => {
  for (const [path, solver, settings] of PATHS) {
    for (const [name, pr] of Object.entries(NON_CONVEX)) {
      it(`${path}: ${name}`, () => {
        for (const prob of [pr, { ...pr, P: cscFromDense(pr.P as DenseMatrix) }]) {
          const s = solve(prob, solver, settings);
          expect(s.status).toBe('non_convex');
          expect(s.hasDuals).toBe(false);
          for (const v of s.z) expect(Number.isFinite(v)).toBe(true);
        }
      });
    }
  }
});

describe('an indefinite P that is convex on the nullspace of A', () => {
  // min ½(z1² − z2²) + z1 + z2  s.t.  z2 = 0.5: on the feasible line the objective is ½z1² + z1 + const,
  // so z = (−1, 0.5); stationarity z1 + 1 = 0, −z2 + 1 + λ = 0 gives λ = −0.5.
  const pr: QPProblem = { P: saddle, q: vec(1, 1), A: rows([[0, 1]]), b: vec(0.5) };
  // a 3-variable one with bounds, strictly convex on null(A) = span{e1, (0, 2, −1)}: (0,2,−1)ᵀP(0,2,−1) = 4 − 1 > 0
  const pr3: QPProblem = {
    P: rows([[2, 0, 0], [0, 1, 0], [0, 0, -1]]),
    q: vec(1, 1, 1),
    A: rows([[0, 1, 2]]),
    b: vec(0.5),
    lb: vec(-2, -2, -2),
    ub: vec(2, 2, 2),
  };
  // reference for pr3 by brute force over the feasible line z = (z1, 0.5 − 2t, t): z1 and t separate;
  // z1: min z1² + z1 on [−2, 2] → −0.5; t: f(t) = ½(0.5 − 2t)² − ½t² + (0.5 − 2t) + t with 0.5 − 2t ∈ [−2, 2], t ∈ [−2, 2]
  const f = (t: number) => 0.5 * (0.5 - 2 * t) ** 2 - 0.5 * t * t + (0.5 - 2 * t) + t;
  let bestT = NaN;
  let best = Infinity;
  for (let k = 0; k <= 1_000_000; k++) {
    const t = -0.75 + (2 * k) / 1_000_000; // 0.5 − 2t ∈ [−2, 2] ⇔ t ∈ [−0.75, 1.25]
    if (f(t) < best) [best, bestT] = [f(t), t];
  }
  const z3 = [-0.5, 0.5 - 2 * bestT, bestT];

  for (const [path, solver, settings] of PATHS) {
    const capable = solver === 'ipm' || solver === 'admm';
    it(`${path}: ${capable ? 'solves it' : "reports numerical_error (needs P positive (semi)definite), never 'non_convex'"}`, () => {
      for (const [prob, ref] of [
        [pr, [-1, 0.5]],
        [pr3, z3],
      ] as const) {
        const s = solve(prob, solver, settings);
        if (capable) {
          expect(s.status).toBe('solved');
          expect(maxAbsDiff(s.z, ref)).toBeLessThan(1e-5);
        } else {
          expect(s.status).toBe('numerical_error');
        }
      }
      if (capable) expect(solve(pr, solver, settings).lambda[0]).toBeCloseTo(-0.5, 5);
    });
  }
});

describe('convex problems with a singular P are not flagged', () => {
  // P = vvᵀ, v = (1, 2) (rank one, not diagonally dominant); min ½(z1 + 2z2)² + z1 on [−1, 1]²:
  // the objective is ≥ z1 ≥ −1, reached only at z1 = −1 with z1 + 2z2 = 0 → z = (−1, 0.5)
  const pr: QPProblem = { P: rows([[1, 2], [2, 4]]), q: vec(1, 0), ...box };
  // an LP: P = 0
  const lp: QPProblem = { P: rows([[0, 0], [0, 0]]), q: vec(1, -1), C: rows([[1, 1]]), d: vec(1), ...box };
  for (const [path, solver, settings] of PATHS) {
    const capable = solver !== 'dualas' && solver !== 'quadprog';
    it(`${path}: ${capable ? 'solves' : 'numerical_error for'} a rank-one P and an LP`, () => {
      const s = solve(pr, solver, settings);
      const l = solve(lp, solver, settings);
      if (capable) {
        expect(s.status).toBe('solved');
        expect(maxAbsDiff(s.z, [-1, 0.5])).toBeLessThan(1e-5);
        expect(l.status).toBe('solved');
        // min z1 − z2 on the box with z1 + z2 ≤ 1: z = (−1, 1)
        expect(maxAbsDiff(l.z, [-1, 1])).toBeLessThan(1e-5);
      } else {
        expect(s.status).toBe('numerical_error');
      }
    });
  }
});

describe('cost of the test in the ipm', () => {
  it('reuses the KKT pattern: no symbolic analysis beyond the one the solve needs', () => {
    // a convex P that is not diagonally dominant, so the test runs (one numeric factorization)
    const pr: QPProblem = { P: cscFromDense(rows([[1, 2], [2, 4.5]])), q: vec(1, 0), C: cscFromDense(rows([[1, 1]])), d: vec(1) };
    expect(diagonallyDominantPsd(pr.P)).toBe(false);
    const backend = new IpmBackend();
    const s = backend.solve(pr, {});
    expect(s.status).toBe('solved');
    expect(backend.stats.analyses).toBe(1);
    backend.solve(pr, {});
    expect(backend.stats.analyses).toBe(1);
    expect(backend.stats.cacheHits).toBeGreaterThanOrEqual(1);
  });
});

describe('convexOnEqualityNullspace', () => {
  /** P = Q diag(eigs) Qᵀ with a random orthogonal Q (Gram–Schmidt of Gaussian columns). */
  function spectral(eigs: number[], seed: number): { P: DenseMatrix; Q: number[][] } {
    const n = eigs.length;
    const g = normal(rng(seed));
    const Q: number[][] = [];
    for (let k = 0; k < n; k++) {
      let v = Array.from({ length: n }, g);
      for (const u of Q) {
        const d = u.reduce((s, x, i) => s + x * v[i]!, 0);
        v = v.map((x, i) => x - d * u[i]!);
      }
      const nv = Math.hypot(...v);
      Q.push(v.map((x) => x / nv));
    }
    return { P: dense(n, n, (i, j) => eigs.reduce((s, e, k) => s + e * Q[k]![i]! * Q[k]![j]!, 0)), Q };
  }

  it('separates PSD (also singular) from indefinite P, and uses the nullspace of A', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const psd = spectral([3, 1, 0.5, 0, 0, 2], seed).P;
      expect(convexOnEqualityNullspace({ P: psd })).toBe(true);
      const { P: ind, Q } = spectral([3, 1, 0.5, -1e-3, 0, 2], seed);
      expect(convexOnEqualityNullspace({ P: ind })).toBe(false);
      // an equality row along the negative eigenvector removes that direction from null(A):
      // vᵀPv ≥ 0 on null(A) since the rest of the spectrum is ≥ 0
      const A = dense(1, 6, (_, j) => Q[3]![j]!);
      expect(convexOnEqualityNullspace({ P: ind, A })).toBe(true);
      expect(convexOnEqualityNullspace({ P: cscFromDense(ind), A: cscFromDense(A) })).toBe(true);
      // a row along a positive eigenvector does not
      const A2 = dense(1, 6, (_, j) => Q[0]![j]!);
      expect(convexOnEqualityNullspace({ P: ind, A: A2 })).toBe(false);
    }
  });

  it('diagonallyDominantPsd is the Gershgorin test (dense and CSC agree)', () => {
    const cases: [number[][], boolean][] = [
      [[[2, -1], [-1, 2]], true],
      [[[1, 1], [1, 1]], true],
      [[[1, 2], [2, 4]], false],
      [[[0, 0], [0, 0]], true],
      [[[1, 0], [0, -1]], false],
    ];
    for (const [r, want] of cases) {
      expect(diagonallyDominantPsd(rows(r))).toBe(want);
      expect(diagonallyDominantPsd(cscFromDense(rows(r)))).toBe(want);
    }
  });
});
