/**
 * Degenerate points: weakly active rows, |J| + p > n, duplicate (linearly dependent) active rows,
 * a singular K_J. The layer must flag them, warn once per kind, use least squares where K_J is
 * singular, and never return NaN/Infinity. Solver failures are statuses, and differentiating
 * them is a clear error.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dqpBackward } from '../optimizer/dqp/backward.ts';
import { dqpForward } from '../optimizer/dqp/forward.ts';
import type { DqpGradients, DqpOptions } from '../optimizer/dqp/types.ts';
import { resetDqpWarnings, setDqpWarningHandler, type DqpWarning } from '../optimizer/dqp/warnings.ts';
import { DqpError } from '../optimizer/errors.ts';
import { cscFromDense } from '../optimizer/linalg/csc.ts';
import { denseFromRows } from '../optimizer/linalg/matrix.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';

let warnings: DqpWarning[] = [];
beforeEach(() => {
  warnings = [];
  resetDqpWarnings();
  setDqpWarningHandler((w) => warnings.push(w));
});
afterEach(() => {
  setDqpWarningHandler(null);
});

const vec = (...v: number[]) => Float64Array.from(v);
const ones = (n: number) => new Float64Array(n).fill(1);

/**
 * Every problem of this file has exactly the inputs P, q, C, d: their gradients must be present
 * (none is fixed) and finite, the others (A, b, lb, ub) absent.
 */
function expectFinite(g: DqpGradients): void {
  const present = ['P', 'q', 'C', 'd'] as const;
  expect((['P', 'q', 'A', 'b', 'C', 'd', 'lb', 'ub'] as const).filter((key) => g[key] !== undefined)).toEqual(present);
  for (const key of present) {
    const v = g[key]!;
    expect(v.length, key).toBeGreaterThan(0);
    for (let i = 0; i < v.length; i++) expect(Number.isFinite(v[i]!), `${key}[${i}]`).toBe(true);
  }
}

const I2 = denseFromRows([
  [1, 0],
  [0, 1],
]);
const I3 = denseFromRows([
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
]);

describe('weakly active rows', () => {
  // min ½‖z‖² − z₀  s.t. z₀ ≤ 1: the unconstrained minimizer (1, 0) lies ON the constraint: μ = 0
  const problem: QPProblem = { P: I2, q: vec(-1, 0), C: denseFromRows([[1, 0]]), d: vec(1) };

  for (const duals of ['auto', 'kkt'] as const) {
    it(`are flagged and give finite one-sided derivatives (duals ${duals})`, () => {
      const fwd = dqpForward(problem, { solver: 'quadprog', duals });
      expect(fwd.z[0]).toBeCloseTo(1, 12);
      expect(Array.from(fwd.active)).toEqual([0]);
      expect(Array.from(fwd.flags.weaklyActive)).toEqual([0]);
      expect(fwd.flags.nonDifferentiable).toBe(true);
      expect(fwd.flags.singular).toBe(false);
      expect(Math.abs(fwd.mu[0]!)).toBeLessThan(1e-9);
      const g = dqpBackward(fwd, { z: ones(2) });
      expectFinite(g);
      // keeping the row active: z₀ = d₀, so ∂(Σz)/∂d₀ = 1 (the one-sided derivative from below)
      expect(g.d![0]).toBeCloseTo(1, 12);
      expect(g.q![0]).toBeCloseTo(0, 12);
      expect(g.q![1]).toBeCloseTo(-1, 12);
      expect(warnings.map((w) => w.code)).toContain('weakly-active');
    });
  }

  it('warn once per kind, while every result keeps its flag', () => {
    for (let i = 0; i < 3; i++) expect(dqpForward(problem, { solver: 'quadprog' }).flags.nonDifferentiable).toBe(true);
    expect(warnings.filter((w) => w.code === 'weakly-active')).toHaveLength(1);
    resetDqpWarnings();
    dqpForward(problem, { solver: 'quadprog' });
    expect(warnings.filter((w) => w.code === 'weakly-active')).toHaveLength(2);
  });
});

describe('|J| + p > n (more active rows than variables)', () => {
  // min ½‖z‖² − z₀ − z₁  s.t. z₀ ≤ 0, z₁ ≤ 0, z₀ + z₁ ≤ 0: the optimum (0, 0) has 3 active rows, n = 2
  const C = denseFromRows([
    [1, 0],
    [0, 1],
    [1, 1],
  ]);
  const problem: QPProblem = { P: I2, q: vec(-1, -1), C, d: vec(0, 0, 0) };
  for (const linearSolver of ['auto', 'dense', 'sparse-ldl'] as const) {
    it(`gives flagged least-squares derivatives (${linearSolver})`, () => {
      const fwd = dqpForward(problem, { solver: 'quadprog', linearSolver, duals: 'kkt' });
      expect(Array.from(fwd.active)).toEqual([0, 1, 2]);
      expect(fwd.flags.overdetermined).toBe(true);
      expect(fwd.flags.leastSquares).toBe(true);
      expect(fwd.flags.nonDifferentiable).toBe(true);
      expect(fwd.kktSolver).toBe('lstsq-dense');
      // duals from K_J in the least-squares sense still satisfy stationarity: z + q + Cᵀμ = 0
      const mu = fwd.mu;
      expect(fwd.z[0]! - 1 + mu[0]! + mu[2]!).toBeCloseTo(0, 10);
      expect(fwd.z[1]! - 1 + mu[1]! + mu[2]!).toBeCloseTo(0, 10);
      const g = dqpBackward(fwd, { z: ones(2) });
      expectFinite(g);
      expect(g.leastSquares).toBe(true);
      // z is pinned at the vertex by the rows: dz/dq = 0, and dz/dd = C⁺ (minimum norm)
      expect(Math.abs(g.q![0]!) + Math.abs(g.q![1]!)).toBeLessThan(1e-10);
      const gd = g.d!;
      expect(gd[0]! + gd[2]!).toBeCloseTo(1, 10); // ∂z₀/∂d₀ + ∂z₀/∂d₂ along the rows' split
      expect(gd[1]! + gd[2]!).toBeCloseTo(1, 10);
      // the minimum-norm split: ∇d = C (CᵀC)⁻¹ 1 = (1/3, 1/3, 2/3)
      expect(Array.from(gd).map((x) => Math.round(x * 3e8) / 1e8)).toEqual([1, 1, 2]);
      // with dual cotangents too (the least-squares system is then a genuine least-squares fit)
      expectFinite(dqpBackward(fwd, { z: ones(2), mu: vec(1, 2, 7) }));
      expect(warnings.map((w) => w.code)).toContain('overdetermined');
    });
  }
});

describe('duplicate active rows (singular K_J)', () => {
  // min ½‖z‖² − 2 z₀ − z₁ − z₂ s.t. z₀ + z₁ ≤ 1 (twice), and the same problem with one copy
  const row = [1, 1, 0];
  const single: QPProblem = { P: I3, q: vec(-2, -1, -1), C: denseFromRows([row]), d: vec(1) };
  const double: QPProblem = { P: I3, q: vec(-2, -1, -1), C: denseFromRows([row, row]), d: vec(1, 1) };
  const variants: [string, DqpOptions, (p: QPProblem) => QPProblem][] = [
    ['dense', { linearSolver: 'dense' }, (p) => p],
    ['sparse LDLᵀ', { linearSolver: 'sparse-ldl' }, (p) => ({ ...p, P: cscFromDense(p.P as never), C: cscFromDense(p.C as never) })],
  ];
  for (const [name, opts, convert] of variants) {
    it(`are detected and get the minimum-norm least-squares gradient (${name})`, () => {
      // the single-row problem by hand, c = (1, 1, 0): z = −q − μc with cᵀz = d, so
      // μ = (−cᵀq − d)/2, z = −q + c(cᵀq + d)/2 = (1, 0, 1), μ = 1; for the loss Σz:
      // ∇q = (−I + ccᵀ/2)1 = (0, 0, −1), ∇d = cᵀ1/2 = 1
      const ref = { q: vec(0, 0, -1), d: vec(1) };
      const one = dqpBackward(dqpForward(convert(single), { solver: 'quadprog', ...opts }), { z: ones(3) });
      for (let i = 0; i < 3; i++) expect(one.q![i]).toBeCloseTo(ref.q[i]!, 8);
      expect(one.d![0]).toBeCloseTo(ref.d[0]!, 8);
      const fwd = dqpForward(convert(double), { solver: 'quadprog', duals: 'kkt', ...opts });
      expect(Array.from(fwd.active)).toEqual([0, 1]);
      expect(fwd.flags.singular).toBe(true);
      expect(fwd.flags.leastSquares).toBe(true);
      expect(fwd.flags.nonDifferentiable).toBe(true);
      // least-squares duals split the single row's multiplier equally
      expect(fwd.mu[0]).toBeCloseTo(fwd.mu[1]!, 8);
      expect(fwd.mu[0]! + fwd.mu[1]!).toBeCloseTo(1, 8);
      const g = dqpBackward(fwd, { z: ones(3) });
      expectFinite(g);
      expect(g.leastSquares).toBe(true);
      // ∇q does not depend on how the multiplier is split; ∇d splits the single row's gradient in two
      for (let i = 0; i < 3; i++) expect(g.q![i]).toBeCloseTo(ref.q![i]!, 8);
      expect(g.d![0]).toBeCloseTo(g.d![1]!, 8);
      expect(g.d![0]! + g.d![1]!).toBeCloseTo(ref.d![0]!, 8);
      expect(warnings.map((w) => w.code)).toContain('singular-kkt');
    });
  }
});

describe('a singular P direction outside the constraints', () => {
  // P = diag(1, 0): z₁ is free in the objective and held only by an equality
  const P = denseFromRows([
    [1, 0],
    [0, 0],
  ]);
  it('is differentiable when the equality pins it (K_J nonsingular although P is not)', () => {
    const problem: QPProblem = { P, q: vec(-1, 1), A: denseFromRows([[0, 1]]), b: vec(2) };
    // the full K_J: its LDLᵀ in the natural order meets the zero pivot P₁₁ → LU
    const fwd = dqpForward(problem, { solver: 'ipm', eliminateFixed: false });
    expect(fwd.flags.singular).toBe(false);
    expect(fwd.kktSolver).toBe('dense-lu');
    expect(fwd.eliminated).toBe(0);
    // default: z₁ (pinned by the one-entry equality row) is eliminated, K_R = [P₀₀] is definite
    const el = dqpForward(problem, { solver: 'ipm' });
    expect(el.flags.singular).toBe(false);
    expect(el.eliminated).toBe(1);
    expect(el.kktSolver).toBe('dense-ldl');
    for (const f of [fwd, el]) {
      const g = dqpBackward(f, { z: ones(2) });
      expect(g.b![0]).toBeCloseTo(1, 6);
      expect(g.q![0]).toBeCloseTo(-1, 6);
    }
  });
});

describe('solver failures', () => {
  it('an infeasible problem is a status, and its backward a clear error', () => {
    // z₀ ≤ −1 and −z₀ ≤ −1 (z₀ ≥ 1)
    const problem: QPProblem = { P: I2, q: vec(0, 0), C: denseFromRows([[1, 0], [-1, 0]]), d: vec(-1, -1) };
    const fwd = dqpForward(problem, { solver: 'quadprog' });
    expect(fwd.status).toBe('primal_infeasible');
    expect(fwd.context).toBeNull();
    for (const v of [fwd.z, fwd.lambda, fwd.mu]) for (const x of v) expect(Number.isFinite(x)).toBe(true);
    expect(() => dqpBackward(fwd, { z: ones(2) })).toThrow(DqpError);
    expect(() => dqpBackward(fwd, { z: ones(2) })).toThrow(/primal_infeasible/);
    expect(warnings.map((w) => w.code)).toContain('solve-failed');
  });
});
