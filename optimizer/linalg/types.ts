/**
 * Matrix types shared by every numeric module. Indices are 0-based.
 *
 * CscPattern: the sparsity pattern of a CscMatrix (no values), e.g. for symbolic analysis.
 * CscMatrix: compressed sparse column. Column j holds entries colPtr[j] .. colPtr[j+1]-1;
 *   rowIdx[k] is the row of entry k, values[k] its value. Row indices inside a column are
 *   sorted ascending and unique unless a function says otherwise. Explicit zeros are kept
 *   (a pattern is a pattern: gradients over it have length nnz).
 * DenseMatrix: row-major, data[i*ncols + j] = M_ij.
 */
export interface CscPattern {
  readonly format: 'csc';
  readonly nrows: number;
  readonly ncols: number;
  /** length ncols+1, colPtr[0] = 0, colPtr[ncols] = nnz */
  readonly colPtr: Int32Array;
  /** length nnz */
  readonly rowIdx: Int32Array;
}

export interface CscMatrix extends CscPattern {
  /** length nnz */
  readonly values: Float64Array;
}

export interface DenseMatrix {
  readonly format: 'dense';
  readonly nrows: number;
  readonly ncols: number;
  /** length nrows*ncols, row-major */
  readonly data: Float64Array;
}

export type Matrix = CscMatrix | DenseMatrix;

export function isCsc(m: Matrix): m is CscMatrix {
  return m.format === 'csc';
}

export function nnz(m: CscMatrix): number {
  return m.colPtr[m.ncols]!;
}
