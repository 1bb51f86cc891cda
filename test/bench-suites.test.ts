import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateProblem, type Family } from '../bench/generators.ts';
import { resolveSuiteOptions, runOne } from '../bench/synthetic.ts';
import { DEFAULTS as chainDefaults } from '../bench/chain.ts';
import { DEFAULTS as denseDefaults } from '../bench/dense.ts';
import { dqpBackward, dqpForward } from '../optimizer/dqp/index.ts';
import { InputError, SolverNotFoundError } from '../optimizer/errors.ts';
import { DQP_BIN } from './helpers.ts';

describe('runOne on each family at tiny sizes (correctness, not speed)', () => {
  const cases: [Family, number][] = [
    ['dense', 12],
    ['sparse', 60],
    ['simplex', 40],
    ['chain', 300],
  ];
  for (const [family, n] of cases) {
    it(`${family} n=${n}: solved by ipm with accuracy < 1e-5`, () => {
      for (let i = 0; i < 2; i++) {
        const gen = generateProblem(family, n, i);
        const r = runOne(gen, { solver: 'ipm', timeLimit: 60 });
        expect(r.problem).toBe(`${family}-n${n}-${i}`);
        expect(r.n).toBe(n);
        expect(r.solved).toBe(true);
        expect(r.solvedStrict).toBe(true);
        expect(r.accuracy).toBeLessThan(1e-5);
        expect(r.forwardMs).toBeGreaterThan(0);
        expect(r.backwardMs).toBeGreaterThanOrEqual(0);
        expect(r.totalMs).toBeCloseTo(r.forwardMs + r.backwardMs, 10);
        if (family === 'simplex') expect(r.exactError!).toBeLessThan(1e-6);
        else expect(r.exactError).toBeUndefined();
      }
    });
  }
  it('a tiny time limit marks the run unsolved (status time_limit or a solver limit)', () => {
    const r = runOne(generateProblem('chain', 1000, 0), { solver: 'ipm', timeLimit: 1e-6 });
    expect(r.solved).toBe(false);
    expect(r.solvedStrict).toBe(false);
  });
});

describe('the backward of loss = Σz on the simplex has the closed form ∇b = 1, ∇q = 0', () => {
  it('since Σz = b for every feasible point', () => {
    const { problem } = generateProblem('simplex', 30, 0);
    const fwd = dqpForward(problem, { solver: 'ipm' });
    const g = dqpBackward(fwd, { z: new Float64Array(30).fill(1) });
    expect(g.b![0]).toBeCloseTo(1, 8);
    for (const v of g.q!) expect(Math.abs(v)).toBeLessThan(1e-8);
  });
});

describe('suite options', () => {
  it('fills defaults and validates sizes, samples, solvers', () => {
    const o = resolveSuiteOptions(denseDefaults, { json: false, quiet: true });
    expect(o.sizes).toEqual([...denseDefaults.sizes]);
    expect(o.samples).toBe(denseDefaults.samples);
    expect(() => resolveSuiteOptions(chainDefaults, { sizes: [250], json: false, quiet: true })).toThrow(/multiples of 100/);
    expect(() => resolveSuiteOptions(denseDefaults, { samples: 0, json: false, quiet: true })).toThrow(InputError);
    expect(() => resolveSuiteOptions(denseDefaults, { solvers: ['no-such'], json: false, quiet: true })).toThrow(SolverNotFoundError);
    expect(() => resolveSuiteOptions(denseDefaults, { epsAbs: -1, json: false, quiet: true })).toThrow(/--eps-abs/);
    expect(resolveSuiteOptions(denseDefaults, { epsAbs: 1e-6, epsRel: 1e-4, json: false, quiet: true })).toMatchObject({ epsAbs: 1e-6, epsRel: 1e-4 });
  });

  it('--eps-abs reaches the forward solver: a loose tolerance gives a less accurate point', () => {
    const gen = generateProblem('chain', 200, 0);
    const tight = runOne(gen, { solver: 'ipm', timeLimit: 60 });
    const loose = runOne(gen, { solver: 'ipm', timeLimit: 60, epsAbs: 1e-2 });
    expect(tight.accuracy).toBeLessThan(1e-7);
    expect(loose.accuracy).toBeGreaterThan(10 * tight.accuracy);
  });
});

describe('dqp bench simplex (CLI)', () => {
  it('prints the JSON rows as the last stdout line and writes CSV and SVG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dqp-bench-'));
    try {
      const csv = join(dir, 'rows.csv');
      const svg = join(dir, 'chart.svg');
      const r = spawnSync(
        process.execPath,
        [DQP_BIN, 'bench', 'simplex', '--sizes', '10,50', '--samples', '2', '--solver', 'ipm,admm', '--json', '--csv', csv, '--svg', svg],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n');
      const out = JSON.parse(lines[lines.length - 1]!) as { suite: string; rows: Record<string, unknown>[] };
      expect(out.suite).toBe('simplex');
      expect(out.rows).toHaveLength(2 * 2 * 2);
      for (const row of out.rows) {
        for (const key of ['problem', 'n', 'solver', 'status', 'solved', 'forwardMs', 'backwardMs', 'totalMs', 'accuracy']) expect(row).toHaveProperty(key);
        expect(row.solved).toBe(true);
        expect(row.accuracy as number).toBeLessThan(1e-5);
      }
      expect(new Set(out.rows.map((x) => x.solver))).toEqual(new Set(['ipm', 'admm']));
      expect(r.stderr).toMatch(/\[simplex\] simplex-n10-0 ipm/);
      expect(readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(1 + 8);
      expect(existsSync(svg)).toBe(true);
      expect(readFileSync(svg, 'utf8')).toContain('data-name="admm forward"');
      // quiet + human table
      const q = spawnSync(process.execPath, [DQP_BIN, 'bench', 'simplex', '--sizes', '10', '--samples', '1', '--solver', 'ipm', '--quiet'], { encoding: 'utf8' });
      expect(q.status, q.stderr).toBe(0);
      expect(q.stderr).toBe('');
      expect(q.stdout).toMatch(/\| n +\| solver +\| solved/);
      expect(q.stdout).toMatch(/\| 10 +\| ipm +\| +1\/1 \|/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
