import { describe, expect, it } from 'vitest';
import { FileFormatError, InputError } from '../optimizer/errors.ts';
import { cscFromTriplets, cscToDense, cscTranspose, cscUpperTriangle } from '../optimizer/linalg/csc.ts';
import { readMatrixMarket, writeMatrixMarket } from '../optimizer/linalg/mtx.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';
import { Rng } from '../optimizer/util/random.ts';

function expectSameCsc(a: CscMatrix, b: CscMatrix): void {
  expect([a.nrows, a.ncols]).toEqual([b.nrows, b.ncols]);
  expect(Array.from(a.colPtr)).toEqual(Array.from(b.colPtr));
  expect(Array.from(a.rowIdx)).toEqual(Array.from(b.rowIdx));
  // bitwise equality of the doubles (Object.is distinguishes −0 and +0)
  for (let p = 0; p < a.values.length; p++) expect(Object.is(a.values[p], b.values[p])).toBe(true);
}

/** Random sparse matrix with awkward values: tiny, huge, subnormal, many digits, −0, explicit 0. */
function awkwardMatrix(m: number, n: number, rng: Rng): CscMatrix {
  const specials = [5e-324, 1.7976931348623157e308, -2.2250738585072014e-308, 0.1, 1 / 3, -0, 0, 123456789.12345679, 1e21, -1e-7];
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  const seen = new Set<number>();
  for (let k = 0; k < (m * n) / 3; k++) {
    const i = rng.int(m);
    const j = rng.int(n);
    if (seen.has(i * n + j)) continue; // unique entries so no summation changes the values
    seen.add(i * n + j);
    rows.push(i);
    cols.push(j);
    vals.push(k < specials.length ? specials[k]! : rng.normal() * 10 ** rng.int(20) * (rng.uniform() < 0.5 ? 1e-10 : 1));
  }
  return cscFromTriplets(m, n, rows, cols, vals);
}

describe('Matrix Market', () => {
  it('reads a hand-written general file with comments, blank lines and CRLF', () => {
    const text = [
      '%%MatrixMarket matrix coordinate real general',
      '% a comment',
      '',
      '3 4 4',
      '1 1 2.5',
      '3 4 -1e-3\r',
      '  2   2   7  ',
      '% comment between entries',
      '3 1 0',
    ].join('\n');
    const { matrix, symmetry } = readMatrixMarket(text, 'hand.mtx');
    expect(symmetry).toBe('general');
    expect([matrix.nrows, matrix.ncols]).toEqual([3, 4]);
    expect(matrix.colPtr[4]).toBe(4); // the explicit zero is kept
    expect(Array.from(cscToDense(matrix).data)).toEqual([2.5, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, -1e-3]);
  });

  it('returns the FULL matrix for symmetric files (lower triangle stored) and negates skew-symmetric', () => {
    const sym = readMatrixMarket('%%MatrixMarket matrix coordinate real symmetric\n3 3 4\n1 1 4\n2 1 -1\n3 2 2\n3 3 5\n');
    expect(sym.symmetry).toBe('symmetric');
    expect(Array.from(cscToDense(sym.matrix).data)).toEqual([4, -1, 0, -1, 0, 2, 0, 2, 5]);
    const skew = readMatrixMarket('%%MatrixMarket matrix coordinate integer skew-symmetric\n2 2 1\n2 1 3\n');
    expect(Array.from(cscToDense(skew.matrix).data)).toEqual([0, -3, 3, 0]);
    const pat = readMatrixMarket('%%MatrixMarket matrix coordinate pattern general\n2 3 2\n1 3\n2 1\n');
    expect(Array.from(cscToDense(pat.matrix).data)).toEqual([0, 0, 1, 1, 0, 0]);
    // duplicates are summed
    const dup = readMatrixMarket('%%MatrixMarket matrix coordinate real general\n1 1 2\n1 1 1.5\n1 1 2\n');
    expect(Array.from(dup.matrix.values)).toEqual([3.5]);
  });

  it('reads the dense array format (column-major, symmetric lower part)', () => {
    const g = readMatrixMarket('%%MatrixMarket matrix array real general\n2 3\n1\n2\n3\n4\n5\n6\n');
    expect(Array.from(cscToDense(g.matrix).data)).toEqual([1, 3, 5, 2, 4, 6]);
    const s = readMatrixMarket('%%MatrixMarket matrix array real symmetric\n2 2\n1\n2\n3\n');
    expect(Array.from(cscToDense(s.matrix).data)).toEqual([1, 2, 2, 3]);
  });

  it('round-trips general matrices exactly (every double, −0, explicit zeros, ±inf)', () => {
    const rng = new Rng('mtx-roundtrip');
    for (const [m, n] of [
      [7, 5],
      [1, 1],
      [30, 12],
      [4, 0],
    ] as const) {
      const M = awkwardMatrix(m, n, rng);
      const text = writeMatrixMarket(M, { comment: 'round trip\nsecond line' });
      expect(text.split('\n')[1]).toBe('% round trip');
      expectSameCsc(readMatrixMarket(text, 'rt.mtx').matrix, M);
    }
    const inf = cscFromTriplets(2, 1, [0, 1], [0, 0], [Infinity, -Infinity]);
    expectSameCsc(readMatrixMarket(writeMatrixMarket(inf)).matrix, inf);
  });

  it('round-trips symmetric matrices through the lower triangle', () => {
    const rng = new Rng('mtx-sym');
    const A = awkwardMatrix(9, 9, rng);
    // S = A + Aᵀ assembled by triplets so that it is exactly symmetric
    const T = cscTranspose(A);
    const rows: number[] = [];
    const cols: number[] = [];
    const vals: number[] = [];
    for (const X of [A, T])
      for (let j = 0; j < 9; j++)
        for (let p = X.colPtr[j]!; p < X.colPtr[j + 1]!; p++) {
          rows.push(X.rowIdx[p]!);
          cols.push(j);
          vals.push(X.values[p]!);
        }
    const S = cscFromTriplets(9, 9, rows, cols, vals);
    const text = writeMatrixMarket(S, { symmetric: true });
    expect(text.startsWith('%%MatrixMarket matrix coordinate real symmetric\n')).toBe(true);
    // only entries with i ≥ j are written
    for (const line of text.split('\n').slice(2)) {
      if (line === '') continue;
      const [i, j] = line.split(' ').map(Number);
      expect(i!).toBeGreaterThanOrEqual(j!);
    }
    const back = readMatrixMarket(text);
    expect(back.symmetry).toBe('symmetric');
    expect(Array.from(cscToDense(back.matrix).data)).toEqual(Array.from(cscToDense(S).data));
    // an upper-triangle-only matrix is written as its transposed lower triangle
    const U = cscUpperTriangle(S);
    expect(Array.from(cscToDense(readMatrixMarket(writeMatrixMarket(U, { symmetric: true })).matrix).data)).toEqual(
      Array.from(cscToDense(S).data),
    );
    // not symmetric → InputError
    const N = cscFromTriplets(2, 2, [0, 1], [1, 0], [1, 2]);
    expect(() => writeMatrixMarket(N, { symmetric: true })).toThrow(InputError);
    expect(() => writeMatrixMarket(cscFromTriplets(2, 3, [], [], []), { symmetric: true })).toThrow(/square/);
  });

  it('rejects malformed files with FileFormatError naming the file and line', () => {
    const bad: [string, RegExp][] = [
      ['', /empty file/],
      ['%MatrixMarket matrix coordinate real general\n1 1 0\n', /line 1: expected the banner/],
      ['%%MatrixMarket matrix coordinate complex general\n1 1 0\n', /line 1: unsupported field "complex"/],
      ['%%MatrixMarket matrix coordinate real hermitian\n1 1 0\n', /unsupported symmetry/],
      ['%%MatrixMarket vector coordinate real general\n1 1 0\n', /unsupported object/],
      ['%%MatrixMarket matrix coordinate real general\n% only comments\n', /missing size line/],
      ['%%MatrixMarket matrix coordinate real general\n2 2\n', /line 2: size line needs 3 integers/],
      ['%%MatrixMarket matrix coordinate real general\n2 -2 1\n1 1 1\n', /line 2: size "-2"/],
      ['%%MatrixMarket matrix coordinate real general\n2 2 1\n3 1 1\n', /line 3: row index "3" outside 1..2/],
      ['%%MatrixMarket matrix coordinate real general\n2 2 1\n1 0 1\n', /line 3: column index "0" outside 1..2/],
      ['%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n% padding comment\n', /expected 2 entries, found 1/],
      // hostile headers: the declaration is checked against the characters left, at once
      ['%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n', /line 2: 2 entries declared, but the 6 characters after the size line can hold at most 1/],
      ['%%MatrixMarket matrix coordinate real general\n3 3 1000000000000\n1 1 1\n', /line 2: 1000000000000 entries declared, but the 6 characters/],
      ['%%MatrixMarket matrix coordinate pattern general\n3 3 3\n1 1\n2 2\n', /can hold at most 2/],
      ['%%MatrixMarket matrix array real general\n100000 100000\n1\n', /100000 × 100000 general array \(10000000000 values\) declared/],
      ['%%MatrixMarket matrix array real symmetric\n3 3\n1\n2\n3\n4\n5\n', /\(6 values\) declared, but the 10 characters after the size line can hold at most 5/],
      ['%%MatrixMarket matrix coordinate real general\n2147483647 2147483647 0\n', /2147483647 × 2147483647 declared in a file of \d+ characters; rows and columns are limited to 1048576/],
      ['%%MatrixMarket matrix array real general\n0 2000000\n', /rows and columns are limited to 1048576/],
      [`%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 ${'7'.repeat(100)}x${'7'.repeat(5_000_000)}\n`, /line 3: "7{100}…" \(5000101 characters\) is not a number$/],
      ['%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1\n2 2 1\n', /line 4: more entries than the 1 declared on line 2/],
      ['%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 abc\n', /line 3: "abc" is not a number/],
      ['%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1    \n', /line 3: expected 3 values per entry/],
      ['%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 1.5\n', /not an integer/],
      ['%%MatrixMarket matrix coordinate real symmetric\n2 3 0\n', /must be square/],
      ['%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n1 1 1\n', /zero diagonal/],
    ];
    for (const [text, re] of bad) {
      let err: unknown;
      try {
        readMatrixMarket(text, 'bad.mtx');
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(FileFormatError);
      expect((err as FileFormatError).file).toBe('bad.mtx');
      expect((err as Error).message).toMatch(re);
      expect((err as Error).message.length).toBeLessThan(300);
    }
  });

  it('accepts a file of exactly the shortest spelling the entry-count check assumes, and large empty dimensions up to the limit', () => {
    const tight = '%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2 2 2';
    expect(Array.from(readMatrixMarket(tight).matrix.values)).toEqual([1, 2]);
    const pattern = '%%MatrixMarket matrix coordinate pattern general\n2 2 2\n1 1\n2 2';
    expect(readMatrixMarket(pattern).matrix.colPtr[2]).toBe(2);
    const arr = '%%MatrixMarket matrix array real general\n2 1\n1\n2';
    expect(Array.from(readMatrixMarket(arr).matrix.values)).toEqual([1, 2]);
    const wide = readMatrixMarket('%%MatrixMarket matrix coordinate real general\n1 1048576 1\n1 1048576 3\n').matrix;
    expect(wide.ncols).toBe(1048576);
    expect(wide.colPtr[1048576]).toBe(1);
  });

  it('refuses to write NaN', () => {
    expect(() => writeMatrixMarket(cscFromTriplets(1, 1, [0], [0], [Number.NaN]))).toThrow(InputError);
  });
});
