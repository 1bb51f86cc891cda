import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../optimizer/errors.ts';
import { npyToDense, npyToVector, readNpy, readNpz } from '../optimizer/io/npz.ts';
import { InflateBudget, MAX_INFLATED_BYTES } from '../optimizer/io/limits.ts';
import { listZip, readZip } from '../optimizer/io/zip.ts';
import { mpcFromBytes } from '../optimizer/qp/readers.ts';
import { dataPath, itData } from './data.ts';
import { rng } from './helpers.ts';

// the shared collection, resolved from the repository root (skipped when absent, failing under DQP_REQUIRE_DATA=1)
const MPC_DIR = dataPath('mpc_qpbenchmark');

// ---------------------------------------------------------------------------------------------
// Writers for synthetic inputs, built from the format specs (NEP 1 and PKWARE APPNOTE)
// ---------------------------------------------------------------------------------------------

const enc = (s: string): Uint8Array => new Uint8Array([...s].map((c) => c.charCodeAt(0)));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** .npy bytes: header dict text as given, padded so data starts at a multiple of 64. */
function npy(header: string, data: Uint8Array, major = 1): Uint8Array {
  const pre = major === 1 ? 10 : 12;
  let h = header;
  while ((pre + h.length + 1) % 64 !== 0) h += ' ';
  h += '\n';
  const head = new Uint8Array(pre);
  head.set([0x93, ...enc('NUMPY'), major, 0]);
  const v = new DataView(head.buffer);
  if (major === 1) v.setUint16(8, h.length, true);
  else v.setUint32(8, h.length, true);
  return concat([head, enc(h), data]);
}

function bytesOf(kind: 'f8' | 'f4' | 'i8' | 'i4' | 'u1' | 'b1' | 'f2', values: number[], little = true): Uint8Array {
  const size = { f8: 8, f4: 4, i8: 8, i4: 4, u1: 1, b1: 1, f2: 2 }[kind];
  const b = new Uint8Array(values.length * size);
  const v = new DataView(b.buffer);
  values.forEach((x, k) => {
    const p = k * size;
    if (kind === 'f8') v.setFloat64(p, x, little);
    else if (kind === 'f4') v.setFloat32(p, x, little);
    else if (kind === 'i8') v.setBigInt64(p, BigInt(x), little);
    else if (kind === 'i4') v.setInt32(p, x, little);
    else if (kind === 'f2') v.setUint16(p, x, little); // raw half bits
    else v.setUint8(p, x);
  });
  return b;
}

/** A ZIP archive of the members; `deflate` compresses them, `zip64` writes ZIP64 end records. */
function zip(members: [string, Uint8Array][], opts: { deflate?: boolean; zip64?: boolean } = {}): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of members) {
    const comp = opts.deflate ? deflateRawSync(data) : data;
    const crc = crc32(data) >>> 0;
    const nm = enc(name);
    const lh = new Uint8Array(30);
    const lv = new DataView(lh.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, opts.deflate ? 8 : 0, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, comp.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, nm.length, true);
    locals.push(lh, nm, comp);
    const ch = new Uint8Array(46);
    const cv = new DataView(ch.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, opts.deflate ? 8 : 0, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, comp.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, nm.length, true);
    cv.setUint32(42, offset, true);
    centrals.push(ch, nm);
    offset += 30 + nm.length + comp.length;
  }
  const cd = concat(centrals);
  const tail: Uint8Array[] = [];
  if (opts.zip64) {
    const z = new Uint8Array(56);
    const zv = new DataView(z.buffer);
    zv.setUint32(0, 0x06064b50, true);
    zv.setBigUint64(4, 44n, true);
    zv.setBigUint64(24, BigInt(members.length), true);
    zv.setBigUint64(32, BigInt(members.length), true);
    zv.setBigUint64(40, BigInt(cd.length), true);
    zv.setBigUint64(48, BigInt(offset), true);
    const loc = new Uint8Array(20);
    const lv = new DataView(loc.buffer);
    lv.setUint32(0, 0x07064b50, true);
    lv.setBigUint64(8, BigInt(offset + cd.length), true);
    lv.setUint32(16, 1, true);
    tail.push(z, loc);
  }
  const e = new Uint8Array(22);
  const ev = new DataView(e.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, opts.zip64 ? 0xffff : members.length, true);
  ev.setUint16(10, opts.zip64 ? 0xffff : members.length, true);
  ev.setUint32(12, opts.zip64 ? 0xffffffff : cd.length, true);
  ev.setUint32(16, opts.zip64 ? 0xffffffff : offset, true);
  return concat([...locals, cd, ...tail, e]);
}

// ---------------------------------------------------------------------------------------------

describe('readNpy', () => {
  it('reads C- and Fortran-ordered float64 arrays into C order', () => {
    const c = readNpy(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", bytesOf('f8', [1, 2, 3, 4, 5, 6])), 'c.npy')!;
    expect(c.shape).toEqual([2, 3]);
    expect(Array.from(c.data)).toEqual([1, 2, 3, 4, 5, 6]);
    // the same matrix [[1, 2, 3], [4, 5, 6]] stored column-major
    const f = readNpy(npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", bytesOf('f8', [1, 4, 2, 5, 3, 6])), 'f.npy')!;
    expect(Array.from(f.data)).toEqual([1, 2, 3, 4, 5, 6]);
    // 3-D Fortran: element (i, j, k) at i + 2j + 4k in the file, at 4i + 2j + k in C order
    const vals = Array.from({ length: 8 }, (_, p) => p);
    const f3 = readNpy(npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2, 2), }", bytesOf('f8', vals)), 'f3.npy')!;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 2; k++) expect(f3.data[4 * i + 2 * j + k]).toBe(i + 2 * j + 4 * k);
  });

  it('converts every supported dtype to float64, both byte orders, header versions 1-3', () => {
    const cases: [string, Uint8Array, number[]][] = [
      ['>f8', bytesOf('f8', [1.5, -2e300], false), [1.5, -2e300]],
      ['<f4', bytesOf('f4', [0.25, -3]), [0.25, -3]],
      ['<i8', bytesOf('i8', [-(2 ** 40), 7]), [-(2 ** 40), 7]],
      ['>i4', bytesOf('i4', [-5, 123456], false), [-5, 123456]],
      ['|u1', bytesOf('u1', [0, 255]), [0, 255]],
      ['|b1', bytesOf('b1', [1, 0]), [1, 0]],
      ['<f2', bytesOf('f2', [0x3c00, 0xc000]), [1, -2]],
    ];
    for (const [dtype, data, expected] of cases)
      for (const major of [1, 2, 3]) {
        const a = readNpy(npy(`{'descr': '${dtype}', 'fortran_order': False, 'shape': (2,), }`, data, major), 'x.npy')!;
        expect(a.dtype).toBe(dtype);
        expect(Array.from(a.data), dtype).toEqual(expected);
      }
    const scalar = readNpy(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", bytesOf('f8', [42])), 's.npy')!;
    expect(scalar.shape).toEqual([]);
    expect(Array.from(npyToVector(scalar, 's', 's.npy'))).toEqual([42]);
    const empty = readNpy(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }", new Uint8Array(0)), 'e.npy')!;
    expect(npyToDense(empty, 'e', 'e.npy').nrows).toBe(0);
  });

  it("returns null for object arrays ('|O') without unpickling", () => {
    // the bytes after the header are a pickle of None; a reader that tried to use them would fail
    const pickle = new Uint8Array([0x80, 0x02, 0x4e, 0x2e]);
    expect(readNpy(npy("{'descr': '|O', 'fortran_order': False, 'shape': (), }", pickle), 'o.npy')).toBeNull();
  });

  it('rejects malformed or unsupported arrays with FileFormatError', () => {
    const bad: [Uint8Array, RegExp][] = [
      [enc('NOTNUMPY..'), /bad magic/],
      [npy("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(16)), /dtype "<c16" is not supported/],
      [npy("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)), /structured/],
      [npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", bytesOf('f8', [1, 2])), /16 data bytes for shape \(3\)/],
      [npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", new Uint8Array(0)), /bad header: shape/],
      [npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,) ", bytesOf('f8', [1])), /bad header/],
      [npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", bytesOf('f8', [1]), 9), /unsupported .npy format version 9/],
    ];
    for (const [bytes, re] of bad) {
      expect(() => readNpy(bytes, 'bad.npy')).toThrow(FileFormatError);
      expect(() => readNpy(bytes, 'bad.npy')).toThrow(re);
    }
  });
});

describe('readNpz / readZip', () => {
  const P = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", bytesOf('f8', [2, 1, 1, 3]));
  const q = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", bytesOf('f8', [-1, 0.5]));
  const none = npy("{'descr': '|O', 'fortran_order': False, 'shape': (), }", new Uint8Array([0x80, 0x02, 0x4e, 0x2e]));
  for (const opts of [{}, { deflate: true }, { zip64: true }, { deflate: true, zip64: true }])
    it(`reads stored/deflated members, with and without ZIP64 records (${JSON.stringify(opts)})`, () => {
      const arch = zip(
        [
          ['P.npy', P],
          ['q.npy', q],
          ['A.npy', none],
          ['README.txt', enc('not an array')],
        ],
        opts,
      );
      const vars = readNpz(arch, 'x.npz');
      expect([...vars.keys()].sort()).toEqual(['A', 'P', 'q']);
      expect(vars.get('A')).toBeNull();
      const Pm = npyToDense(vars.get('P')!, 'P', 'x.npz');
      expect([Pm.nrows, Pm.ncols, ...Pm.data]).toEqual([2, 2, 2, 1, 1, 3]);
      expect(Array.from(npyToVector(vars.get('q')!, 'q', 'x.npz'))).toEqual([-1, 0.5]);
      expect(listZip(arch, 'x.npz').map((e) => e.method)).toEqual(new Array(4).fill(opts.deflate ? 8 : 0));
      expect(new TextDecoder().decode(readZip(arch, 'x.npz').get('README.txt'))).toBe('not an array');
    });

  it('rejects broken archives with FileFormatError naming the file', () => {
    const good = zip([['q.npy', q]]);
    const crcBroken = good.slice();
    crcBroken[30 + 5 + q.length - 1] ^= 0xff; // last data byte of the stored member
    const method = good.slice();
    const cdStart = 30 + 5 + q.length;
    new DataView(method.buffer).setUint16(cdStart + 10, 12, true); // bzip2
    const cases: [Uint8Array, RegExp][] = [
      [enc('definitely not a zip file at all'), /no end-of-central-directory/],
      [good.subarray(0, good.length - 5), /no end-of-central-directory/],
      [good.subarray(0, 10), /too short/],
      [crcBroken, /CRC-32 mismatch/],
      [method, /compression method 12 is not supported/],
    ];
    for (const [bytes, re] of cases) {
      expect(() => readNpz(bytes, 'bad.npz')).toThrow(FileFormatError);
      expect(() => readNpz(bytes, 'bad.npz')).toThrow(re);
      expect(() => readNpz(bytes, 'bad.npz')).toThrow(/^bad\.npz: /);
    }
    const badMember = zip([['q.npy', enc('garbage')]]);
    expect(() => readNpz(badMember, 'm.npz')).toThrow(/^m\.npz: member "q\.npy": not a \.npy array/);
  });
});

describe('readNpz / readZip bound their work on hostile sizes', () => {
  /** The archive with the single member's declared uncompressed size replaced (central directory). */
  const withDeclaredSize = (arch: Uint8Array, size: number): Uint8Array => {
    const b = arch.slice();
    const cd = listZip(arch, 'x.zip')[0]!;
    const cdStart = 30 + cd.name.length + cd.compressedSize;
    new DataView(b.buffer).setUint32(cdStart + 24, size, true);
    return b;
  };
  const f8 = (n: number) => npy(`{'descr': '<f8', 'fortran_order': False, 'shape': (${n},), }`, new Uint8Array(8 * n));

  it('refuses a member declaring more than deflate can produce, before inflating', () => {
    const arch = withDeclaredSize(zip([['q.npy', f8(4)]], { deflate: true }), 2 ** 31);
    expect(() => readNpz(arch, 'r.npz')).toThrow(/^r\.npz: member "q\.npy": declares 2147483648 uncompressed bytes from \d+ compressed bytes, more than deflate can produce/);
  });

  it('refuses members whose declared sizes exceed the archive budget (64 MiB by default), before inflating', () => {
    // 80 kB of incompressible bytes declared as 70 MiB (within deflate's 1032:1 ratio)
    const rand = rng(7);
    const noise = new Uint8Array(80000).map(() => Math.floor(256 * rand()));
    const arch = withDeclaredSize(zip([['z.npy', noise]], { deflate: true }), 70 * 2 ** 20);
    expect(MAX_INFLATED_BYTES).toBe(64 * 2 ** 20);
    expect(() => readNpz(arch, 'bomb.npz')).toThrow(
      /^bomb\.npz: member "z\.npy": declares 73400320 uncompressed bytes; the members of one archive may inflate to at most 67108864 bytes in all \(0 used so far\): refused as a possible zip bomb/,
    );
    // the budget is shared by the members of one archive
    const two = zip([['a.npy', f8(1000)], ['b.npy', f8(1000)]], { deflate: true });
    expect(readNpz(two, 'two.npz').size).toBe(2);
    expect(() => readNpz(two, 'two.npz', new InflateBudget(10000))).toThrow(/member "b\.npy": declares 8128 uncompressed bytes; .* at most 10000 bytes in all \(8128 used so far\)/);
  });

  it('stops inflating as soon as a member produces more than it declares', () => {
    const arch = withDeclaredSize(zip([['z.npy', new Uint8Array(1_000_000)]], { deflate: true }), 1000);
    expect(() => readNpz(arch, 'lie.npz')).toThrow(/^lie\.npz: member "z\.npy": inflates to more than the 1000 bytes it declares$/);
  });

  it('caps .npy headers (length, nesting) and dimensions of empty arrays', () => {
    const long = npy(`{'descr': '<f8', 'fortran_order': False, 'shape': (1,), ${' '.repeat(70000)}}`, new Uint8Array(8), 2);
    expect(() => readNpy(long, 'h.npy')).toThrow(/^h\.npy: header of 700\d\d bytes is longer than the 65536 accepted$/);
    const deep = npy(`{'descr': '<f8', 'fortran_order': False, 'shape': ${'('.repeat(5000)}${')'.repeat(5000)}, }`, new Uint8Array(0), 2);
    expect(() => readNpy(deep, 'd.npy')).toThrow(/^d\.npy: bad header: the header nests more than 16 levels deep$/);
    const wide = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 1000000000000000), }", new Uint8Array(0));
    expect(() => readNpy(wide, 'w.npy')).toThrow(/^w\.npy: shape \(0, 1000000000000000\) has a dimension over 1048576 \(the larger of 2\^20 and the \d+ bytes of the array\)$/);
    const many = npy(`{'descr': '<f8', 'fortran_order': False, 'shape': (${'1, '.repeat(65)}), }`, new Uint8Array(8));
    expect(() => readNpy(many, 'n.npy')).toThrow(/^n\.npy: bad header: 65 dimensions \(numpy writes at most 64\)$/);
    expect(readNpy(npy(`{'descr': '<f8', 'fortran_order': False, 'shape': (${'1, '.repeat(64)}), }`, new Uint8Array(8)), 'n.npy')!.shape.length).toBe(64);
    const huge = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", new Uint8Array(8));
    expect(() => readNpy(huge, 'u.npy')).toThrow(/^u\.npy: 8 data bytes for shape \(1000000, 1000000\) of '<f8' \(8000000000000 expected\)$/);
  });

  it('checks MPC shapes against q before converting to CSC', () => {
    const P3 = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 3), }", bytesOf('f8', [1, 0, 0, 0, 1, 0, 0, 0, 1]));
    const q2 = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", bytesOf('f8', [0, 0]));
    expect(() => mpcFromBytes(zip([['P.npy', P3], ['q.npy', q2]]), 'S')).toThrow(
      /^S\.npz: "P": expected 2 rows and 2 columns \(n = the length of q\), found 3×3$/,
    );
    const G = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 1000000), }", new Uint8Array(0));
    const P2 = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", bytesOf('f8', [1, 0, 0, 1]));
    expect(() => mpcFromBytes(zip([['P.npy', P2], ['q.npy', q2], ['G.npy', G]]), 'S')).toThrow(/"G": expected any number of rows and 2 columns \(n = the length of q\), found 0×1000000/);
  });
});

describe('readNpz on the MPC collection', () => {
  itData('mpc_qpbenchmark', 'reads every problem with consistent P, q, G, h, A, b, lb, ub', () => {
    const files = readdirSync(MPC_DIR).filter((f) => f.endsWith('.npz'));
    expect(files.length).toBeGreaterThanOrEqual(62);
    let withEqualities = 0;
    let withBounds = 0;
    for (const f of files) {
      const v = readNpz(readFileSync(resolve(MPC_DIR, f)), f);
      expect([...v.keys()].sort(), f).toEqual(['A', 'G', 'P', 'b', 'h', 'lb', 'q', 'ub']);
      const P = npyToDense(v.get('P')!, 'P', f);
      const n = P.nrows;
      expect(P.ncols, f).toBe(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) if (P.data[i * n + j] !== P.data[j * n + i]) expect.fail(`${f}: P not symmetric at (${i}, ${j})`);
      expect(npyToVector(v.get('q')!, 'q', f).length, f).toBe(n);
      const G = npyToDense(v.get('G')!, 'G', f);
      expect(G.ncols, f).toBe(n);
      expect(npyToVector(v.get('h')!, 'h', f).length, f).toBe(G.nrows);
      const A = v.get('A')!;
      const b = v.get('b')!;
      expect(A === null, f).toBe(b === null);
      if (A && b) {
        withEqualities++;
        const Am = npyToDense(A, 'A', f);
        expect(Am.ncols, f).toBe(n);
        expect(npyToVector(b, 'b', f).length, f).toBe(Am.nrows);
      }
      // absent bounds are stored as None (null here); a problem with bounds has both, of length n
      const lb = v.get('lb')!;
      const ub = v.get('ub')!;
      expect(lb === null, f).toBe(ub === null);
      if (lb !== null && ub !== null) {
        withBounds++;
        expect(npyToVector(lb, 'lb', f).length, f).toBe(n);
        expect(npyToVector(ub, 'ub', f).length, f).toBe(n);
      }
      for (const key of ['P', 'q', 'G', 'h'])
        for (const x of v.get(key)!.data) if (Number.isNaN(x)) expect.fail(`${f}: NaN in ${key}`);
    }
    // both branches above ran on some problems of the collection
    expect(withEqualities).toBeGreaterThan(0);
    expect(withBounds).toBeGreaterThan(0);
  });
});
