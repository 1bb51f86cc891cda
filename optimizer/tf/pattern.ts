/**
 * Fixed sparsity patterns for the TensorFlow.js QP layer: a sparse matrix input is a tensor of
 * VALUES over a pattern given once (CSC, or COO in any entry order with possible duplicates).
 *
 *   FixedPattern.from(spec)      validate and compile the pattern
 *   .toMatrix(values)            values (input order, length `length`) → CscMatrix (duplicates summed)
 *   .gradientToInput(g, out, acc) CSC-ordered gradient (length nnz) → gradient over the input values
 *   .symmetrize(values)          for P: ½(v(i,j) + v(j,i)) (needs a symmetric pattern)
 *
 * No tfjs gather/scatter is involved: the maps are applied to Float64Arrays.
 */
import { DimensionError, InputError } from '../errors.ts';
import { cscFromTripletsWithMap } from '../linalg/csc.ts';
import type { CscMatrix } from '../linalg/types.ts';

/** A sparsity pattern: CSC (rows sorted and unique within each column) or COO (any order, duplicates summed). */
export type SparsePattern =
  | { readonly format: 'csc'; readonly nrows: number; readonly ncols: number; readonly colPtr: Int32Array; readonly rowIdx: Int32Array }
  | { readonly format: 'coo'; readonly nrows: number; readonly ncols: number; readonly row: ArrayLike<number>; readonly col: ArrayLike<number> };

export class FixedPattern {
  /** number of input values (COO entries, or nnz for CSC) */
  readonly length: number;
  readonly nrows: number;
  readonly ncols: number;
  /** nnz of the compiled CSC pattern */
  readonly nnz: number;
  private readonly colPtr: Int32Array;
  private readonly rowIdx: Int32Array;
  /** input value k → CSC position (null: identity, CSC input) */
  private readonly map: Int32Array | null;
  /** CSC position e → position of its transpose entry (−1: none); built on demand */
  private transpose: Int32Array | null = null;

  private constructor(nrows: number, ncols: number, colPtr: Int32Array, rowIdx: Int32Array, map: Int32Array | null, length: number) {
    this.nrows = nrows;
    this.ncols = ncols;
    this.colPtr = colPtr;
    this.rowIdx = rowIdx;
    this.map = map;
    this.length = length;
    this.nnz = colPtr[ncols]!;
  }

  /** Compile a pattern; `name` is used in error messages (e.g. 'sparse.P'). */
  static from(spec: SparsePattern, name: string): FixedPattern {
    const { nrows, ncols } = spec;
    if (!Number.isInteger(nrows) || !Number.isInteger(ncols) || nrows < 0 || ncols < 0) {
      throw new InputError(`${name}.nrows/ncols`, 'non-negative integers', `${nrows}×${ncols}`);
    }
    if (spec.format === 'coo') {
      if (spec.row.length !== spec.col.length) throw new DimensionError(`${name}.col`, `length ${spec.row.length} (= row)`, `length ${spec.col.length}`);
      const { matrix, map } = cscFromTripletsWithMap(nrows, ncols, spec.row, spec.col, new Float64Array(spec.row.length));
      return new FixedPattern(nrows, ncols, matrix.colPtr, matrix.rowIdx, map, spec.row.length);
    }
    if (spec.format !== 'csc') throw new InputError(`${name}.format`, "'csc' or 'coo'", JSON.stringify((spec as { format: unknown }).format));
    const { colPtr, rowIdx } = spec;
    if (colPtr.length !== ncols + 1 || colPtr[0] !== 0) throw new DimensionError(`${name}.colPtr`, `length ${ncols + 1} starting at 0`, `length ${colPtr.length}`);
    for (let j = 0; j < ncols; j++) {
      if (colPtr[j + 1]! < colPtr[j]!) throw new InputError(`${name}.colPtr`, 'non-decreasing pointers', `colPtr[${j + 1}] < colPtr[${j}]`);
      for (let e = colPtr[j]!; e < colPtr[j + 1]!; e++) {
        const i = rowIdx[e]!;
        if (!(i >= 0 && i < nrows)) throw new InputError(`${name}.rowIdx[${e}]`, `a row in [0, ${nrows})`, String(i));
        if (e > colPtr[j]! && i <= rowIdx[e - 1]!) throw new InputError(`${name}.rowIdx`, 'rows strictly increasing within each column', `column ${j}`);
      }
    }
    if (rowIdx.length < colPtr[ncols]!) throw new DimensionError(`${name}.rowIdx`, `length ≥ ${colPtr[ncols]}`, `length ${rowIdx.length}`);
    return new FixedPattern(nrows, ncols, colPtr, rowIdx.subarray(0, colPtr[ncols]!), null, colPtr[ncols]!);
  }

  /** The matrix with these input values (length `length`, input order; duplicates summed). */
  toMatrix(values: Float64Array): CscMatrix {
    let v: Float64Array;
    if (this.map) {
      v = new Float64Array(this.nnz);
      for (let k = 0; k < this.length; k++) v[this.map[k]!] += values[k]!;
    } else v = values;
    return { format: 'csc', nrows: this.nrows, ncols: this.ncols, colPtr: this.colPtr, rowIdx: this.rowIdx, values: v };
  }

  /**
   * out[k] (+)= g[map[k]]: a gradient over the CSC values (length nnz) as a gradient over the
   * input values (∂(sum of duplicates)/∂(one duplicate) = 1). out: length `length`.
   */
  gradientToInput(g: Float64Array, out: Float64Array, accumulate: boolean): void {
    for (let k = 0; k < this.length; k++) {
      const v = this.map ? g[this.map[k]!]! : g[k]!;
      out[k] = accumulate ? out[k]! + v : v;
    }
  }

  /** ½(M + Mᵀ) on the pattern (in place on CSC values of length nnz); InputError if the pattern is not symmetric. */
  symmetrize(M: CscMatrix, name: string): CscMatrix {
    if (!this.transpose) {
      if (this.nrows !== this.ncols) throw new DimensionError(name, 'a square pattern', `${this.nrows}×${this.ncols}`);
      const t = new Int32Array(this.nnz).fill(-1);
      for (let j = 0; j < this.ncols; j++) {
        for (let e = this.colPtr[j]!; e < this.colPtr[j + 1]!; e++) {
          const i = this.rowIdx[e]!;
          // find (j, i): row j in column i (binary search)
          let lo = this.colPtr[i]!;
          let hi = this.colPtr[i + 1]! - 1;
          while (lo <= hi) {
            const mid = (lo + hi) >> 1;
            const r = this.rowIdx[mid]!;
            if (r === j) {
              t[e] = mid;
              break;
            }
            if (r < j) lo = mid + 1;
            else hi = mid - 1;
          }
          if (t[e] === -1) throw new InputError(name, 'a symmetric pattern (both triangles stored)', `entry (${i}, ${j}) without (${j}, ${i})`);
        }
      }
      this.transpose = t;
    }
    const t = this.transpose;
    const v = M.values;
    const out = new Float64Array(this.nnz);
    for (let e = 0; e < this.nnz; e++) out[e] = 0.5 * (v[e]! + v[t[e]!]!);
    return { ...M, values: out };
  }
}
