/**
 * Argument checks shared by the linalg modules: each throws a typed error (DimensionError,
 * InputError) that names the argument, what was expected and what was found.
 */
import { DimensionError, InputError } from '../errors.ts';
import type { DenseMatrix } from './types.ts';

/** Throws DimensionError unless arr.length === expected; `what` says where `expected` comes from. */
export function checkLength(name: string, arr: ArrayLike<number>, expected: number, what: string): void {
  if (arr.length !== expected) throw new DimensionError(name, `length ${expected} (${what})`, `length ${arr.length}`);
}

/** The order n of a square DenseMatrix M (InputError if M is not dense, DimensionError if not square or data has the wrong length). */
export function checkSquare(name: string, M: DenseMatrix): number {
  if (M.format !== 'dense') throw new InputError(name, 'a DenseMatrix', String((M as { format?: unknown }).format));
  if (M.nrows !== M.ncols) throw new DimensionError(name, 'a square matrix', `${M.nrows} × ${M.ncols}`);
  checkLength(`${name}.data`, M.data, M.nrows * M.ncols, 'nrows·ncols');
  return M.nrows;
}

/** Throws InputError at the first NaN/±Infinity in the first `len` entries of data (row-major). */
export function checkFinite(name: string, data: Float64Array, ncols: number, lowerOnly: boolean): void {
  const n = ncols === 0 ? 0 : data.length / ncols;
  for (let i = 0; i < n; i++) {
    const end = lowerOnly ? i + 1 : ncols;
    for (let j = 0; j < end; j++) {
      const v = data[i * ncols + j]!;
      if (!Number.isFinite(v)) throw new InputError(`${name}[${i}, ${j}]`, 'a finite number', String(v));
    }
  }
}
