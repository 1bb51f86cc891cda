/**
 * `dqp bench dense --baseline cvxopt` as a child process: the flag's errors (wrong suite,
 * unknown baseline, a Python without cvxopt), and, where this machine's /usr/bin/python3 has
 * numpy, scipy and cvxopt, a tiny run whose JSON carries the baseline's rows next to ours.
 * (Without that Python the last case is skipped, except under DQP_REQUIRE_BASELINES=1 as in CI,
 * where it fails: test/helpers.ts baselinePythonAvailable.)
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { baselinePythonAvailable, DQP_BIN, plainEnv } from './helpers.ts';

const run = (args: string[], env: NodeJS.ProcessEnv = plainEnv()) => spawnSync(process.execPath, [DQP_BIN, 'bench', ...args], { encoding: 'utf8', env });

const havePython = baselinePythonAvailable();

describe('dqp bench dense --baseline', () => {
  it('only the dense suite takes it', () => {
    const r = run(['sparse', '--sizes', '50', '--samples', '1', '--baseline', 'cvxopt', '--quiet']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--baseline/);
    expect(r.stderr).toMatch(/dense/);
  });

  it('names the baselines it knows when given another', () => {
    const r = run(['dense', '--sizes', '5', '--samples', '1', '--baseline', 'gurobi', '--quiet']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--baseline/);
    expect(r.stderr).toMatch(/cvxopt/);
    expect(r.stderr).toMatch(/gurobi/);
  });

  it('says which Python it tried when that one lacks cvxopt', () => {
    const r = run(['dense', '--sizes', '5', '--samples', '1', '--baseline', 'cvxopt', '--quiet'], { ...plainEnv(), DQP_PYTHON: '/nonexistent/python3' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--baseline/);
    expect(r.stderr).toMatch(/\/nonexistent\/python3/);
    expect(r.stderr).toMatch(/DQP_PYTHON/);
  });

  it.skipIf(!havePython)('runs cvxopt + LU on the same problems and reports the ratio (needs /usr/bin/python3 with cvxopt)', () => {
    const r = run(['dense', '--sizes', '10', '--samples', '2', '--solver', 'dualas', '--baseline', 'cvxopt', '--json', '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const out = JSON.parse(lines[lines.length - 1]!) as {
      rows: { problem: string }[];
      baseline: { name: string; rows: { n: number; solver: string; totalMs: number; ratio: number }[]; problems: { problem: string; status: string; objective: number }[] };
    };
    expect(out.rows.map((x) => x.problem)).toEqual(['dense-n10-0', 'dense-n10-1']);
    expect(out.baseline.name).toBe('cvxopt');
    expect(out.baseline.problems.map((p) => p.problem)).toEqual(['dense-n10-0', 'dense-n10-1']);
    for (const p of out.baseline.problems) expect(p.status).toBe('optimal');
    const ours = out.baseline.rows.find((x) => x.solver === 'dualas')!;
    const theirs = out.baseline.rows.find((x) => x.solver === 'cvxopt')!;
    expect(ours.n).toBe(10);
    expect(theirs.ratio).toBe(1);
    expect(ours.ratio).toBeCloseTo(ours.totalMs / theirs.totalMs, 10);
  });
});
