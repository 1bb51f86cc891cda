/**
 * Batches: the worker-thread pool gives exactly the serial results (forward and backward), keeps
 * each factorization in the worker that made it, and has an explicit lifetime.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dqpBackward } from '../optimizer/dqp/backward.ts';
import { dqpBackwardBatch, dqpForwardBatch, DqpWorkerPool, isRemoteResult } from '../optimizer/dqp/batch.ts';
import type { DqpForwardResult, DqpGradients } from '../optimizer/dqp/types.ts';
import { resetDqpWarnings, setDqpWarningHandler } from '../optimizer/dqp/warnings.ts';
import { DqpError } from '../optimizer/errors.ts';
import { denseFromRows } from '../optimizer/linalg/matrix.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { knownQP, randomLoss } from './dqp-fixtures.ts';
import { captureDqpWarningsAsync } from './helpers.ts';

beforeAll(() => {
  resetDqpWarnings();
  setDqpWarningHandler(() => {});
});

const problems: QPProblem[] = Array.from({ length: 10 }, (_, i) =>
  knownQP(`batch#${i}`, { n: 6 + i, p: i % 3, m: 8 + i, k: 1 + (i % 5), sparse: i % 2 === 1, bounds: i % 4 === 0, activeBounds: 1 }).problem,
);
const cotangents = problems.map((pr, i) => {
  const l = randomLoss(`batch#${i}`, pr.P.ncols, pr.A ? pr.A.nrows : 0, pr.C ? pr.C.nrows : 0, false);
  return { z: l.wz, lambda: l.wl, mu: l.wm };
});

function expectSameResults(a: DqpForwardResult, b: DqpForwardResult): void {
  expect(a.status).toBe(b.status);
  for (const key of ['z', 'lambda', 'mu', 'active'] as const) expect(Array.from(a[key])).toEqual(Array.from(b[key]));
  expect(a.flags).toEqual(b.flags);
  expect(a.kktSolver).toBe(b.kktSolver);
}

function expectSameGradients(a: DqpGradients, b: DqpGradients): void {
  for (const key of ['P', 'q', 'A', 'b', 'C', 'd', 'lb', 'ub'] as const) {
    // both absent (null / undefined) or both the same array
    expect(a[key] ? Array.from(a[key]) : null, key).toEqual(b[key] ? Array.from(b[key]) : null);
  }
}

describe('DqpWorkerPool', () => {
  const pool = new DqpWorkerPool({ workers: 2, options: { solver: 'ipm' } });
  afterAll(async () => {
    await pool.close();
  });

  it('forward and backward across worker threads equal the serial batch bitwise', async () => {
    const serial = dqpForwardBatch(problems, { solver: 'ipm' });
    const serialGrads = dqpBackwardBatch(serial, cotangents);
    const remote = await pool.forward(problems);
    expect(remote).toHaveLength(problems.length);
    remote.forEach((r, i) => {
      expect(isRemoteResult(r)).toBe(true);
      expect(r.context).toBeNull();
      expectSameResults(r, serial[i]!);
    });
    const grads = await pool.backward(remote, cotangents);
    grads.forEach((g, i) => expectSameGradients(g, serialGrads[i]!));
    // a second backward with other cotangents uses the kept factorizations
    const twice = cotangents.map((c) => ({ z: c.z.map((v) => 2 * v) }));
    const g2 = await pool.backward(remote, twice);
    const s2 = dqpBackwardBatch(serial, twice);
    g2.forEach((g, i) => expectSameGradients(g, s2[i]!));
    pool.release(remote);
    await expect(pool.backward(remote.slice(0, 1), cotangents.slice(0, 1))).rejects.toThrow(/status|pool/);
  });

  it('uses the per-call options (another solver) and loads WASM solvers in the workers', async () => {
    const serial = dqpForwardBatch(problems.slice(0, 4), { solver: 'quadprog', duals: 'kkt' });
    const remote = await pool.forward(problems.slice(0, 4), { solver: 'quadprog', duals: 'kkt' });
    remote.forEach((r, i) => expectSameResults(r, serial[i]!));
    pool.release(remote);
    const viaHighs = await pool.forward(problems.slice(0, 2), { solver: 'highs' });
    expect(viaHighs.every((r) => r.status === 'solved')).toBe(true);
    pool.release(viaHighs);
  });

  it('a pool result cannot go to dqpBackward; failures and warnings come back', async () => {
    const [r] = await pool.forward(problems.slice(0, 1));
    expect(() => dqpBackward(r!, { z: new Float64Array(6) })).toThrow(/DqpWorkerPool/);
    pool.release([r!]);
    // an infeasible problem: a status, not an exception, and the warning reaches this thread
    const infeasible: QPProblem = { P: denseFromRows([[1]]), q: Float64Array.from([0]), C: denseFromRows([[1], [-1]]), d: Float64Array.from([-1, -1]) };
    const { result: [bad], warnings } = await captureDqpWarningsAsync(() => pool.forward([infeasible], { solver: 'quadprog' }));
    expect(bad!.status).toBe('primal_infeasible');
    expect(warnings.map((w) => w.code)).toContain('solve-failed');
    await expect(pool.backward([bad!], [{ z: Float64Array.from([1]) }])).rejects.toThrow(DqpError);
    // bad input is an error of the call
    await expect(pool.forward([{ ...infeasible, q: new Float64Array(2) }])).rejects.toThrow(/q/);
  });

  it('close() is explicit and final', async () => {
    const p2 = new DqpWorkerPool({ workers: 1 });
    await p2.ready();
    await p2.close();
    await p2.close();
    await expect(p2.forward(problems.slice(0, 1))).rejects.toThrow(/closed/);
    expect(() => new DqpWorkerPool({ workers: 0 })).toThrow(/workers/);
  });
});

describe('serial batches', () => {
  it('equal per-problem calls and check the cotangent count', () => {
    const res = dqpForwardBatch(problems.slice(0, 3), { solver: 'quadprog' });
    expect(() => dqpBackwardBatch(res, cotangents.slice(0, 2))).toThrow(/cotangents/);
    const g = dqpBackwardBatch(res, cotangents.slice(0, 3));
    g.forEach((gi, i) => expectSameGradients(gi, dqpBackward(res[i]!, cotangents[i]!)));
  });
});
