/**
 * The JSON problem format of the dqp CLI.
 *
 *   {
 *     "P": Mat,  "q": [n numbers],
 *     "A": Mat | null,  "b": [p numbers] | null,        (both or neither; may be omitted)
 *     "C": Mat | null,  "d": [m numbers] | null,        (both or neither; may be omitted)
 *     "lb": [n bounds] | null,  "ub": [n bounds] | null (optional)
 *   }
 *   Mat = { "format": "dense", "shape": [rows, cols], "data": [[row 0], [row 1], ...] }
 *       | { "format": "coo", "shape": [rows, cols], "row": [...], "col": [...], "val": [...] }
 *
 * Indices are 0-based. A bound is a number, null (no bound: −∞ in lb, +∞ in ub) or one of the
 * strings "inf", "+inf", "-inf", "Infinity", "-Infinity". Keys "name", "description", "comment"
 * and keys starting with "_" are ignored; any other unknown key is an error (catches typos).
 *
 * Dense matrices become DenseMatrix, COO matrices become CSC (cscFromTripletsWithMap). COO
 * entries with the same (row, col) are SUMMED into one CSC entry; an explicit 0 entry is kept in
 * the pattern.
 *
 * Gradients in the input's own layout (the dQP CLI reports ∂loss/∂P etc. in the SAME format,
 * shape and entry order as the input): readProblemJson returns, for every matrix, a MatLayout;
 * for COO it holds map[k] = position in the CSC `values` of COO entry k. gradientToJson(layout, g)
 * turns a gradient over the CSC values (or over the dense row-major data) back into a Mat with
 * the input's row/col arrays: val[k] = g[map[k]]. For duplicated COO entries every duplicate
 * gets the gradient of their sum (∂(Σ duplicates)/∂(one duplicate) = 1).
 *
 * Errors are FileFormatError(fileName, "<JSON path>: expected ..., found ...") or, for a
 * required field that is absent, FileFormatError(fileName, "<JSON path> is missing (expected ...)").
 * Offending strings are quoted with quoteExcerpt (at most ~100 characters).
 */
import { FileFormatError, InputError, QUOTE_LIMIT, quoteExcerpt } from '../errors.ts';
import { cscFromTripletsWithMap } from '../linalg/csc.ts';
import type { Matrix } from '../linalg/types.ts';
import { validateProblem } from './problem.ts';
import type { QPProblem } from './types.ts';

/** A matrix as it appears in the JSON file. */
export type MatJson =
  | { format: 'dense'; shape: [number, number]; data: number[][] }
  | { format: 'coo'; shape: [number, number]; row: number[]; col: number[]; val: number[] };

/** The JSON document (what writeProblemJson produces). Bounds: null = infinite. */
export interface ProblemJson {
  P: MatJson;
  q: number[];
  A?: MatJson | null;
  b?: number[] | null;
  C?: MatJson | null;
  d?: number[] | null;
  lb?: (number | null)[] | null;
  ub?: (number | null)[] | null;
}

/** How a matrix was laid out in the input file (to report gradients the same way). */
export type MatLayout =
  | { readonly format: 'dense'; readonly nrows: number; readonly ncols: number }
  | {
      readonly format: 'coo';
      readonly nrows: number;
      readonly ncols: number;
      /** the input's row indices (length K, the number of COO entries) */
      readonly row: Int32Array;
      /** the input's column indices (length K) */
      readonly col: Int32Array;
      /** map[k] = index into the CSC `values` that COO entry k was summed into (length K) */
      readonly map: Int32Array;
    };

/** Layouts of the matrices of a problem read from JSON (null where absent). */
export interface ProblemLayout {
  readonly P: MatLayout;
  readonly A: MatLayout | null;
  readonly C: MatLayout | null;
}

const KNOWN_KEYS = ['P', 'q', 'A', 'b', 'C', 'd', 'lb', 'ub'];
const IGNORED_KEYS = ['name', 'description', 'comment'];

const kindOf = (v: unknown): string => {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'string') return `the string ${quoteExcerpt(v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
};

/** JSON.parse's message, cut to a readable length (V8 quotes part of the input in it). */
const parseMessage = (e: unknown): string => {
  const m = e instanceof Error ? e.message : String(e);
  return m.length > 2 * QUOTE_LIMIT ? `${m.slice(0, 2 * QUOTE_LIMIT)}…` : m;
};

/**
 * Deepest bracket nesting accepted. A problem file nests 4 levels (document → matrix → data →
 * row); JSON.parse needs ~1 s and hundreds of MB for a 2 MB file of nested brackets, so the
 * nesting is measured by a linear scan (strings skipped) before parsing.
 */
const MAX_JSON_DEPTH = 32;

/** Position of the first bracket nested deeper than `limit`, or −1. */
function tooDeep(text: string, limit: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

/** What a matrix's shape must be, and why (for the message). */
interface ShapeRule {
  readonly rows: number;
  readonly cols: number;
  readonly why: string;
}

class Reader {
  constructor(readonly file: string) {}

  fail(path: string, expected: string, found: string): never {
    throw new FileFormatError(this.file, `${path}: expected ${expected}, found ${found}`);
  }

  /** A required field that is absent: "q is missing (expected …)". */
  missing(path: string, expected: string): never {
    throw new FileFormatError(this.file, `${path} is missing (expected ${expected})`);
  }

  numberArray(path: string, v: unknown, length: number | null): number[] {
    const what = length === null ? 'an array of numbers' : `an array of ${length} numbers`;
    if (v === undefined) this.missing(path, what);
    if (!Array.isArray(v)) this.fail(path, what, kindOf(v));
    if (length !== null && v.length !== length) this.fail(path, `${length} numbers`, String(v.length));
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x !== 'number' || !Number.isFinite(x)) this.fail(`${path}[${i}]`, 'a finite number', kindOf(x));
    }
    return v as number[];
  }

  indexArray(path: string, v: unknown, length: number, bound: number): Int32Array {
    const arr = this.numberArray(path, v, length);
    const out = new Int32Array(arr.length);
    for (let i = 0; i < arr.length; i++) {
      const x = arr[i]!;
      if (!Number.isInteger(x) || x < 0 || x >= bound) this.fail(`${path}[${i}]`, `an integer in [0, ${bound})`, String(x));
      out[i] = x;
    }
    return out;
  }

  bounds(path: string, v: unknown, lower: boolean): Float64Array {
    if (!Array.isArray(v)) this.fail(path, 'an array of bounds (numbers, null for none)', kindOf(v));
    const out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x === null) out[i] = lower ? -Infinity : Infinity;
      else if (typeof x === 'number' && !Number.isNaN(x)) out[i] = x;
      else if (typeof x === 'string' && /^(\+?inf|\+?infinity)$/i.test(x)) out[i] = Infinity;
      else if (typeof x === 'string' && /^(-inf|-infinity)$/i.test(x)) out[i] = -Infinity;
      else this.fail(`${path}[${i}]`, 'a number, null or "inf"/"-inf"', kindOf(x));
    }
    return out;
  }

  /**
   * A matrix whose shape must be `rule` (checked before anything of that size is allocated;
   * every later allocation is then backed by arrays the file holds).
   */
  matrix(path: string, v: unknown, rule: ShapeRule): { M: Matrix; layout: MatLayout } {
    if (v === undefined) this.missing(path, 'a matrix object {"format", "shape", ...}');
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'a matrix object {"format", "shape", ...}', kindOf(v));
    const o = v as Record<string, unknown>;
    const shape = this.numberArray(`${path}.shape`, o.shape, 2);
    const [nrows, ncols] = shape as [number, number];
    for (let k = 0; k < 2; k++) {
      if (!Number.isInteger(shape[k]!) || shape[k]! < 0) this.fail(`${path}.shape[${k}]`, 'a non-negative integer', String(shape[k]));
    }
    if (nrows !== rule.rows || ncols !== rule.cols) this.fail(`${path}.shape`, `[${rule.rows}, ${rule.cols}] (${rule.why})`, `[${nrows}, ${ncols}]`);
    if (o.format === 'dense') {
      if (o.data === undefined) this.missing(`${path}.data`, `an array of ${nrows} rows`);
      if (!Array.isArray(o.data)) this.fail(`${path}.data`, `an array of ${nrows} rows`, kindOf(o.data));
      const rows = o.data as unknown[];
      if (rows.length !== nrows) this.fail(`${path}.data`, `${nrows} rows (shape[0])`, `${rows.length} rows`);
      // every row is checked before the nrows·ncols array exists
      const checked = rows.map((row, i) => this.numberArray(`${path}.data[${i}]`, row, ncols));
      const data = new Float64Array(nrows * ncols);
      for (let i = 0; i < nrows; i++) {
        const row = checked[i]!;
        for (let j = 0; j < ncols; j++) data[i * ncols + j] = row[j]!;
      }
      return { M: { format: 'dense', nrows, ncols, data }, layout: { format: 'dense', nrows, ncols } };
    }
    if (o.format === 'coo') {
      const val = this.numberArray(`${path}.val`, o.val, null);
      const K = val.length;
      const row = this.indexArray(`${path}.row`, o.row, K, nrows);
      const col = this.indexArray(`${path}.col`, o.col, K, ncols);
      const { matrix, map } = cscFromTripletsWithMap(nrows, ncols, row, col, val);
      return { M: matrix, layout: { format: 'coo', nrows, ncols, row, col, map } };
    }
    if (o.format === undefined) this.missing(`${path}.format`, '"dense" or "coo"');
    return this.fail(`${path}.format`, '"dense" or "coo"', kindOf(o.format));
  }
}

/**
 * Parse a problem from JSON text (see the file comment). `fileName` only names the source in
 * error messages. The problem is validated (validateProblem); its errors are reported as
 * FileFormatError naming the file. Returns the problem and the layout of each matrix.
 *
 * Bounded work on hostile input: no size in the file is trusted on its own. n is the length
 * of q, the rows of A and C are the lengths of b and d; every declared `shape` must equal
 * those before any matrix storage is allocated, dense rows are checked before the dense
 * array is created, and COO indices must lie inside the shape. Every allocation is therefore
 * backed by numbers present in the file (time and memory O(file size)); no numeric cap is
 * needed because the format has no size that the data does not back. Without this, a
 * 100-byte file declaring shape [2e9, 2e9] allocated gigabytes before any check. Bracket
 * nesting is limited to MAX_JSON_DEPTH (32) before JSON.parse runs.
 */
export function readProblemJson(text: string, fileName: string): { problem: QPProblem; layout: ProblemLayout } {
  const r = new Reader(fileName);
  let doc: unknown;
  const deep = tooDeep(text, MAX_JSON_DEPTH);
  if (deep >= 0) throw new FileFormatError(fileName, `brackets nest more than ${MAX_JSON_DEPTH} levels deep at character ${deep} (a problem file needs 4)`);
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(fileName, `invalid JSON: ${parseMessage(e)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) r.fail('(top level)', 'an object {"P", "q", ...}', kindOf(doc));
  const o = doc as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN_KEYS.includes(key) && !IGNORED_KEYS.includes(key) && !key.startsWith('_')) {
      r.fail(key.length <= QUOTE_LIMIT ? key : '(top level)', `one of the keys ${KNOWN_KEYS.join(', ')}`, `the unknown key ${quoteExcerpt(key)}`);
    }
  }
  const absent = (key: string) => o[key] === undefined || o[key] === null;
  if (absent('P')) r.missing('P', 'a matrix object {"format", "shape", ...}');
  if (absent('q')) r.missing('q', 'an array of numbers (the linear term; its length is n)');
  const q = new Float64Array(r.numberArray('q', o.q, null));
  const n = q.length;
  const P = r.matrix('P', o.P, { rows: n, cols: n, why: `n × n, n = ${n} = the length of q` });
  const pair = (Mk: 'A' | 'C', vk: 'b' | 'd') => {
    if (absent(Mk) && absent(vk)) return null;
    if (absent(vk)) r.missing(vk, `an array of numbers (${Mk} is given; its length is the rows of ${Mk})`);
    if (absent(Mk)) r.missing(Mk, `a matrix (${vk} is given)`);
    const v = new Float64Array(r.numberArray(vk, o[vk], null));
    const M = r.matrix(Mk, o[Mk], { rows: v.length, cols: n, why: `rows = ${v.length} = the length of ${vk}, columns = n = ${n}` });
    return { M, v };
  };
  const A = pair('A', 'b');
  const C = pair('C', 'd');
  const bnd = (key: 'lb' | 'ub') => (absent(key) ? null : r.bounds(key, o[key], key === 'lb'));
  const problem: QPProblem = {
    P: P.M,
    q,
    A: A ? A.M.M : null,
    b: A ? A.v : null,
    C: C ? C.M.M : null,
    d: C ? C.v : null,
    lb: bnd('lb'),
    ub: bnd('ub'),
  };
  try {
    validateProblem(problem);
  } catch (e) {
    if (e instanceof InputError) throw new FileFormatError(fileName, e.message);
    throw e;
  }
  return { problem, layout: { P: P.layout, A: A ? A.M.layout : null, C: C ? C.M.layout : null } };
}

/** A matrix as JSON: dense stays dense, CSC becomes COO in CSC order (column-major). */
export function matrixToJson(M: Matrix): MatJson {
  if (M.format === 'dense') {
    const data: number[][] = [];
    for (let i = 0; i < M.nrows; i++) data.push(Array.from(M.data.subarray(i * M.ncols, (i + 1) * M.ncols)));
    return { format: 'dense', shape: [M.nrows, M.ncols], data };
  }
  const K = M.colPtr[M.ncols]!;
  const row = new Array<number>(K);
  const col = new Array<number>(K);
  for (let j = 0; j < M.ncols; j++) {
    for (let k = M.colPtr[j]!; k < M.colPtr[j + 1]!; k++) {
      row[k] = M.rowIdx[k]!;
      col[k] = j;
    }
  }
  return { format: 'coo', shape: [M.nrows, M.ncols], row, col, val: Array.from(M.values) };
}

const boundsToJson = (v: Float64Array | null | undefined): (number | null)[] | null =>
  v ? Array.from(v, (x) => (Number.isFinite(x) ? x : null)) : null;

/** The problem as a JSON document object (numbers are written exactly; infinite bounds → null). */
export function problemToJson(problem: QPProblem): ProblemJson {
  const out: ProblemJson = { P: matrixToJson(problem.P), q: Array.from(problem.q) };
  if (problem.A) {
    out.A = matrixToJson(problem.A);
    out.b = Array.from(problem.b ?? []);
  }
  if (problem.C) {
    out.C = matrixToJson(problem.C);
    out.d = Array.from(problem.d ?? []);
  }
  if (problem.lb) out.lb = boundsToJson(problem.lb);
  if (problem.ub) out.ub = boundsToJson(problem.ub);
  return out;
}

/**
 * JSON text of a problem (readProblemJson reads it back to the same matrices and vectors:
 * JavaScript prints every double with enough digits to round-trip exactly).
 */
export function writeProblemJson(problem: QPProblem, indent?: number): string {
  return JSON.stringify(problemToJson(problem), null, indent);
}

/**
 * A gradient with respect to a matrix, in the layout the matrix had in the input file.
 * grad: for a dense layout the row-major data (length nrows·ncols, or a DenseMatrix); for a COO
 * layout the gradient over the CSC values of the matrix that readProblemJson built (length nnz,
 * or that CscMatrix's gradient as a CscMatrix on the same pattern). Not modified.
 * COO output: the input's row/col arrays, val[k] = grad[map[k]] (duplicates share their sum's
 * gradient).
 */
export function gradientToJson(layout: MatLayout, grad: Float64Array | Matrix): MatJson {
  const g = grad instanceof Float64Array ? grad : grad.format === 'dense' ? grad.data : grad.values;
  const { nrows, ncols } = layout;
  if (layout.format === 'dense') {
    if (g.length !== nrows * ncols) {
      throw new InputError('grad', `length ${nrows * ncols} (a dense ${nrows}×${ncols} gradient)`, `length ${g.length}`);
    }
    const data: number[][] = [];
    for (let i = 0; i < nrows; i++) data.push(Array.from(g.subarray(i * ncols, (i + 1) * ncols)));
    return { format: 'dense', shape: [nrows, ncols], data };
  }
  const K = layout.map.length;
  let nnz = 0;
  for (let k = 0; k < K; k++) nnz = Math.max(nnz, layout.map[k]! + 1);
  if (g.length !== nnz) throw new InputError('grad', `length ${nnz} (nnz of the CSC matrix read from the file)`, `length ${g.length}`);
  const val = new Array<number>(K);
  for (let k = 0; k < K; k++) val[k] = g[layout.map[k]!]!;
  return { format: 'coo', shape: [nrows, ncols], row: Array.from(layout.row), col: Array.from(layout.col), val };
}
