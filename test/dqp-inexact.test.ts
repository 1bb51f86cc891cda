/**
 * The backward pass of a forward solve that did not reach 'solved' (here: max_iter): refused with
 * InexactSolutionError naming the status, through every entry point (dqpBackward, DqpLayer,
 * dqpBackwardBatch), unless the caller opts in with { allowInexact: true } — then the gradients
 * are flagged `inexact` and are those of the reduced KKT system at the solver's last iterate
 * (checked against the brute-force reference of dqp-fixtures.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dqpBackward } from '../optimizer/dqp/backward.ts';
import { dqpBackwardBatch } from '../optimizer/dqp/batch.ts';
import { dqpForward } from '../optimizer/dqp/forward.ts';
import { DqpLayer } from '../optimizer/dqp/layer.ts';
import { resetDqpWarnings, setDqpWarningHandler } from '../optimizer/dqp/warnings.ts';
import { DqpError, InexactSolutionError, InputError } from '../optimizer/errors.ts';
import { bruteForceGradients, denseKktFromDefinition, gradientRelDiff, knownQP, Rng, symmetricPseudoInverse } from './dqp-fixtures.ts';

beforeEach(() => {
  resetDqpWarnings();
  setDqpWarningHandler(() => {});
});
afterEach(() => {
  setDqpWarningHandler(null);
});

const kq = knownQP('inexact-backward', { n: 20, p: 2, m: 15, k: 5, bounds: true, activeBounds: 2 });
const n = 20;
const rng = new Rng('inexact-cotangents');
const cot = { z: rng.fillNormal(new Float64Array(n)), mu: rng.fillNormal(new Float64Array(15)), muUb: rng.fillNormal(new Float64Array(n)) };
// two interior-point iterations: far from the solution, but a finite iterate with an active set
const truncated = { solver: 'ipm', solverSettings: { maxIter: 2 } } as const;

describe('backward after a forward that did not reach "solved"', () => {
  it('is refused with InexactSolutionError naming the status', () => {
    const fwd = dqpForward(kq.problem, truncated);
    expect(fwd.status).toBe('max_iter');
    expect(fwd.context).not.toBeNull();
    let err: unknown = null;
    try {
      dqpBackward(fwd, cot);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InexactSolutionError);
    expect(err).toBeInstanceOf(DqpError);
    expect((err as InexactSolutionError).status).toBe('max_iter');
    expect((err as Error).message).toMatch(/status "max_iter"/);
    expect((err as Error).message).toMatch(/allowInexact/);
    // the same through the context, the stateful layer and the batch
    expect(() => dqpBackward(fwd.context!, cot)).toThrow(InexactSolutionError);
    const layer = new DqpLayer(truncated);
    expect(() => layer.backward(layer.forward(kq.problem), cot)).toThrow(InexactSolutionError);
    expect(() => dqpBackwardBatch([fwd], [cot])).toThrow(InexactSolutionError);
  });

  it('with allowInexact returns flagged gradients: those of the reduced KKT system at the last iterate', () => {
    const fwd = dqpForward(kq.problem, truncated);
    const g = dqpBackward(fwd, cot, { allowInexact: true });
    expect(g.inexact).toBe(true);
    for (const key of ['P', 'q', 'A', 'b', 'C', 'd', 'lb', 'ub'] as const) for (const x of g[key]!) expect(Number.isFinite(x)).toBe(true);
    const ref = bruteForceGradients(kq.problem, fwd, cot, symmetricPseudoInverse(denseKktFromDefinition(kq.problem, fwd)).solve);
    expect(gradientRelDiff({ ...g, leastSquares: true }, ref)).toBeLessThan(1e-8);
    // the same opt-in through the layer and the batch
    const layer = new DqpLayer(truncated);
    expect(layer.backward(layer.forward(kq.problem), cot, { allowInexact: true }).inexact).toBe(true);
    expect(dqpBackwardBatch([fwd], [cot], { allowInexact: true })[0]!.inexact).toBe(true);
  });

  it('a solved forward is not flagged, with or without the option', () => {
    const fwd = dqpForward(kq.problem, { solver: 'ipm' });
    expect(fwd.status).toBe('solved');
    expect(dqpBackward(fwd, cot).inexact).toBe(false);
    const allowed = dqpBackward(fwd, cot, { allowInexact: true });
    expect(allowed.inexact).toBe(false);
    // …and its gradients match the brute-force reference at the solution
    const ref = bruteForceGradients(kq.problem, fwd, cot, symmetricPseudoInverse(denseKktFromDefinition(kq.problem, fwd)).solve);
    expect(gradientRelDiff({ ...allowed, leastSquares: true }, ref)).toBeLessThan(1e-8);
  });

  it('rejects a malformed option naming it', () => {
    const fwd = dqpForward(kq.problem, truncated);
    expect(() => dqpBackward(fwd, cot, { allowInexact: 'yes' as unknown as boolean })).toThrow(InputError);
    expect(() => dqpBackward(fwd, cot, { allowInexact: 'yes' as unknown as boolean })).toThrow(/options\.allowInexact/);
  });
});
