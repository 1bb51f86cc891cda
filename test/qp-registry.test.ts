import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DqpError, InputError, SolverNotFoundError, ZeroPivotError } from '../optimizer/errors.ts';
import { denseFromRows } from '../optimizer/linalg/matrix.ts';
import type { QPBackend } from '../optimizer/qp/backend.ts';
import {
  DEFAULT_SOLVER,
  MISSING_RESIDUALS,
  getBackend,
  listSolvers,
  loadSolvers,
  registerSolver,
  solveQP,
  solverNames,
  unregisterSolver,
} from '../optimizer/qp/registry.ts';
import { computeResiduals } from '../optimizer/qp/residuals.ts';
import type { QPProblem, QPSettings, QPSolution } from '../optimizer/qp/types.ts';
import { resetWarnOnce, setWarningHandler } from '../optimizer/log.ts';
import { vec } from './qp-fixtures.ts';
import { DQP_BIN } from './helpers.ts';

// min ½‖z‖² − z₁ − z₂ s.t. z₁ + z₂ ≤ 1: z = (½, ½), μ = ½
const small: QPProblem = { P: denseFromRows([[1, 0], [0, 1]]), q: vec(-1, -1), C: denseFromRows([[1, 1]]), d: vec(1) };

/** A fake backend returning a fixed answer, recording the settings it saw. */
function fake(name: string, answer: Partial<QPSolution> | (() => QPSolution), extra: Partial<QPBackend> = {}): QPBackend & { seen: QPSettings[] } {
  const seen: QPSettings[] = [];
  return {
    name,
    capabilities: { dense: true, sparse: false, duals: true, warmStart: false, maxPracticalSize: 10, description: 'test double' },
    optionNames: ['alpha'],
    isReady: () => true,
    solve: (_p, s) => {
      seen.push(s);
      if (typeof answer === 'function') return answer();
      return {
        status: 'solved',
        z: vec(0.5, 0.5),
        lambda: new Float64Array(0),
        mu: vec(0.5),
        objective: NaN,
        iterations: 3,
        setupMs: 0,
        solveMs: 0,
        residuals: MISSING_RESIDUALS,
        solver: 'fake',
        hasDuals: true,
        ...answer,
      };
    },
    ...extra,
    seen,
  };
}

let warnings: string[] = [];
beforeEach(() => {
  warnings = [];
  resetWarnOnce();
  setWarningHandler((m) => warnings.push(m));
});
afterEach(() => {
  setWarningHandler(null);
  for (const n of ['fake', 'fake2', 'thrower', 'slow', 'lazy']) unregisterSolver(n);
});

describe('registry', () => {
  it('registers the built-in backends and lists them with capabilities and readiness', () => {
    const names = solverNames();
    expect(names).toEqual(expect.arrayContaining(['highs', 'quadprog']));
    const q = listSolvers().find((s) => s.name === 'quadprog')!;
    expect(q.ready).toBe(true);
    expect(q.capabilities.dense).toBe(true);
    expect(q.capabilities.sparse).toBe(false);
    expect(getBackend('QuadProg').name).toBe('quadprog');
    expect(DEFAULT_SOLVER).toBe('ipm');
  });

  it('rejects an unknown solver with the list of available ones', async () => {
    let err: unknown;
    try {
      getBackend('gurobi');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SolverNotFoundError);
    expect((err as Error).message).toBe(`unknown solver "gurobi"; available solvers: ${solverNames().join(', ')}`);
    expect(() => solveQP(small, { solver: 'gurobi' })).toThrow(/available solvers: .*quadprog/);
    await expect(loadSolvers(['nope'])).rejects.toThrow(SolverNotFoundError);
  });

  it('refuses duplicate names unless replace is set, and bad names', () => {
    registerSolver(fake('fake', {}));
    expect(() => registerSolver(fake('fake', {}))).toThrow('backend.name: expected a name not yet registered (or { replace: true }), found "fake" (already registered)');
    expect(() => registerSolver(fake('fake', { iterations: 9 }), { replace: true })).not.toThrow();
    expect(solveQP(small, { solver: 'fake' }).iterations).toBe(9);
    expect(() => registerSolver(fake('Bad Name', {}))).toThrow(InputError);
  });

  it('fills in residuals, objective, timing and solver name the backend left out', () => {
    registerSolver(fake('fake', { solver: '' }));
    const s = solveQP(small, { solver: 'fake' });
    expect(s.residuals).toEqual(computeResiduals(small, vec(0.5, 0.5), new Float64Array(0), vec(0.5)));
    expect(s.residuals.dual).toBe(0);
    expect(s.objective).toBeCloseTo(-0.75, 15);
    expect(s.solveMs).toBeGreaterThan(0);
    expect(s.setupMs).toBe(0);
    expect(s.solver).toBe('fake');
    // values the backend did provide are kept
    registerSolver(fake('fake2', { residuals: { primal: 1, dual: 2, gap: 3 }, objective: 7, setupMs: 1.5, solveMs: 2.5 }));
    const t = solveQP(small, { solver: 'fake2' });
    expect(t.residuals).toEqual({ primal: 1, dual: 2, gap: 3 });
    expect([t.objective, t.setupMs, t.solveMs]).toEqual([7, 1.5, 2.5]);
  });

  it('validates the problem and the settings before dispatching', () => {
    const f = fake('fake', {});
    registerSolver(f);
    expect(() => solveQP({ ...small, q: vec(1) }, { solver: 'fake' })).toThrow('q: expected length 2 (= n, the size of P), found length 1');
    expect(() => solveQP(small, { solver: 'fake', epsAbs: -1 })).toThrow('settings.epsAbs: expected a finite number ≥ 0, found -1');
    expect(() => solveQP(small, { solver: 'fake', maxIter: 2.5 })).toThrow('settings.maxIter: expected an integer ≥ 1, found 2.5');
    expect(() => solveQP(small, { solver: 'fake', timeLimit: 0 })).toThrow(InputError);
    expect(f.seen).toHaveLength(0);
    solveQP(small, { solver: 'fake', epsAbs: 1e-6, timeLimit: Infinity });
    expect(f.seen[0]).toEqual({ epsAbs: 1e-6, timeLimit: Infinity }); // 'solver' is not passed on
  });

  it('warns once per (solver, option) about unknown options and passes known ones through', () => {
    const f = fake('fake', {});
    registerSolver(f);
    solveQP(small, { solver: 'fake', options: { alpha: 1, betta: 2 } });
    solveQP(small, { solver: 'fake', options: { betta: 3 } });
    solveQP(small, { solver: 'fake', options: { gamma: 3 } });
    expect(warnings).toEqual([
      'solver "fake" ignores unknown option "betta" (known: alpha)',
      'solver "fake" ignores unknown option "gamma" (known: alpha)',
    ]);
    expect(f.seen[0]!.options).toEqual({ alpha: 1, betta: 2 });
    // the same unknown key for another solver warns again
    registerSolver(fake('fake2', {}));
    solveQP(small, { solver: 'fake2', options: { betta: 1 } });
    expect(warnings).toHaveLength(3);
  });

  it('turns backend failures into numerical_error but rethrows input errors', () => {
    registerSolver(
      fake('thrower', () => {
        throw new RangeError('index out of range in the factorization');
      }),
    );
    const s = solveQP(small, { solver: 'thrower' });
    expect(s.status).toBe('numerical_error');
    expect(Array.from(s.z)).toEqual([0, 0]);
    expect(s.hasDuals).toBe(false);
    expect(warnings).toEqual(['solver "thrower" failed: index out of range in the factorization']);
    registerSolver(
      fake('thrower', () => {
        throw new ZeroPivotError(3, 0);
      }),
      { replace: true },
    );
    expect(solveQP(small, { solver: 'thrower' }).status).toBe('numerical_error');
    registerSolver(
      fake('thrower', () => {
        throw new InputError('options.alpha', 'a number', 'a string');
      }),
      { replace: true },
    );
    expect(() => solveQP(small, { solver: 'thrower' })).toThrow('options.alpha: expected a number, found a string');
  });

  it('downgrades a solved status with non-finite z to numerical_error', () => {
    registerSolver(fake('fake', { z: vec(NaN, 0.5) }));
    expect(solveQP(small, { solver: 'fake' }).status).toBe('numerical_error');
  });

  it('requires loading a backend that is not ready, and loadSolvers loads it', async () => {
    let ready = false;
    registerSolver(
      fake('lazy', {}, {
        isReady: () => ready,
        load: async () => {
          ready = true;
        },
      }),
    );
    expect(listSolvers().find((s) => s.name === 'lazy')!.ready).toBe(false);
    expect(() => solveQP(small, { solver: 'lazy' })).toThrow(DqpError);
    expect(() => solveQP(small, { solver: 'lazy' })).toThrow("solver \"lazy\" is not loaded yet: call `await loadSolvers(['lazy'])` once before solving");
    await loadSolvers(['lazy']);
    expect(solveQP(small, { solver: 'lazy' }).status).toBe('solved');
  });

  it('reports every backend that failed to load', async () => {
    registerSolver(fake('fake', {}, { isReady: () => false, load: () => Promise.reject(new Error('wasm missing')) }));
    registerSolver(fake('fake2', {}, { isReady: () => false, load: () => Promise.reject(new Error('no memory')) }));
    await expect(loadSolvers(['fake', 'quadprog', 'fake2'])).rejects.toThrow('could not load solvers: fake: wasm missing; fake2: no memory');
  });
});

describe('dqp solvers', () => {
  it('prints the solvers as JSON on the last line with --json', () => {
    const r = spawnSync(process.execPath, [DQP_BIN, 'solvers', '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const last = r.stdout.trim().split('\n').pop()!;
    const doc = JSON.parse(last) as { solvers: Record<string, unknown>[] };
    const names = doc.solvers.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['highs', 'quadprog']));
    for (const s of doc.solvers) {
      expect(Object.keys(s)).toEqual(expect.arrayContaining(['name', 'dense', 'sparse', 'duals', 'warmStart', 'ready', 'description']));
      expect(typeof s.description).toBe('string');
    }
    expect(doc.solvers.find((s) => s.name === 'highs')!.ready).toBe(true); // loaded by the command
  });

  it('prints a table without --json', () => {
    const r = spawnSync(process.execPath, [DQP_BIN, 'solvers'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/name\s+dense\s+sparse\s+duals\s+warm start\s+ready/);
    expect(r.stdout).toMatch(/quadprog\s+yes\s+-\s+yes/);
  });
});
