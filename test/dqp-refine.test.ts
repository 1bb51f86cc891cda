/**
 * Active-set refinement (paper App. B heuristic): a solver that leaves an active row 1e-4 inside
 * the feasible region (beyond ε_J = 1e-5) makes the threshold active set miss that row; the
 * refinement adds it back because the reduced system's residual drops.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dqpBackward } from '../optimizer/dqp/backward.ts';
import { dqpForward } from '../optimizer/dqp/forward.ts';
import { refineActiveSet } from '../optimizer/dqp/refine-active-set.ts';
import type { DqpGradients } from '../optimizer/dqp/types.ts';
import { resetDqpWarnings, setDqpWarningHandler } from '../optimizer/dqp/warnings.ts';
import { denseLstsq } from '../optimizer/linalg/lsq.ts';
import { toDense } from '../optimizer/linalg/matrix.ts';
import type { QPBackend } from '../optimizer/qp/backend.ts';
import { registerSolver, solveQP, unregisterSolver } from '../optimizer/qp/registry.ts';
import type { QPProblem, QPSolution } from '../optimizer/qp/types.ts';
import { knownQP, randomLoss } from './dqp-fixtures.ts';

const OFFSET = 1e-4;

/**
 * A test backend: the exact solution (quadprog) moved OFFSET inside the LAST active row of C,
 * along a direction that keeps A z = b and every other active row exact; no duals.
 */
const inexact: QPBackend = {
  name: 'inexact-test',
  capabilities: { dense: true, sparse: false, duals: false, warmStart: false, maxPracticalSize: 100, description: 'test only' },
  optionNames: [],
  isReady: () => true,
  solve(problem: QPProblem): QPSolution {
    const s = solveQP(problem, { solver: 'quadprog' });
    const n = problem.P.ncols;
    const C = toDense(problem.C!);
    const z = s.z.slice();
    const act: number[] = [];
    for (let j = 0; j < C.nrows; j++) {
      let r = -problem.d![j]!;
      for (let k = 0; k < n; k++) r += C.data[j * n + k]! * z[k]!;
      if (Math.abs(r) < 1e-9) act.push(j);
    }
    const jOut = act.pop()!;
    const rows: number[][] = [];
    if (problem.A) {
      const A = toDense(problem.A);
      for (let i = 0; i < A.nrows; i++) rows.push(Array.from(A.data.subarray(i * n, (i + 1) * n)));
    }
    for (const j of act) rows.push(Array.from(C.data.subarray(j * n, (j + 1) * n)));
    const c = C.data.slice(jOut * n, (jOut + 1) * n);
    // dir = −(projection of c on the null space of the other rows)
    const dir = c.slice();
    if (rows.length > 0) {
      const Bt = new Float64Array(n * rows.length);
      for (let i = 0; i < rows.length; i++) for (let k = 0; k < n; k++) Bt[k * rows.length + i] = rows[i]![k]!;
      const y = denseLstsq({ format: 'dense', nrows: n, ncols: rows.length, data: Bt }, c).x;
      for (let k = 0; k < n; k++) for (let i = 0; i < rows.length; i++) dir[k] -= rows[i]![k]! * y[i]!;
    }
    let dc = 0;
    for (let k = 0; k < n; k++) dc += dir[k]! * c[k]!;
    for (let k = 0; k < n; k++) z[k] -= (OFFSET * dir[k]!) / dc; // c·Δz = −OFFSET
    return { ...s, z, lambda: new Float64Array(s.lambda.length), mu: new Float64Array(s.mu.length), hasDuals: false, solver: 'inexact-test' };
  },
};

beforeAll(() => {
  resetDqpWarnings();
  setDqpWarningHandler(() => {});
  registerSolver(inexact, { replace: true });
});
afterAll(() => {
  unregisterSolver('inexact-test');
});

function relDiff(a: DqpGradients, b: DqpGradients): number {
  let num = 0;
  let den = 1e-12;
  for (const key of ['P', 'q', 'A', 'b', 'C', 'd'] as const) {
    const x = a[key];
    const y = b[key];
    // both results are gradients of the same problem: an input has a gradient in both or neither
    expect(x === undefined, `gradient ${key} present in only one result`).toBe(y === undefined);
    if (x === undefined || y === undefined) continue;
    expect(x.length, key).toBe(y.length);
    for (let i = 0; i < x.length; i++) {
      num = Math.max(num, Math.abs(x[i]! - y[i]!));
      den = Math.max(den, Math.abs(y[i]!));
    }
  }
  expect(a.q, 'the gradient in q (every problem has q)').toBeDefined();
  return num / den;
}

describe('refineActiveSet', () => {
  it('recovers a row the threshold missed, and the gradient with it', () => {
    for (let s = 0; s < 5; s++) {
      const kq = knownQP(`refine#${s}`, { n: 8, p: s % 2, m: 10, k: 3 + (s % 3) });
      const loss = randomLoss(`refine#${s}`, 8, s % 2, 10, false);
      const cot = { z: loss.wz };
      const ref = dqpBackward(dqpForward(kq.problem, { solver: 'quadprog' }), cot);
      const plain = dqpForward(kq.problem, { solver: 'inexact-test' });
      expect(plain.active.length).toBe(kq.active.length - 1);
      expect(plain.flags.activeSetRefined).toBe(false);
      const refined = dqpForward(kq.problem, { solver: 'inexact-test', refineActiveSet: true });
      expect(Array.from(refined.active)).toEqual(Array.from(kq.active));
      expect(refined.flags.activeSetRefined).toBe(true);
      expect(refined.flags.dualsCompleted).toBe(true);
      // the duals completed on the refined set are the true ones
      for (let j = 0; j < 10; j++) expect(refined.mu[j]).toBeCloseTo(kq.mu[j]!, 3);
      expect(relDiff(dqpBackward(plain, cot), ref)).toBeGreaterThan(1e-2);
      expect(relDiff(dqpBackward(refined, cot), ref)).toBeLessThan(1e-3);
    }
  });

  it('leaves a correct active set alone', () => {
    const kq = knownQP('refine-exact', { n: 8, p: 1, m: 10, k: 4 });
    const fwd = dqpForward(kq.problem, { solver: 'quadprog', refineActiveSet: true });
    expect(Array.from(fwd.active)).toEqual(Array.from(kq.active));
    expect(fwd.flags.activeSetRefined).toBe(false);
  });

  it('greedy rule: adds candidates by residual while ρ decreases, stops at the first increase', () => {
    const r = Float64Array.from([0, -1e-3, -5e-1, -2e-2, -Infinity]);
    const calls: number[][] = [];
    // ρ: decreasing while rows 1 and 3 are added, then increasing
    const rho = (J: Int32Array) => {
      calls.push(Array.from(J));
      const s = new Set(J);
      return s.has(2) ? 5 : s.has(3) ? 1 : s.has(1) ? 2 : 3;
    };
    const out = refineActiveSet(Int32Array.from([0]), r, null, 4, rho, 0);
    expect(Array.from(out.J)).toEqual([0, 1, 3]);
    expect(out.added).toBe(2);
    expect(out.residual).toBe(1);
    expect(calls).toEqual([[0], [0, 1], [0, 1, 3], [0, 1, 2, 3]]);
  });
});
