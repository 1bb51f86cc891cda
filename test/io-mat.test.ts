import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../optimizer/errors.ts';
import { matToMatrix, matToScalar, matToVector, readMat, type MatValue } from '../optimizer/io/mat.ts';
import { InflateBudget } from '../optimizer/io/limits.ts';
import { cscToDense, cscTranspose } from '../optimizer/linalg/csc.ts';
import { toDense } from '../optimizer/linalg/matrix.ts';
import { dataPath, itData } from './data.ts';

// the shared collection, resolved from the repository root (skipped when absent, failing under DQP_REQUIRE_DATA=1)
const MM_DIR = dataPath('maros_meszaros');

// ---------------------------------------------------------------------------------------------
// A minimal Level 5 writer for synthetic files (independent of the reader: built from the spec)
// ---------------------------------------------------------------------------------------------

type Num = { type: number; values: number[] };
const T = { int8: 1, uint8: 2, int16: 3, uint16: 4, int32: 5, uint32: 6, single: 7, double: 9, int64: 12, matrix: 14, compressed: 15, utf8: 16, utf16: 17 };
const SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 16: 1, 17: 2 };

class Writer {
  constructor(readonly little: boolean) {}

  raw(type: number, values: number[]): Uint8Array {
    const size = SIZE[type]!;
    const b = new Uint8Array(values.length * size);
    const v = new DataView(b.buffer);
    values.forEach((x, i) => {
      const p = i * size;
      if (type === T.double) v.setFloat64(p, x, this.little);
      else if (type === T.single) v.setFloat32(p, x, this.little);
      else if (type === T.int8) v.setInt8(p, x);
      else if (type === T.uint8 || type === T.utf8) v.setUint8(p, x);
      else if (type === T.int16) v.setInt16(p, x, this.little);
      else if (type === T.uint16 || type === T.utf16) v.setUint16(p, x, this.little);
      else if (type === T.int32) v.setInt32(p, x, this.little);
      else if (type === T.uint32) v.setUint32(p, x, this.little);
      else if (type === T.int64) v.setBigInt64(p, BigInt(x), this.little);
    });
    return b;
  }

  /** Tag + data (+ padding to 8 bytes); the small format when `small` and ≤ 4 bytes. */
  element(type: number, data: Uint8Array, small = false): Uint8Array {
    if (small && data.length <= 4) {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setUint32(0, (data.length << 16) | type, this.little);
      out.set(data, 4);
      return out;
    }
    const padded = type === T.compressed ? data.length : Math.ceil(data.length / 8) * 8;
    const out = new Uint8Array(8 + padded);
    const v = new DataView(out.buffer);
    v.setUint32(0, type, this.little);
    v.setUint32(4, data.length, this.little);
    out.set(data, 8);
    return out;
  }

  num(n: Num, small = false): Uint8Array {
    return this.element(n.type, this.raw(n.type, n.values), small);
  }

  /** miMATRIX with flags, dims, name and the given tail elements. */
  matrix(cls: number, dims: number[], name: string, tail: Uint8Array[], opts: { flags?: number; nzmax?: number } = {}): Uint8Array {
    const flags = this.element(T.uint32, this.raw(T.uint32, [(opts.flags ?? 0) | cls, opts.nzmax ?? 0]));
    const d = this.element(T.int32, this.raw(T.int32, dims));
    const nm = this.element(T.int8, new Uint8Array([...name].map((c) => c.charCodeAt(0))), true);
    return this.element(T.matrix, concat([flags, d, nm, ...tail]));
  }

  file(elements: Uint8Array[], compress = false): Uint8Array {
    const head = new Uint8Array(128).fill(32);
    const text = 'MATLAB 5.0 MAT-file, written by the dqp test suite';
    for (let i = 0; i < text.length; i++) head[i] = text.charCodeAt(i);
    head.fill(0, 116, 124);
    const v = new DataView(head.buffer);
    v.setUint16(124, 0x0100, this.little);
    v.setUint16(126, 0x4d49, this.little); // 'MI' as a 16-bit value: bytes "IM" little-endian
    const body = compress ? elements.map((e) => this.element(T.compressed, deflateSync(e))) : elements;
    return concat([head, ...body]);
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A file exercising every supported construct. */
function sampleFile(little: boolean, compress: boolean): Uint8Array {
  const w = new Writer(little);
  return w.file(
    [
      // 2×3 double, column-major [1 3 5; 2 4 6]
      w.matrix(6, [2, 3], 'D', [w.num({ type: T.double, values: [1, 2, 3, 4, 5, 6] })]),
      // class double stored compactly as uint8 / int16 (MATLAB's space saving)
      w.matrix(6, [1, 1], 'n', [w.num({ type: T.uint8, values: [200] }, true)]),
      w.matrix(6, [3, 1], 'v', [w.num({ type: T.int16, values: [-7, 0, 300] })]),
      // int32 class, single class, int64 class
      w.matrix(12, [1, 2], 'i32', [w.num({ type: T.int32, values: [-5, 2147483647] })]),
      w.matrix(7, [1, 1], 'f', [w.num({ type: T.single, values: [0.5] }, true)]),
      w.matrix(14, [1, 2], 'i64', [w.num({ type: T.int64, values: [-(2 ** 40), 3] })]),
      // logical dense
      w.matrix(9, [1, 3], 'mask', [w.num({ type: T.uint8, values: [1, 0, 1] }, true)], { flags: 0x0200 }),
      // 3×3 sparse with an unsorted column: [[1, 0, 0], [0, 0, 2], [4, 3, 0]]
      w.matrix(
        5,
        [3, 3],
        'S',
        [
          w.num({ type: T.int32, values: [2, 0, 2, 1] }), // column 0 rows {2, 0} unsorted
          w.num({ type: T.int32, values: [0, 2, 3, 4] }),
          w.num({ type: T.double, values: [4, 1, 3, 2] }),
        ],
        { nzmax: 4 },
      ),
      // logical sparse 2×2 diagonal
      w.matrix(
        5,
        [2, 2],
        'L',
        [w.num({ type: T.int32, values: [0, 1] }), w.num({ type: T.int32, values: [0, 1, 2] }), w.num({ type: T.uint8, values: [1, 1] }, true)],
        { flags: 0x0200, nzmax: 2 },
      ),
      // char 1×5 (uint16 code units) and 2×2 (column-major "ac", "bd")
      w.matrix(4, [1, 5], 'name', [w.num({ type: T.utf16, values: [...'hello'].map((c) => c.charCodeAt(0)) })]),
      w.matrix(4, [2, 2], 'grid', [w.num({ type: T.utf16, values: [...'abcd'].map((c) => c.charCodeAt(0)) })]),
      // complex double and a cell: reported as unsupported
      w.matrix(6, [1, 1], 'z', [w.num({ type: T.double, values: [1] }), w.num({ type: T.double, values: [2] })], { flags: 0x0800 }),
      w.matrix(1, [1, 1], 'c', [w.element(T.matrix, new Uint8Array(0))]),
      // empty 0×0 double
      w.matrix(6, [0, 0], 'empty', [w.element(T.double, new Uint8Array(0))]),
    ],
    compress,
  );
}

function checkSample(vars: Map<string, MatValue>): void {
  const D = vars.get('D')!;
  expect(D.kind).toBe('dense');
  if (D.kind === 'dense') {
    expect([D.rows, D.cols, D.mxClass]).toEqual([2, 3, 'double']);
    expect(Array.from(D.data)).toEqual([1, 2, 3, 4, 5, 6]); // column-major, as stored
  }
  expect(Array.from(toDense(matToMatrix(D, 'D', 'f')).data)).toEqual([1, 3, 5, 2, 4, 6]); // row-major
  expect(matToScalar(vars.get('n')!, 'n', 'f')).toBe(200);
  expect(Array.from(matToVector(vars.get('v')!, 'v', 'f'))).toEqual([-7, 0, 300]);
  const i32 = vars.get('i32')!;
  expect(i32.kind === 'dense' && i32.mxClass).toBe('int32');
  expect(Array.from(matToVector(i32, 'i32', 'f'))).toEqual([-5, 2147483647]);
  expect(matToScalar(vars.get('f')!, 'f', 'f')).toBe(0.5);
  expect(Array.from(matToVector(vars.get('i64')!, 'i64', 'f'))).toEqual([-(2 ** 40), 3]);
  const mask = vars.get('mask')!;
  expect(mask.kind === 'dense' && mask.mxClass).toBe('logical');
  expect(Array.from(matToVector(mask, 'mask', 'f'))).toEqual([1, 0, 1]);
  const S = vars.get('S')!;
  expect(S.kind).toBe('sparse');
  if (S.kind === 'sparse') {
    expect(Array.from(S.matrix.rowIdx)).toEqual([0, 2, 2, 1]); // sorted within columns
    expect(Array.from(cscToDense(S.matrix).data)).toEqual([1, 0, 0, 0, 0, 2, 4, 3, 0]);
  }
  const L = vars.get('L')!;
  expect(L.kind === 'sparse' && L.mxClass).toBe('logical');
  expect(vars.get('name')).toEqual({ kind: 'char', rows: 1, cols: 5, text: 'hello' });
  expect(vars.get('grid')).toEqual({ kind: 'char', rows: 2, cols: 2, text: 'ac\nbd' });
  expect(vars.get('z')!.kind).toBe('unsupported');
  expect(vars.get('c')).toMatchObject({ kind: 'unsupported', mxClass: 'cell' });
  expect(matToVector(vars.get('empty')!, 'empty', 'f').length).toBe(0);
  expect(() => matToScalar(vars.get('v')!, 'v', 'x.mat')).toThrow(/x.mat: "v": expected a scalar, found a 3×1 double array/);
  expect(() => matToVector(vars.get('z')!, 'z', 'x.mat')).toThrow(FileFormatError);
}

describe('readMat on synthetic files', () => {
  for (const little of [true, false])
    for (const compress of [false, true])
      it(`reads every supported construct (${little ? 'little' : 'big'}-endian, ${compress ? 'compressed' : 'uncompressed'})`, () => {
        checkSample(readMat(sampleFile(little, compress), 'sample.mat'));
      });
});

describe('readMat rejects malformed input with FileFormatError', () => {
  const good = sampleFile(true, true);
  const cases: [string, Uint8Array, RegExp][] = [
    ['a short file', good.subarray(0, 100), /too short for a MAT-file header/],
    ['a wrong endian indicator', (() => {
      const b = good.slice();
      b[126] = 0x58;
      return b;
    })(), /not a MATLAB Level 5 MAT-file/],
    ['a v7.3 (HDF5) header', (() => {
      const b = good.slice();
      b.set([...'MATLAB 7.3 MAT-file'].map((c) => c.charCodeAt(0)), 0);
      return b;
    })(), /v7\.3 \(HDF5\)/],
    ['a truncated file', good.subarray(0, good.length - 10), /runs past the end|truncated/],
    ['a corrupt zlib stream', (() => {
      const b = good.slice();
      for (let i = 138; i < 150; i++) b[i] = 0xff;
      return b;
    })(), /corrupt compressed element/],
  ];
  for (const [what, bytes, re] of cases)
    it(what, () => {
      expect(() => readMat(bytes, 'bad.mat')).toThrow(FileFormatError);
      expect(() => readMat(bytes, 'bad.mat')).toThrow(re);
      expect(() => readMat(bytes, 'bad.mat')).toThrow(/^bad\.mat: /);
    });

  it('inconsistent array contents', () => {
    const w = new Writer(true);
    const tooFew = w.file([w.matrix(6, [2, 2], 'A', [w.num({ type: T.double, values: [1, 2, 3] })])]);
    expect(() => readMat(tooFew, 'few.mat')).toThrow(/"A": 3 values for dimensions 2×2/);
    const badRow = w.file([
      w.matrix(5, [2, 1], 'S', [w.num({ type: T.int32, values: [5] }), w.num({ type: T.int32, values: [0, 1] }), w.num({ type: T.double, values: [1] })]),
    ]);
    expect(() => readMat(badRow, 'row.mat')).toThrow(/row index 5 outside 0..1/);
    const badJc = w.file([
      w.matrix(5, [2, 2], 'S', [w.num({ type: T.int32, values: [0] }), w.num({ type: T.int32, values: [0, 1] }), w.num({ type: T.double, values: [1] })]),
    ]);
    expect(() => readMat(badJc, 'jc.mat')).toThrow(/2 column starts for 2 columns/);
  });
});

describe('readMat bounds its work on hostile sizes', () => {
  const w = new Writer(true);
  it('refuses dimensions the data cannot back (sparse rows, empty dense arrays) before converting', () => {
    // a 2147483647×1 sparse vector with one entry: densifying it would take 16 GB
    const sparse = w.file([
      w.matrix(5, [2147483647, 1], 'l', [w.num({ type: T.int32, values: [0] }), w.num({ type: T.int32, values: [0, 1] }), w.num({ type: T.double, values: [1] })]),
    ]);
    expect(() => readMat(sparse, 's.mat')).toThrow(/^s\.mat: dimension 2147483647 is over 1048576 \(the larger of 2\^20 and the \d+ bytes it was read from\)/);
    const empty = w.file([w.matrix(6, [0, 2000000000], 'P', [w.num({ type: T.double, values: [] })])]);
    expect(() => readMat(empty, 'e.mat')).toThrow(/dimension 2000000000 is over 1048576/);
    const many = w.file([w.matrix(6, new Array<number>(65).fill(1), 'P', [w.num({ type: T.double, values: [1] })])]);
    expect(() => readMat(many, 'n.mat')).toThrow(/^n\.mat: 65 dimensions \(at most 64 are read\)/);
    // up to the limit an empty dimension is fine
    const ok = readMat(w.file([w.matrix(6, [0, 1048576], 'P', [w.num({ type: T.double, values: [] })])]), 'ok.mat').get('P')!;
    expect(ok.kind === 'dense' && ok.cols).toBe(1048576);
  });

  it('inflates compressed elements under the file budget (a zip bomb is refused, not inflated)', () => {
    const big = w.matrix(6, [100000, 1], 'z', [w.num({ type: T.double, values: new Array<number>(100000).fill(0) })]); // 800 kB of zeros
    const bomb = w.file([big], true);
    expect(bomb.length).toBeLessThan(5000);
    expect(readMat(bomb, 'b.mat').get('z')!.kind).toBe('dense'); // the default budget (64 MiB) reads it
    expect(() => readMat(bomb, 'b.mat', new InflateBudget(100000))).toThrow(
      /^b\.mat: compressed element inflates past the 100000 bytes one MAT-file may inflate to in all \(0 used so far\): refused as a possible zip bomb/,
    );
    const budget = new InflateBudget(2_000_000);
    expect(() => readMat(w.file([big, big, big], true), 'b3.mat', budget)).toThrow(/inflates past the 2000000 bytes .*\(1600\d{3} used so far\)/);
  });

  it('refuses a compressed element inside a compressed element', () => {
    const inner = w.element(T.compressed, deflateSync(w.matrix(6, [1, 1], 'x', [w.num({ type: T.double, values: [1] })])));
    const file = w.file([w.element(T.compressed, deflateSync(inner))]);
    expect(() => readMat(file, 'n.mat')).toThrow(/^n\.mat: a compressed element inside a compressed element/);
  });

  it('quotes at most ~100 characters of a long variable name', () => {
    const long = 'v'.repeat(5000);
    const file = w.file([w.matrix(6, [2, 2], long, [w.num({ type: T.double, values: [1, 2, 3] })])]);
    let msg = '';
    try {
      readMat(file, 'long.mat');
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/"v{100}…" \(5000 characters\): 3 values for dimensions 2×2/);
    expect(msg.length).toBeLessThan(300);
  });
});

describe('readMat on the Maros–Meszaros collection', () => {
  itData('maros_meszaros', 'reads every problem with consistent P, q, A, l, u, n, m', () => {
    const files = readdirSync(MM_DIR).filter((f) => f.endsWith('.mat'));
    expect(files.length).toBeGreaterThanOrEqual(137);
    for (const f of files) {
      const vars = readMat(readFileSync(resolve(MM_DIR, f)), f);
      const n = matToScalar(vars.get('n')!, 'n', f);
      const m = matToScalar(vars.get('m')!, 'm', f);
      const P = vars.get('P')!;
      const A = vars.get('A')!;
      expect(P.kind, f).toBe('sparse');
      expect(A.kind, f).toBe('sparse');
      if (P.kind !== 'sparse' || A.kind !== 'sparse') continue;
      expect([P.matrix.nrows, P.matrix.ncols], f).toEqual([n, n]);
      expect([A.matrix.nrows, A.matrix.ncols], f).toEqual([m, n]);
      expect(matToVector(vars.get('q')!, 'q', f).length, f).toBe(n);
      const l = matToVector(vars.get('l')!, 'l', f);
      const u = matToVector(vars.get('u')!, 'u', f);
      expect([l.length, u.length], f).toEqual([m, m]);
      for (let i = 0; i < m; i++) if (!(l[i]! <= u[i]!)) expect.fail(`${f}: l[${i}] = ${l[i]} > u[${i}] = ${u[i]}`);
      expect(Number.isFinite(matToScalar(vars.get('r')!, 'r', f)), f).toBe(true);
      // P is stored with both triangles: exactly symmetric, which a misread index would break
      const Pt = cscTranspose(P.matrix);
      expect(Array.from(Pt.colPtr), f).toEqual(Array.from(P.matrix.colPtr));
      expect(Pt.rowIdx.every((v, k) => v === P.matrix.rowIdx[k]) && Pt.values.every((v, k) => v === P.matrix.values[k]), f).toBe(true);
      // the last n rows of A are the identity (variable bounds), per the collection's convention
      const Ad = A.matrix;
      let identityRows = 0;
      for (let j = 0; j < n; j++)
        for (let p = Ad.colPtr[j]!; p < Ad.colPtr[j + 1]!; p++) if (Ad.rowIdx[p] === m - n + j && Ad.values[p] === 1) identityRows++;
      expect(identityRows, f).toBe(n);
    }
  });

  itData('maros_meszaros/HS21.mat', 'reads values exactly: HS21 (hand-checked against the SIF problem)', () => {
    // HS21: min 0.01 x1² + x2² − 100 s.t. 10 x1 − x2 ≥ 10, 2 ≤ x1 ≤ 50, −50 ≤ x2 ≤ 50
    const vars = readMat(readFileSync(resolve(MM_DIR, 'HS21.mat')), 'HS21.mat');
    const P = vars.get('P')!;
    expect(Array.from(toDense(matToMatrix(P, 'P', 'HS21')).data)).toEqual([0.02, 0, 0, 2]);
    expect(matToScalar(vars.get('r')!, 'r', 'HS21')).toBe(-100);
    expect(Array.from(toDense(matToMatrix(vars.get('A')!, 'A', 'HS21')).data)).toEqual([10, -1, 1, 0, 0, 1]);
    expect(Array.from(matToVector(vars.get('l')!, 'l', 'HS21'))).toEqual([10, 2, -50]);
    expect(Array.from(matToVector(vars.get('u')!, 'u', 'HS21')).slice(1)).toEqual([50, 50]);
  });
});
