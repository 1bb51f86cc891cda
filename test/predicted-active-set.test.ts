/**
 * The predicted active-set solve (optimizer/dqp/predicted-solve.ts, bordered-kkt.ts): on QPs with
 * a known solution, the QP of a predicted J solved with one factorization is the exact solution,
 * a wrong prediction is corrected or rejected (then the solver runs), the border through a
 * factored nearby K_J gives the same point, and gradients through a predicted forward equal the
 * solver path's and central finite differences.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dqpBackward } from '../optimizer/dqp/backward.ts';
import { BorderedKktSolver } from '../optimizer/dqp/bordered-kkt.ts';
import { dqpForward, resolveDqpOptions } from '../optimizer/dqp/forward.ts';
import { DqpLayer } from '../optimizer/dqp/layer.ts';
import { PREDICT_DEFAULTS, PREDICTED_SOLVER, predictedForward } from '../optimizer/dqp/predicted-solve.ts';
import { KktFactorCache } from '../optimizer/dqp/reduced-kkt.ts';
import { resetDqpWarnings, setDqpWarningHandler } from '../optimizer/dqp/warnings.ts';
import { BilevelObjective } from '../optimizer/bilevel/objective.ts';
import type { OutputLoss, QpFamily } from '../optimizer/bilevel/types.ts';
import { InputError } from '../optimizer/errors.ts';
import { toDense } from '../optimizer/linalg/matrix.ts';
import { inequalityRows } from '../optimizer/qp/inequality-rows.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { analyticFor, finiteDifference, gradientRelDiff, knownQP, lossValue, randomLoss, referenceLoss, Rng } from './dqp-fixtures.ts';
import { errorOf } from './helpers.ts';

beforeAll(() => {
  resetDqpWarnings();
  setDqpWarningHandler(() => {});
});

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

/** The rows of J0 with `drop` removed and `add` added, ascending. */
function edited(J0: Int32Array, drop: number[], add: number[]): Int32Array {
  const s = new Set(Array.from(J0));
  for (const j of drop) s.delete(j);
  for (const j of add) s.add(j);
  return Int32Array.from([...s].sort((a, b) => a - b));
}

/** Solve the dense symmetric system K x = g by Gaussian elimination with partial pivoting (reference). */
function denseSolve(K: number[][], g: Float64Array): Float64Array {
  const N = g.length;
  const M = K.map((row, i) => [...row, g[i]!]);
  for (let c = 0; c < N; c++) {
    let piv = c;
    for (let r = c + 1; r < N; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    for (let r = c + 1; r < N; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= N; k++) M[r]![k] -= f * M[c]![k]!;
    }
  }
  const x = new Float64Array(N);
  for (let r = N - 1; r >= 0; r--) {
    let s = M[r]![N]!;
    for (let k = r + 1; k < N; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}

describe('predicted active-set solve', () => {
  const kq = knownQP('predict', { n: 30, p: 3, m: 24, k: 8, sparse: true, density: 0.15, bounds: true, activeBounds: 2 });
  const problem = kq.problem;
  const ref = dqpForward(problem, { solver: 'quadprog' });
  const J = ref.context!.J;
  const rows = inequalityRows(30, problem.C!, problem.d, problem.lb, problem.ub);
  const inactive = Array.from({ length: rows.total }, (_, j) => j).filter((j) => !J.includes(j) && Number.isFinite(rows.rhs(j)));
  const opts = resolveDqpOptions({ linearSolver: 'sparse-ldl' });

  it('with the true active set: the exact solution, one factorization, no solver call', () => {
    const cache = new KktFactorCache(4);
    const out = predictedForward(problem, opts, { cache }, J);
    expect(out.failure).toBeNull();
    expect(out.corrections).toBe(0);
    expect(out.borderSize).toBe(0);
    expect(cache.factorizations).toBe(1);
    const r = out.result!;
    expect(r.solution.solver).toBe(PREDICTED_SOLVER);
    expect(r.status).toBe('solved');
    expect(Array.from(r.active)).toEqual(Array.from(kq.active));
    expect(maxDiff(r.z, kq.z)).toBeLessThan(1e-10);
    expect(maxDiff(r.lambda, kq.lambda)).toBeLessThan(1e-9);
    expect(maxDiff(r.mu, kq.mu)).toBeLessThan(1e-9);
    expect(maxDiff(r.muLb!, kq.muLb!)).toBeLessThan(1e-9);
    expect(maxDiff(r.muUb!, kq.muUb!)).toBeLessThan(1e-9);
    // as good as a tight interior-point solve
    const tight = dqpForward(problem, { solver: 'ipm', epsAbs: 1e-10 });
    expect(maxDiff(r.z, tight.z)).toBeLessThan(1e-7);
    expect(r.solution.residuals.primal).toBeLessThan(1e-10);
    expect(r.solution.residuals.dual).toBeLessThan(1e-9);
  });

  it('a wrong prediction is corrected (violated rows join, negative duals leave) or rejected', () => {
    const wrong = edited(J, [J[0]!, J[3]!], [inactive[0]!, inactive[5]!]);
    const cache = new KktFactorCache(4);
    const out = predictedForward(problem, opts, { cache }, wrong);
    expect(out.failure).toBeNull();
    expect(out.corrections).toBeGreaterThanOrEqual(1);
    expect(Array.from(out.result!.context!.J)).toEqual(Array.from(J));
    expect(maxDiff(out.result!.z, kq.z)).toBeLessThan(1e-9);
    // the corrections went through the border of the factored prediction: one factorization
    expect(cache.factorizations).toBe(1);
    const none = predictedForward(problem, opts, { cache: new KktFactorCache(4) }, wrong, { ...PREDICT_DEFAULTS, rounds: 0 });
    expect(none.result).toBeNull();
    expect(none.failure).toBe('check');
  });

  it('the layer falls back to the solver when the prediction fails, with the solver path result', () => {
    const other = knownQP('predict-other', { n: 30, p: 3, m: 24, k: 8, sparse: true, density: 0.15, bounds: true, activeBounds: 2 }).problem;
    const layer = new DqpLayer({ solver: 'quadprog', warmStart: false, predictActiveSet: { rounds: 0 } });
    layer.forward(problem);
    expect(layer.last.attempted).toBe(false);
    const b = layer.forward(other);
    expect(layer.last.attempted).toBe(true);
    expect(layer.last.predicted).toBe(false);
    const solverPath = dqpForward(other, { solver: 'quadprog' });
    expect(Array.from(b.z)).toEqual(Array.from(solverPath.z));
    expect(b.solution.solver).toBe('quadprog');
    expect(layer.stats.predictions).toBe(1);
    expect(layer.stats.predictionsHeld).toBe(0);
  });

  it('gradients through a predicted forward equal the solver path and central finite differences', () => {
    const loss = randomLoss('predict', 30, 3, 24, true);
    const cot = { z: loss.wz, lambda: loss.wl, mu: loss.wm, muLb: loss.wlb, muUb: loss.wub };
    const layer = new DqpLayer({ solver: 'quadprog', predictActiveSet: true });
    layer.forward(problem);
    const fwd = layer.forward(problem);
    expect(layer.last.predicted).toBe(true);
    expect(layer.last.kktFactorizations).toBe(1);
    expect(layer.last.solverIterations).toBe(0);
    const g = layer.backward(fwd, cot);
    const gSolver = dqpBackward(ref, cot);
    expect(gradientRelDiff(g, gSolver)).toBeLessThan(1e-8);
    expect(lossValue(loss, fwd.z, fwd.lambda, fwd.mu, fwd.muLb, fwd.muUb)).toBeCloseTo(referenceLoss(problem, loss), 9);
    const rng = new Rng('predict-fd');
    for (const param of ['q', 'd', 'b', 'P', 'C'] as const) {
      const grad = g[param]!;
      for (let s = 0; s < 3; s++) {
        const idx = rng.int(grad.length);
        const fd = finiteDifference(problem, param, idx, (pr) => referenceLoss(pr, loss));
        const an = analyticFor(problem, param, idx, grad);
        expect(Math.abs(fd - an)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
      }
    }
  });

  it('an active set near the factored one is solved through the border: same point and gradients', () => {
    const base = edited(J, [J[1]!], [inactive[2]!, inactive[7]!]);
    const cache = new KktFactorCache(4);
    const out = predictedForward(problem, opts, { cache }, J, PREDICT_DEFAULTS, base);
    expect(out.failure).toBeNull();
    expect(out.borderSize).toBe(3);
    expect(Array.from(out.factoredJ!)).toEqual(Array.from(base));
    expect(cache.factorizations).toBe(1);
    expect(maxDiff(out.result!.z, kq.z)).toBeLessThan(1e-9);
    const loss = randomLoss('predict-border', 30, 3, 24, true);
    const cot = { z: loss.wz, lambda: loss.wl, mu: loss.wm, muLb: loss.wlb, muUb: loss.wub };
    expect(gradientRelDiff(dqpBackward(out.result!, cot), dqpBackward(ref, cot))).toBeLessThan(1e-8);
  });

  it('the bordered solver solves K_J (checked against a dense reference K_J)', () => {
    const base = edited(J, [J[0]!, J[2]!], [inactive[1]!]);
    const out = predictedForward(problem, opts, { cache: new KktFactorCache(4) }, J, PREDICT_DEFAULTS, base);
    expect(out.borderSize).toBe(3);
    const solver = out.result!.context!.kkt;
    expect(solver).toBeInstanceOf(BorderedKktSolver);
    expect((solver as BorderedKktSolver).borderSize).toBe(3);
    // K_J dense from the definition: [P Aᵀ C_Jᵀ; A 0 0; C_J 0 0] (bound rows ∓e_i)
    const n = 30;
    const p = 3;
    const Pd = toDense(problem.P).data;
    const Ad = toDense(problem.A!).data;
    const Cd = toDense(problem.C!).data;
    const N = n + p + J.length;
    const K: number[][] = Array.from({ length: N }, () => new Array<number>(N).fill(0));
    for (let i = 0; i < n; i++) for (let c = 0; c < n; c++) K[i]![c] = Pd[i * n + c]!;
    for (let a = 0; a < p; a++) for (let i = 0; i < n; i++) K[n + a]![i] = K[i]![n + a] = Ad[a * n + i]!;
    J.forEach((j, t) => {
      const v = new Float64Array(n);
      if (rows.isCRow(j)) for (let i = 0; i < n; i++) v[i] = Cd[j * n + i]!;
      else v[rows.variable(j)] = rows.boundSign(j);
      for (let i = 0; i < n; i++) K[n + p + t]![i] = K[i]![n + p + t] = v[i]!;
    });
    const g = new Rng('border-rhs').fillNormal(new Float64Array(N));
    const x = solver.solve(g);
    expect(x.leastSquares).toBe(false);
    expect(maxDiff(x.x, denseSolve(K, g))).toBeLessThan(1e-9);
  });

  it('options are validated with errors naming them', () => {
    expect(errorOf(() => new DqpLayer({ predictActiveSet: { rounds: -1 } }))).toBeInstanceOf(InputError);
    expect(errorOf(() => new DqpLayer({ predictActiveSet: { rounds: -1 } })).message).toContain('predictActiveSet.rounds');
    expect(errorOf(() => new DqpLayer({ predictActiveSet: { tol: 0 } })).message).toContain('predictActiveSet.tol');
  });
});

describe('BilevelObjective with the predicted active set', () => {
  const kq = knownQP('predict-bilevel', { n: 20, p: 2, m: 16, k: 6, sparse: true, density: 0.2 });
  const base = kq.problem;
  const n = 20;
  const w = new Rng('predict-bilevel-w').fillNormal(new Float64Array(n));
  const family: QpFamily = {
    size: n,
    instance: (theta): QPProblem => ({ ...base, q: base.q.map((v, i) => v + theta[i]!) }),
    fixed: ['P', 'A', 'b', 'C', 'd'],
    pullback: (_theta, grads, out) => {
      out.set(grads.q!);
      return out;
    },
  };
  const loss: OutputLoss = {
    value: (f) => f.z.reduce((s, v, i) => s + w[i]! * v, 0),
    cotangents: () => ({ z: w }),
  };

  it('after the first forward each one is predicted with one factorization, matching the solver path', () => {
    const predicted = new BilevelObjective({ family, loss });
    const solver = new BilevelObjective({ family, loss }, { predictActiveSet: false });
    const rng = new Rng('predict-bilevel-theta');
    const theta = new Float64Array(n);
    for (let t = 0; t < 4; t++) {
      const a = predicted.evaluate(theta);
      const b = solver.evaluate(theta);
      expect(a.predicted).toBe(t > 0);
      expect(b.predicted).toBe(false);
      if (t > 0) expect(a.factorizations).toBe(1);
      expect(b.factorizations).toBeGreaterThan(1);
      expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(b.loss)));
      expect(maxDiff(predicted.gradient(a), solver.gradient(b))).toBeLessThan(1e-4);
      // the predicted forward is exact (the first one, an ipm solve at 1e-5, is not): compare with an exact solve
      const tight = dqpForward(family.instance(theta), { solver: 'quadprog' });
      expect(maxDiff(a.forward.z, tight.z)).toBeLessThan(t > 0 ? 1e-9 : 1e-5);
      for (let i = 0; i < n; i++) theta[i] = theta[i]! + 1e-4 * rng.normal();
    }
    expect(predicted.predictedSolves).toBe(3);
    expect(errorOf(() => new BilevelObjective({ family, loss }, { predictActiveSet: 'yes' as unknown as boolean }))).toBeInstanceOf(InputError);
  });
});
