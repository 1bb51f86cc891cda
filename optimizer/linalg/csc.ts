/**
 * Compressed-sparse-column (CSC) kernels: construction, conversion, transpose and row-compressed
 * form (cscRowCompressed: the one transpose kernel), products (cscMatVec, cscMatTVec,
 * cscSymUpperMatVec), triangles, symmetric permutation, row selection, scaling.
 *
 * Conventions (see `types.ts`): 0-based indices; column j holds entries colPtr[j] .. colPtr[j+1]-1;
 * every function here RETURNS matrices with rows sorted ascending and unique inside each column,
 * and keeps explicit zeros (a pattern is a pattern). Inputs are never modified unless an
 * argument is documented as "modified". Constructors validate indices (InputError) and sizes
 * (DimensionError); values are passed through unchecked (the factorizations reject NaN/Inf).
 *
 * Allocation: each function allocates its output once (exact size) plus O(n) or O(nnz) Int32
 * work arrays; no per-entry objects.
 */
import { DimensionError, InputError } from '../errors.ts';
import { checkLength } from './check.ts';
import type { CscMatrix, DenseMatrix } from './types.ts';

/** Build a CscMatrix from already-valid arrays (no checks). */
function make(nrows: number, ncols: number, colPtr: Int32Array, rowIdx: Int32Array, values: Float64Array): CscMatrix {
  return { format: 'csc', nrows, ncols, colPtr, rowIdx, values };
}

function checkSize(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new InputError(name, 'a non-negative integer', String(v));
}


// ---------------------------------------------------------------------------------------------
// Construction
// ---------------------------------------------------------------------------------------------

/**
 * Assemble A (nrows × ncols) from triplets (rows[k], cols[k], vals[k]), k = 0..T-1; duplicate
 * (row, col) pairs are SUMMED. Also returns `map` (length T): map[k] = position in
 * `matrix.values` that triplet k was added into, so re-assembly with new triplet values is
 *   values.fill(0); for k: values[map[k]] += vals[k].
 *
 * Inputs (not modified): rows, cols, vals of equal length T; 0 ≤ rows[k] < nrows, 0 ≤ cols[k] < ncols
 * (integers, else InputError). Cost O(T + nrows + ncols) (two stable counting sorts).
 */
export function cscFromTripletsWithMap(
  nrows: number,
  ncols: number,
  rows: ArrayLike<number>,
  cols: ArrayLike<number>,
  vals: ArrayLike<number>,
): { matrix: CscMatrix; map: Int32Array } {
  checkSize('nrows', nrows);
  checkSize('ncols', ncols);
  const T = rows.length;
  checkLength('cols', cols, T, '= length of rows');
  checkLength('vals', vals, T, '= length of rows');
  // pass 1: stable counting sort of triplet ids by row
  const rowCount = new Int32Array(nrows + 1);
  for (let k = 0; k < T; k++) {
    const r = rows[k]!;
    const c = cols[k]!;
    if (!(r >= 0 && r < nrows && (r | 0) === r)) throw new InputError(`rows[${k}]`, `an integer in [0, ${nrows})`, String(r));
    if (!(c >= 0 && c < ncols && (c | 0) === c)) throw new InputError(`cols[${k}]`, `an integer in [0, ${ncols})`, String(c));
    rowCount[r + 1]!++;
  }
  for (let i = 0; i < nrows; i++) rowCount[i + 1]! += rowCount[i]!;
  const byRow = new Int32Array(T);
  for (let k = 0; k < T; k++) byRow[rowCount[rows[k]!]!++] = k;
  // pass 2: stable counting sort by column → rows ascending within a column
  const colCount = new Int32Array(ncols + 1);
  for (let k = 0; k < T; k++) colCount[cols[k]! + 1]!++;
  for (let j = 0; j < ncols; j++) colCount[j + 1]! += colCount[j]!;
  const next = colCount.slice(0, ncols);
  const order = new Int32Array(T);
  for (let t = 0; t < T; t++) {
    const k = byRow[t]!;
    order[next[cols[k]!]!++] = k;
  }
  // pass 3: compress duplicates
  const map = new Int32Array(T);
  const colPtr = new Int32Array(ncols + 1);
  let nz = 0;
  for (let j = 0; j < ncols; j++) {
    let last = -1;
    for (let t = colCount[j]!; t < colCount[j + 1]!; t++) {
      const k = order[t]!;
      const r = rows[k]!;
      if (r !== last) {
        nz++;
        last = r;
      }
      map[k] = nz - 1;
    }
    colPtr[j + 1] = nz;
  }
  const rowIdx = new Int32Array(nz);
  const values = new Float64Array(nz);
  for (let k = 0; k < T; k++) {
    const p = map[k]!;
    rowIdx[p] = rows[k]!;
    values[p] += vals[k]!;
  }
  return { matrix: make(nrows, ncols, colPtr, rowIdx, values), map };
}

/** Assemble A from triplets, duplicates summed, rows sorted (see `cscFromTripletsWithMap`). */
export function cscFromTriplets(
  nrows: number,
  ncols: number,
  rows: ArrayLike<number>,
  cols: ArrayLike<number>,
  vals: ArrayLike<number>,
): CscMatrix {
  return cscFromTripletsWithMap(nrows, ncols, rows, cols, vals).matrix;
}

/**
 * CSC copy of a dense matrix M (row-major, nrows × ncols). Entries equal to 0 are dropped unless
 * `keepZeros` (then the pattern is full).
 */
export function cscFromDense(M: DenseMatrix, keepZeros = false): CscMatrix {
  const { nrows, ncols, data } = M;
  checkLength('M.data', data, nrows * ncols, 'nrows*ncols');
  const colPtr = new Int32Array(ncols + 1);
  let nz = 0;
  for (let j = 0; j < ncols; j++) {
    for (let i = 0; i < nrows; i++) if (keepZeros || data[i * ncols + j] !== 0) nz++;
    colPtr[j + 1] = nz;
  }
  const rowIdx = new Int32Array(nz);
  const values = new Float64Array(nz);
  let p = 0;
  for (let j = 0; j < ncols; j++) {
    for (let i = 0; i < nrows; i++) {
      const v = data[i * ncols + j]!;
      if (keepZeros || v !== 0) {
        rowIdx[p] = i;
        values[p++] = v;
      }
    }
  }
  return make(nrows, ncols, colPtr, rowIdx, values);
}

/** Dense (row-major) copy of M; duplicate entries, if any, are summed. */
export function cscToDense(M: CscMatrix): DenseMatrix {
  const { nrows, ncols, colPtr, rowIdx, values } = M;
  const data = new Float64Array(nrows * ncols);
  for (let j = 0; j < ncols; j++) {
    for (let p = colPtr[j]!; p < colPtr[j + 1]!; p++) data[rowIdx[p]! * ncols + j] += values[p]!;
  }
  return { format: 'dense', nrows, ncols, data };
}

/** The n × n identity times `scale` (explicit diagonal, also when scale = 0). */
export function cscIdentity(n: number, scale = 1): CscMatrix {
  checkSize('n', n);
  const colPtr = new Int32Array(n + 1);
  const rowIdx = new Int32Array(n);
  const values = new Float64Array(n).fill(scale);
  for (let i = 0; i < n; i++) {
    colPtr[i + 1] = i + 1;
    rowIdx[i] = i;
  }
  return make(n, n, colPtr, rowIdx, values);
}

/** diag(v), n = v.length, with an explicit entry for every i (zeros kept). */
export function cscDiag(v: Float64Array): CscMatrix {
  const M = cscIdentity(v.length, 0);
  M.values.set(v);
  return M;
}

// ---------------------------------------------------------------------------------------------
// Transpose, triangles
// ---------------------------------------------------------------------------------------------

/**
 * The rows of a CSC matrix M in row-compressed form — the one transpose kernel of the library
 * (a stable counting sort by row): row i of M is colIdx/values[rowPtr[i] .. rowPtr[i+1]), columns
 * ascending (columns of M are visited in order), and srcPos[t] is the position in M.values of the
 * entry t (so new values on the same pattern are a gather: values[t] = M.values[srcPos[t]]).
 * As a CSC matrix, (rowPtr, colIdx, values) is Mᵀ (ncols × nrows); see cscTranspose.
 */
export interface RowCompressed {
  /** length nrows+1 */
  readonly rowPtr: Int32Array;
  /** length nnz, ascending within a row */
  readonly colIdx: Int32Array;
  /** length nnz, a copy of M's values in row order */
  readonly values: Float64Array;
  /** length nnz: srcPos[t] = position of entry t in M.values */
  readonly srcPos: Int32Array;
}

/** M's rows in row-compressed form with the map back to M's entries (see RowCompressed). */
export function cscRowCompressed(M: CscMatrix): RowCompressed {
  const t = transposeArrays(M, true);
  return { rowPtr: t.ptr, colIdx: t.idx, values: t.val, srcPos: t.src! };
}

/** Mᵀ (ncols × nrows). Rows come out sorted because columns of M are visited in order. */
export function cscTranspose(M: CscMatrix): CscMatrix {
  const t = transposeArrays(M, false);
  return make(M.ncols, M.nrows, t.ptr, t.idx, t.val);
}

function transposeArrays(M: CscMatrix, withSrc: boolean): { ptr: Int32Array; idx: Int32Array; val: Float64Array; src: Int32Array | null } {
  const { nrows, ncols, colPtr, rowIdx, values } = M;
  const nz = colPtr[ncols]!;
  const tPtr = new Int32Array(nrows + 1);
  for (let p = 0; p < nz; p++) tPtr[rowIdx[p]! + 1]!++;
  for (let i = 0; i < nrows; i++) tPtr[i + 1]! += tPtr[i]!;
  const next = tPtr.slice(0, nrows);
  const tRow = new Int32Array(nz);
  const tVal = new Float64Array(nz);
  const src = withSrc ? new Int32Array(nz) : null;
  for (let j = 0; j < ncols; j++) {
    for (let p = colPtr[j]!; p < colPtr[j + 1]!; p++) {
      const q = next[rowIdx[p]!]!++;
      tRow[q] = j;
      tVal[q] = values[p]!;
      if (src !== null) src[q] = p;
    }
  }
  return { ptr: tPtr, idx: tRow, val: tVal, src };
}

function triangle(M: CscMatrix, upper: boolean): CscMatrix {
  const { nrows, ncols, colPtr, rowIdx, values } = M;
  const outPtr = new Int32Array(ncols + 1);
  let nz = 0;
  for (let j = 0; j < ncols; j++) {
    for (let p = colPtr[j]!; p < colPtr[j + 1]!; p++) {
      const i = rowIdx[p]!;
      if (upper ? i <= j : i >= j) nz++;
    }
    outPtr[j + 1] = nz;
  }
  const outRow = new Int32Array(nz);
  const outVal = new Float64Array(nz);
  let q = 0;
  for (let j = 0; j < ncols; j++) {
    for (let p = colPtr[j]!; p < colPtr[j + 1]!; p++) {
      const i = rowIdx[p]!;
      if (upper ? i <= j : i >= j) {
        outRow[q] = i;
        outVal[q++] = values[p]!;
      }
    }
  }
  return make(nrows, ncols, outPtr, outRow, outVal);
}

/** Entries of M with row ≤ column (upper triangle incl. diagonal); same shape as M. */
export function cscUpperTriangle(M: CscMatrix): CscMatrix {
  return triangle(M, true);
}

/** Entries of M with row ≥ column (lower triangle incl. diagonal); same shape as M. */
export function cscLowerTriangle(M: CscMatrix): CscMatrix {
  return triangle(M, false);
}

// ---------------------------------------------------------------------------------------------
// Products
// ---------------------------------------------------------------------------------------------

/**
 * y = M x, or y += M x when `accumulate`.
 * x: length ncols (not modified). y: length nrows, modified and returned (allocated if omitted).
 */
export function cscMatVec(M: CscMatrix, x: Float64Array, y?: Float64Array, accumulate = false): Float64Array {
  const { nrows, ncols, colPtr, rowIdx, values } = M;
  checkLength('x', x, ncols, 'columns of M');
  if (y === undefined) y = new Float64Array(nrows);
  else {
    checkLength('y', y, nrows, 'rows of M');
    if (!accumulate) y.fill(0);
  }
  for (let j = 0; j < ncols; j++) {
    const xj = x[j]!;
    if (xj === 0) continue;
    for (let p = colPtr[j]!, end = colPtr[j + 1]!; p < end; p++) y[rowIdx[p]!] += values[p]! * xj;
  }
  return y;
}

/**
 * y = Mᵀ x, or y += Mᵀ x when `accumulate`.
 * x: length nrows (not modified). y: length ncols, modified and returned (allocated if omitted).
 */
export function cscMatTVec(M: CscMatrix, x: Float64Array, y?: Float64Array, accumulate = false): Float64Array {
  const { nrows, ncols, colPtr, rowIdx, values } = M;
  checkLength('x', x, nrows, 'rows of M');
  if (y === undefined) y = new Float64Array(ncols);
  else checkLength('y', y, ncols, 'columns of M');
  for (let j = 0; j < ncols; j++) {
    let s = 0;
    for (let p = colPtr[j]!, end = colPtr[j + 1]!; p < end; p++) s += values[p]! * x[rowIdx[p]!]!;
    y[j] = accumulate ? y[j]! + s : s;
  }
  return y;
}

/**
 * y = K x for symmetric K (n × n) stored by its upper triangle U (incl. diagonal). Entries of U
 * below the diagonal are IGNORED, so a full symmetric matrix may be passed too.
 * x: length n (not modified). y: length n, overwritten and returned (allocated if omitted).
 */
export function cscSymUpperMatVec(U: CscMatrix, x: Float64Array, y?: Float64Array): Float64Array {
  const { nrows, ncols, colPtr, rowIdx, values } = U;
  if (nrows !== ncols) throw new DimensionError('U', 'a square matrix', `${nrows}×${ncols}`);
  checkLength('x', x, ncols, 'order of U');
  if (y === undefined) y = new Float64Array(ncols);
  else {
    checkLength('y', y, ncols, 'order of U');
    y.fill(0);
  }
  for (let j = 0; j < ncols; j++) {
    const xj = x[j]!;
    let s = 0;
    for (let p = colPtr[j]!, end = colPtr[j + 1]!; p < end; p++) {
      const i = rowIdx[p]!;
      const v = values[p]!;
      if (i < j) {
        y[i] += v * xj;
        s += v * x[i]!;
      } else if (i === j) s += v * xj;
    }
    y[j] += s;
  }
  return y;
}

// ---------------------------------------------------------------------------------------------
// Symmetric permutation, row selection, scaling
// ---------------------------------------------------------------------------------------------

/**
 * Upper triangle C of P K Pᵀ, i.e. C = triu(K(perm, perm)): C[k, l] = K[perm[k], perm[l]], for
 * symmetric K (n × n) given by its upper triangle U (entries of U below the diagonal are ignored,
 * so a full K works too).
 *
 * perm: length n, a permutation (perm[k] = original index placed at position k), not modified.
 * Returns `matrix` (rows sorted) and `map` (length nnz(U)): map[p] = position in matrix.values of
 * U's entry p, or −1 for an ignored below-diagonal entry. Re-permuting new values on the same
 * pattern is then a scatter: for p: if map[p] ≥ 0, C.values[map[p]] = U.values[p].
 */
export function cscSymPermuteUpper(U: CscMatrix, perm: Int32Array): { matrix: CscMatrix; map: Int32Array } {
  const { nrows: n, ncols, colPtr, rowIdx, values } = U;
  if (n !== ncols) throw new DimensionError('U', 'a square matrix', `${n}×${ncols}`);
  const pinv = invertPermutation(perm, n, 'perm');
  const nzU = colPtr[n]!;
  // pass 1: count entries per output ROW (min index) → stable bucket by row
  const rowCnt = new Int32Array(n + 1);
  for (let j = 0; j < n; j++) {
    const pj = pinv[j]!;
    for (let p = colPtr[j]!; p < colPtr[j + 1]!; p++) {
      const i = rowIdx[p]!;
      if (i > j) continue;
      const pi = pinv[i]!;
      rowCnt[(pi < pj ? pi : pj) + 1]!++;
    }
  }
  for (let k = 0; k < n; k++) rowCnt[k + 1]! += rowCnt[k]!;
  const nz = rowCnt[n]!;
  const byRow = new Int32Array(nz); // entry ids p bucketed by output row
  const nextRow = rowCnt.slice(0, n);
  const colCnt = new Int32Array(n + 1);
  for (let j = 0; j < n; j++) {
    const pj = pinv[j]!;
    for (let p = colPtr[j]!; p < colPtr[j + 1]!; p++) {
      const i = rowIdx[p]!;
      if (i > j) continue;
      const pi = pinv[i]!;
      byRow[nextRow[pi < pj ? pi : pj]!++] = p;
      colCnt[(pi > pj ? pi : pj) + 1]!++;
    }
  }
  for (let k = 0; k < n; k++) colCnt[k + 1]! += colCnt[k]!;
  // pass 2: visit by ascending output row, bucket by output column → sorted rows
  const nextCol = colCnt.slice(0, n);
  const outRow = new Int32Array(nz);
  const outVal = new Float64Array(nz);
  const map = new Int32Array(nzU).fill(-1);
  // need column of each entry p: recover via a column-of-entry array
  const colOf = new Int32Array(nzU);
  for (let j = 0; j < n; j++) for (let p = colPtr[j]!; p < colPtr[j + 1]!; p++) colOf[p] = j;
  for (let t = 0; t < nz; t++) {
    const p = byRow[t]!;
    const pi = pinv[rowIdx[p]!]!;
    const pj = pinv[colOf[p]!]!;
    const r = pi < pj ? pi : pj;
    const c = pi < pj ? pj : pi;
    const q = nextCol[c]!++;
    outRow[q] = r;
    outVal[q] = values[p]!;
    map[p] = q;
  }
  return { matrix: make(n, n, colCnt, outRow, outVal), map };
}

/**
 * pinv with pinv[perm[k]] = k. Throws InputError unless perm (length n) is a permutation of 0..n-1.
 */
export function invertPermutation(perm: ArrayLike<number>, n: number, name = 'perm'): Int32Array {
  checkLength(name, perm, n, 'matrix order');
  const pinv = new Int32Array(n).fill(-1);
  for (let k = 0; k < n; k++) {
    const i = perm[k]!;
    if (!(i >= 0 && i < n && (i | 0) === i) || pinv[i] !== -1) {
      throw new InputError(name, `a permutation of 0..${n - 1}`, `entry ${k} = ${i}${pinv[i] !== -1 ? ' (repeated)' : ''}`);
    }
    pinv[i] = k;
  }
  return pinv;
}

/**
 * R = M(rows, :): row r of R is row rows[r] of M (rows may repeat and be in any order), shape
 * rows.length × ncols. rows: integers in [0, nrows), not modified.
 */
export function cscSelectRows(M: CscMatrix, rows: ArrayLike<number>): CscMatrix {
  const { nrows, ncols } = M;
  const m = rows.length;
  for (let r = 0; r < m; r++) {
    const i = rows[r]!;
    if (!(i >= 0 && i < nrows && (i | 0) === i)) throw new InputError(`rows[${r}]`, `an integer in [0, ${nrows})`, String(i));
  }
  const Mt = cscTranspose(M); // column i of Mt = row i of M
  const tPtr = Mt.colPtr;
  const tRow = Mt.rowIdx; // = column indices of M
  const tVal = Mt.values;
  const colPtr = new Int32Array(ncols + 1);
  for (let r = 0; r < m; r++) {
    const i = rows[r]!;
    for (let p = tPtr[i]!; p < tPtr[i + 1]!; p++) colPtr[tRow[p]! + 1]!++;
  }
  for (let j = 0; j < ncols; j++) colPtr[j + 1]! += colPtr[j]!;
  const nz = colPtr[ncols]!;
  const next = colPtr.slice(0, ncols);
  const rowIdx = new Int32Array(nz);
  const values = new Float64Array(nz);
  for (let r = 0; r < m; r++) {
    const i = rows[r]!;
    for (let p = tPtr[i]!; p < tPtr[i + 1]!; p++) {
      const q = next[tRow[p]!]!++;
      rowIdx[q] = r;
      values[q] = tVal[p]!;
    }
  }
  return make(m, ncols, colPtr, rowIdx, values);
}

/**
 * diag(rowScale) · M · diag(colScale) on the same pattern (a new matrix). A null scale means the
 * identity. rowScale: length nrows; colScale: length ncols; neither modified.
 */
export function cscScale(M: CscMatrix, rowScale: Float64Array | null, colScale: Float64Array | null): CscMatrix {
  const { nrows, ncols, colPtr, rowIdx, values } = M;
  if (rowScale) checkLength('rowScale', rowScale, nrows, 'rows of M');
  if (colScale) checkLength('colScale', colScale, ncols, 'columns of M');
  const out = new Float64Array(values.length);
  for (let j = 0; j < ncols; j++) {
    const c = colScale ? colScale[j]! : 1;
    for (let p = colPtr[j]!; p < colPtr[j + 1]!; p++) {
      out[p] = values[p]! * c * (rowScale ? rowScale[rowIdx[p]!]! : 1);
    }
  }
  return make(nrows, ncols, colPtr.slice(), rowIdx.slice(), out);
}
