import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileFormatError } from '../optimizer/errors.ts';
import { npyToDense, npyToVector, readNpz } from '../optimizer/io/npz.ts';
import { toDense } from '../optimizer/linalg/matrix.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';
import { dims, validateProblem } from '../optimizer/qp/problem.ts';
import { marosMeszarosFromBytes, mpcFromBytes, readMarosMeszaros, readMpc } from '../optimizer/qp/readers.ts';
import { loadSolvers, solveQP } from '../optimizer/qp/registry.ts';
import { dataPath, itData } from './data.ts';
import { maxAbsDiff } from './qp-fixtures.ts';

// Data is read from the shared folder (never copied into the project), resolved from the repository
// root; each test names the files it reads (skipped when absent, failing under DQP_REQUIRE_DATA=1).
const MM = (name: string): string => dataPath('maros_meszaros', `${name}.mat`);
const MPC = (name: string): string => dataPath('mpc_qpbenchmark', `${name}.npz`);
const mm = (...names: string[]): string[] => names.map((n) => `maros_meszaros/${n}.mat`);
const mpc = (...names: string[]): string[] => names.map((n) => `mpc_qpbenchmark/${n}.npz`);
const KNOWN_MM: [string, number][] = [
  // optimal values from the Maros–Meszaros collection
  ['HS21', -99.96],
  ['HS35', 1 / 9],
  ['GENHS28', 0.9271736938],
  ['QAFIRO', -1.590781794],
  ['DUAL1', 0.03501296573],
];

beforeAll(async () => {
  await loadSolvers(['highs']);
});

describe('Maros–Meszaros reader', () => {
  itData(mm('HS21'), 'reads HS21: one inequality row, the trailing identity rows become bounds', () => {
    // HS21: min 0.01 x₁² + x₂² − 100 s.t. 10x₁ − x₂ ≥ 10, 2 ≤ x₁ ≤ 50, −50 ≤ x₂ ≤ 50
    const { name, problem, r } = readMarosMeszaros(MM('HS21'));
    expect(name).toBe('HS21');
    expect(r).toBe(-100);
    expect(dims(problem)).toEqual({ n: 2, p: 0, m: 1 });
    expect(problem.P.format).toBe('csc');
    expect(Array.from(toDense(problem.P).data)).toEqual([0.02, 0, 0, 2]);
    expect(Array.from(toDense(problem.C!).data)).toEqual([-10, 1]); // −(10x₁ − x₂) ≤ −10
    expect(Array.from(problem.d!)).toEqual([-10]);
    expect(Array.from(problem.lb!)).toEqual([2, -50]);
    expect(Array.from(problem.ub!)).toEqual([50, 50]);
  });

  itData(mm(...KNOWN_MM.map(([n]) => n)), 'gives the published optimal objectives (solved with highs)', () => {
    for (const [name, f] of KNOWN_MM) {
      const { problem, r } = readMarosMeszaros(MM(name));
      const s = solveQP(problem, { solver: 'highs', epsAbs: 1e-9 });
      expect(s.status).toBe('solved');
      expect(Math.abs(s.objective + r - f) / (1 + Math.abs(f))).toBeLessThan(1e-8);
    }
  });

  itData(mm('AUG2D'), 'reads a large sparse problem into CSC (AUG2D: 20200 variables, 10000 equalities)', () => {
    const { problem } = readMarosMeszaros(MM('AUG2D'));
    expect(dims(problem)).toEqual({ n: 20200, p: 10000, m: 0 });
    expect(problem.A!.format).toBe('csc');
    expect((problem.A as CscMatrix).values.length).toBe(40000); // 60200 nonzeros minus the 20200 identity rows
    expect(problem.lb ?? null).toBe(null);
  });

  it('rejects a file that is not a MAT file, naming it', () => {
    expect(() => marosMeszarosFromBytes(new Uint8Array(200), 'BROKEN')).toThrow(FileFormatError);
    expect(() => marosMeszarosFromBytes(new Uint8Array(200), 'BROKEN')).toThrow(/^BROKEN\.mat: /);
  });
});

describe('MPC reader', () => {
  itData(mpc('QUADCMPC3'), 'maps G, h, A, b, lb, ub to C, d, A, b, lb, ub exactly (QUADCMPC3)', () => {
    const bytes = readFileSync(MPC('QUADCMPC3'));
    const raw = readNpz(bytes, 'QUADCMPC3.npz');
    const { name, problem } = readMpc(MPC('QUADCMPC3'));
    expect(name).toBe('QUADCMPC3');
    expect(dims(problem)).toEqual({ n: 384, p: 192, m: 256 });
    for (const [M, key] of [[problem.P, 'P'], [problem.C!, 'G'], [problem.A!, 'A']] as const) {
      expect(M.format).toBe('csc');
      // (+ 0 turns the −0 entries of the file into 0: the CSC matrix drops zeros)
      expect(Array.from(toDense(M).data)).toEqual(Array.from(npyToDense(raw.get(key)!, key, 'f').data, (x) => x + 0));
    }
    for (const [v, key] of [[problem.q, 'q'], [problem.d!, 'h'], [problem.b!, 'b'], [problem.lb!, 'lb'], [problem.ub!, 'ub']] as const) {
      expect(Array.from(v)).toEqual(Array.from(npyToVector(raw.get(key)!, key, 'f')));
    }
  });

  itData(mpc('LIPMWALK0'), 'treats absent members as none and solves LIPMWALK0 consistently with two solvers', () => {
    const { problem } = readMpc(MPC('LIPMWALK0'));
    expect(problem.A ?? null).toBe(null);
    expect(problem.lb ?? null).toBe(null);
    expect(dims(problem)).toEqual({ n: 16, p: 0, m: 32 });
    expect(() => validateProblem(problem)).not.toThrow();
    const a = solveQP(problem, { solver: 'highs', epsAbs: 1e-9 });
    const b = solveQP(problem, { solver: 'quadprog' });
    expect(a.status).toBe('solved');
    expect(b.status).toBe('solved');
    expect(maxAbsDiff(a.z, b.z)).toBeLessThan(1e-6);
    expect(maxAbsDiff(a.mu, b.mu)).toBeLessThan(1e-5);
  });

  it('rejects a file that is not an npz archive, naming it', () => {
    expect(() => mpcFromBytes(new Uint8Array(64), 'BROKEN')).toThrow(/^BROKEN\.npz/);
  });
});
