/**
 * Our QP model → OSQP's form, and small CSC kernels of the ADMM backend.
 *
 *   minimize ½ xᵀPx + qᵀx   s.t.   l ≤ Ã x ≤ u,    Ã = [A; C; I_B]   (mT = p + m + |B| rows)
 *
 * NOTATION: OSQP's. Its x is the model's z (types.ts), its y the stacked duals of Ã's rows, and
 * Ã (field `Ac`, "all constraint rows"; OSQP calls it A) stacks our A, C and the bound rows: it is
 * NOT a transpose. Hats (P̂, Â, q̂) mark the equilibrated data (scaling.ts).
 *
 *   rows 0 .. p−1          equalities  A z = b       l = u = b          (kind EQ)
 *   rows p .. p+m−1        inequalities C z ≤ d      l = −∞, u = d      (kind INEQ)
 *   rows p+m .. mT−1       bounds of the variables B with a finite lb or ub:
 *                          l = lb_j, u = ub_j  (kind BOUND, rowVar = j)
 *
 * OSQP's dual y (P x + q + Ãᵀ y = 0, y_i > 0 ⇔ upper bound active, y_i < 0 ⇔ lower) maps to ours by
 *   λ = y[EQ rows],  μ = y[INEQ rows] (≥ 0),  μ_ub[j] = max(y_i, 0),  μ_lb[j] = max(−y_i, 0)  (i the bound row of j),
 * so that P z + q + Aᵀλ + Cᵀμ − μ_lb + μ_ub = 0.
 */
import { DimensionError, InputError } from '../../../errors.ts';
import { vstack } from '../../../linalg/blocks.ts';
import { cscFromDense, cscIdentity, cscSelectRows } from '../../../linalg/csc.ts';
import type { CscMatrix, Matrix } from '../../../linalg/types.ts';
import type { QPProblem } from '../../types.ts';

export const ROW_EQ = 0;
export const ROW_INEQ = 1;
export const ROW_BOUND = 2;


export interface OsqpData {
  /** variables */
  readonly n: number;
  /** rows of Ã */
  readonly mT: number;
  /** equality rows p, inequality rows m */
  readonly p: number;
  readonly m: number;
  /** n×n, both triangles (a copy) */
  readonly P: CscMatrix;
  /** length n (a copy) */
  readonly q: Float64Array;
  /** mT×n (a copy) */
  readonly Ac: CscMatrix;
  /** length mT */
  readonly l: Float64Array;
  readonly u: Float64Array;
  /** length mT: ROW_EQ / ROW_INEQ / ROW_BOUND */
  readonly rowKind: Int8Array;
  /** length mT: the variable of a BOUND row, −1 otherwise */
  readonly rowVar: Int32Array;
  /** whether the problem has lb or ub (then muLb/muUb are returned) */
  readonly hasBounds: boolean;
}

/** Copy of M as CSC; exact zeros of dense input are dropped (the pattern is not needed for ADMM). */
export function toCscCopy(M: Matrix): CscMatrix {
  if (M.format === 'csc') {
    return {
      format: 'csc',
      nrows: M.nrows,
      ncols: M.ncols,
      colPtr: Int32Array.from(M.colPtr),
      rowIdx: Int32Array.from(M.rowIdx.subarray(0, M.colPtr[M.ncols]!)),
      values: Float64Array.from(M.values.subarray(0, M.colPtr[M.ncols]!)),
    };
  }
  return cscFromDense(M);
}

function checkMatrix(M: Matrix, name: string, rows: number | null, cols: number): void {
  if (M.ncols !== cols) throw new DimensionError(`problem.${name}`, `${cols} columns (= length of q)`, `${M.ncols} columns`);
  if (rows !== null && M.nrows !== rows) throw new DimensionError(`problem.${name}`, `${rows} rows`, `${M.nrows} rows`);
}

function checkVector(v: Float64Array, name: string, len: number, what: string): void {
  if (v.length !== len) throw new DimensionError(`problem.${name}`, `length ${len} (${what})`, `length ${v.length}`);
}

/** Build OSQP-form data from our problem (light dimension checks; the registry validates fully). */
export function buildOsqpData(problem: QPProblem): OsqpData {
  const n = problem.q.length;
  checkMatrix(problem.P, 'P', n, n);
  const A = problem.A ?? null;
  const C = problem.C ?? null;
  const p = A ? A.nrows : 0;
  const m = C ? C.nrows : 0;
  if (A) {
    checkMatrix(A, 'A', null, n);
    if (!problem.b) throw new InputError('problem.b', `a vector of length ${p} (A is given)`, 'none');
    checkVector(problem.b, 'b', p, 'rows of A');
  }
  if (C) {
    checkMatrix(C, 'C', null, n);
    if (!problem.d) throw new InputError('problem.d', `a vector of length ${m} (C is given)`, 'none');
    checkVector(problem.d, 'd', m, 'rows of C');
  }
  const lb = problem.lb ?? null;
  const ub = problem.ub ?? null;
  if (lb) checkVector(lb, 'lb', n, 'number of variables');
  if (ub) checkVector(ub, 'ub', n, 'number of variables');

  const boundRow = new Int32Array(n).fill(-1);
  let nb = 0;
  for (let j = 0; j < n; j++) {
    const lo = lb ? lb[j]! : -Infinity;
    const hi = ub ? ub[j]! : Infinity;
    if (Number.isNaN(lo) || Number.isNaN(hi)) throw new InputError(`problem.${Number.isNaN(lo) ? 'lb' : 'ub'}[${j}]`, 'a number or ±Infinity', 'NaN');
    if (lo > -Infinity || hi < Infinity) boundRow[j] = p + m + nb++;
  }
  const mT = p + m + nb;
  // Ã = [A; C; rows e_jᵀ of the bounded variables j] (bound rows in ascending j)
  const boundVars = new Int32Array(nb);
  for (let j = 0; j < n; j++) if (boundRow[j]! >= 0) boundVars[boundRow[j]! - p - m] = j;
  const Ac = vstack([...(A ? [A] : []), ...(C ? [C] : []), cscSelectRows(cscIdentity(n), boundVars)]);
  const l = new Float64Array(mT);
  const u = new Float64Array(mT);
  const rowKind = new Int8Array(mT);
  const rowVar = new Int32Array(mT).fill(-1);
  for (let i = 0; i < p; i++) {
    l[i] = u[i] = problem.b![i]!;
    rowKind[i] = ROW_EQ;
  }
  for (let i = 0; i < m; i++) {
    l[p + i] = -Infinity;
    u[p + i] = problem.d![i]!;
    rowKind[p + i] = ROW_INEQ;
  }
  for (let j = 0; j < n; j++) {
    const r = boundRow[j]!;
    if (r < 0) continue;
    l[r] = lb ? lb[j]! : -Infinity;
    u[r] = ub ? ub[j]! : Infinity;
    rowKind[r] = ROW_BOUND;
    rowVar[r] = j;
  }
  return {
    n,
    mT,
    p,
    m,
    P: toCscCopy(problem.P),
    q: Float64Array.from(problem.q),
    Ac,
    l,
    u,
    rowKind,
    rowVar,
    hasBounds: lb !== null || ub !== null,
  };
}

/** ‖w ⊙ v‖∞ over the first len entries; NaN products are skipped (like linalg/vec.ts normInf; the ipm's normInfScaled propagates them) */
export function normInfScaled(v: Float64Array, w: Float64Array, len = v.length): number {
  let s = 0;
  for (let i = 0; i < len; i++) {
    const a = Math.abs(v[i]! * w[i]!);
    if (a > s) s = a;
  }
  return s;
}
