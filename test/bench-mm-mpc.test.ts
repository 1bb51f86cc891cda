/**
 * The file-based benchmark suites `dqp bench maros-meszaros` and `dqp bench mpc` (bench/mpc.ts,
 * bench/maros-meszaros.ts, bench/file-suite.ts) on a few small real problems from the shared data
 * folder (test/data.ts: skipped with a message when absent, a failure under DQP_REQUIRE_DATA=1).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataScale, runFileSuite, type FileSuiteRow } from '../bench/file-suite.ts';
import { run as runMarosMeszaros, SPEC as MM_SPEC } from '../bench/maros-meszaros.ts';
import { SPEC as MPC_SPEC } from '../bench/mpc.ts';
import type { BenchOptions } from '../bench/options.ts';
import { InputError } from '../optimizer/errors.ts';
import { readMpc } from '../optimizer/qp/readers.ts';
import { solveQP } from '../optimizer/qp/registry.ts';
import { dataPath, describeData, REPO_ROOT } from './data.ts';
import { captureStdout } from './helpers.ts';

const mpcDir = dataPath('mpc_qpbenchmark');
const MM_FILES = ['HS21', 'HS35', 'QAFIRO'].map((p) => `maros_meszaros/${p}.mat`);
const MPC_FILES = ['LIPMWALK0', 'LIPMWALK1', 'WHLIPBAL0'].map((p) => `mpc_qpbenchmark/${p}.npz`);

const lastJson = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as { suite: string; rows: FileSuiteRow[]; skipped?: string };

const tmp = mkdtempSync(join(tmpdir(), 'dqp-bench-mm-mpc-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describeData(MM_FILES, 'bench maros-meszaros', () => {
  it('solves HS21, HS35, QAFIRO to their published optimal objectives (JSON rows, CSV)', async () => {
    const csv = join(tmp, 'mm.csv');
    const options: BenchOptions = { solvers: ['ipm'], problems: ['QAFIRO', 'HS21', 'HS35'], json: true, quiet: true, csv };
    const out = await captureStdout(() => runMarosMeszaros(options));
    const res = lastJson(out);
    expect(res.suite).toBe('maros-meszaros');
    // rows come sorted by problem name
    expect(res.rows.map((r) => r.problem)).toEqual(['HS21', 'HS35', 'QAFIRO']);
    // optimal objectives from the Maros–Meszaros collection (including the constant r)
    const published: Record<string, number> = { HS21: -99.96, HS35: 1 / 9, QAFIRO: -1.5907818 };
    for (const row of res.rows) {
      expect(row.solver).toBe('ipm');
      expect(row.status).toBe('solved');
      expect(row.solved).toBe(true);
      expect(row.iterations).toBeGreaterThan(0);
      expect(row.forwardMs).toBeGreaterThan(0);
      expect(row.accuracy).toBe(Math.max(row.primal, row.dual, row.gap));
      expect(row.accuracy).toBeLessThan(1e-5);
      expect(Math.abs(row.objective - published[row.problem]!)).toBeLessThan(1e-6 * (1 + Math.abs(published[row.problem]!)));
    }
    expect(res.rows.find((r) => r.problem === 'HS21')!.n).toBe(2);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^problem,n,solver,status,solved,solvedStrict,forwardMs,backwardMs,totalMs,accuracy,iterations/);
    expect(lines.length).toBe(4);
    expect(lines[1]).toMatch(/^HS21,2,ipm,solved,true,/);
  });
});

describeData(MPC_FILES, 'bench mpc', () => {
  it('runs through the CLI and solves two MPC problems; rows agree with a direct solve', () => {
    // run from the temporary folder: the CLI finds the data from the repository root too
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'dqp.js'), 'bench', 'mpc', '--solver', 'ipm', '--problems', 'LIPMWALK0,WHLIPBAL0', '--json', '--quiet'], {
      cwd: tmp,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const res = lastJson(r.stdout);
    expect(res.suite).toBe('mpc');
    expect(res.rows).toHaveLength(2);
    for (const row of res.rows) {
      expect(row.solved).toBe(true);
      const { problem } = readMpc(join(mpcDir, `${row.problem}.npz`));
      expect(row.n).toBe(problem.q.length);
      expect(row.dataScale).toBe(dataScale(problem));
      const direct = solveQP(problem, { solver: 'ipm' });
      expect(direct.status).toBe('solved');
      expect(Math.abs(row.objective - direct.objective)).toBeLessThan(1e-7 * (1 + Math.abs(direct.objective)));
    }
  });

  it('the human table lists each problem and a summary line', async () => {
    const out = await captureStdout(() => runFileSuite(MPC_SPEC, { problems: ['LIPMWALK1'], json: false, quiet: true }));
    expect(out).toMatch(/LIPMWALK1\s+16\s+ipm\s+solved\s+yes/);
    expect(out).toMatch(/mpc ipm: solved 1\/1/);
  });
});

describe('bench file suites without data', () => {
  it('print a skip message (and an empty JSON result) when the folder is absent', async () => {
    const spec = { ...MPC_SPEC, folder: '../no-such-folder/for-this-test' };
    const out = await captureStdout(() => runFileSuite(spec, { json: true, quiet: true }));
    const res = lastJson(out);
    expect(res.rows).toEqual([]);
    expect(res.skipped).toMatch(/not found/);
  });

  it('reject an unknown problem name, naming --problems (a folder with one other problem file)', async () => {
    const folder = join(tmp, 'fake-mm');
    mkdirSync(folder);
    writeFileSync(join(folder, 'HS21.mat'), '');
    const spec = { ...MM_SPEC, folder: relative(REPO_ROOT, folder) };
    const err = await runFileSuite(spec, { problems: ['NOT_A_PROBLEM'], json: true, quiet: true }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/--problems.*NOT_A_PROBLEM \(not found\)/);
  });
});
