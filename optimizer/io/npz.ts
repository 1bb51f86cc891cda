/**
 * NumPy .npy / .npz reader (format: numpy.lib.format, "NEP 1").
 *
 * .npy:  magic "\x93NUMPY", version major/minor (1.0, 2.0, 3.0), header length (u16 LE for v1,
 *        u32 LE for v2/v3), an ASCII (v3: UTF-8) Python dict literal
 *          {'descr': '<f8', 'fortran_order': False, 'shape': (384, 384), }
 *        padded with spaces and '\n', then the raw array data.
 * .npz:  a ZIP archive (stored or deflated) of .npy members; member "P.npy" is variable "P".
 *
 * readNpz(bytes, fileName) → Map<variable, NpyArray | null>
 *   NpyArray = { shape, dtype, data }: data is a Float64Array in C (row-major) order:
 *   element (i₀, …, i_{d−1}) is at Σ_k i_k · Π_{l>k} shape[l]. fortran_order arrays are
 *   transposed into C order. Supported dtypes (either byte order): f8, f4, f2 → float64;
 *   i1, i2, i4, i8, u1, u2, u4, u8 → float64 (values beyond 2⁵³ lose precision); b1 → 0/1.
 *   dtype '|O' (object arrays: a pickle, e.g. the 0-d `None` the MPC files use for "absent")
 *   → null. Pickles are NEVER unpickled. Members whose name does not end in .npy are skipped.
 *   Other dtypes (complex, strings, structured, datetime) and malformed headers or data →
 *   FileFormatError(file, "member: detail").
 *
 * Helpers npyToDense / npyToVector convert arrays for the QP readers.
 *
 * Bounded work (see limits.ts): the header is at most MAX_NPY_HEADER_BYTES and nests at most
 * 16 deep; at most 64 dimensions; the data must be exactly Π shape · itemsize bytes, checked before the output array
 * is allocated; every dimension is ≤ dimensionLimit(bytes) (an empty array may not declare a
 * 10¹⁵-column shape); ZIP members go through one InflateBudget per archive.
 */
import { FileFormatError, quoteExcerpt } from '../errors.ts';
import type { DenseMatrix } from '../linalg/types.ts';
import { dimensionLimit, InflateBudget, latin1 } from './limits.ts';
import { listZip, readZipEntry } from './zip.ts';

/**
 * Longest .npy header accepted (bytes). numpy writes headers of a few dozen bytes padded to
 * 64 and itself refuses headers over 10000 bytes unless told otherwise; a 4-byte v2/v3 length
 * could otherwise make a small file's "header" the whole file.
 */
export const MAX_NPY_HEADER_BYTES = 65536;

/** Most dimensions an array may have (numpy's own limit, NPY_MAXDIMS, is 64 in numpy 2). */
const MAX_NDIM = 64;

/** How deeply the header literal may nest (numpy's is a dict holding a shape tuple: depth 2). */
const MAX_HEADER_DEPTH = 16;

export interface NpyArray {
  /** dimensions (empty for a 0-d scalar) */
  readonly shape: readonly number[];
  /** the header's dtype string, e.g. '<f8' */
  readonly dtype: string;
  /** Π shape values in C (row-major) order */
  readonly data: Float64Array;
}

// ---------------------------------------------------------------------------------------------
// The header: a tiny parser for the Python literal subset numpy writes
// ---------------------------------------------------------------------------------------------

type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

function parsePyLiteral(src: string, fail: (detail: string) => never): PyValue {
  let i = 0;
  let depth = 0;
  const ws = (): void => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const value = (): PyValue => {
    ws();
    const c = src[i];
    if ((c === '{' || c === '(' || c === '[') && ++depth > MAX_HEADER_DEPTH) fail(`the header nests more than ${MAX_HEADER_DEPTH} levels deep`);
    if (c === '{') {
      i++;
      const m = new Map<string, PyValue>();
      for (;;) {
        ws();
        if (src[i] === '}') {
          i++;
          depth--;
          return m;
        }
        const k = value();
        if (typeof k !== 'string') fail('header dict keys must be strings');
        ws();
        if (src[i] !== ':') fail(`expected ':' in the header at character ${i}`);
        i++;
        m.set(k as string, value());
        ws();
        if (src[i] === ',') i++;
        else if (src[i] !== '}') fail(`expected ',' or '}' in the header at character ${i}`);
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const items: PyValue[] = [];
      for (;;) {
        ws();
        if (src[i] === close) {
          i++;
          depth--;
          return items;
        }
        items.push(value());
        ws();
        if (src[i] === ',') i++;
        else if (src[i] !== close) fail(`expected ',' or '${close}' in the header at character ${i}`);
      }
    }
    if (c === "'" || c === '"') {
      i++;
      let s = '';
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\') {
          i++;
          const e = src[i];
          s += e === 'n' ? '\n' : e === 't' ? '\t' : (e ?? '');
        } else s += src[i];
        i++;
      }
      if (i >= src.length) fail('unterminated string in the header');
      i++;
      return s;
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(src.slice(i));
    if (!m) fail(`unexpected ${quoteExcerpt(src.slice(i, i + 12))} in the header`);
    i += m![0].length;
    if (m![0] === 'True') return true;
    if (m![0] === 'False') return false;
    if (m![0] === 'None') return null;
    return Number(m![0].replace('L', ''));
  };
  const v = value();
  ws();
  if (i !== src.length) fail(`trailing characters after the header dict at character ${i}`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// .npy
// ---------------------------------------------------------------------------------------------

/**
 * Parse one .npy file. bytes: the file (not modified); name: for error messages. Returns null
 * for an object ('|O') array. See the module comment for dtypes and layout.
 */
export function readNpy(bytes: Uint8Array, name: string): NpyArray | null {
  const fail = (detail: string): never => {
    throw new FileFormatError(name, detail);
  };
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.length < 10 || magic.some((b, k) => bytes[k] !== b)) fail('not a .npy array (bad magic string)');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('truncated .npy header');
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else return fail(`unsupported .npy format version ${major}.${bytes[7]}`);
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) fail(`header of ${headerLen} bytes runs past the end (${bytes.length} bytes)`);
  if (headerLen > MAX_NPY_HEADER_BYTES) fail(`header of ${headerLen} bytes is longer than the ${MAX_NPY_HEADER_BYTES} accepted`);
  const hb = bytes.subarray(headerStart, dataStart);
  const headerText = major === 3 ? new TextDecoder('utf-8').decode(hb) : latin1(hb);
  const header = parsePyLiteral(headerText.trim(), (d) => fail(`bad header: ${d}`));
  if (!(header instanceof Map)) return fail('bad header: not a dict');
  const descr = header.get('descr');
  const fortran = header.get('fortran_order');
  const shapeV = header.get('shape');
  const show = (v: PyValue | undefined): string => (v === undefined ? 'missing' : quoteExcerpt(JSON.stringify(v instanceof Map ? Object.fromEntries(v) : v) ?? String(v)));
  if (typeof descr !== 'string') return fail(`dtype ${show(descr)} is not supported (structured arrays are not read)`);
  if (typeof fortran !== 'boolean') fail(`bad header: fortran_order is ${show(fortran)}`);
  if (!Array.isArray(shapeV) || shapeV.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0))
    fail(`bad header: shape ${show(shapeV)}`);
  const shape = shapeV as number[];
  if (shape.length > MAX_NDIM) fail(`bad header: ${shape.length} dimensions (numpy writes at most ${MAX_NDIM})`);
  const dimLimit = dimensionLimit(bytes.length);
  if (shape.some((d) => d > dimLimit)) {
    fail(`shape (${shape.join(', ')}) has a dimension over ${dimLimit} (the larger of 2^20 and the ${bytes.length} bytes of the array)`);
  }

  // object arrays: pickled Python objects (e.g. None) — treated as absent, never unpickled
  if (/^[|<>=]?O\d*$/.test(descr)) return null;

  const m = /^([<>|=])?([fiub?])(\d+)$/.exec(descr === '?' || descr === '|?' ? '|b1' : descr);
  if (!m) return fail(`dtype ${quoteExcerpt(descr)} is not supported (float, int, uint and bool only)`);
  const order = m[1] ?? '|';
  const kind = m[2]!;
  const size = Number(m[3]);
  const okSize = kind === 'f' ? [2, 4, 8] : kind === 'b' ? [1] : [1, 2, 4, 8];
  if (!okSize.includes(size)) fail(`dtype '${descr}' is not supported`);
  const little = order !== '>';
  const count = shape.reduce((a, b) => a * b, 1);
  const nbytes = count * size;
  if (bytes.length - dataStart !== nbytes)
    fail(`${bytes.length - dataStart} data bytes for shape (${shape.join(', ')}) of '${descr}' (${nbytes} expected)`);

  const raw = new Float64Array(count);
  const p0 = dataStart;
  const copy = (): ArrayBuffer => {
    const c = new Uint8Array(nbytes);
    c.set(bytes.subarray(p0, p0 + nbytes));
    return c.buffer;
  };
  if (little && !(kind === 'f' && size === 2)) {
    // little-endian: one aligned copy viewed as the matching typed array
    const buf = copy();
    if (kind === 'f') raw.set(size === 8 ? new Float64Array(buf) : new Float32Array(buf));
    else if (kind === 'b') {
      const b = new Uint8Array(buf);
      for (let k = 0; k < count; k++) raw[k] = b[k] !== 0 ? 1 : 0;
    } else if (size === 8) {
      const b = kind === 'i' ? new BigInt64Array(buf) : new BigUint64Array(buf);
      for (let k = 0; k < count; k++) raw[k] = Number(b[k]!);
    } else if (kind === 'i') raw.set(size === 1 ? new Int8Array(buf) : size === 2 ? new Int16Array(buf) : new Int32Array(buf));
    else raw.set(size === 1 ? new Uint8Array(buf) : size === 2 ? new Uint16Array(buf) : new Uint32Array(buf));
  } else {
    for (let k = 0; k < count; k++) {
      const p = p0 + k * size;
      let v: number;
      if (kind === 'f') v = size === 8 ? view.getFloat64(p, little) : size === 4 ? view.getFloat32(p, little) : half(view.getUint16(p, little));
      else if (kind === 'b') v = bytes[p] !== 0 ? 1 : 0;
      else if (kind === 'i')
        v = size === 1 ? view.getInt8(p) : size === 2 ? view.getInt16(p, little) : size === 4 ? view.getInt32(p, little) : Number(view.getBigInt64(p, little));
      else v = size === 1 ? view.getUint8(p) : size === 2 ? view.getUint16(p, little) : size === 4 ? view.getUint32(p, little) : Number(view.getBigUint64(p, little));
      raw[k] = v;
    }
  }
  const data = fortran && shape.length > 1 ? fortranToC(raw, shape) : raw;
  return { shape: shape.slice(), dtype: descr, data };
}

/** IEEE half precision bits → number. */
function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? Number.NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Reorder column-major (Fortran) data of the given shape into row-major (C) order. */
function fortranToC(src: Float64Array, shape: readonly number[]): Float64Array {
  const d = shape.length;
  const out = new Float64Array(src.length);
  const fStride = new Array<number>(d);
  fStride[0] = 1;
  for (let k = 1; k < d; k++) fStride[k] = fStride[k - 1]! * shape[k - 1]!;
  const idx = new Array<number>(d).fill(0);
  for (let c = 0; c < src.length; c++) {
    let f = 0;
    for (let k = 0; k < d; k++) f += idx[k]! * fStride[k]!;
    out[c] = src[f]!;
    for (let k = d - 1; k >= 0; k--) {
      if (++idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// .npz
// ---------------------------------------------------------------------------------------------

/**
 * Every .npy member of an .npz archive: variable name (member name without ".npy") → array, or
 * null for an object array. bytes: the archive (not modified); fileName: for error messages.
 */
export function readNpz(bytes: Uint8Array, fileName: string, budget: InflateBudget = new InflateBudget()): Map<string, NpyArray | null> {
  const out = new Map<string, NpyArray | null>();
  for (const entry of listZip(bytes, fileName)) {
    if (!entry.name.endsWith('.npy')) continue;
    const data = readZipEntry(bytes, entry, fileName, budget);
    out.set(entry.name.slice(0, -4), readNpy(data, `${fileName}: member ${quoteExcerpt(entry.name)}`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Conversions for callers
// ---------------------------------------------------------------------------------------------

/** A 2-D array as a row-major DenseMatrix (shares `data`). Otherwise FileFormatError. */
export function npyToDense(a: NpyArray, name: string, fileName: string): DenseMatrix {
  if (a.shape.length !== 2) throw new FileFormatError(fileName, `"${name}": expected a 2-D array, found shape (${a.shape.join(', ')})`);
  return { format: 'dense', nrows: a.shape[0]!, ncols: a.shape[1]!, data: a.data };
}

/**
 * A vector: 1-D, or 2-D with one dimension equal to 1, or 0-d (length 1). Shares `data`.
 * Otherwise FileFormatError.
 */
export function npyToVector(a: NpyArray, name: string, fileName: string): Float64Array {
  const s = a.shape;
  if (s.length <= 1 || (s.length === 2 && (s[0] === 1 || s[1] === 1))) return a.data;
  throw new FileFormatError(fileName, `"${name}": expected a vector, found shape (${s.join(', ')})`);
}
