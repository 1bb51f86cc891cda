/**
 * `dqp solve FILE.json`: reads the JSON problem format, runs the dQP forward, differentiates Σz,
 * and reports gradients in the input's own matrix layout (COO entry order, dense shape).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dqpBackward } from '../optimizer/dqp/backward.ts';
import { dqpForward } from '../optimizer/dqp/forward.ts';
import { setDqpWarningHandler } from '../optimizer/dqp/warnings.ts';
import { readProblemJson } from '../optimizer/qp/json-format.ts';
import { knownQP } from './dqp-fixtures.ts';
import { DQP_BIN } from './helpers.ts';

setDqpWarningHandler(() => {});
const dir = mkdtempSync(join(tmpdir(), 'dqp-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => spawnSync(process.execPath, [DQP_BIN, 'solve', ...args], { encoding: 'utf8' });
/** With --json stdout is exactly one line: the JSON object. */
const lastJson = (stdout: string) => {
  expect(stdout.endsWith('\n') && stdout.indexOf('\n') === stdout.length - 1, `stdout is not one line: ${stdout.slice(0, 200)}`).toBe(true);
  return JSON.parse(stdout) as Record<string, unknown>;
};

/** A problem with COO P and C (entries deliberately NOT in CSC order, one duplicated) and dense A. */
function writeProblem(): { file: string; text: string } {
  const kq = knownQP('cli', { n: 4, p: 1, m: 5, k: 2 });
  const P = kq.problem.P as { data: Float64Array };
  const C = kq.problem.C as { data: Float64Array };
  const A = kq.problem.A as { data: Float64Array };
  const coo = (data: Float64Array, rows: number, cols: number) => {
    const row: number[] = [];
    const col: number[] = [];
    const val: number[] = [];
    // row-major order, reversed: not the CSC order
    for (let i = rows - 1; i >= 0; i--)
      for (let j = cols - 1; j >= 0; j--) {
        row.push(i);
        col.push(j);
        val.push(data[i * cols + j]!);
      }
    return { format: 'coo', shape: [rows, cols], row, col, val };
  };
  const Pc = coo(P.data, 4, 4);
  const Cc = coo(C.data, 5, 4);
  // split C's first entry into two duplicates that sum to it
  Cc.row.push(Cc.row[0]!);
  Cc.col.push(Cc.col[0]!);
  const v0 = Cc.val[0]!;
  Cc.val[0] = v0 / 2;
  Cc.val.push(v0 / 2);
  const doc = {
    name: 'cli test',
    P: Pc,
    q: Array.from(kq.problem.q),
    A: { format: 'dense', shape: [1, 4], data: [Array.from(A.data)] },
    b: Array.from(kq.problem.b!),
    C: Cc,
    d: Array.from(kq.problem.d!),
  };
  const text = JSON.stringify(doc);
  const file = join(dir, 'problem.json');
  writeFileSync(file, text);
  return { file, text };
}

describe('dqp solve', () => {
  it('prints the solution and the gradient of Σz in the input layout (--json)', () => {
    const { file, text } = writeProblem();
    const r = run([file, '--solver', 'quadprog', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/status\s+solved/); // the human report goes to stderr with --json
    const out = lastJson(r.stdout);
    expect(out.status).toBe('solved');
    const { problem, layout } = readProblemJson(text, file);
    const fwd = dqpForward(problem, { solver: 'quadprog' });
    const g = dqpBackward(fwd, { z: new Float64Array(4).fill(1) });
    expect(out.active).toEqual(Array.from(fwd.active));
    (out.z as number[]).forEach((v, i) => expect(v).toBeCloseTo(fwd.z[i]!, 12));
    const grad = out.grad as Record<string, { format: string; shape: number[]; row: number[]; col: number[]; val: number[]; data: number[][] } | number[] | null>;
    // COO gradients: same row/col arrays as the input; each entry the gradient at its position
    const doc = JSON.parse(text) as { P: { row: number[]; col: number[] }; C: { row: number[]; col: number[] } };
    for (const key of ['P', 'C'] as const) {
      const gm = grad[key] as { format: string; row: number[]; col: number[]; val: number[] };
      expect(gm.format).toBe('coo');
      expect(gm.row).toEqual(doc[key].row);
      expect(gm.col).toEqual(doc[key].col);
      const lay = layout[key]!;
      if (lay.format !== 'coo') throw new Error('expected COO layout');
      gm.val.forEach((v, k) => expect(v).toBeCloseTo(g[key]![lay.map[k]!]!, 12));
    }
    // the duplicated C entry reports the same gradient twice
    const gC = grad.C as { val: number[] };
    expect(gC.val.at(-1)).toBeCloseTo(gC.val[0]!, 14);
    // dense A: dense gradient of the same shape
    const gA = grad.A as { format: string; shape: number[]; data: number[][] };
    expect(gA.format).toBe('dense');
    expect(gA.shape).toEqual([1, 4]);
    gA.data[0]!.forEach((v, j) => expect(v).toBeCloseTo(g.A![j]!, 12));
    (grad.q as number[]).forEach((v, i) => expect(v).toBeCloseTo(g.q![i]!, 12));
    (grad.d as number[]).forEach((v, i) => expect(v).toBeCloseTo(g.d![i]!, 12));
    (grad.b as number[]).forEach((v, i) => expect(v).toBeCloseTo(g.b![i]!, 12));
  });

  it('runs with the default solver and options', () => {
    const { file } = writeProblem();
    const r = run([file, '--json', '--eps-active', '1e-6', '--linear-solver', 'sparse-ldl']);
    expect(r.status, r.stderr).toBe(0);
    expect(lastJson(r.stdout).solver).toBe('ipm');
  });

  it('fails clearly on a missing or malformed file', () => {
    const missing = run([join(dir, 'nope.json')]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/nope\.json/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"P": {"format": "dense", "shape": [2, 2], "data": [[1, 0], [0, 1]]}, "q": [1]}');
    const r = run([bad]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/bad\.json/);
    expect(r.stderr).toMatch(/q/);
    writeFileSync(bad, '{not json');
    expect(run([bad]).status).not.toBe(0);
    // --json: the error object is the one stdout line
    const j = run([join(dir, 'nope.json'), '--json']);
    expect(j.status).toBe(1);
    const err = lastJson(j.stdout).error as Record<string, unknown>;
    expect(err.type).toBe('FileAccessError');
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(/FILE .*nope\.json: not found/);
    expect(j.stderr).toContain(err.message as string);
  });

  it('reports a solver failure as a status with exit code 2 and no gradient', () => {
    const file = join(dir, 'infeasible.json');
    writeFileSync(file, JSON.stringify({ P: { format: 'dense', shape: [1, 1], data: [[1]] }, q: [0], C: { format: 'dense', shape: [2, 1], data: [[1], [-1]] }, d: [-1, -1] }));
    const r = run([file, '--solver', 'quadprog', '--json']);
    expect(r.status).toBe(2);
    const out = lastJson(r.stdout);
    expect(out.status).toBe('primal_infeasible');
    expect(out.grad).toBeNull();
  });
});
