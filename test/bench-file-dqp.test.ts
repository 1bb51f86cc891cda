/**
 * The file suites (bench/file-suite.ts) differentiate through the dQP layer: forward + backward
 * times, the paper's `solved` criterion and the strict one, flags, and the "best of our solvers
 * per problem" summary. Real problems (2–3 small Maros–Meszaros / MPC files) come from the shared
 * data folder (test/data.ts: skipped with a message when absent, a failure under
 * DQP_REQUIRE_DATA=1); the hard time limit and the settings checks run on a temporary folder, and
 * the summary and row logic on hand-made rows and a tiny inline QP, without the data.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bestOfSolvers,
  buildRow,
  dataScale,
  type FileSuiteRow,
  type FileSuiteSummary,
  runFileSuite,
  runOne,
  SOLVED_TOLERANCE,
  stoppedRow,
  summarizeSolvers,
} from '../bench/file-suite.ts';
import { SPEC as SLOW_SPEC } from './bench-file-dqp-slow-spec.ts';
import { SPEC as MM_SPEC } from '../bench/maros-meszaros.ts';
import { SPEC as MPC_SPEC } from '../bench/mpc.ts';
import { dqpBackward, dqpForward } from '../optimizer/dqp/index.ts';
import { InputError } from '../optimizer/errors.ts';
import { readMarosMeszaros } from '../optimizer/qp/readers.ts';
import { computeResiduals, maxResidual } from '../optimizer/qp/residuals.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { dataPath, describeData, REPO_ROOT } from './data.ts';
import { captureStdout } from './helpers.ts';

const mmDir = dataPath('maros_meszaros');
const MM_FILES = ['HS21', 'HS35', 'QAFIRO'].map((p) => `maros_meszaros/${p}.mat`);
const MPC_FILES = ['LIPMWALK0', 'WHLIPBAL0'].map((p) => `mpc_qpbenchmark/${p}.npz`);

/**
 * A stand-in data folder (relative to the repository root, as a suite's `folder`) holding an
 * empty LIPMWALK0.npz: enough for the runner to list the problem; the slow spec's reader never
 * reads it, and settings are validated before anything is read.
 */
const tmp = mkdtempSync(join(tmpdir(), 'dqp-bench-file-dqp-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
writeFileSync(join(tmp, 'LIPMWALK0.npz'), '');
const FAKE_FOLDER = relative(REPO_ROOT, tmp);

interface SuiteJson {
  suite: string;
  settings: { solvers: string[]; timeLimit: number; epsAbs: number; epsRel: number; epsActive: number };
  rows: FileSuiteRow[];
  summary: FileSuiteSummary;
}


const lastJson = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as SuiteJson;

/** The invariants every row must satisfy (JSON turns NaN into null). */
function checkRow(r: FileSuiteRow, timeLimit: number): void {
  expect(Number.isFinite(r.forwardMs) && r.forwardMs > 0).toBe(true);
  if (r.status !== 'error') {
    expect(Number.isFinite(r.backwardMs) && r.backwardMs >= 0).toBe(true);
    expect(r.totalMs).toBeCloseTo(r.forwardMs + r.backwardMs, 9);
    expect(r.accuracy).toBe(Math.max(r.primal, r.dual, r.gap));
    expect(r.solveMs).toBeLessThanOrEqual(r.forwardMs);
  }
  const backwardFailed = /backward:|non-finite gradient|no differentiable point/.test(r.note ?? '');
  expect(r.solved).toBe(r.status !== 'error' && r.totalMs <= 1000 * timeLimit && r.accuracy < 1 && !backwardFailed);
  const tol = SOLVED_TOLERANCE * (1 + r.dataScale);
  expect(r.solvedStrict).toBe(r.solved && r.status === 'solved' && r.primal <= tol && r.dual <= tol);
  expect(/least-squares/.test(r.note ?? '')).toBe(r.leastSquares);
  expect(/non-differentiable/.test(r.note ?? '')).toBe(r.nonDifferentiable);
}

/** The summary recomputed from the rows by brute force. */
function checkSummary(rows: readonly FileSuiteRow[], s: FileSuiteSummary): void {
  const problems = [...new Set(rows.map((r) => r.problem))];
  expect(s.problems).toBe(problems.length);
  const best = problems
    .map((p) => rows.filter((r) => r.problem === p && r.solved).sort((a, b) => a.totalMs - b.totalMs)[0])
    .filter((r): r is FileSuiteRow => r !== undefined);
  expect(s.solved).toBe(best.length);
  expect(s.best.map((b) => [b.problem, b.solver, b.totalMs])).toEqual(best.map((b) => [b.problem, b.solver, b.totalMs]));
  expect(s.unsolved).toEqual(problems.filter((p) => !best.some((b) => b.problem === p)));
  expect(s.solvedStrict).toBe(problems.filter((p) => rows.some((r) => r.problem === p && r.solvedStrict)).length);
  if (best.length > 0) {
    const mean = best.reduce((a, r) => a + r.totalMs, 0) / best.length;
    expect(s.totalMs.mean).toBeCloseTo(mean, 9);
  }
  for (const ps of s.perSolver) {
    const mine = rows.filter((r) => r.solver === ps.solver);
    expect(ps.problems).toBe(mine.length);
    expect(ps.solved).toBe(mine.filter((r) => r.solved).length);
  }
}

describeData(MM_FILES, 'file suites through the dQP layer: Maros–Meszaros', () => {
  it('differentiates HS21, HS35, QAFIRO with ipm and admm; rows and best-of summary are consistent', async () => {
    const timeLimit = 20;
    const out = await captureStdout(() =>
      runFileSuite(MM_SPEC, { solvers: ['ipm', 'admm'], problems: ['HS21', 'HS35', 'QAFIRO'], timeLimit, json: true, quiet: true }),
    );
    const res = lastJson(out);
    expect(res.suite).toBe('maros-meszaros');
    expect(res.settings.solvers).toEqual(['ipm', 'admm']);
    expect(res.rows.map((r) => `${r.problem}/${r.solver}`)).toEqual(['HS21/ipm', 'HS21/admm', 'HS35/ipm', 'HS35/admm', 'QAFIRO/ipm', 'QAFIRO/admm']);
    for (const r of res.rows) checkRow(r, timeLimit);
    // ipm solves all three tightly, so every problem is solved and differentiated by some solver
    for (const r of res.rows.filter((x) => x.solver === 'ipm')) {
      expect(r.solvedStrict).toBe(true);
      expect(r.accuracy).toBeLessThan(1e-5);
    }
    checkSummary(res.rows, res.summary);
    expect(res.summary.solved).toBe(3);
    expect(res.summary.unsolved).toEqual([]);
    const counts = res.summary.bestSolverCounts;
    expect((counts.ipm ?? 0) + (counts.admm ?? 0)).toBe(3);
  });

  it('the accuracy of a row is that of the dQP output, and does not depend on the objective constant', () => {
    const mm = readMarosMeszaros(join(mmDir, 'HS21.mat'));
    expect(mm.r).not.toBe(0); // HS21 has r = −100
    const settings = { solver: 'ipm', timeLimit: 20, epsAbs: 1e-9, epsRel: 0 };
    const a = runOne('HS21', { problem: mm.problem, objectiveOffset: mm.r }, settings);
    const b = runOne('HS21', { problem: mm.problem, objectiveOffset: 0 }, settings);
    const fwd = dqpForward(mm.problem, { solver: 'ipm', epsAbs: 1e-9, epsRel: 0 });
    const acc = maxResidual(computeResiduals(mm.problem, fwd.z, fwd.lambda, fwd.mu, fwd.muLb, fwd.muUb));
    expect(a.accuracy).toBeCloseTo(acc, 12);
    expect(b.accuracy).toBe(a.accuracy);
    expect(a.objective - b.objective).toBeCloseTo(mm.r, 9);
    expect(a.dataScale).toBe(dataScale(mm.problem));
  });
});

describeData(MPC_FILES, 'file suites through the dQP layer: MPC via the CLI', () => {
  it('passes --eps-abs / --eps-rel to the solver and prints the summary object', () => {
    const r = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'dqp.js'), 'bench', 'mpc', '--solver', 'ipm', '--problems', 'LIPMWALK0,WHLIPBAL0', '--eps-abs', '1e-7', '--eps-rel', '1e-8', '--json', '--quiet'],
      { cwd: tmp, encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    const res = lastJson(r.stdout);
    expect(res.settings.epsAbs).toBe(1e-7);
    expect(res.settings.epsRel).toBe(1e-8);
    expect(res.rows).toHaveLength(2);
    for (const row of res.rows) {
      checkRow(row, res.settings.timeLimit);
      expect(row.solved).toBe(true);
    }
    checkSummary(res.rows, res.summary);
  });
});

describe('file suites: the hard limit and the settings (a stand-in data folder)', () => {
  it('stops a run that overruns the hard limit (a reader stuck in a loop) and goes on with the next solver', async () => {
    // the reader spins for 60 s: a row can only say time_limit if the runner stopped the worker
    // (had it waited, the reader would return after 60 s and fail on the empty stand-in file:
    // an error row; and the test's own timeout is that same 60 s)
    const spec = { ...SLOW_SPEC, folder: FAKE_FOLDER };
    const out = await captureStdout(() => runFileSuite(spec, { solvers: ['ipm', 'admm'], problems: ['LIPMWALK0'], timeLimit: 0.05, json: true, quiet: true }));
    const res = lastJson(out);
    expect(res.rows.map((r) => [r.solver, r.status, r.solved])).toEqual([
      ['ipm', 'time_limit', false],
      ['admm', 'time_limit', false],
    ]);
    for (const r of res.rows) expect(r.note).toMatch(/stopped at the hard limit .*during the forward pass/);
    expect(res.summary.solved).toBe(0);
    expect(res.summary.unsolved).toEqual(['LIPMWALK0']);
  }, 60_000);

  it('rejects a negative tolerance before reading any problem, naming the flag', async () => {
    const spec = { ...MPC_SPEC, folder: FAKE_FOLDER };
    await expect(runFileSuite(spec, { problems: ['LIPMWALK0'], epsAbs: -1, json: true, quiet: true })).rejects.toThrow(InputError);
    await expect(runFileSuite(spec, { problems: ['LIPMWALK0'], epsAbs: -1, json: true, quiet: true })).rejects.toThrow(/--eps-abs/);
  });
});

// ---------------------------------------------------------------------------------------------
// Row and summary logic without data files
// ---------------------------------------------------------------------------------------------

/** min ½‖z‖² − 1ᵀz s.t. z1 + z2 ≤ 1, 0 ≤ z ≤ 2: z* = (½, ½), constraint active with μ = ½. */
const TINY: QPProblem = {
  P: { format: 'dense', nrows: 2, ncols: 2, data: Float64Array.from([1, 0, 0, 1]) },
  q: Float64Array.from([-1, -1]),
  C: { format: 'dense', nrows: 1, ncols: 2, data: Float64Array.from([1, 1]) },
  d: Float64Array.from([1]),
  lb: Float64Array.from([0, 0]),
  ub: Float64Array.from([2, 2]),
};

describe('buildRow and bestOfSolvers', () => {
  const loaded = { problem: TINY, objectiveOffset: 3 };
  const fwd = dqpForward(TINY, { solver: 'ipm' });
  const gradients = dqpBackward(fwd, { z: new Float64Array(2).fill(1) });

  it('a differentiated, accurate row in time is solved (both counts); objective includes the constant', () => {
    const row = buildRow('tiny', loaded, 'ipm', fwd, 5, { ms: 1, gradients }, 1);
    expect(fwd.active).toEqual(Int32Array.from([0]));
    expect(row.solved).toBe(true);
    expect(row.solvedStrict).toBe(true);
    expect(row.totalMs).toBe(6);
    expect(row.activeRows).toBe(1);
    expect(row.objective).toBeCloseTo(-0.75 + 3, 8);
    expect(Math.abs(fwd.mu[0]! - 0.5)).toBeLessThan(1e-7);
  });

  it('a backward error, a non-finite gradient, or forward + backward over the limit is not solved', () => {
    const err = buildRow('tiny', loaded, 'ipm', fwd, 5, { ms: 1, error: 'boom' }, 1);
    expect(err.solved).toBe(false);
    expect(err.solvedStrict).toBe(false);
    expect(err.note).toMatch(/backward: boom/);
    const bad = buildRow('tiny', loaded, 'ipm', fwd, 5, { ms: 1, gradients: { ...gradients, q: Float64Array.from([Number.NaN, 0]) } }, 1);
    expect(bad.solved).toBe(false);
    expect(bad.note).toMatch(/non-finite gradient/);
    // forward alone within 1 s, but forward + backward over it
    const late = buildRow('tiny', loaded, 'ipm', fwd, 900, { ms: 200, gradients }, 1);
    expect(late.solved).toBe(false);
    expect(late.status).toBe('time_limit');
    const none = buildRow('tiny', loaded, 'ipm', fwd, 5, null, 1);
    expect(none.solved).toBe(false);
    expect(Number.isNaN(none.backwardMs)).toBe(true);
  });

  it('a run stopped during the backward keeps its forward columns and is not solved', () => {
    const fwdRow = buildRow('tiny', loaded, 'ipm', fwd, 5, null, 1);
    const row = stoppedRow('tiny', 'ipm', { kind: 'stopped', reason: 'stopped at the hard limit of 16 s', n: 2, elapsedMs: 16000, forward: { row: fwdRow, backwardMs: 15990 } });
    expect(row.status).toBe('time_limit');
    expect(row.solved).toBe(false);
    expect(row.solvedStrict).toBe(false);
    expect(row.forwardMs).toBe(5);
    expect(row.totalMs).toBe(15995);
    expect(row.accuracy).toBe(fwdRow.accuracy);
    expect(row.note).toMatch(/during the backward pass/);
    const died = stoppedRow('tiny', 'ipm', { kind: 'stopped', reason: 'worker exited with code 1', n: 2, elapsedMs: 30, forward: null });
    expect(died.status).toBe('error');
    expect(died.forwardMs).toBe(30);
  });

  it('bestOfSolvers picks, per problem, the fastest solver that solved it', () => {
    const base = buildRow('x', loaded, 'ipm', fwd, 1, { ms: 0, gradients }, 100);
    const row = (problem: string, solver: string, totalMs: number, solved: boolean, solvedStrict = solved): FileSuiteRow => ({
      ...base,
      problem,
      solver,
      forwardMs: totalMs - 1,
      backwardMs: 1,
      totalMs,
      solved,
      solvedStrict,
    });
    const rows = [
      row('P1', 'ipm', 10, true),
      row('P1', 'admm', 4, false), // faster but failed: not chosen
      row('P1', 'highs', 7, true, false),
      row('P2', 'ipm', 30, true),
      row('P2', 'admm', 20, true),
      row('P2', 'highs', 50, true),
      row('P3', 'ipm', 1, false),
      row('P3', 'admm', 2, false),
      row('P3', 'highs', 3, false),
    ];
    const s = bestOfSolvers(rows);
    expect(s.problems).toBe(3);
    expect(s.best.map((b) => `${b.problem}:${b.solver}`)).toEqual(['P1:highs', 'P2:admm']);
    expect(s.solved).toBe(2);
    expect(s.solvedStrict).toBe(2); // P1 strictly by ipm, P2 by all
    expect(s.unsolved).toEqual(['P3']);
    expect(s.bestSolverCounts).toEqual({ ipm: 0, admm: 1, highs: 1 });
    expect(s.totalMs.mean).toBe((7 + 20) / 2);
    expect(s.totalMs.median).toBe((7 + 20) / 2);
    expect(s.forwardMs.mean).toBe((6 + 19) / 2);
    const per = summarizeSolvers(rows);
    expect(per.map((p) => [p.solver, p.solved, p.solvedStrict])).toEqual([
      ['ipm', 2, 2],
      ['admm', 1, 1],
      ['highs', 2, 1],
    ]);
    expect(per[0]!.totalMs.mean).toBe(20);
  });
});
