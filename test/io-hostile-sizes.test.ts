/**
 * Bounded work on hostile input, measured by construction: tiny files that declare huge sizes
 * are read in a child process whose V8 heap is limited to 64 MB (--max-old-space-size=64). For
 * each file the child records the change of process.memoryUsage() across the read (after a
 * forced GC before it): `arrayBuffers` counts every typed array created, even one whose pages
 * were never touched, so an allocation of the declared size would show as gigabytes. Every
 * read must end in a typed DqpError and create at most a few MB. No wall-clock assertions.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { crc32, deflateRawSync, deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DQP_BIN } from './helpers.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'dqp-hostile-sizes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const cat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** .npy bytes with the given header text (v1) and data. */
const npy = (header: string, data: Uint8Array): Uint8Array => {
  let h = header;
  while ((11 + h.length) % 64 !== 0) h += ' ';
  h += '\n';
  const head = new Uint8Array(10);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(head.buffer).setUint16(8, h.length, true);
  return cat([head, enc(h), data]);
};

/** A one-member deflated ZIP archive whose central directory declares `declared` bytes. */
const zip1 = (name: string, data: Uint8Array, declared: number): Uint8Array => {
  const comp = deflateRawSync(data);
  const nm = enc(name);
  const lh = new Uint8Array(30);
  const lv = new DataView(lh.buffer);
  lv.setUint32(0, 0x04034b50, true);
  lv.setUint16(8, 8, true);
  lv.setUint16(26, nm.length, true);
  const ch = new Uint8Array(46);
  const cv = new DataView(ch.buffer);
  cv.setUint32(0, 0x02014b50, true);
  cv.setUint16(10, 8, true);
  cv.setUint32(16, crc32(data) >>> 0, true);
  cv.setUint32(20, comp.length, true);
  cv.setUint32(24, declared, true);
  cv.setUint16(28, nm.length, true);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, 1, true);
  ev.setUint16(10, 1, true);
  ev.setUint32(12, 46 + nm.length, true);
  ev.setUint32(16, 30 + nm.length + comp.length, true);
  return cat([lh, nm, comp, ch, nm, eocd]);
};

/** A little-endian Level 5 MAT-file holding one miMATRIX (class, dims, name, tail elements). */
const mat = (cls: number, dims: number[], tail: Uint8Array[], compress = false): Uint8Array => {
  const el = (type: number, data: Uint8Array): Uint8Array => {
    const out = new Uint8Array(8 + (type === 15 ? data.length : Math.ceil(data.length / 8) * 8));
    const v = new DataView(out.buffer);
    v.setUint32(0, type, true);
    v.setUint32(4, data.length, true);
    out.set(data, 8);
    return out;
  };
  const i32 = (xs: number[]) => el(5, new Uint8Array(Int32Array.from(xs).buffer));
  const body = el(14, cat([el(6, new Uint8Array(Uint32Array.from([cls, 0]).buffer)), i32(dims), el(1, enc('P')), ...tail]));
  const head = new Uint8Array(128).fill(32);
  head.set(enc('MATLAB 5.0 MAT-file'), 0);
  new DataView(head.buffer).setUint16(124, 0x0100, true);
  head.set(enc('IM'), 126);
  return cat([head, compress ? el(15, deflateSync(body)) : body]);
};
const f64 = (xs: number[]) => {
  const d = new Uint8Array(8 + 8 * xs.length);
  const v = new DataView(d.buffer);
  v.setUint32(0, 9, true);
  v.setUint32(4, 8 * xs.length, true);
  xs.forEach((x, k) => v.setFloat64(8 + 8 * k, x, true));
  return d;
};
const i32el = (xs: number[]) => {
  const d = new Uint8Array(8 + 4 * xs.length + (xs.length % 2 ? 4 : 0));
  const v = new DataView(d.buffer);
  v.setUint32(0, 5, true);
  v.setUint32(4, 4 * xs.length, true);
  xs.forEach((x, k) => v.setInt32(8 + 4 * k, x, true));
  return d;
};

const P1 = { format: 'dense', shape: [1, 1], data: [[1]] };
const hostile: Record<string, string | Uint8Array> = {
  'qp-shape.json': JSON.stringify({ P: { format: 'coo', shape: [2e9, 2e9], row: [], col: [], val: [] }, q: [0] }),
  'qp-dense-cols.json': JSON.stringify({ P: { format: 'dense', shape: [1, 2e9], data: [[1]] }, q: [0] }),
  'qp-C-rows.json': JSON.stringify({ P: P1, q: [0], C: { format: 'coo', shape: [2e9, 1], row: [0], col: [0], val: [1] }, d: [1] }),
  'qp-long-number.json': `{"P": {"format": "dense", "shape": [1, 1], "data": [[1]]}, "q": ["${'9'.repeat(5_000_000)}"]}`,
  'entries.mtx': `%%MatrixMarket matrix coordinate real general\n3 3 1000000000000\n1 1 1\n${'% padding\n'.repeat(15)}`,
  'dims.mtx': '%%MatrixMarket matrix coordinate real general\n2147483647 2147483647 0\n',
  'array.mtx': '%%MatrixMarket matrix array real general\n2000000000 2000000000\n1\n2\n',
  'long-number.mtx': `%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 ${'9'.repeat(5_000_000)}x\n`,
  'index.obj': 'v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 99999999999999999999\n',
  'long-number.obj': `v ${'9'.repeat(5_000_000)}e9 0 0\nf 1 1 1\n`,
  'shape.npy': npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", new Uint8Array(8)),
  'empty-wide.npy': npy("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 1000000000000000), }", new Uint8Array(0)),
  'ratio.npz': zip1('P.npy', new Uint8Array(64), 2 ** 31),
  'lie.npz': zip1('P.npy', new Uint8Array(4_000_000), 1000),
  'sparse-rows.mat': mat(5, [2147483647, 1], [i32el([0]), i32el([0, 1]), f64([1])]),
  'empty-dense.mat': mat(6, [0, 2000000000], [f64([])]),
  'compressed-dims.mat': mat(6, [0, 2000000000], [f64([])], true),
};
for (const [name, content] of Object.entries(hostile)) writeFileSync(join(dir, name), content);

const child = `
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
const url = (p) => new URL(p, ${JSON.stringify(pathToFileURL(`${root}/`).href)}).href;
const { DqpError } = await import(url('optimizer/errors.ts'));
const { readProblemJson } = await import(url('optimizer/qp/json-format.ts'));
const { readMatrixMarket } = await import(url('optimizer/linalg/mtx.ts'));
const { readObj } = await import(url('geometry/obj-read.ts'));
const { readNpy } = await import(url('optimizer/io/npz.ts'));
const { mpcFromBytes, marosMeszarosFromBytes } = await import(url('optimizer/qp/readers.ts'));
const dir = process.argv[1];
const read = {
  json: (b, f) => readProblemJson(b.toString('utf8'), f),
  mtx: (b, f) => readMatrixMarket(b.toString('utf8'), f),
  obj: (b, f) => readObj(b.toString('utf8'), f),
  npy: (b, f) => readNpy(b, f),
  npz: (b, f) => mpcFromBytes(b, f.slice(0, -4)),
  mat: (b, f) => marosMeszarosFromBytes(b, f.slice(0, -4)),
};
for (const f of readdirSync(dir).sort()) {
  const bytes = readFileSync(join(dir, f));
  globalThis.gc();
  const m0 = process.memoryUsage();
  let typed = false, name = 'no error', message = '';
  try {
    read[f.split('.').pop()](bytes, f);
  } catch (e) {
    typed = e instanceof DqpError;
    name = e?.constructor?.name ?? String(e);
    message = String(e?.message ?? e);
  }
  const m1 = process.memoryUsage();
  console.log(JSON.stringify({ f, typed, name, messageLength: message.length, message: message.slice(0, 300),
    arrayBuffersMB: (m1.arrayBuffers - m0.arrayBuffers) / 2 ** 20, heapMB: (m1.heapUsed - m0.heapUsed) / 2 ** 20 }));
}
`;

interface Row {
  f: string;
  typed: boolean;
  name: string;
  messageLength: number;
  message: string;
  arrayBuffersMB: number;
  heapMB: number;
}

describe('readers on tiny files declaring huge sizes (child process, 64 MB heap)', () => {
  it('every file fails with a typed error, a short message, and only a few MB allocated', () => {
    const r = spawnSync(
      process.execPath,
      ['--max-old-space-size=64', '--expose-gc', '--import', 'tsx', '--input-type=module', '-e', child, dir],
      { cwd: root, encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row);
    expect(rows.map((x) => x.f).sort()).toEqual(Object.keys(hostile).sort());
    for (const row of rows) {
      expect(row.typed, `${row.f}: ${row.name}: ${row.message}`).toBe(true);
      expect(row.name, row.f).toBe('FileFormatError');
      expect(row.message.startsWith(`${row.f}: `), row.message).toBe(true);
      expect(row.messageLength, row.f).toBeLessThan(400);
      expect(row.arrayBuffersMB, `${row.f}: ${row.message}`).toBeLessThan(8);
      expect(row.heapMB, `${row.f}: ${row.message}`).toBeLessThan(32);
    }
  });
});

describe('dqp solve on a tiny QP file declaring huge shapes (the CLI contract)', () => {
  const cases: [string, string, RegExp][] = [
    ['cli-shape.json', hostile['qp-shape.json'] as string, /P\.shape: expected \[1, 1\] \(n × n, n = 1 = the length of q\), found \[2000000000, 2000000000\]/],
    ['cli-C-rows.json', hostile['qp-C-rows.json'] as string, /C\.shape: expected \[1, 1\] \(rows = 1 = the length of d, columns = n = 1\), found \[2000000000, 1\]/],
  ];
  it('exits 1 with the typed message naming the file and the field', () => {
    for (const [name, text, re] of cases) {
      const file = join(dir, name);
      writeFileSync(file, text);
      const r = spawnSync(process.execPath, [DQP_BIN, 'solve', file], { cwd: root, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).toContain(name);
      expect(r.stderr).not.toContain('undefined');
    }
  });
});
