/**
 * The QP model: validation, sizes, and the two conversions every backend or reader needs.
 *
 *   minimize    ½ zᵀ P z + qᵀ z
 *   subject to  A z = b   (p rows),   C z ≤ d   (m rows),   lb ≤ z ≤ ub
 *
 * (types.ts holds the data types and the dual sign convention
 *  P z + q + Aᵀλ + Cᵀμ − μ_lb + μ_ub = 0, μ, μ_lb, μ_ub ≥ 0.)
 *
 * One transform per function:
 *   validateProblem      shapes, finiteness, symmetry of P, lb ≤ ub      (throws typed errors)
 *   dims                 (n, p, m) without any check
 *   boundsToRows         finite bounds → extra rows of C, and back for the duals
 *   twoSidedToStandard   l ≤ A z ≤ u (the Maros–Meszaros / OSQP form) → A z = b, C z ≤ d
 */
import { DimensionError, InputError } from '../errors.ts';
import { vstack } from '../linalg/blocks.ts';
import { cscIdentity, cscSelectRows } from '../linalg/csc.ts';
import type { CscMatrix, DenseMatrix, Matrix } from '../linalg/types.ts';
import type { QPProblem, WarmStart } from './types.ts';

/** Problem sizes: n variables, p equality rows, m inequality rows (bounds not counted). */
export interface QPDims {
  readonly n: number;
  readonly p: number;
  readonly m: number;
}

/** Sizes of a problem, read from P, A and C without any check (0 for an absent A or C). */
export function dims(problem: QPProblem): QPDims {
  return { n: problem.P.ncols, p: problem.A ? problem.A.nrows : 0, m: problem.C ? problem.C.nrows : 0 };
}

/** True when the problem has an lb or ub array with at least one finite entry. */
export function hasFiniteBounds(problem: QPProblem): boolean {
  for (const v of [problem.lb, problem.ub]) {
    if (v) for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i]!)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/** Relative tolerance of the symmetry check: |P_ij − P_ji| ≤ SYMMETRY_RTOL · max|P|. */
export const SYMMETRY_RTOL = 1e-10;

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `a plain Array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return typeof v === 'object' ? `an object (${Object.keys(v as object).slice(0, 5).join(', ')})` : typeof v;
};

/**
 * Check the structure of a matrix argument (dense or CSC) and that its size is rows × cols
 * (either may be null: not constrained). Checks: format tag, array types and lengths, CSC column
 * pointers (colPtr[0] = 0, non-decreasing, colPtr[ncols] = nnz), row indices in range and strictly
 * increasing inside every column, and finite values (the first non-finite value is named).
 * Throws InputError / DimensionError naming `arg`.
 */
export function validateMatrix(arg: string, M: unknown, rows: number | null, cols: number | null, whatRows = '', whatCols = ''): void {
  if (typeof M !== 'object' || M === null) throw new InputError(arg, 'a matrix ({format: "dense" | "csc", ...})', describe(M));
  const m = M as Partial<Matrix>;
  if (m.format !== 'dense' && m.format !== 'csc') throw new InputError(`${arg}.format`, '"dense" or "csc"', JSON.stringify(m.format));
  const { nrows, ncols } = m;
  if (!Number.isInteger(nrows) || nrows! < 0) throw new InputError(`${arg}.nrows`, 'a non-negative integer', String(nrows));
  if (!Number.isInteger(ncols) || ncols! < 0) throw new InputError(`${arg}.ncols`, 'a non-negative integer', String(ncols));
  if (rows !== null && nrows !== rows) throw new DimensionError(arg, `${rows} rows${whatRows ? ` (${whatRows})` : ''}`, `${nrows} rows`);
  if (cols !== null && ncols !== cols) throw new DimensionError(arg, `${cols} columns${whatCols ? ` (${whatCols})` : ''}`, `${ncols} columns`);
  if (m.format === 'dense') {
    const data = (m as DenseMatrix).data;
    if (!(data instanceof Float64Array)) throw new InputError(`${arg}.data`, 'a Float64Array', describe(data));
    if (data.length !== nrows! * ncols!) throw new DimensionError(`${arg}.data`, `length ${nrows! * ncols!} (nrows·ncols)`, `length ${data.length}`);
    for (let k = 0; k < data.length; k++) {
      const v = data[k]!;
      if (!Number.isFinite(v)) {
        throw new InputError(arg, 'finite entries', `${v} at (${Math.floor(k / ncols!)}, ${k % ncols!})`);
      }
    }
    return;
  }
  const { colPtr, rowIdx, values } = m as CscMatrix;
  if (!(colPtr instanceof Int32Array)) throw new InputError(`${arg}.colPtr`, 'an Int32Array', describe(colPtr));
  if (!(rowIdx instanceof Int32Array)) throw new InputError(`${arg}.rowIdx`, 'an Int32Array', describe(rowIdx));
  if (!(values instanceof Float64Array)) throw new InputError(`${arg}.values`, 'a Float64Array', describe(values));
  if (colPtr.length !== ncols! + 1) throw new DimensionError(`${arg}.colPtr`, `length ${ncols! + 1} (ncols + 1)`, `length ${colPtr.length}`);
  const nz = colPtr[ncols!]!;
  if (colPtr[0] !== 0) throw new InputError(`${arg}.colPtr[0]`, '0', String(colPtr[0]));
  if (rowIdx.length !== nz || values.length !== nz) {
    throw new DimensionError(`${arg}`, `rowIdx and values of length colPtr[ncols] = ${nz}`, `lengths ${rowIdx.length} and ${values.length}`);
  }
  for (let j = 0; j < ncols!; j++) {
    const start = colPtr[j]!;
    const end = colPtr[j + 1]!;
    if (end < start) throw new InputError(`${arg}.colPtr`, 'non-decreasing column pointers', `colPtr[${j + 1}] = ${end} < colPtr[${j}] = ${start}`);
    let last = -1;
    for (let k = start; k < end; k++) {
      const i = rowIdx[k]!;
      if (i < 0 || i >= nrows!) throw new InputError(`${arg}.rowIdx[${k}]`, `a row index in [0, ${nrows})`, String(i));
      if (i <= last) {
        throw new InputError(`${arg}.rowIdx`, 'strictly increasing row indices inside each column', `row ${i} after row ${last} in column ${j}`);
      }
      last = i;
      const v = values[k]!;
      if (!Number.isFinite(v)) throw new InputError(arg, 'finite entries', `${v} at (${i}, ${j})`);
    }
  }
}

/** Check a vector argument: a Float64Array of the given length with finite entries. */
export function validateVector(arg: string, v: unknown, length: number, what: string): void {
  if (!(v instanceof Float64Array)) throw new InputError(arg, `a Float64Array of length ${length}`, describe(v));
  if (v.length !== length) throw new DimensionError(arg, `length ${length} (${what})`, `length ${v.length}`);
  for (let i = 0; i < length; i++) {
    const x = v[i]!;
    if (!Number.isFinite(x)) throw new InputError(arg, 'finite values', `${x} at index ${i}`);
  }
}

/**
 * Symmetry of a square matrix that passed validateMatrix: the worst |P_ij − P_ji| must be
 * ≤ SYMMETRY_RTOL · max|P|. For CSC, an entry whose mirror is not stored counts as asymmetric by
 * its own magnitude; a matrix holding only one strict triangle gets a dedicated message (CSC P must
 * store BOTH triangles).
 */
function checkSymmetric(arg: string, P: Matrix): void {
  const n = P.ncols;
  let maxAbs = 0;
  let worst = 0;
  let wi = -1;
  let wj = -1;
  if (P.format === 'dense') {
    const a = P.data;
    for (let k = 0; k < a.length; k++) maxAbs = Math.max(maxAbs, Math.abs(a[k]!));
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const diff = Math.abs(a[i * n + j]! - a[j * n + i]!);
        if (diff > worst) {
          worst = diff;
          wi = i;
          wj = j;
        }
      }
    }
  } else {
    const { colPtr, rowIdx, values } = P;
    for (let k = 0; k < values.length; k++) maxAbs = Math.max(maxAbs, Math.abs(values[k]!));
    let strictUpper = 0;
    let strictLower = 0;
    let missingMirror = 0;
    for (let j = 0; j < n; j++) {
      for (let k = colPtr[j]!; k < colPtr[j + 1]!; k++) {
        const i = rowIdx[k]!;
        if (i === j) continue;
        if (i < j) strictUpper++;
        else strictLower++;
        // mirror (j, i) lives in column i: binary search for row j
        let lo = colPtr[i]!;
        let hi = colPtr[i + 1]! - 1;
        let mirror = 0;
        let found = false;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          const r = rowIdx[mid]!;
          if (r === j) {
            mirror = values[mid]!;
            found = true;
            break;
          }
          if (r < j) lo = mid + 1;
          else hi = mid - 1;
        }
        if (!found && values[k] !== 0) missingMirror++;
        const diff = Math.abs(values[k]! - mirror);
        if (diff > worst) {
          worst = diff;
          wi = i;
          wj = j;
        }
      }
    }
    const tol = SYMMETRY_RTOL * maxAbs;
    if (worst > tol && missingMirror > 0 && (strictUpper === 0 || strictLower === 0)) {
      throw new InputError(
        arg,
        'a symmetric CSC matrix with BOTH triangles stored',
        `only the ${strictUpper > 0 ? 'upper' : 'lower'} triangle (${missingMirror} off-diagonal entries without a mirror)`,
      );
    }
  }
  const tol = SYMMETRY_RTOL * maxAbs;
  if (worst > tol) {
    const a = Math.min(wi, wj);
    const b = Math.max(wi, wj);
    throw new InputError(
      arg,
      `a symmetric matrix (|P_ij − P_ji| ≤ ${tol.toExponential(2)} = 1e-10·max|P|)`,
      `|P_ij − P_ji| = ${worst.toExponential(3)} at (i, j) = (${a}, ${b})`,
    );
  }
}

/**
 * Validate a QP (O(nnz) time, no allocation beyond O(1)):
 *  - P: n×n (n ≥ 1), dense or CSC with both triangles, finite, symmetric (relative 1e-10);
 *  - q: Float64Array, length n, finite;
 *  - A (p×n) and b (length p): both or neither, finite; likewise C (m×n) and d (length m);
 *  - lb, ub: Float64Array length n, never NaN, ±Infinity allowed (lb = +∞ or ub = −∞ is not),
 *    lb ≤ ub entrywise.
 * Errors name the argument (prefixed by `name.` when `name` is given), what was expected and what
 * was found, e.g. `q: expected length 3 (= n, the size of P), found length 2`.
 * Returns the sizes.
 */
export function validateProblem(problem: QPProblem, name?: string): QPDims {
  const arg = (s: string) => (name ? `${name}.${s}` : s);
  if (typeof problem !== 'object' || problem === null) throw new InputError(name ?? 'problem', 'a QPProblem object', describe(problem));
  const P = problem.P;
  validateMatrix(arg('P'), P, null, null);
  const n = P.nrows;
  if (P.ncols !== n) throw new DimensionError(arg('P'), 'a square matrix', `${P.nrows}×${P.ncols}`);
  if (n < 1) throw new DimensionError(arg('P'), 'at least 1 variable (n ≥ 1)', '0×0');
  checkSymmetric(arg('P'), P);
  validateVector(arg('q'), problem.q, n, '= n, the size of P');

  const pair = (Mname: 'A' | 'C', vname: 'b' | 'd'): number => {
    const M = problem[Mname];
    const v = problem[vname];
    const hasM = M !== null && M !== undefined;
    const hasV = v !== null && v !== undefined;
    if (hasM !== hasV) {
      throw new InputError(
        arg(hasM ? vname : Mname),
        hasM ? `a Float64Array (${Mname} is given)` : `a matrix (${vname} is given)`,
        'nothing (give both or neither)',
      );
    }
    if (!hasM) return 0;
    validateMatrix(arg(Mname), M, null, n, '', '= n, the size of P');
    validateVector(arg(vname), v, M!.nrows, `= rows of ${Mname}`);
    return M!.nrows;
  };
  const p = pair('A', 'b');
  const m = pair('C', 'd');

  const bound = (bname: 'lb' | 'ub'): Float64Array | null => {
    const v = problem[bname];
    if (v === null || v === undefined) return null;
    if (!(v instanceof Float64Array)) throw new InputError(arg(bname), `a Float64Array of length ${n}`, describe(v));
    if (v.length !== n) throw new DimensionError(arg(bname), `length ${n} (= n, the size of P)`, `length ${v.length}`);
    const forbidden = bname === 'lb' ? Infinity : -Infinity;
    for (let i = 0; i < n; i++) {
      const x = v[i]!;
      if (Number.isNaN(x) || x === forbidden) {
        throw new InputError(arg(bname), `numbers or ${bname === 'lb' ? '-Infinity' : 'Infinity'} (no bound)`, `${x} at index ${i}`);
      }
    }
    return v;
  };
  const lb = bound('lb');
  const ub = bound('ub');
  if (lb && ub) {
    for (let i = 0; i < n; i++) {
      if (lb[i]! > ub[i]!) throw new InputError(arg('lb'), 'lb ≤ ub', `lb[${i}] = ${lb[i]} > ub[${i}] = ${ub[i]}`);
    }
  }
  return { n, p, m };
}

// ---------------------------------------------------------------------------------------------
// boundsToRows
// ---------------------------------------------------------------------------------------------

/**
 * Where boundsToRows put the bounds: rows m0 .. m0+L−1 of the new C are −z_i ≤ −lb_i for
 * i = lower[0..L−1], rows m0+L .. m0+L+U−1 are z_i ≤ ub_i for i = upper[0..U−1].
 */
export interface BoundRowMap {
  /** rows of the original C (0 when absent) */
  readonly m0: number;
  /** number of variables n */
  readonly n: number;
  /** variables with a finite lower bound, ascending, one appended row each */
  readonly lower: Int32Array;
  /** variables with a finite upper bound, ascending, one appended row each */
  readonly upper: Int32Array;
}

/**
 * Move the finite bounds into the inequalities:
 *
 *   C' = [ C ; −E_L ; E_U ],   d' = [ d ; −lb_L ; ub_U ]
 *
 * where E_L (L×n) selects the variables with finite lb (rows e_iᵀ) and E_U those with finite ub.
 * The result has no lb/ub. C' is CSC when C is CSC, or C is absent and P is CSC; dense otherwise.
 * Inputs are not modified (P, q, A, b are shared with the result, not copied).
 *
 * Duals: a row −z_i ≤ −lb_i with multiplier ν contributes −ν e_i to the stationarity, exactly
 * like −μ_lb,i; a row z_i ≤ ub_i contributes +ν e_i like +μ_ub,i. So μ_lb,i = ν (lower row of i),
 * μ_ub,i = ν (upper row of i): see boundDualsFromRows.
 */
export function boundsToRows(problem: QPProblem): { problem: QPProblem; map: BoundRowMap } {
  const n = problem.P.ncols;
  const C = problem.C ?? null;
  const d = problem.d ?? null;
  const m0 = C ? C.nrows : 0;
  const collect = (v: Float64Array | null | undefined): Int32Array => {
    if (!v) return new Int32Array(0);
    let k = 0;
    for (let i = 0; i < n; i++) if (Number.isFinite(v[i]!)) k++;
    const out = new Int32Array(k);
    k = 0;
    for (let i = 0; i < n; i++) if (Number.isFinite(v[i]!)) out[k++] = i;
    return out;
  };
  const lower = collect(problem.lb);
  const upper = collect(problem.ub);
  const L = lower.length;
  const U = upper.length;
  const mNew = m0 + L + U;
  const dNew = new Float64Array(mNew);
  if (d) dNew.set(d);
  for (let k = 0; k < L; k++) dNew[m0 + k] = -problem.lb![lower[k]!]!;
  for (let k = 0; k < U; k++) dNew[m0 + L + k] = problem.ub![upper[k]!]!;

  const useCsc = C ? C.format === 'csc' : problem.P.format === 'csc';
  let Cnew: Matrix;
  if (!useCsc) {
    const data = new Float64Array(mNew * n);
    if (C) {
      if (C.format === 'dense') data.set(C.data);
      else {
        for (let j = 0; j < n; j++) for (let k = C.colPtr[j]!; k < C.colPtr[j + 1]!; k++) data[C.rowIdx[k]! * n + j] = C.values[k]!;
      }
    }
    for (let k = 0; k < L; k++) data[(m0 + k) * n + lower[k]!] = -1;
    for (let k = 0; k < U; k++) data[(m0 + L + k) * n + upper[k]!] = 1;
    Cnew = { format: 'dense', nrows: mNew, ncols: n, data };
  } else {
    // [C; −e_iᵀ (i ∈ lower); +e_iᵀ (i ∈ upper)]; useCsc with C given ⇒ C is CSC
    const lowerRows = cscSelectRows(cscIdentity(n, -1), lower);
    const upperRows = cscSelectRows(cscIdentity(n, 1), upper);
    Cnew = vstack(C ? [C, lowerRows, upperRows] : [lowerRows, upperRows]);
  }
  const out: QPProblem = {
    P: problem.P,
    q: problem.q,
    A: problem.A ?? null,
    b: problem.b ?? null,
    C: mNew > 0 ? Cnew : null,
    d: mNew > 0 ? dNew : null,
  };
  return { problem: out, map: { m0, n, lower, upper } };
}

/**
 * Split the inequality duals of a boundsToRows problem (length m0 + L + U) back into
 * μ (length m0), μ_lb and μ_ub (length n, zero where the bound is infinite). Not modified.
 */
export function boundDualsFromRows(
  map: BoundRowMap,
  muRows: Float64Array,
): { mu: Float64Array; muLb: Float64Array; muUb: Float64Array } {
  const { m0, n, lower, upper } = map;
  const expected = m0 + lower.length + upper.length;
  if (muRows.length !== expected) throw new DimensionError('muRows', `length ${expected} (rows of the converted C)`, `length ${muRows.length}`);
  const mu = muRows.slice(0, m0);
  const muLb = new Float64Array(n);
  const muUb = new Float64Array(n);
  for (let k = 0; k < lower.length; k++) muLb[lower[k]!] = muRows[m0 + k]!;
  for (let k = 0; k < upper.length; k++) muUb[upper[k]!] = muRows[m0 + lower.length + k]!;
  return { mu, muLb, muUb };
}

// ---------------------------------------------------------------------------------------------
// twoSidedToStandard
// ---------------------------------------------------------------------------------------------

/**
 * The one "infinite bound" threshold of the QP model: |value| ≥ INFINITE_BOUND means "no bound"
 * in two-sided data (twoSidedToStandard, the readers) and in the ipm backend's d, lb, ub. The
 * Maros–Meszaros / CUTEst files store infinity as 1e20; 9e19 sits just below it so that a 1e20
 * written with rounding is still caught. (PIQP and OSQP use 1e30 internally; a finite bound above
 * 1e20 is numerically meaningless for an interior-point method anyway, so the smaller threshold
 * is the one kept.) In problem arrays, ±Infinity is the canonical way to say "no bound".
 */
export const INFINITE_BOUND = 9e19;

/** Clean a bound value: ≥ 9e19 → +∞, ≤ −9e19 → −∞, otherwise unchanged. */
export function cleanBound(x: number): number {
  return x >= INFINITE_BOUND ? Infinity : x <= -INFINITE_BOUND ? -Infinity : x;
}

/**
 * Convert the two-sided form
 *
 *   minimize ½ zᵀPz + qᵀz  s.t.  l ≤ A z ≤ u,  lb ≤ z ≤ ub
 *
 * to the standard form of types.ts. Values with |x| ≥ 9e19 count as infinite (±Infinity too).
 * Row i of A (in order):
 *   l_i = u_i (finite)      → an equality row  a_iᵀz = l_i          (into A_eq, b)
 *   u_i finite              → an inequality    a_iᵀz ≤ u_i          (into C, d)
 *   l_i finite              → an inequality   −a_iᵀz ≤ −l_i         (into C, d; after the u_i row)
 *   both infinite           → dropped.
 * Bounds are cleaned the same way; they are dropped when all entries are infinite.
 * Equality rows keep their relative order; the C rows are ordered by original row.
 * The output matrices have the format of A (CSC or dense). Inputs are not modified.
 * Duals map back as y_i = λ_k for an equality, y_i = μ_up − μ_lo otherwise (y in the convention
 * P z + q + Aᵀy = 0 with y ≥ 0 at an active upper side).
 * Throws InputError when l_i > u_i, l_i = +∞, u_i = −∞, a value is NaN, or sizes disagree.
 */
export function twoSidedToStandard(
  P: Matrix,
  q: Float64Array,
  A: Matrix | null,
  l: Float64Array | null,
  u: Float64Array | null,
  lb?: Float64Array | null,
  ub?: Float64Array | null,
): QPProblem {
  const n = P.ncols;
  const rows = A ? A.nrows : 0;
  if (A && A.ncols !== n) throw new DimensionError('A', `${n} columns (= n, the size of P)`, `${A.ncols} columns`);
  const side = (name: string, v: Float64Array | null, fill: number): Float64Array => {
    if (v === null) return new Float64Array(rows).fill(fill);
    if (v.length !== rows) throw new DimensionError(name, `length ${rows} (= rows of A)`, `length ${v.length}`);
    return v;
  };
  const lo = side('l', l, -Infinity);
  const up = side('u', u, Infinity);
  const kind = new Int8Array(rows); // bit 1: equality, bit 2: upper row, bit 4: lower row
  const eqRow = new Int32Array(rows).fill(-1);
  const upRow = new Int32Array(rows).fill(-1);
  const loRow = new Int32Array(rows).fill(-1);
  let pEq = 0;
  let mIn = 0;
  for (let i = 0; i < rows; i++) {
    const li = cleanBound(lo[i]!);
    const ui = cleanBound(up[i]!);
    if (Number.isNaN(li) || li === Infinity) throw new InputError('l', 'numbers < +∞', `${lo[i]} at index ${i}`);
    if (Number.isNaN(ui) || ui === -Infinity) throw new InputError('u', 'numbers > −∞', `${up[i]} at index ${i}`);
    if (li > ui) throw new InputError('l', 'l ≤ u', `l[${i}] = ${li} > u[${i}] = ${ui}`);
    if (li === ui) {
      kind[i] = 1;
      eqRow[i] = pEq++;
    } else {
      if (ui !== Infinity) {
        kind[i] |= 2;
        upRow[i] = mIn++;
      }
      if (li !== -Infinity) {
        kind[i] |= 4;
        loRow[i] = mIn++;
      }
    }
  }
  const b = new Float64Array(pEq);
  const d = new Float64Array(mIn);
  for (let i = 0; i < rows; i++) {
    if (eqRow[i]! >= 0) b[eqRow[i]!] = lo[i]!;
    if (upRow[i]! >= 0) d[upRow[i]!] = up[i]!;
    if (loRow[i]! >= 0) d[loRow[i]!] = -lo[i]!;
  }
  let Aeq: Matrix | null = null;
  let Cin: Matrix | null = null;
  if (A && A.format === 'dense') {
    const ad = new Float64Array(pEq * n);
    const cd = new Float64Array(mIn * n);
    for (let i = 0; i < rows; i++) {
      const src = A.data.subarray(i * n, (i + 1) * n);
      if (eqRow[i]! >= 0) ad.set(src, eqRow[i]! * n);
      if (upRow[i]! >= 0) cd.set(src, upRow[i]! * n);
      if (loRow[i]! >= 0) {
        const off = loRow[i]! * n;
        for (let j = 0; j < n; j++) cd[off + j] = -src[j]!;
      }
    }
    Aeq = { format: 'dense', nrows: pEq, ncols: n, data: ad };
    Cin = { format: 'dense', nrows: mIn, ncols: n, data: cd };
  } else if (A) {
    // One pass per output: the new row indices are increasing in the original row index inside
    // each group (and upRow[i] < loRow[i]), so rows stay sorted within every column.
    const { colPtr, rowIdx, values } = A;
    const aPtr = new Int32Array(n + 1);
    const cPtr = new Int32Array(n + 1);
    for (let j = 0; j < n; j++) {
      let na = 0;
      let nc = 0;
      for (let k = colPtr[j]!; k < colPtr[j + 1]!; k++) {
        const kd = kind[rowIdx[k]!]!;
        if (kd & 1) na++;
        if (kd & 2) nc++;
        if (kd & 4) nc++;
      }
      aPtr[j + 1] = aPtr[j]! + na;
      cPtr[j + 1] = cPtr[j]! + nc;
    }
    const aRow = new Int32Array(aPtr[n]!);
    const aVal = new Float64Array(aPtr[n]!);
    const cRow = new Int32Array(cPtr[n]!);
    const cVal = new Float64Array(cPtr[n]!);
    for (let j = 0; j < n; j++) {
      let ta = aPtr[j]!;
      let tc = cPtr[j]!;
      for (let k = colPtr[j]!; k < colPtr[j + 1]!; k++) {
        const i = rowIdx[k]!;
        const v = values[k]!;
        if (eqRow[i]! >= 0) {
          aRow[ta] = eqRow[i]!;
          aVal[ta++] = v;
        }
        if (upRow[i]! >= 0) {
          cRow[tc] = upRow[i]!;
          cVal[tc++] = v;
        }
        if (loRow[i]! >= 0) {
          cRow[tc] = loRow[i]!;
          cVal[tc++] = -v;
        }
      }
    }
    Aeq = { format: 'csc', nrows: pEq, ncols: n, colPtr: aPtr, rowIdx: aRow, values: aVal };
    Cin = { format: 'csc', nrows: mIn, ncols: n, colPtr: cPtr, rowIdx: cRow, values: cVal };
  }
  const cleanVec = (name: string, v: Float64Array | null | undefined): Float64Array | null => {
    if (!v) return null;
    if (v.length !== n) throw new DimensionError(name, `length ${n} (= n, the size of P)`, `length ${v.length}`);
    const out = new Float64Array(n);
    let anyFinite = false;
    for (let i = 0; i < n; i++) {
      out[i] = cleanBound(v[i]!);
      if (Number.isFinite(out[i]!)) anyFinite = true;
    }
    return anyFinite ? out : null;
  };
  return {
    P,
    q,
    A: pEq > 0 ? Aeq : null,
    b: pEq > 0 ? b : null,
    C: mIn > 0 ? Cin : null,
    d: mIn > 0 ? d : null,
    lb: cleanVec('lb', lb),
    ub: cleanVec('ub', ub),
  };
}

/**
 * Check a backend's settings.warmStart against the problem sizes: z length n, lambda length p,
 * mu length m (DimensionError), finite entries, mu ≥ 0 (InputError). Absent parts are fine.
 */
export function checkWarmStart(ws: WarmStart | null, n: number, p: number, m: number): void {
  if (!ws) return;
  const check = (name: 'z' | 'lambda' | 'mu', len: number, what: string) => {
    const v = ws[name];
    if (v === undefined || v === null) return;
    if (!(v instanceof Float64Array)) throw new InputError(`settings.warmStart.${name}`, 'a Float64Array', typeof v);
    if (v.length !== len) throw new DimensionError(`settings.warmStart.${name}`, `length ${len} (${what})`, `length ${v.length}`);
    for (let i = 0; i < len; i++) {
      const x = v[i]!;
      if (!Number.isFinite(x) || (name === 'mu' && x < 0)) {
        throw new InputError(`settings.warmStart.${name}`, name === 'mu' ? 'finite numbers ≥ 0' : 'finite numbers', `${x} at index ${i}`);
      }
    }
  };
  check('z', n, '= n');
  check('lambda', p, '= p, rows of A');
  check('mu', m, '= m, rows of C');
}
