import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileFormatError } from '../optimizer/errors.ts';
import { readHandles } from '../geometry/embedding-input.ts';
import { readObj, readObjFile } from '../geometry/obj-read.ts';
import { writeObj } from '../geometry/obj-write.ts';
import { rng } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'dqp-geometry-obj-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectFileError(fn: () => unknown, file: string, pattern: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FileFormatError);
  const fe = err as FileFormatError;
  expect(fe.file).toBe(file);
  expect(fe.message).toContain(file);
  expect(fe.message).toMatch(pattern);
}

describe('readObj', () => {
  it('reads v, vt, vn and all face corner forms with 0-based indices', () => {
    const text = [
      '# a quad as two triangles',
      'v 0 0 0',
      'v 1 0 0',
      'v 1 1 0.5',
      'v 0 1 0',
      'vt 0 0',
      'vt 1 0',
      'vt 1 1',
      'vt 0 1',
      'vn 0 0 1',
      'o part',
      'g group',
      's off',
      'usemtl m',
      'f 1/1/1 2/2/1 3/3/1',
      'f 1//1 3//1 4//1',
    ].join('\n');
    const m = readObj(text, 'quad.obj');
    expect(m.nv).toBe(4);
    expect(m.nf).toBe(2);
    expect(Array.from(m.V)).toEqual([0, 0, 0, 1, 0, 0, 1, 1, 0.5, 0, 1, 0]);
    expect(Array.from(m.F)).toEqual([0, 1, 2, 0, 2, 3]);
    expect(Array.from(m.VT!)).toEqual([0, 0, 1, 0, 1, 1, 0, 1]);
    // the second face has no vt: −1 per corner
    expect(Array.from(m.FT!)).toEqual([0, 1, 2, -1, -1, -1]);
  });

  it('resolves negative indices for v and vt relative to what is defined so far, across objects', () => {
    const text = ['o a', 'v 0 0 0', 'v 1 0 0', 'vt 0 0', 'vt 1 0', 'o b', 'v 0 1 0', 'vt 0 1', 'f -3/-3 -2/-2 -1/-1', 'f 1/1 2/2 3/3'].join('\n');
    const m = readObj(text, 'neg.obj');
    expect(Array.from(m.F)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(Array.from(m.FT!)).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('accepts CRLF, 2-coordinate vertices, line continuations and trailing comments', () => {
    const m = readObj('v 0 0\r\nv 1 0 # right\r\nv 0 \\\r\n 1\r\nf 1 2 \\\n 3\r\n', 'crlf.obj');
    expect(Array.from(m.V)).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0]);
    expect(Array.from(m.F)).toEqual([0, 1, 2]);
    expect(m.VT).toBeNull();
    expect(m.FT).toBeNull();
  });

  it('names the file and the line for every malformed input', () => {
    const f = 'bad.obj';
    expectFileError(() => readObj('v 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 1 0\nf 1 2 3 4\n', f), f, /line 5: face 0 has 4 vertices; dqp needs triangles/);
    expectFileError(() => readObj('v 0 0 0\nv 1 0 0\nf 1 2\n', f), f, /line 3: face 0 has 2 vertices/);
    expectFileError(() => readObj('v 0 abc 0\n', f), f, /line 1: coordinate "abc" is not a finite number/);
    expectFileError(() => readObj('v 1.5x 0 0\n', f), f, /line 1: coordinate "1.5x"/);
    expectFileError(() => readObj('v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 x 3\n', f), f, /line 4: .*vertex index "x" is not an integer/);
    expectFileError(() => readObj('v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 4\n', f), f, /line 4: .*vertex index 4 out of range \(3 vertices defined so far\)/);
    expectFileError(() => readObj('v 0 0 0\nv 1 0 0\nv 0 1 0\nf 0 1 2\n', f), f, /line 4: .*index 0 \(OBJ indices start at 1\)/);
    expectFileError(() => readObj('v 0 0 0\nv 1 0 0\nv 0 1 0\nf -4 1 2\n', f), f, /line 4: .*index -4 out of range/);
    expectFileError(() => readObj('v 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nf 1/2 2/1 3/1\n', f), f, /line 5: .*texture coordinate index 2 out of range/);
    expectFileError(() => readObj('v 0 0 0\nhello world\n', f), f, /line 2: unknown statement "hello"/);
    expectFileError(() => readObj('v 0 0 0\n', f), f, /no faces/);
    expectFileError(() => readObj('# nothing\n', f), f, /no vertices/);
  });

  it('reports a missing file as a FileFormatError naming it', () => {
    const p = join(dir, 'does-not-exist.obj');
    expectFileError(() => readObjFile(p), p, /file not found/);
  });
});

describe('writeObj', () => {
  it('round-trips random 3-D meshes exactly (full precision)', () => {
    const r = rng(7);
    const nv = 50;
    const V = new Float64Array(3 * nv);
    for (let k = 0; k < V.length; k++) V[k] = (r() - 0.5) * 10 ** Math.floor(r() * 12 - 6);
    V[4] = -0;
    const F = new Int32Array(3 * 80);
    for (let k = 0; k < F.length; k++) F[k] = Math.floor(r() * nv);
    const text = writeObj(V, 3, F, { comment: 'random\nmesh' });
    expect(text.startsWith('# random\n# mesh\n')).toBe(true);
    const m = readObj(text, 'rt.obj');
    expect(m.V).toEqual(V);
    expect(Object.is(m.V[4], -0)).toBe(true);
    expect(m.F).toEqual(F);
  });

  it('writes 2-D positions with z = 0 and per-vertex vt as f a/a b/b c/c', () => {
    const V = Float64Array.from([0.1, 0.2, 1 / 3, 0.7, 0.9, 2 / 3]);
    const VT = Float64Array.from([0, 0, 1, 0, 0, 1]);
    const F = Int32Array.from([0, 1, 2]);
    const text = writeObj(V, 2, F, { VT });
    expect(text).toContain('f 1/1 2/2 3/3');
    const m = readObj(text, 'rt2.obj');
    expect(Array.from(m.V)).toEqual([0.1, 0.2, 0, 1 / 3, 0.7, 0, 0.9, 2 / 3, 0]);
    expect(m.VT).toEqual(VT);
    expect(Array.from(m.FT!)).toEqual([0, 1, 2]);
  });

  it('rejects out-of-range faces and non-finite positions', () => {
    expect(() => writeObj(Float64Array.from([0, 0, 1, 1]), 2, Int32Array.from([0, 1, 2]))).toThrow(/F: expected indices in \[0, 2\), found 2 in face 0/);
    expect(() => writeObj(Float64Array.from([0, NaN, 1, 1]), 2, Int32Array.from([0, 1, 1]))).toThrow(/V: expected finite coordinates, found NaN at vertex 0/);
  });
});

describe('readHandles', () => {
  it('reads 0-based ids and rejects junk or out-of-range ids naming the file', () => {
    expect(Array.from(readHandles('0\n5\n 7 \n\n', 'h.txt', 8))).toEqual([0, 5, 7]);
    expectFileError(() => readHandles('0\nx\n', 'h.txt', 8), 'h.txt', /line 2: "x" is not a vertex id/);
    expectFileError(() => readHandles('0\n8\n', 'h.txt', 8), 'h.txt', /line 2: vertex id 8 out of range \(the mesh has 8 vertices\)/);
  });

  it('writes and re-reads a file on disk', () => {
    const p = join(dir, 'tri.obj');
    writeFileSync(p, writeObj(Float64Array.from([0, 0, 1, 0, 0, 1]), 2, Int32Array.from([0, 1, 2])));
    const m = readObjFile(p);
    expect(m.source).toBe(p);
    expect(m.nf).toBe(1);
  });

  it('quotes at most ~100 characters of an offending token (a 5 MB number gives a short message)', () => {
    const big = '9'.repeat(5_000_000);
    const cases: [string, RegExp][] = [
      [`v ${big}e9 0 0\nf 1 1 1\n`, /line 1: coordinate "9{100}…" \(5000002 characters\) is not a finite number$/],
      [`v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 ${big}\n`, /line 4: face corner "9{100}…" \(5000000 characters\): vertex index "9{100}…" \(5000000 characters\) out of range \(3 vertices defined so far\)$/],
      [`v 0 0 0\nf 1 1 x${big}\n`, /line 2: face corner "x9{99}…" \(5000001 characters\): vertex index "x9{99}…" \(5000001 characters\) is not an integer$/],
      [`${'w'.repeat(1000)} 1\n`, /line 1: unknown statement "w{100}…" \(1000 characters\)$/],
    ];
    for (const [text, re] of cases) {
      expectFileError(() => readObj(text, 'long.obj'), 'long.obj', re);
      try {
        readObj(text, 'long.obj');
      } catch (e) {
        expect((e as Error).message.length).toBeLessThan(400);
      }
    }
    expectFileError(() => readHandles(`0 ${big}\n`, 'h.txt', 3), 'h.txt', /line 1: vertex id "9{100}…" \(5000000 characters\) out of range \(the mesh has 3 vertices\)$/);
    expectFileError(() => readHandles(`0 -${big}\n`, 'h.txt', 3), 'h.txt', /line 1: "-9{99}…" \(5000001 characters\) is not a vertex id/);
  });
});

