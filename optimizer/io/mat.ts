/**
 * MATLAB Level 5 MAT-file reader (the format of `save -v6` / `-v7`; v7.3 is HDF5 and is NOT
 * read). Reference: MathWorks, "MAT-File Format" (matfile_format.pdf), chapter 1.
 *
 * File layout:
 *   header   128 bytes: 116 text ("MATLAB 5.0 MAT-file…"), 8 subsystem offset, u16 version
 *            (0x0100), 2 endian-indicator bytes "IM" (little-endian file) or "MI" (big-endian)
 *   elements tag (u32 type, u32 byte count) + data padded to 8 bytes; a "small data element"
 *            packs count (upper 16 bits) and type (lower 16 bits) into the first tag word and
 *            its ≤ 4 data bytes into the second. miCOMPRESSED (15) holds a zlib stream that
 *            inflates to further elements (it is NOT padded).
 *   miMATRIX (14) sub-elements: array flags (class in the low byte; 0x0800 complex, 0x0400
 *            global, 0x0200 logical; nzmax for sparse), dimensions (int32), name (int8), then
 *            numeric: real part (+ imaginary part), in any numeric storage type (MATLAB stores
 *                     a double array as uint8 when all values fit: the CLASS decides the meaning)
 *            sparse:  ir (row indices), jc (column starts, ncols+1), pr (values) [, pi]
 *            char:    UTF-8 / UTF-16 / uint16 code units, column-major
 *
 * What readMat returns per variable (a Map from variable name to MatValue):
 *   numeric (double, single, int8…uint64, logical): { kind: 'dense', dims, rows, cols, data }
 *       data: Float64Array in MATLAB's COLUMN-MAJOR order, data[i + j·rows] = A(i+1, j+1);
 *       every class is cast to float64 (int64 beyond 2⁵³ loses precision); logical → 0/1.
 *       rows = dims[0], cols = product of the remaining dims.
 *   sparse (double or logical): { kind: 'sparse', matrix: CscMatrix } (values 0/1 for logical;
 *       rows sorted; duplicate (i, j) entries, which MATLAB never writes, are summed)
 *   char: { kind: 'char', rows, cols, text } (rows joined with '\n')
 *   complex arrays, cells, structs, objects, function handles: { kind: 'unsupported',
 *       mxClass, reason } — reported, never interpreted, so the other variables still load.
 * Malformed input (short or wrong header, v7.3/HDF5, truncated element, corrupt zlib stream,
 * inconsistent sizes or indices) throws FileFormatError naming the file and the byte offset.
 *
 * Helpers matToMatrix / matToVector / matToScalar convert values for the QP readers.
 *
 * Bounded work (see limits.ts): every element's byte count is checked against the bytes
 * present; an array's values must number exactly Π dims (checked after reading values that
 * the file backs, before any further storage); every declared dimension is at most
 * dimensionLimit(bytes of the buffer it was read from), so a sparse array cannot declare 2³¹
 * empty rows; each miCOMPRESSED element inflates under an output limit (the most deflate can
 * produce from its size, and what is left of the file's InflateBudget, 64 MiB by default),
 * and compressed elements may not nest (MATLAB never nests them).
 */
import { inflateSync } from 'node:zlib';
import { FileFormatError, quoteExcerpt } from '../errors.ts';
import { dimensionLimit, InflateBudget, maxInflatedSize } from './limits.ts';
import { cscFromTriplets } from '../linalg/csc.ts';
import type { CscMatrix, DenseMatrix, Matrix } from '../linalg/types.ts';

export type MatValue =
  | {
      readonly kind: 'dense';
      /** MATLAB class name: 'double', 'single', 'int8', …, 'uint64', or 'logical' */
      readonly mxClass: string;
      readonly dims: readonly number[];
      readonly rows: number;
      readonly cols: number;
      /** length rows·cols, COLUMN-MAJOR: data[i + j·rows] = A(i+1, j+1) */
      readonly data: Float64Array;
    }
  | { readonly kind: 'sparse'; readonly mxClass: 'double' | 'logical'; readonly matrix: CscMatrix }
  | { readonly kind: 'char'; readonly rows: number; readonly cols: number; readonly text: string }
  | { readonly kind: 'unsupported'; readonly mxClass: string; readonly reason: string };

// data types (mi*) and array classes (mx*)
const MI_INT8 = 1;
const MI_UINT8 = 2;
const MI_INT16 = 3;
const MI_UINT16 = 4;
const MI_INT32 = 5;
const MI_UINT32 = 6;
const MI_SINGLE = 7;
const MI_DOUBLE = 9;
const MI_INT64 = 12;
const MI_UINT64 = 13;
const MI_MATRIX = 14;
const MI_COMPRESSED = 15;
const MI_UTF8 = 16;
const MI_UTF16 = 17;
const MI_UTF32 = 18;

const ELEMENT_SIZE: Record<number, number> = {
  [MI_INT8]: 1,
  [MI_UINT8]: 1,
  [MI_INT16]: 2,
  [MI_UINT16]: 2,
  [MI_INT32]: 4,
  [MI_UINT32]: 4,
  [MI_SINGLE]: 4,
  [MI_DOUBLE]: 8,
  [MI_INT64]: 8,
  [MI_UINT64]: 8,
  [MI_UTF8]: 1,
  [MI_UTF16]: 2,
  [MI_UTF32]: 4,
};

const CLASS_NAMES: Record<number, string> = {
  1: 'cell',
  2: 'struct',
  3: 'object',
  4: 'char',
  5: 'sparse',
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
  16: 'function',
  17: 'opaque',
};

/** Most dimensions an array may have (keeps messages that list them short; QP data is 2-D). */
const MAX_NDIM = 64;

const MX_CHAR = 4;
const MX_SPARSE = 5;
const MX_DOUBLE = 6;
const MX_UINT64 = 15;
const FLAG_COMPLEX = 0x0800;
const FLAG_LOGICAL = 0x0200;

/** One element inside `buf`: its type, data range, and where the next element starts. */
interface Element {
  type: number;
  start: number;
  nbytes: number;
  next: number;
}

class Reader {
  readonly view: DataView;
  constructor(
    readonly buf: Uint8Array,
    readonly little: boolean,
    readonly file: string,
    /** offset of buf[0] in the file, for messages (−1 inside an inflated stream) */
    readonly where: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(pos: number, detail: string): never {
    throw new FileFormatError(this.file, `${detail} (${this.where}byte ${pos})`);
  }

  u32(pos: number): number {
    return this.view.getUint32(pos, this.little);
  }

  /** Element tag at pos, with the data range checked against `limit`. */
  element(pos: number, limit: number): Element {
    if (pos + 8 > limit) this.fail(pos, 'truncated data element tag');
    const w0 = this.u32(pos);
    if (w0 >>> 16 !== 0) {
      // small data element: count in the upper 16 bits, type in the lower, data in bytes 4..7
      const nbytes = w0 >>> 16;
      if (nbytes > 4) this.fail(pos, `small data element claims ${nbytes} bytes (at most 4)`);
      return { type: w0 & 0xffff, start: pos + 4, nbytes, next: pos + 8 };
    }
    const nbytes = this.u32(pos + 4);
    const start = pos + 8;
    if (start + nbytes > limit) this.fail(pos, `data element of ${nbytes} bytes runs past the end (${limit - start} bytes left)`);
    const padded = w0 === MI_COMPRESSED ? nbytes : Math.ceil(nbytes / 8) * 8;
    return { type: w0, start, nbytes, next: Math.min(start + padded, limit) };
  }

  /** Numeric element data cast to float64. */
  numbers(e: Element, what: string): Float64Array {
    const size = ELEMENT_SIZE[e.type];
    if (size === undefined || e.type === MI_UTF8 || e.type === MI_UTF16 || e.type === MI_UTF32)
      this.fail(e.start, `${what}: data type ${e.type} is not numeric`);
    if (e.nbytes % size! !== 0) this.fail(e.start, `${what}: ${e.nbytes} bytes is not a multiple of the element size ${size}`);
    const count = e.nbytes / size!;
    const out = new Float64Array(count);
    const { view, little, buf } = this;
    const s = e.start;
    if (little) {
      // typed-array views need aligned offsets: copy the bytes once (into a fresh buffer —
      // Buffer.slice would alias the pool), then convert
      const copy = new Uint8Array(e.nbytes);
      copy.set(buf.subarray(s, s + e.nbytes));
      const bytes = copy.buffer;
      switch (e.type) {
        case MI_DOUBLE:
          out.set(new Float64Array(bytes));
          return out;
        case MI_SINGLE:
          out.set(new Float32Array(bytes));
          return out;
        case MI_INT8:
          out.set(new Int8Array(bytes));
          return out;
        case MI_UINT8:
          out.set(new Uint8Array(bytes));
          return out;
        case MI_INT16:
          out.set(new Int16Array(bytes));
          return out;
        case MI_UINT16:
          out.set(new Uint16Array(bytes));
          return out;
        case MI_INT32:
          out.set(new Int32Array(bytes));
          return out;
        case MI_UINT32:
          out.set(new Uint32Array(bytes));
          return out;
        case MI_INT64: {
          const b = new BigInt64Array(bytes);
          for (let i = 0; i < count; i++) out[i] = Number(b[i]!);
          return out;
        }
        case MI_UINT64: {
          const b = new BigUint64Array(bytes);
          for (let i = 0; i < count; i++) out[i] = Number(b[i]!);
          return out;
        }
      }
    }
    for (let i = 0; i < count; i++) {
      const p = s + i * size!;
      switch (e.type) {
        case MI_DOUBLE:
          out[i] = view.getFloat64(p, little);
          break;
        case MI_SINGLE:
          out[i] = view.getFloat32(p, little);
          break;
        case MI_INT8:
          out[i] = view.getInt8(p);
          break;
        case MI_UINT8:
          out[i] = view.getUint8(p);
          break;
        case MI_INT16:
          out[i] = view.getInt16(p, little);
          break;
        case MI_UINT16:
          out[i] = view.getUint16(p, little);
          break;
        case MI_INT32:
          out[i] = view.getInt32(p, little);
          break;
        case MI_UINT32:
          out[i] = view.getUint32(p, little);
          break;
        case MI_INT64:
          out[i] = Number(view.getBigInt64(p, little));
          break;
        case MI_UINT64:
          out[i] = Number(view.getBigUint64(p, little));
          break;
      }
    }
    return out;
  }

  text(e: Element): string {
    const bytes = this.buf.subarray(e.start, e.start + e.nbytes);
    switch (e.type) {
      case MI_INT8:
      case MI_UINT8: {
        let s = '';
        for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
        return s;
      }
      case MI_UTF8:
        return new TextDecoder('utf-8').decode(bytes);
      case MI_UTF16:
      case MI_UINT16: {
        let s = '';
        for (let i = 0; i + 1 < e.nbytes; i += 2) s += String.fromCharCode(this.view.getUint16(e.start + i, this.little));
        return s;
      }
      case MI_UTF32:
      case MI_UINT32: {
        let s = '';
        for (let i = 0; i + 3 < e.nbytes; i += 4) {
          const cp = this.view.getUint32(e.start + i, this.little);
          if (cp > 0x10ffff) this.fail(e.start + i, `character code ${cp} is not a Unicode code point`);
          s += String.fromCodePoint(cp);
        }
        return s;
      }
      default:
        return this.fail(e.start, `character data of type ${e.type} is not supported`);
    }
  }
}

/** Parse the body of an miMATRIX element spanning [start, end) of r.buf. */
function parseMatrix(r: Reader, start: number, end: number): { name: string; value: MatValue } | null {
  if (end === start) return null; // an empty miMATRIX (placeholder, e.g. in cells)
  const flagsEl = r.element(start, end);
  if (flagsEl.type !== MI_UINT32 || flagsEl.nbytes !== 8) r.fail(start, `array flags: expected 8 bytes of uint32, found type ${flagsEl.type} with ${flagsEl.nbytes} bytes`);
  const flags = r.u32(flagsEl.start);
  const nzmax = r.u32(flagsEl.start + 4);
  const cls = flags & 0xff;
  const mxClass = CLASS_NAMES[cls] ?? `class ${cls}`;
  const complex = (flags & FLAG_COMPLEX) !== 0;
  const logical = (flags & FLAG_LOGICAL) !== 0;

  const dimsEl = r.element(flagsEl.next, end);
  if (dimsEl.type !== MI_INT32 || dimsEl.nbytes % 4 !== 0 || dimsEl.nbytes < 8)
    r.fail(flagsEl.next, `dimensions: expected ≥ 2 int32 values, found type ${dimsEl.type} with ${dimsEl.nbytes} bytes`);
  if (dimsEl.nbytes / 4 > MAX_NDIM) r.fail(flagsEl.next, `${dimsEl.nbytes / 4} dimensions (at most ${MAX_NDIM} are read)`);
  const dims: number[] = [];
  for (let p = dimsEl.start; p < dimsEl.start + dimsEl.nbytes; p += 4) {
    const d = r.view.getInt32(p, r.little);
    if (d < 0) r.fail(p, `negative dimension ${d}`);
    if (d > dimensionLimit(r.buf.length)) {
      r.fail(p, `dimension ${d} is over ${dimensionLimit(r.buf.length)} (the larger of 2^20 and the ${r.buf.length} bytes it was read from)`);
    }
    dims.push(d);
  }
  const nameEl = r.element(dimsEl.next, end);
  if (nameEl.type !== MI_INT8 && nameEl.type !== MI_UINT8 && nameEl.type !== MI_UTF8)
    r.fail(dimsEl.next, `array name: expected int8 characters, found type ${nameEl.type}`);
  const name = r.text(nameEl);
  let pos = nameEl.next;

  if (complex) return { name, value: { kind: 'unsupported', mxClass, reason: 'complex arrays are not supported' } };
  const rows = dims[0]!;
  const cols = dims.slice(1).reduce((a, b) => a * b, 1);
  const numel = rows * cols;

  if (cls >= MX_DOUBLE && cls <= MX_UINT64) {
    const re = r.element(pos, end);
    const data = r.numbers(re, `real part of ${quoteExcerpt(name)}`);
    if (data.length !== numel) r.fail(pos, `${quoteExcerpt(name)}: ${data.length} values for dimensions ${dims.join('×')} (${numel} expected)`);
    if (logical) for (let i = 0; i < numel; i++) data[i] = data[i] !== 0 ? 1 : 0;
    return { name, value: { kind: 'dense', mxClass: logical ? 'logical' : mxClass, dims, rows, cols, data } };
  }
  if (cls === MX_SPARSE) {
    if (dims.length !== 2) r.fail(dimsEl.start, `sparse ${quoteExcerpt(name)} has ${dims.length} dimensions`);
    const irEl = r.element(pos, end);
    const ir = r.numbers(irEl, `row indices of ${quoteExcerpt(name)}`);
    const jcEl = r.element(irEl.next, end);
    const jc = r.numbers(jcEl, `column starts of ${quoteExcerpt(name)}`);
    pos = jcEl.next;
    if (jc.length !== cols + 1) r.fail(jcEl.start, `sparse ${quoteExcerpt(name)}: ${jc.length} column starts for ${cols} columns (${cols + 1} expected)`);
    const nnz = jc[cols]!;
    if (jc[0] !== 0) r.fail(jcEl.start, `sparse ${quoteExcerpt(name)}: first column start is ${jc[0]}, not 0`);
    for (let j = 0; j < cols; j++)
      if (!(jc[j]! <= jc[j + 1]!) || !Number.isInteger(jc[j + 1]!)) r.fail(jcEl.start, `sparse ${quoteExcerpt(name)}: column starts decrease at column ${j}`);
    if (nnz > ir.length) r.fail(irEl.start, `sparse ${quoteExcerpt(name)}: ${nnz} entries but ${ir.length} row indices (nzmax ${nzmax})`);
    let values: Float64Array;
    if (pos < end) {
      const prEl = r.element(pos, end);
      values = r.numbers(prEl, `values of ${quoteExcerpt(name)}`);
      if (values.length < nnz) r.fail(prEl.start, `sparse ${quoteExcerpt(name)}: ${values.length} values for ${nnz} entries`);
    } else if (logical) values = new Float64Array(nnz).fill(1);
    else return r.fail(pos, `sparse ${quoteExcerpt(name)}: missing values`);
    const colPtr = new Int32Array(cols + 1);
    const rowIdx = new Int32Array(nnz);
    const vals = new Float64Array(nnz);
    let sorted = true;
    for (let j = 0; j < cols; j++) {
      colPtr[j + 1] = jc[j + 1]!;
      for (let p = jc[j]!; p < jc[j + 1]!; p++) {
        const i = ir[p]!;
        if (!Number.isInteger(i) || i < 0 || i >= rows) r.fail(irEl.start, `sparse ${quoteExcerpt(name)}: row index ${i} outside 0..${rows - 1} (column ${j})`);
        rowIdx[p] = i;
        vals[p] = logical ? (values[p] !== 0 ? 1 : 0) : values[p]!;
        if (p > jc[j]! && i <= rowIdx[p - 1]!) sorted = false;
      }
    }
    let matrix: CscMatrix = { format: 'csc', nrows: rows, ncols: cols, colPtr, rowIdx, values: vals };
    if (!sorted) {
      const cidx = new Int32Array(nnz);
      for (let j = 0; j < cols; j++) cidx.fill(j, colPtr[j]!, colPtr[j + 1]!);
      matrix = cscFromTriplets(rows, cols, rowIdx, cidx, vals);
    }
    return { name, value: { kind: 'sparse', mxClass: logical ? 'logical' : 'double', matrix } };
  }
  if (cls === MX_CHAR) {
    let text = '';
    if (pos < end) text = r.text(r.element(pos, end));
    if (rows > 1 && text.length === numel) {
      // column-major characters → one line per row
      const lines: string[] = [];
      for (let i = 0; i < rows; i++) {
        let line = '';
        for (let j = 0; j < cols; j++) line += text[i + j * rows];
        lines.push(line);
      }
      text = lines.join('\n');
    }
    return { name, value: { kind: 'char', rows, cols, text } };
  }
  return { name, value: { kind: 'unsupported', mxClass, reason: `MATLAB class "${mxClass}" is not read` } };
}

/** Parse elements of [start, end) into `out` (recursing into compressed elements). */
function parseElements(r: Reader, start: number, end: number, out: Map<string, MatValue>, budget: InflateBudget, nested = false): void {
  let pos = start;
  while (pos < end) {
    if (end - pos < 8) {
      // tolerate zero padding at the very end, reject anything else
      for (let p = pos; p < end; p++) if (r.buf[p] !== 0) r.fail(pos, 'truncated data element tag');
      return;
    }
    const e = r.element(pos, end);
    if (e.type === MI_COMPRESSED) {
      if (nested) r.fail(pos, 'a compressed element inside a compressed element');
      const ratioLimit = maxInflatedSize(e.nbytes);
      const limit = Math.min(ratioLimit, budget.remaining);
      let inflated: Uint8Array;
      try {
        inflated = inflateSync(r.buf.subarray(e.start, e.start + e.nbytes), { maxOutputLength: Math.max(1, limit) });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
          return r.fail(
            pos,
            limit < ratioLimit
              ? `compressed element inflates past the ${budget.limit} bytes one MAT-file may inflate to in all (${budget.used} used so far): refused as a possible zip bomb`
              : `compressed element inflates to more than deflate can produce from ${e.nbytes} bytes (corrupt)`,
          );
        }
        return r.fail(pos, `corrupt compressed element: ${(err as Error).message}`);
      }
      budget.used += inflated.length;
      const inner = new Reader(inflated, r.little, r.file, `inside the compressed element at ${r.where}byte ${pos}, `);
      parseElements(inner, 0, inflated.length, out, budget, true);
    } else if (e.type === MI_MATRIX) {
      const m = parseMatrix(r, e.start, e.start + e.nbytes);
      if (m && m.name !== '') out.set(m.name, m.value);
    }
    // other top-level element types carry no variables: skipped
    pos = e.next;
  }
}

/**
 * Read every variable of a Level 5 MAT-file (see the module comment).
 * bytes: the whole file (not modified). fileName: used in error messages. budget: how many
 * bytes the file's compressed elements may inflate to in all (default 64 MiB, see limits.ts).
 */
export function readMat(bytes: Uint8Array, fileName: string, budget: InflateBudget = new InflateBudget()): Map<string, MatValue> {
  if (bytes.length < 128) throw new FileFormatError(fileName, `too short for a MAT-file header (${bytes.length} bytes, 128 needed)`);
  const head = String.fromCharCode(...bytes.subarray(0, 116));
  const ind = String.fromCharCode(bytes[126]!, bytes[127]!);
  if (head.startsWith('MATLAB 7.3') || head.startsWith('\x89HDF'))
    throw new FileFormatError(fileName, 'MATLAB v7.3 (HDF5) MAT-files are not supported; save with -v7 or -v6');
  if (ind !== 'IM' && ind !== 'MI')
    throw new FileFormatError(fileName, `not a MATLAB Level 5 MAT-file (endian indicator "${ind.replace(/[^\x20-\x7e]/g, '?')}", expected "IM" or "MI")`);
  const little = ind === 'IM';
  const version = new DataView(bytes.buffer, bytes.byteOffset + 124, 2).getUint16(0, little);
  if (version !== 0x0100) throw new FileFormatError(fileName, `unsupported MAT-file version 0x${version.toString(16)} (0x0100 expected)`);
  const out = new Map<string, MatValue>();
  parseElements(new Reader(bytes, little, fileName, ''), 128, bytes.length, out, budget);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Conversions for callers
// ---------------------------------------------------------------------------------------------

function describe(v: MatValue): string {
  if (v.kind === 'dense') return `a ${v.dims.join('×')} ${v.mxClass} array`;
  if (v.kind === 'sparse') return `a ${v.matrix.nrows}×${v.matrix.ncols} sparse array`;
  if (v.kind === 'char') return `a character array`;
  return `an unsupported value (${v.reason})`;
}

/**
 * A numeric MAT value as a Matrix: sparse → its CscMatrix, dense → a row-major DenseMatrix
 * (transposed from MATLAB's column-major order). Anything else → FileFormatError(file, …).
 */
export function matToMatrix(v: MatValue, name: string, fileName: string): Matrix {
  if (v.kind === 'sparse') return v.matrix;
  if (v.kind !== 'dense' || v.dims.length > 2) throw new FileFormatError(fileName, `${quoteExcerpt(name)}: expected a matrix, found ${describe(v)}`);
  const { rows, cols, data } = v;
  const out = new Float64Array(rows * cols);
  for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) out[i * cols + j] = data[i + j * rows]!;
  const M: DenseMatrix = { format: 'dense', nrows: rows, ncols: cols, data: out };
  return M;
}

/**
 * A vector (1×n, n×1, or empty) as a Float64Array (a copy); sparse vectors are densified.
 * Anything else → FileFormatError.
 */
export function matToVector(v: MatValue, name: string, fileName: string): Float64Array {
  if (v.kind === 'dense' && (v.rows <= 1 || v.cols <= 1)) return v.data.slice();
  if (v.kind === 'sparse' && (v.matrix.nrows <= 1 || v.matrix.ncols <= 1)) {
    const M = v.matrix;
    const out = new Float64Array(M.nrows * M.ncols);
    for (let j = 0; j < M.ncols; j++) for (let p = M.colPtr[j]!; p < M.colPtr[j + 1]!; p++) out[M.rowIdx[p]! + j * M.nrows] += M.values[p]!;
    return out;
  }
  throw new FileFormatError(fileName, `${quoteExcerpt(name)}: expected a vector, found ${describe(v)}`);
}

/** A 1×1 numeric value as a number; anything else → FileFormatError. */
export function matToScalar(v: MatValue, name: string, fileName: string): number {
  if (v.kind === 'dense' && v.data.length === 1) return v.data[0]!;
  throw new FileFormatError(fileName, `${quoteExcerpt(name)}: expected a scalar, found ${describe(v)}`);
}
