/**
 * DqpLayer: warm start and reuse of the symbolic analysis change counters, not results.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dqpBackward } from '../optimizer/dqp/backward.ts';
import { dqpForward } from '../optimizer/dqp/forward.ts';
import { DqpLayer } from '../optimizer/dqp/layer.ts';
import { resetDqpWarnings, setDqpWarningHandler } from '../optimizer/dqp/warnings.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { knownQP, randomLoss, Rng } from './dqp-fixtures.ts';

beforeAll(() => {
  resetDqpWarnings();
  setDqpWarningHandler(() => {});
});

/** The same sparse problem with q perturbed by `eps`·N(0,1) (same patterns; active set kept for small eps). */
function perturbed(base: QPProblem, seed: number, eps: number): QPProblem {
  const rng = new Rng(seed);
  return { ...base, q: base.q.map((v) => v + eps * rng.normal()) };
}

describe('DqpLayer', () => {
  const kq = knownQP('layer', { n: 40, p: 3, m: 30, k: 10, sparse: true, density: 0.1, bounds: true, activeBounds: 2 });
  const loss = randomLoss('layer', 40, 3, 30, true);
  const cot = { z: loss.wz, lambda: loss.wl, mu: loss.wm };

  it('reuses the symbolic analysis while the active set is unchanged, with identical results', () => {
    const layer = new DqpLayer({ solver: 'quadprog', linearSolver: 'sparse-ldl', warmStart: false });
    for (let t = 0; t < 5; t++) {
      const pr = perturbed(kq.problem, t, 1e-3);
      const a = layer.forward(pr);
      const b = dqpForward(pr, { solver: 'quadprog', linearSolver: 'sparse-ldl' });
      expect(Array.from(a.active)).toEqual(Array.from(kq.active));
      expect(a.kktSolver).toBe('sparse-ldl');
      expect(Array.from(a.z)).toEqual(Array.from(b.z));
      const ga = layer.backward(a, cot);
      const gb = dqpBackward(b, cot);
      for (const key of ['P', 'q', 'A', 'b', 'C', 'd', 'lb', 'ub'] as const) {
        const x = ga[key]!;
        const y = gb[key]!;
        for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(y[i]!)));
      }
    }
    const s = layer.stats;
    expect(s.calls).toBe(5);
    expect(s.analyses).toBe(1);
    expect(s.factorizations).toBe(5);
    expect(s.symbolicHits).toBe(4);
  });

  it('analyses again when the active set changes, and reuses a pattern seen before', () => {
    const layer = new DqpLayer({ solver: 'quadprog', linearSolver: 'sparse-ldl', warmStart: false });
    const other = knownQP('layer', { n: 40, p: 3, m: 30, k: 10, sparse: true, density: 0.1, bounds: true, activeBounds: 2 });
    // drop the last active row: make it strictly inactive by loosening d
    const j = kq.active[kq.active.length - 1]!;
    const d2 = kq.problem.d!.slice();
    d2[j] += 10;
    const changed: QPProblem = { ...other.problem, d: d2 };
    layer.forward(kq.problem);
    const b = layer.forward(changed);
    expect(b.active.length).toBeLessThan(kq.active.length);
    layer.forward(kq.problem);
    expect(layer.stats.analyses).toBe(2);
    expect(layer.stats.symbolicHits).toBe(1);
  });

  it('warm starts the solver from the previous solution (counter), same solution to tolerance', () => {
    const layer = new DqpLayer({ solver: 'ipm' });
    const cold = new DqpLayer({ solver: 'ipm', warmStart: false });
    for (let t = 0; t < 4; t++) {
      const pr = perturbed(kq.problem, 100 + t, 1e-4);
      const a = layer.forward(pr);
      const b = cold.forward(pr);
      expect(a.status).toBe('solved');
      for (let i = 0; i < 40; i++) expect(Math.abs(a.z[i]! - b.z[i]!)).toBeLessThan(1e-6);
      expect(Array.from(a.active)).toEqual(Array.from(b.active));
    }
    expect(layer.stats.warmStarts).toBe(3);
    expect(cold.stats.warmStarts).toBe(0);
    // a problem of another size is not warm-started
    layer.forward(knownQP('layer-small', { n: 5, m: 3, k: 1 }).problem);
    expect(layer.stats.warmStarts).toBe(3);
  });

  it('reset() forgets the cache and the warm start', () => {
    const layer = new DqpLayer({ solver: 'quadprog', linearSolver: 'sparse-ldl' });
    layer.forward(kq.problem);
    layer.reset();
    layer.forward(kq.problem);
    expect(layer.stats.analyses).toBe(2);
    expect(layer.stats.warmStarts).toBe(0);
  });
});
