/**
 * `dqp bench ldl` flags as a child process: --grid, --ordering, --write-matrix (round trip through
 * the Matrix Market reader), --json keys, bad values naming the flag, and --baseline cholmod where
 * /usr/bin/python3 has cvxopt (always in CI: DQP_REQUIRE_BASELINES, test/helpers.ts).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchMeshKkt, MESH_CONSTRAINT_DIAGONAL } from '../bench/ldl.ts';
import { readMatrixMarket } from '../optimizer/linalg/mtx.ts';
import { cscUpperTriangle } from '../optimizer/linalg/csc.ts';
import { dqp } from './cli-run.ts';
import { baselinePythonAvailable } from './helpers.ts';

const havePython = baselinePythonAvailable();

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dqp-bench-ldl-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('dqp bench ldl flags', () => {
  it('--grid 6 --write-matrix: the file holds the mesh KKT of grid 6 (−1e-10 on the constraint diagonal), read back equal', async () => {
    const cwd = freshDir();
    const r = await dqp(['bench', 'ldl', '--grid', '6', '--samples', '1', '--write-matrix', 'k.mtx', '--json', '--quiet'], cwd);
    expect(r.code).toBe(0);
    const row = JSON.parse(r.stdout.trim()) as Record<string, number>;
    const mesh = benchMeshKkt(6);
    const n = mesh.K.ncols;
    expect(row.n).toBe(n);
    expect(row.nnz).toBe(mesh.K.colPtr[n]);
    // plain LDLᵀ with −1e-10 pivots under AMD loses digits to growth; one refinement step recovers them
    expect(row.residual).toBeLessThan(1e-3);
    expect(row.residualRefined).toBeLessThan(row.residual! / 10);
    for (const key of ['orderMs', 'symbolicMs', 'factorMs', 'solveMs', 'totalMs', 'analyzeCpuMs', 'factorCpuMs', 'nnzL']) expect(row[key]).toBeGreaterThanOrEqual(0);
    const { matrix, symmetry } = readMatrixMarket(readFileSync(join(cwd, 'k.mtx'), 'utf8'), 'k.mtx');
    expect(symmetry).toBe('symmetric');
    const U = cscUpperTriangle(matrix);
    expect(Array.from(U.colPtr)).toEqual(Array.from(mesh.K.colPtr));
    expect(Array.from(U.rowIdx)).toEqual(Array.from(mesh.K.rowIdx));
    expect(Array.from(U.values)).toEqual(Array.from(mesh.K.values));
    // the constraint block's diagonal is −1e-10, the variables' diagonal positive
    const diag = (j: number) => U.values[U.colPtr[j + 1]! - 1]!;
    expect(diag(n - 1)).toBe(MESH_CONSTRAINT_DIAGONAL);
    expect(diag(0)).toBeGreaterThan(0);
  });

  it('--ordering natural writes the same matrix, and --matrix reads the written file back (same n, nnz)', async () => {
    const cwd = freshDir();
    const w = await dqp(['bench', 'ldl', '--grid', '5', '--samples', '1', '--ordering', 'natural', '--write-matrix', 'k.mtx', '--json', '--quiet'], cwd);
    expect(w.code).toBe(0);
    const a = JSON.parse(w.stdout.trim()) as Record<string, number>;
    const m = await dqp(['bench', 'ldl', '--matrix', 'k.mtx', '--samples', '1', '--json', '--quiet'], cwd);
    expect(m.code).toBe(0);
    const b = JSON.parse(m.stdout.trim()) as Record<string, number>;
    expect(b.n).toBe(a.n);
    expect(b.nnz).toBe(a.nnz);
  });

  it.skipIf(!havePython)('--baseline cholmod factors the same matrix: same nnz(L) on the same AMD-type order, both residuals small after refinement', async () => {
    const cwd = freshDir();
    const r = await dqp(['bench', 'ldl', '--grid', '8', '--samples', '1', '--baseline', 'cholmod', '--json', '--quiet'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const row = JSON.parse(r.stdout.trim()) as { n: number; nnzL: number; residualRefined: number; cholmod: { simplicial: Record<string, number>; supernodal: Record<string, unknown> } };
    const c = row.cholmod.simplicial;
    expect(c.failed).toBeUndefined();
    for (const key of ['symbolicMs', 'factorMs', 'solveMs']) expect(c[key]).toBeGreaterThanOrEqual(0);
    // an independent factorization of the same K: its refined residual is as small as ours
    expect(c.residualRefined).toBeLessThan(1e-8);
    expect(row.residualRefined).toBeLessThan(1e-8);
    expect(c.nnzL).toBeGreaterThanOrEqual(row.n);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('bad values name the flag, write nothing', async () => {
    const cwd = freshDir();
    const cases: [string[], RegExp][] = [
      [['--grid', '2'], /--grid: expected an integer in \[3, 2000\], found 2/],
      [['--grid', 'abc'], /--grid: expected .*found "?abc"?/],
      [['--ordering', 'metis'], /--ordering: expected one of amd, nd, auto, natural.*found "metis"/],
      [['--baseline', 'pardiso'], /--baseline: expected one of cholmod, found "pardiso"/],
    ];
    for (const [args, msg] of cases) {
      const r = await dqp(['bench', 'ldl', '--samples', '1', '--quiet', '--write-matrix', 'out.mtx', ...args], cwd);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(msg);
      expect(readdirSync(cwd)).toEqual([]);
    }
    writeFileSync(join(cwd, 'x.mtx'), '%%MatrixMarket matrix coordinate real symmetric\n1 1 1\n1 1 2\n');
    const r = await dqp(['bench', 'ldl', '--samples', '1', '--quiet', '--write-matrix', 'out.mtx', '--grid', '5', '--matrix', 'x.mtx'], cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--grid: expected no --matrix/);
    expect(readdirSync(cwd)).toEqual(['x.mtx']);
  });
});
