/**
 * Benchmark files → QPProblem (benchmarks.md, families 5 and 6).
 *
 * Maros–Meszaros (.mat, MATLAB v5; variables P, q, r, A, l, u, n, m):
 *     minimize ½xᵀPx + qᵀx + r   s.t.  l ≤ A x ≤ u
 *   P is stored with both triangles. When the last n rows of A are exactly the identity I_n (as
 *   in every file of the collection: A = [C; I_n]), those rows are the variable bounds and become
 *   lb = l[m−n:], ub = u[m−n:]; the other rows go through twoSidedToStandard (l_i = u_i →
 *   equality, finite sides → inequalities). |values| ≥ 9e19 mean ±∞ (1e20 is stored).
 *   Integer-typed arrays are cast to float64 by the MAT reader.
 *
 * MPC (qpbenchmark .npz: P, q, G, h, A, b, lb, ub as dense float64 .npy members; an absent
 *   member is a 0-d object array and reads as null):
 *     minimize ½xᵀPx + qᵀx   s.t.  G x ≤ h,  A x = b,  lb ≤ x ≤ ub
 *   mapped to C = G, d = h. Matrices become CSC (explicit zeros dropped). Bounds: ±∞ as stored,
 *   and |values| ≥ 9e19 also mean ±∞.
 *
 * Both return CSC matrices and a validated problem; malformed files throw FileFormatError naming
 * the file.
 *
 * Bounded work: the MAT and NPZ readers check every declared size against the bytes present
 * and cap what the data cannot back (see optimizer/io/limits.ts); here, in addition, shapes
 * are checked against each other (P square with n = its size, q of length n, A/G with n
 * columns, l/u with the rows of A) before the matrices are converted to CSC.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { FileFormatError, InputError } from '../errors.ts';
import { cscSelectRows } from '../linalg/csc.ts';
import { toCsc } from '../linalg/matrix.ts';
import type { CscMatrix } from '../linalg/types.ts';
import { matToMatrix, matToScalar, matToVector, readMat } from '../io/mat.ts';
import { npyToDense, npyToVector, readNpz } from '../io/npz.ts';
import { cleanBound, twoSidedToStandard, validateProblem } from './problem.ts';
import type { QPProblem } from './types.ts';

/** A Maros–Meszaros problem: its name (file name without extension), the QP and the constant r. */
export interface MarosMeszarosProblem {
  readonly name: string;
  readonly problem: QPProblem;
  /** objective constant: the benchmark objective is ½xᵀPx + qᵀx + r */
  readonly r: number;
}

/** An MPC (qpbenchmark) problem. */
export interface MpcProblem {
  readonly name: string;
  readonly problem: QPProblem;
}

const problemName = (path: string) => basename(path, extname(path));

function validated(problem: QPProblem, fileName: string): QPProblem {
  try {
    validateProblem(problem);
  } catch (e) {
    if (e instanceof InputError) throw new FileFormatError(fileName, `not a valid QP: ${e.message}`);
    throw e;
  }
  return problem;
}

/** True when rows start..start+n−1 of A are exactly I_n (one entry per row, value 1, on the diagonal). */
function trailingIdentity(A: CscMatrix, n: number): boolean {
  const start = A.nrows - n;
  if (start < 0) return false;
  for (let j = 0; j < n; j++) {
    let found = 0;
    for (let k = A.colPtr[j]!; k < A.colPtr[j + 1]!; k++) {
      const i = A.rowIdx[k]!;
      if (i < start) continue;
      if (i !== start + j || A.values[k] !== 1) return false;
      found++;
    }
    if (found !== 1) return false;
  }
  return true;
}

/**
 * Parse a Maros–Meszaros MAT file already in memory (see the module comment).
 * bytes: the file contents (not modified); name: the problem name, used in errors.
 */
export function marosMeszarosFromBytes(bytes: Uint8Array, name: string): MarosMeszarosProblem {
  const file = `${name}.mat`;
  const vars = readMat(bytes, file);
  const get = (key: string) => {
    const v = vars.get(key);
    if (!v) throw new FileFormatError(file, `missing variable "${key}" (expected P, q, r, A, l, u)`);
    return v;
  };
  const Pm = matToMatrix(get('P'), 'P', file);
  if (Pm.nrows !== Pm.ncols) throw new FileFormatError(file, `"P": expected a square matrix, found ${Pm.nrows}×${Pm.ncols}`);
  const n = Pm.ncols;
  const q = matToVector(get('q'), 'q', file);
  if (q.length !== n) throw new FileFormatError(file, `"q": expected ${n} entries (= n, the size of P), found ${q.length}`);
  const P = toCsc(Pm);
  const r = vars.has('r') ? matToScalar(get('r'), 'r', file) : 0;
  const Am = matToMatrix(get('A'), 'A', file);
  if (Am.ncols !== n) throw new FileFormatError(file, `A has ${Am.ncols} columns, P has ${n}`);
  const A = toCsc(Am);
  const l = matToVector(get('l'), 'l', file);
  const u = matToVector(get('u'), 'u', file);
  if (l.length !== A.nrows || u.length !== A.nrows) {
    throw new FileFormatError(file, `l and u must have ${A.nrows} entries (rows of A), found ${l.length} and ${u.length}`);
  }
  let problem: QPProblem;
  try {
    if (trailingIdentity(A, n)) {
      const mRows = A.nrows - n;
      const keep = Int32Array.from({ length: mRows }, (_, i) => i);
      problem = twoSidedToStandard(P, q, cscSelectRows(A, keep), l.slice(0, mRows), u.slice(0, mRows), l.slice(mRows), u.slice(mRows));
    } else {
      problem = twoSidedToStandard(P, q, A, l, u);
    }
  } catch (e) {
    if (e instanceof InputError) throw new FileFormatError(file, `not a valid QP: ${e.message}`);
    throw e;
  }
  return { name, problem: validated(problem, file), r };
}

/** Read a Maros–Meszaros problem from a .mat file (e.g. ../shared/data/maros_meszaros/HS21.mat). */
export function readMarosMeszaros(path: string): MarosMeszarosProblem {
  return marosMeszarosFromBytes(readFileSync(path), problemName(path));
}

/**
 * Parse an MPC (qpbenchmark) .npz file already in memory (see the module comment).
 * bytes: the file contents (not modified); name: the problem name, used in errors.
 */
export function mpcFromBytes(bytes: Uint8Array, name: string): MpcProblem {
  const file = `${name}.npz`;
  const members = readNpz(bytes, file);
  const get = (key: string) => members.get(key) ?? null;
  for (const key of ['P', 'q']) if (!get(key)) throw new FileFormatError(file, `missing array "${key}" (expected P, q and optionally G, h, A, b, lb, ub)`);
  const vector = (key: string): Float64Array | null => {
    const v = get(key);
    return v ? npyToVector(v, key, file).slice() : null;
  };
  // n comes from q (backed by its data); every matrix shape is checked before conversion
  const q = vector('q')!;
  const n = q.length;
  const matrix = (key: string, rows: number | null): CscMatrix | null => {
    const v = get(key);
    if (!v) return null;
    const M = npyToDense(v, key, file);
    if (M.ncols !== n || (rows !== null && M.nrows !== rows)) {
      throw new FileFormatError(file, `"${key}": expected ${rows ?? 'any number of'} rows and ${n} columns (n = the length of q), found ${M.nrows}×${M.ncols}`);
    }
    return toCsc(M);
  };
  const P = matrix('P', n)!;
  const bound = (v: Float64Array | null) => (v ? v.map(cleanBound) : null);
  const problem: QPProblem = {
    P,
    q,
    A: matrix('A', null),
    b: vector('b'),
    C: matrix('G', null),
    d: vector('h'),
    lb: bound(vector('lb')),
    ub: bound(vector('ub')),
  };
  return { name, problem: validated(problem, file) };
}

/** Read an MPC problem from a qpbenchmark .npz file (e.g. ../shared/data/mpc_qpbenchmark/LIPMWALK0.npz). */
export function readMpc(path: string): MpcProblem {
  return mpcFromBytes(readFileSync(path), problemName(path));
}
