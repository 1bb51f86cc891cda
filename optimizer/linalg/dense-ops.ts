/**
 * Small dense kernels on row-major DenseMatrix (data[i*ncols + j] = M_ij): denseIdentity,
 * denseTranspose, denseMatMul (op(A)·op(B)), denseGram (AᵀA), denseIsSymmetric,
 * denseSymmetricMatVec. Inputs are never modified; outputs are new matrices unless an output
 * argument is given.
 */
import { DimensionError, InputError } from '../errors.ts';
import { checkLength, checkSquare } from './check.ts';
import { gemm } from './gemm.ts';
import type { DenseMatrix } from './types.ts';

/** The n × n identity times `scale`. */
export function denseIdentity(n: number, scale = 1): DenseMatrix {
  if (!Number.isInteger(n) || n < 0) throw new InputError('n', 'a non-negative integer', String(n));
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = scale;
  return { format: 'dense', nrows: n, ncols: n, data };
}

/** Aᵀ (ncols × nrows), a new matrix. Tiled 32 × 32 so both sides stay in cache. */
export function denseTranspose(A: DenseMatrix): DenseMatrix {
  const { nrows, ncols, data } = A;
  const out = new Float64Array(nrows * ncols);
  const T = 32;
  for (let i0 = 0; i0 < nrows; i0 += T) {
    const i1 = Math.min(i0 + T, nrows);
    for (let j0 = 0; j0 < ncols; j0 += T) {
      const j1 = Math.min(j0 + T, ncols);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) out[j * nrows + i] = data[i * ncols + j]!;
    }
  }
  return { format: 'dense', nrows: ncols, ncols: nrows, data: out };
}

export interface MatMulOptions {
  /** use Aᵀ instead of A */
  transA?: boolean;
  /** use Bᵀ instead of B */
  transB?: boolean;
}

/**
 * C = op(A) op(B), op(X) = X or Xᵀ per `opts`. op(A): m × k, op(B): k × n (DimensionError
 * otherwise), C: m × n (a new matrix). Inputs are not modified.
 *
 * GEMM structure (Goto-style, written for V8): op(B) is packed in KC × NC panels stored
 * column-contiguous, op(A) in MC × KC panels stored row-contiguous, and a 4 × 4 micro-kernel
 * keeps 16 accumulators in registers while streaming both panels (4 loads per 16 multiply-adds).
 */
export function denseMatMul(A: DenseMatrix, B: DenseMatrix, opts: MatMulOptions = {}): DenseMatrix {
  const ta = opts.transA ?? false;
  const tb = opts.transB ?? false;
  const m = ta ? A.ncols : A.nrows;
  const k = ta ? A.nrows : A.ncols;
  const kb = tb ? B.ncols : B.nrows;
  const n = tb ? B.nrows : B.ncols;
  if (k !== kb)
    throw new DimensionError(tb ? 'Bᵀ' : 'B', `${k} rows (= columns of ${ta ? 'Aᵀ' : 'A'})`, `${kb} rows`);
  return { format: 'dense', nrows: m, ncols: n, data: gemm(A.data, A.ncols, ta, B.data, B.ncols, tb, m, n, k, false) };
}

/**
 * G = AᵀA (n × n, symmetric) for A: m × n. Only blocks on or above the diagonal are computed
 * (about half the work of denseMatMul(A, A, { transA: true })), then mirrored, so G is exactly
 * symmetric.
 */
export function denseGram(A: DenseMatrix): DenseMatrix {
  const n = A.ncols;
  const g = gemm(A.data, A.ncols, true, A.data, A.ncols, false, n, n, A.nrows, true);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g[i * n + j] = g[j * n + i]!;
  return { format: 'dense', nrows: n, ncols: n, data: g };
}

/**
 * Is A symmetric up to `tol`: |A_ij − A_ji| ≤ tol · max|A| for all i, j (tol = 0: exactly)?
 * Non-square → false.
 */
export function denseIsSymmetric(A: DenseMatrix, tol = 0): boolean {
  const { nrows: n, ncols, data } = A;
  if (n !== ncols) return false;
  let scale = 0;
  if (tol > 0) for (let k = 0; k < data.length; k++) scale = Math.max(scale, Math.abs(data[k]!));
  const lim = tol * scale;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) {
      const d = Math.abs(data[i * n + j]! - data[j * n + i]!);
      if (!(d <= lim)) return false;
    }
  return true;
}

/**
 * y = K x for symmetric K given by its LOWER triangle (entries of M above the diagonal are
 * ignored). M: n × n; x: length n (not modified); y: length n, overwritten and returned.
 */
export function denseSymmetricMatVec(M: DenseMatrix, x: Float64Array, y?: Float64Array): Float64Array {
  const n = checkSquare('M', M);
  checkLength('x', x, n, 'rows of M');
  const out = y ?? new Float64Array(n);
  if (y !== undefined) checkLength('y', y, n, 'rows of M');
  symLowerMatVec(M.data, n, x, out);
  return out;
}

/** y = K x for symmetric K stored as the lower triangle of the row-major n × n array a (y overwritten). */
export function symLowerMatVec(a: Float64Array, n: number, x: Float64Array, y: Float64Array): void {
  y.fill(0);
  for (let i = 0; i < n; i++) {
    const off = i * n;
    const xi = x[i]!;
    let s = 0;
    for (let j = 0; j < i; j++) {
      const aij = a[off + j]!;
      s += aij * x[j]!;
      y[j] += aij * xi;
    }
    y[i] += s + a[off + i]! * xi;
  }
}

/**
 * In place: x ← L⁻¹ x for the unit lower triangle L stored strictly below the diagonal of the
 * row-major n × n array f (the factors of DenseLdl and DenseLu); row-oriented, a dot product
 * with the finished part of x per row.
 */
export function solveUnitLower(f: Float64Array, n: number, x: Float64Array): void {
  for (let i = 1; i < n; i++) {
    const off = i * n;
    let s = 0;
    for (let j = 0; j < i; j++) s += f[off + j]! * x[j]!;
    x[i] -= s;
  }
}
