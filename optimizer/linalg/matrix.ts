/**
 * Operations generic over `Matrix` = DenseMatrix (row-major) | CscMatrix, so callers (QP
 * backends, residuals, the dQP layer) can take either representation without branching.
 *
 *   matVec(M, x, y?, acc?)     y (+)= M x          x: ncols, y: nrows
 *   matTVec(M, x, y?, acc?)    y (+)= Mᵀ x         x: nrows, y: ncols
 *   toCsc(M) / toDense(M)      convert (returns M itself when already in that format)
 *   denseFromRows(rows)        DenseMatrix from a nested array (tests, small examples)
 *   matrixNnz(M)               stored entries (CSC) / nonzero entries (dense)
 *   matrixRowNormsInf/2(M)     per-row ‖M_i,:‖∞ / ‖M_i,:‖₂ (constraint normalization, scaling)
 *   matrixColNormsInf/2(M)     per-column norms (Ruiz-type equilibration)
 *   matrixMaxAbs, matrixScale (diag(r) M diag(c)), matrixTranspose, matrixShape,
 *   denseZeros, denseFromData  small helpers in the same spirit
 *
 * Sizes are checked: a vector of the wrong length is a DimensionError naming the argument.
 * Inputs are never modified; an output vector `y`/`out` passed in is overwritten (or
 * accumulated into) and returned.
 */
import { DimensionError, InputError } from '../errors.ts';
import { cscFromDense, cscMatTVec, cscMatVec, cscToDense, cscTranspose } from './csc.ts';
import { checkLength } from './check.ts';
import type { CscMatrix, DenseMatrix, Matrix } from './types.ts';


/** [nrows, ncols] of M. */
export function matrixShape(M: Matrix): [number, number] {
  return [M.nrows, M.ncols];
}

/** A zero dense matrix (nrows × ncols). */
export function denseZeros(nrows: number, ncols: number): DenseMatrix {
  if (!Number.isInteger(nrows) || nrows < 0) throw new InputError('nrows', 'a non-negative integer', String(nrows));
  if (!Number.isInteger(ncols) || ncols < 0) throw new InputError('ncols', 'a non-negative integer', String(ncols));
  return { format: 'dense', nrows, ncols, data: new Float64Array(nrows * ncols) };
}

/**
 * Wrap row-major data (length nrows·ncols, NOT copied: the matrix aliases `data`) as a DenseMatrix.
 */
export function denseFromData(nrows: number, ncols: number, data: Float64Array): DenseMatrix {
  if (!Number.isInteger(nrows) || nrows < 0) throw new InputError('nrows', 'a non-negative integer', String(nrows));
  if (!Number.isInteger(ncols) || ncols < 0) throw new InputError('ncols', 'a non-negative integer', String(ncols));
  checkLength('data', data, nrows * ncols, `nrows·ncols = ${nrows}·${ncols}`);
  return { format: 'dense', nrows, ncols, data };
}

/**
 * y = M x (accumulate = false) or y += M x (accumulate = true).
 * M: nrows × ncols, dense or CSC. x: length ncols, not modified. y: length nrows, modified and
 * returned (allocated, zero-initialised, when omitted).
 */
export function matVec(M: Matrix, x: Float64Array, y?: Float64Array, accumulate = false): Float64Array {
  checkLength('x', x, M.ncols, 'columns of M');
  if (y !== undefined) checkLength('y', y, M.nrows, 'rows of M');
  if (M.format === 'csc') return cscMatVec(M, x, y, accumulate);
  const { nrows, ncols, data } = M;
  const out = y ?? new Float64Array(nrows);
  for (let i = 0; i < nrows; i++) {
    const off = i * ncols;
    let s0 = 0;
    let s1 = 0;
    let j = 0;
    for (; j + 1 < ncols; j += 2) {
      s0 += data[off + j]! * x[j]!;
      s1 += data[off + j + 1]! * x[j + 1]!;
    }
    if (j < ncols) s0 += data[off + j]! * x[j]!;
    out[i] = accumulate ? out[i]! + (s0 + s1) : s0 + s1;
  }
  return out;
}

/**
 * y = Mᵀ x (accumulate = false) or y += Mᵀ x (accumulate = true).
 * M: nrows × ncols, dense or CSC. x: length nrows, not modified. y: length ncols, modified and
 * returned (allocated when omitted).
 */
export function matTVec(M: Matrix, x: Float64Array, y?: Float64Array, accumulate = false): Float64Array {
  checkLength('x', x, M.nrows, 'rows of M');
  if (y !== undefined) checkLength('y', y, M.ncols, 'columns of M');
  if (M.format === 'csc') return cscMatTVec(M, x, y, accumulate);
  const { nrows, ncols, data } = M;
  const out = y ?? new Float64Array(ncols);
  if (y !== undefined && !accumulate) out.fill(0);
  // row-oriented: out += x_i · M_i,:  (contiguous rows of the row-major storage)
  for (let i = 0; i < nrows; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    const off = i * ncols;
    for (let j = 0; j < ncols; j++) out[j] += xi * data[off + j]!;
  }
  return out;
}

/**
 * CSC form of M. A CSC input is returned as is (not copied). A dense input is converted with
 * exact zeros dropped unless `keepZeros` (then every entry is stored).
 */
export function toCsc(M: Matrix, keepZeros = false): CscMatrix {
  return M.format === 'csc' ? M : cscFromDense(M, keepZeros);
}

/** Dense (row-major) form of M. A dense input is returned as is (not copied). */
export function toDense(M: Matrix): DenseMatrix {
  return M.format === 'dense' ? M : cscToDense(M);
}

/**
 * DenseMatrix from rows: rows[i][j] = M_ij. All rows must have the same length (DimensionError
 * naming the first bad row) and finite or infinite numbers (InputError for NaN / non-numbers).
 * An empty array gives a 0 × 0 matrix.
 */
export function denseFromRows(rows: readonly (readonly number[])[]): DenseMatrix {
  const nrows = rows.length;
  const ncols = nrows === 0 ? 0 : rows[0]!.length;
  const data = new Float64Array(nrows * ncols);
  for (let i = 0; i < nrows; i++) {
    const r = rows[i]!;
    if (r.length !== ncols) throw new DimensionError(`rows[${i}]`, `length ${ncols} (= length of rows[0])`, `length ${r.length}`);
    for (let j = 0; j < ncols; j++) {
      const v = r[j];
      if (typeof v !== 'number' || Number.isNaN(v)) throw new InputError(`rows[${i}][${j}]`, 'a number', String(v));
      data[i * ncols + j] = v;
    }
  }
  return { format: 'dense', nrows, ncols, data };
}

/**
 * Number of entries: for CSC the STORED entries (explicit zeros included, = colPtr[ncols]);
 * for dense the entries that are not exactly 0.
 */
export function matrixNnz(M: Matrix): number {
  if (M.format === 'csc') return M.colPtr[M.ncols]!;
  const d = M.data;
  let c = 0;
  for (let k = 0; k < d.length; k++) if (d[k] !== 0) c++;
  return c;
}

function rowNorms(M: Matrix, out: Float64Array | undefined, two: boolean): Float64Array {
  const { nrows, ncols } = M;
  if (out !== undefined) checkLength('out', out, nrows, 'rows of M');
  const r = out ?? new Float64Array(nrows);
  r.fill(0);
  if (M.format === 'csc') {
    const { colPtr, rowIdx, values } = M;
    const nz = colPtr[ncols]!;
    if (two) for (let p = 0; p < nz; p++) r[rowIdx[p]!] += values[p]! * values[p]!;
    else
      for (let p = 0; p < nz; p++) {
        const a = Math.abs(values[p]!);
        if (a > r[rowIdx[p]!]!) r[rowIdx[p]!] = a;
      }
  } else {
    const d = M.data;
    for (let i = 0; i < nrows; i++) {
      const off = i * ncols;
      let s = 0;
      if (two) for (let j = 0; j < ncols; j++) s += d[off + j]! * d[off + j]!;
      else
        for (let j = 0; j < ncols; j++) {
          const a = Math.abs(d[off + j]!);
          if (a > s) s = a;
        }
      r[i] = s;
    }
  }
  if (two) for (let i = 0; i < nrows; i++) r[i] = Math.sqrt(r[i]!);
  return r;
}

function colNorms(M: Matrix, out: Float64Array | undefined, two: boolean): Float64Array {
  const { nrows, ncols } = M;
  if (out !== undefined) checkLength('out', out, ncols, 'columns of M');
  const r = out ?? new Float64Array(ncols);
  r.fill(0);
  if (M.format === 'csc') {
    const { colPtr, values } = M;
    for (let j = 0; j < ncols; j++) {
      let s = 0;
      for (let p = colPtr[j]!, e = colPtr[j + 1]!; p < e; p++) {
        const v = values[p]!;
        if (two) s += v * v;
        else if (Math.abs(v) > s) s = Math.abs(v);
      }
      r[j] = s;
    }
  } else {
    const d = M.data;
    for (let i = 0; i < nrows; i++) {
      const off = i * ncols;
      if (two) for (let j = 0; j < ncols; j++) r[j] += d[off + j]! * d[off + j]!;
      else
        for (let j = 0; j < ncols; j++) {
          const a = Math.abs(d[off + j]!);
          if (a > r[j]!) r[j] = a;
        }
    }
  }
  if (two) for (let j = 0; j < ncols; j++) r[j] = Math.sqrt(r[j]!);
  return r;
}

/** ‖M_i,:‖∞ for every row i (0 for an empty row). out: length nrows, overwritten, returned. */
export function matrixRowNormsInf(M: Matrix, out?: Float64Array): Float64Array {
  return rowNorms(M, out, false);
}

/** ‖M_i,:‖₂ for every row i (0 for an empty row). out: length nrows, overwritten, returned. */
export function matrixRowNorms2(M: Matrix, out?: Float64Array): Float64Array {
  return rowNorms(M, out, true);
}

/** ‖M_:,j‖∞ for every column j. out: length ncols, overwritten, returned. */
export function matrixColNormsInf(M: Matrix, out?: Float64Array): Float64Array {
  return colNorms(M, out, false);
}

/** ‖M_:,j‖₂ for every column j. out: length ncols, overwritten, returned. */
export function matrixColNorms2(M: Matrix, out?: Float64Array): Float64Array {
  return colNorms(M, out, true);
}

/** Largest |M_ij| over stored entries (0 for an empty matrix). */
export function matrixMaxAbs(M: Matrix): number {
  const v = M.format === 'csc' ? M.values.subarray(0, M.colPtr[M.ncols]!) : M.data;
  let m = 0;
  for (let k = 0; k < v.length; k++) {
    const a = Math.abs(v[k]!);
    if (a > m) m = a;
  }
  return m;
}

/**
 * diag(rowScale) · M · diag(colScale), same representation as M (a new matrix; CSC keeps the
 * pattern). null scale = identity. rowScale: length nrows; colScale: length ncols.
 */
export function matrixScale(M: Matrix, rowScale: Float64Array | null, colScale: Float64Array | null): Matrix {
  if (rowScale) checkLength('rowScale', rowScale, M.nrows, 'rows of M');
  if (colScale) checkLength('colScale', colScale, M.ncols, 'columns of M');
  if (M.format === 'csc') {
    const { colPtr, rowIdx, values, ncols } = M;
    const v = new Float64Array(values.length);
    for (let j = 0; j < ncols; j++) {
      const cj = colScale ? colScale[j]! : 1;
      for (let p = colPtr[j]!, e = colPtr[j + 1]!; p < e; p++) v[p] = values[p]! * cj * (rowScale ? rowScale[rowIdx[p]!]! : 1);
    }
    return { format: 'csc', nrows: M.nrows, ncols, colPtr: M.colPtr.slice(), rowIdx: rowIdx.slice(), values: v };
  }
  const { nrows, ncols, data } = M;
  const out = new Float64Array(nrows * ncols);
  for (let i = 0; i < nrows; i++) {
    const ri = rowScale ? rowScale[i]! : 1;
    const off = i * ncols;
    for (let j = 0; j < ncols; j++) out[off + j] = data[off + j]! * ri * (colScale ? colScale[j]! : 1);
  }
  return { format: 'dense', nrows, ncols, data: out };
}

/** Mᵀ in the same representation as M (a new matrix). */
export function matrixTranspose(M: Matrix): Matrix {
  if (M.format === 'csc') return cscTranspose(M);
  const { nrows, ncols, data } = M;
  const out = new Float64Array(nrows * ncols);
  for (let i = 0; i < nrows; i++) for (let j = 0; j < ncols; j++) out[j * nrows + i] = data[i * ncols + j]!;
  return { format: 'dense', nrows: ncols, ncols: nrows, data: out };
}
