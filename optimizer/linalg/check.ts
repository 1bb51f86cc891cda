/**
 * Argument checks shared by the linalg modules: each throws a typed error (DimensionError,
 * InputError) that names the argument, what was expected and what was found.
 */
import { DimensionError, InputError } from '../errors.ts';
import type { LinearSystemOptions } from './linsys.ts';
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

/** The regularization settings of LinearSystemOptions, with signs as any array (DenseLdlOptions). */
export type RegularizationInput = Omit<LinearSystemOptions, 'signs'> & { signs?: ArrayLike<number> | null };

/**
 * Validates the regularization settings of a factorization of order n (InputError /
 * DimensionError naming the option) and returns them with defaults: staticReg 0, dynamicReg null,
 * refineSteps undefined when not given (each factorization picks its own default).
 */
export function checkRegularization(
  n: number,
  options: RegularizationInput,
): { signs: ArrayLike<number> | null; staticReg: number; dynamicReg: { eps: number; delta: number } | null; refineSteps: number | undefined } {
  const signs = options.signs ?? null;
  if (signs !== null) {
    checkLength('signs', signs, n, 'order of K');
    for (let i = 0; i < n; i++) {
      if (signs[i] !== 1 && signs[i] !== -1) throw new InputError(`signs[${i}]`, '+1 or −1', String(signs[i]));
    }
  }
  const staticReg = options.staticReg ?? 0;
  if (!(staticReg >= 0 && Number.isFinite(staticReg))) throw new InputError('staticReg', 'a finite number ≥ 0', String(staticReg));
  if (staticReg > 0 && signs === null) throw new InputError('staticReg', 'signs to be given with a static regularization', 'signs = null');
  const dyn = options.dynamicReg ?? null;
  if (dyn !== null) {
    if (!(dyn.eps >= 0 && Number.isFinite(dyn.eps))) throw new InputError('dynamicReg.eps', 'a finite number ≥ 0', String(dyn.eps));
    if (!(dyn.delta > 0 && Number.isFinite(dyn.delta))) throw new InputError('dynamicReg.delta', 'a finite number > 0', String(dyn.delta));
  }
  const refineSteps = options.refineSteps;
  if (refineSteps !== undefined && !(Number.isInteger(refineSteps) && refineSteps >= 0)) {
    throw new InputError('refineSteps', 'an integer ≥ 0', String(refineSteps));
  }
  return { signs, staticReg, dynamicReg: dyn, refineSteps };
}
