import { describe, expect, it } from 'vitest';
import { FileFormatError, InputError } from '../optimizer/errors.ts';
import { cscFromDense } from '../optimizer/linalg/csc.ts';
import { toDense } from '../optimizer/linalg/matrix.ts';
import type { CscMatrix, DenseMatrix, Matrix } from '../optimizer/linalg/types.ts';
import { gradientToJson, matrixToJson, readProblemJson, writeProblemJson, type MatJson } from '../optimizer/qp/json-format.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { randomQP } from './qp-fixtures.ts';

const sameMatrix = (a: Matrix, b: Matrix) => {
  expect(a.format).toBe(b.format);
  expect([a.nrows, a.ncols]).toEqual([b.nrows, b.ncols]);
  if (a.format === 'csc' && b.format === 'csc') {
    expect(Array.from(a.colPtr)).toEqual(Array.from(b.colPtr));
    expect(Array.from(a.rowIdx)).toEqual(Array.from(b.rowIdx));
  }
  expect(Array.from(a.format === 'dense' ? a.data : a.values)).toEqual(Array.from(b.format === 'dense' ? b.data : b.values));
};
const err = (text: string, file = 'prob.json'): string => {
  try {
    readProblemJson(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(FileFormatError);
    return (e as Error).message;
  }
  return '(no error)';
};

describe('JSON problem format', () => {
  it('round-trips dense problems exactly (with infinite bounds as null)', () => {
    const pr = randomQP(1, { n: 5, p: 2, m: 3, boundProb: 0.5 });
    const text = writeProblemJson(pr);
    const doc = JSON.parse(text) as { lb: (number | null)[] };
    expect(doc.lb).toContain(null);
    const { problem, layout } = readProblemJson(text, 'x.json');
    sameMatrix(problem.P, pr.P);
    sameMatrix(problem.A!, pr.A!);
    sameMatrix(problem.C!, pr.C!);
    for (const k of ['q', 'b', 'd', 'lb', 'ub'] as const) expect(Array.from(problem[k]!)).toEqual(Array.from(pr[k]!));
    expect(layout.P).toEqual({ format: 'dense', nrows: 5, ncols: 5 });
  });

  it('round-trips CSC problems as COO, keeping explicit zeros', () => {
    const pr = randomQP(2, { n: 6, p: 1, m: 4, format: 'csc' });
    const C = pr.C as CscMatrix;
    C.values[3] = 0; // an explicit zero stays in the pattern
    const { problem } = readProblemJson(writeProblemJson(pr, 2), 'x.json');
    sameMatrix(problem.P, pr.P);
    sameMatrix(problem.C!, C);
    expect(problem.A ?? null).not.toBe(null);
    expect(problem.lb ?? null).toBe(null);
  });

  it('sums duplicate COO entries and maps every entry to its CSC position', () => {
    // P = [[2, 1], [1, 3]] written out of order with the (0,0) entry split in two
    const text = JSON.stringify({
      P: { format: 'coo', shape: [2, 2], row: [1, 0, 0, 1, 0], col: [1, 1, 0, 0, 0], val: [3, 1, 1.5, 1, 0.5] },
      q: [1, 1],
      C: { format: 'coo', shape: [1, 2], row: [0, 0], col: [1, 0], val: [4, 5] },
      d: [1],
    });
    const { problem, layout } = readProblemJson(text, 'p.json');
    expect(Array.from(toDense(problem.P).data)).toEqual([2, 1, 1, 3]);
    const P = problem.P as CscMatrix;
    if (layout.P.format !== 'coo') throw new Error('expected a COO layout');
    for (let k = 0; k < 5; k++) {
      const pos = layout.P.map[k]!;
      // entry k sits at (row[k], col[k]) in the CSC matrix
      expect(P.rowIdx[pos]).toBe(layout.P.row[k]);
      expect(pos >= P.colPtr[layout.P.col[k]!]! && pos < P.colPtr[layout.P.col[k]! + 1]!).toBe(true);
    }
    // a gradient over the CSC values comes back in the input's entry order; duplicates share it
    const g = Float64Array.from(P.values, (_, i) => 10 * (i + 1));
    const gj = gradientToJson(layout.P, g) as Extract<MatJson, { format: 'coo' }>;
    expect(gj.row).toEqual([1, 0, 0, 1, 0]);
    expect(gj.col).toEqual([1, 1, 0, 0, 0]);
    const at = (i: number, j: number) => g[Array.from({ length: P.colPtr[j + 1]! - P.colPtr[j]! }, (_, t) => P.colPtr[j]! + t).find((t) => P.rowIdx[t] === i)!]!;
    expect(gj.val).toEqual([at(1, 1), at(0, 1), at(0, 0), at(1, 0), at(0, 0)]);
    const cLayout = layout.C!;
    const gc = gradientToJson(cLayout, (problem.C as CscMatrix).values.map((v) => v * 2));
    expect(gc).toEqual({ format: 'coo', shape: [1, 2], row: [0, 0], col: [1, 0], val: [8, 10] });
  });

  it('reports dense gradients in the dense layout and checks gradient sizes', () => {
    const pr = randomQP(3, { n: 3 });
    const { layout } = readProblemJson(writeProblemJson(pr), 'x.json');
    const g: DenseMatrix = { format: 'dense', nrows: 3, ncols: 3, data: Float64Array.from({ length: 9 }, (_, i) => i) };
    expect(gradientToJson(layout.P, g)).toEqual({ format: 'dense', shape: [3, 3], data: [[0, 1, 2], [3, 4, 5], [6, 7, 8]] });
    expect(() => gradientToJson(layout.P, new Float64Array(8))).toThrow(InputError);
    const sp = readProblemJson(writeProblemJson({ ...pr, P: cscFromDense(pr.P as DenseMatrix) }), 'y.json');
    expect(() => gradientToJson(sp.layout.P, new Float64Array(3))).toThrow('grad: expected length 9 (nnz of the CSC matrix read from the file), found length 3');
  });

  it('matrixToJson writes CSC in column order', () => {
    const M = cscFromDense({ format: 'dense', nrows: 2, ncols: 2, data: Float64Array.of(1, 0, 2, 3) });
    expect(matrixToJson(M)).toEqual({ format: 'coo', shape: [2, 2], row: [0, 1, 1], col: [0, 0, 1], val: [1, 2, 3] });
  });

  it('accepts bounds as numbers, null and "inf" strings, and ignores name/comment keys', () => {
    const pr = readProblemJson(
      JSON.stringify({
        name: 'box',
        _note: 'x',
        P: { format: 'dense', shape: [3, 3], data: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] },
        q: [0, 0, 0],
        lb: [null, '-inf', -1],
        ub: ['inf', 2, 'Infinity'],
      }),
      'b.json',
    ).problem as QPProblem;
    expect(Array.from(pr.lb!)).toEqual([-Infinity, -Infinity, -1]);
    expect(Array.from(pr.ub!)).toEqual([Infinity, 2, Infinity]);
  });

  it('names the file and the JSON path in errors', () => {
    const P = { format: 'dense', shape: [3, 3], data: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };
    expect(err('{"P": ')).toMatch(/^prob\.json: invalid JSON: /);
    expect(err('[1, 2]')).toBe('prob.json: (top level): expected an object {"P", "q", ...}, found an array of length 2');
    expect(err(JSON.stringify({ P: { ...P, data: [[1, 0, 0], [0, 1], [0, 0, 1]] }, q: [0, 0, 0] }))).toBe(
      'prob.json: P.data[1]: expected 3 numbers, found 2',
    );
    expect(err(JSON.stringify({ P: { ...P, data: [[1, 0, 0], [0, 1, 0], [0, 'x', 1]] }, q: [0, 0, 0] }))).toBe(
      'prob.json: P.data[2][1]: expected a finite number, found the string "x"',
    );
    expect(err(JSON.stringify({ P: { ...P, shape: [3, 3, 1] }, q: [0, 0, 0] }))).toBe('prob.json: P.shape: expected 2 numbers, found 3');
    expect(err(JSON.stringify({ P: { ...P, format: 'csr' }, q: [0, 0, 0] }))).toBe('prob.json: P.format: expected "dense" or "coo", found the string "csr"');
    expect(err(JSON.stringify({ P, q: [0, 0] }))).toBe('prob.json: P.shape: expected [2, 2] (n × n, n = 2 = the length of q), found [3, 3]');
    expect(err(JSON.stringify({ P, q: [0, 0, 0], Q: 1 }))).toBe('prob.json: Q: expected one of the keys P, q, A, b, C, d, lb, ub, found the unknown key "Q"');
    expect(err(JSON.stringify({ P, q: [0, 0, 0], A: { format: 'coo', shape: [1, 3], row: [0], col: [3], val: [1] }, b: [1] }))).toBe(
      'prob.json: A.col[0]: expected an integer in [0, 3), found 3',
    );
    expect(err(JSON.stringify({ P, q: [0, 0, 0], C: { format: 'coo', shape: [1, 3], row: [0, 0], col: [0], val: [1, 1] }, d: [1] }))).toBe(
      'prob.json: C.col: expected 2 numbers, found 1',
    );
    expect(err(JSON.stringify({ P, q: [0, 0, 0], C: { format: 'dense', shape: [1, 3], data: [[1, 1, 1]] } }))).toBe(
      'prob.json: d is missing (expected an array of numbers (C is given; its length is the rows of C))',
    );
    expect(err(JSON.stringify({ P, q: [0, 0, 0], lb: [0, 'low', 0] }))).toBe('prob.json: lb[1]: expected a number, null or "inf"/"-inf", found the string "low"');
    expect(err(JSON.stringify({ P: { format: 'dense', shape: [2, 2], data: [[1, 2], [3, 1]] }, q: [0, 0] }))).toMatch(
      /^prob\.json: P: expected a symmetric matrix/,
    );
  });

  it('says which field is missing', () => {
    const P = { format: 'dense', shape: [1, 1], data: [[1]] };
    expect(err(JSON.stringify({ P }))).toBe('prob.json: q is missing (expected an array of numbers (the linear term; its length is n))');
    expect(err(JSON.stringify({ q: [0] }))).toBe('prob.json: P is missing (expected a matrix object {"format", "shape", ...})');
    expect(err(JSON.stringify({ P: { format: 'dense', data: [[1]] }, q: [0] }))).toBe('prob.json: P.shape is missing (expected an array of 2 numbers)');
    expect(err(JSON.stringify({ P: { shape: [1, 1], data: [[1]] }, q: [0] }))).toBe('prob.json: P.format is missing (expected "dense" or "coo")');
    expect(err(JSON.stringify({ P: { format: 'coo', shape: [1, 1], val: [1], col: [0] }, q: [0] }))).toBe('prob.json: P.row is missing (expected an array of 1 numbers)');
    expect(err(JSON.stringify({ P, q: [0], b: [1] }))).toBe('prob.json: A is missing (expected a matrix (b is given))');
  });

  it('checks declared shapes against q, b and d before allocating (huge shapes fail at once)', () => {
    const q = [0, 0];
    const eye = { format: 'coo', shape: [2, 2], row: [0, 1], col: [0, 1], val: [1, 1] };
    expect(err(JSON.stringify({ P: { format: 'coo', shape: [2e9, 2e9], row: [], col: [], val: [] }, q }))).toBe(
      'prob.json: P.shape: expected [2, 2] (n × n, n = 2 = the length of q), found [2000000000, 2000000000]',
    );
    expect(err(JSON.stringify({ P: { format: 'dense', shape: [1, 2e9], data: [[1]] }, q: [0] }))).toBe(
      'prob.json: P.shape: expected [1, 1] (n × n, n = 1 = the length of q), found [1, 2000000000]',
    );
    expect(err(JSON.stringify({ P: eye, q, C: { format: 'coo', shape: [2e9, 2], row: [], col: [], val: [] }, d: [1] }))).toBe(
      'prob.json: C.shape: expected [1, 2] (rows = 1 = the length of d, columns = n = 2), found [2000000000, 2]',
    );
    expect(err(JSON.stringify({ P: eye, q, A: { format: 'dense', shape: [1, 3], data: [[1, 1, 1]] }, b: [1] }))).toBe(
      'prob.json: A.shape: expected [1, 2] (rows = 1 = the length of b, columns = n = 2), found [1, 3]',
    );
    expect(err(JSON.stringify({ P: { ...eye, shape: [1e300, 2] }, q }))).toMatch(/^prob\.json: P\.shape: expected \[2, 2\]/);
  });

  it('refuses deeply nested brackets before parsing (strings are skipped when counting)', () => {
    expect(err('['.repeat(1_000_000) + ']'.repeat(1_000_000))).toBe('prob.json: brackets nest more than 32 levels deep at character 32 (a problem file needs 4)');
    expect(err(`{"q": [0], "P": ${'['.repeat(40)}`)).toMatch(/^prob\.json: brackets nest more than 32 levels deep at character 47 /);
    const P = { format: 'dense', shape: [1, 1], data: [[1]] };
    const pr = readProblemJson(JSON.stringify({ comment: `${'['.repeat(100)}\\"{{{`, P, q: [0.5] }), 'ok.json').problem;
    expect(Array.from(pr.q)).toEqual([0.5]);
  });

  it('quotes at most ~100 characters of an offending string or key', () => {
    const P = { format: 'dense', shape: [1, 1], data: [[1]] };
    const long = 'x'.repeat(5_000_000);
    const m1 = err(JSON.stringify({ P, q: [long] }));
    expect(m1).toBe(`prob.json: q[0]: expected a finite number, found the string "${'x'.repeat(100)}…" (5000000 characters)`);
    const m2 = err(JSON.stringify({ P, q: [0], [long]: 1 }));
    expect(m2.length).toBeLessThan(300);
    expect(m2).toContain('(5000000 characters)');
    const m3 = err(`{"P": ${'9'.repeat(5_000_000)}x}`);
    expect(m3.length).toBeLessThan(300);
    expect(m3).toMatch(/^prob\.json: invalid JSON: /);
  });
});

