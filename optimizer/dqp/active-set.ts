/**
 * Inequality rows and the active set (dqp-spec.md, Algorithm 1 step 2).
 *
 * The inequality rows of a problem are the m rows of C followed by the bound rows:
 *
 *   row j,          0 ≤ j < m :   (C z)_j ≤ d_j
 *   row m + i,      0 ≤ i < n :   −z_i ≤ −lb_i      (only when lb_i is finite)
 *   row m + n + i,  0 ≤ i < n :    z_i ≤ ub_i       (only when ub_i is finite)
 *
 * (row numbers m..m+2n−1 exist only when the problem has lb or ub). A bound row with an
 * infinite bound is never active. This numbering is used for J everywhere in optimizer/dqp.
 *
 * Active set by hard threshold on the primal residual r = (row value) − (right-hand side):
 *
 *   J = { j : s_j · r_j ≥ −ε_J }       (violated rows count as active)
 *
 * where s_j = 1, or the row scale of normalize.ts when rows are normalized (then s_j r_j is
 * the signed distance of z to the hyperplane of row j).
 */
import type { Matrix } from '../linalg/types.ts';

/** The inequality rows of a problem (C, d and the finite bounds). Arrays are not copied. */
export interface InequalityRows {
  /** number of variables */
  readonly n: number;
  /** rows of C (0 when absent) */
  readonly m: number;
  readonly C: Matrix | null;
  readonly d: Float64Array | null;
  readonly lb: Float64Array | null;
  readonly ub: Float64Array | null;
  /** m + 2n when the problem has bounds, else m */
  readonly total: number;
}

export function inequalityRows(
  n: number,
  C: Matrix | null | undefined,
  d: Float64Array | null | undefined,
  lb: Float64Array | null | undefined,
  ub: Float64Array | null | undefined,
): InequalityRows {
  const m = C ? C.nrows : 0;
  const hasBounds = !!(lb || ub);
  return { n, m, C: C ?? null, d: d ?? null, lb: lb ?? null, ub: ub ?? null, total: hasBounds ? m + 2 * n : m };
}

/**
 * Residuals r_j (row value − right-hand side) of every inequality row at z.
 *   rows   the inequality rows
 *   z      length n
 *   out    optional, length rows.total; overwritten
 * Returns r (length rows.total); r_j = −Infinity for a bound row with an infinite bound.
 */
export function inequalityResiduals(rows: InequalityRows, z: Float64Array, out?: Float64Array): Float64Array {
  const { n, m, C, d, lb, ub, total } = rows;
  const r = out ?? new Float64Array(total);
  if (C && d) {
    if (C.format === 'dense') {
      const a = C.data;
      for (let j = 0; j < m; j++) {
        let s = 0;
        const o = j * n;
        for (let k = 0; k < n; k++) s += a[o + k]! * z[k]!;
        r[j] = s - d[j]!;
      }
    } else {
      for (let j = 0; j < m; j++) r[j] = -d[j]!;
      const { colPtr, rowIdx, values } = C;
      for (let k = 0; k < n; k++) {
        const zk = z[k]!;
        if (zk === 0) continue;
        for (let e = colPtr[k]!; e < colPtr[k + 1]!; e++) r[rowIdx[e]!] += values[e]! * zk;
      }
    }
  }
  if (total > m) {
    for (let i = 0; i < n; i++) {
      const l = lb ? lb[i]! : -Infinity;
      const u = ub ? ub[i]! : Infinity;
      r[m + i] = l === -Infinity ? -Infinity : l - z[i]!;
      r[m + n + i] = u === Infinity ? -Infinity : z[i]! - u;
    }
  }
  return r;
}

/**
 * J = { j : scale_j · r_j ≥ −epsActive }, ascending.
 *   r          length total, residuals from inequalityResiduals
 *   epsActive  ε_J ≥ 0
 *   scale      optional length-total row scales (normalize.ts); null = all ones
 */
export function selectActiveSet(r: Float64Array, epsActive: number, scale: Float64Array | null): Int32Array {
  let count = 0;
  for (let j = 0; j < r.length; j++) if ((scale ? scale[j]! * r[j]! : r[j]!) >= -epsActive) count++;
  const J = new Int32Array(count);
  let t = 0;
  for (let j = 0; j < r.length; j++) if ((scale ? scale[j]! * r[j]! : r[j]!) >= -epsActive) J[t++] = j;
  return J;
}

/**
 * Rows of J whose dual is (nearly) zero: μ_J[t] ≤ epsWeak · max(1, ‖μ_J‖∞). Negative duals
 * (a K_J completion that wants the row inactive) count as weak too.
 *   muJ  length |J|, duals of the active rows (in the ORIGINAL row scaling)
 * Returns the row numbers J[t] of the weak rows.
 */
export function weaklyActiveRows(J: Int32Array, muJ: Float64Array, epsWeak: number): Int32Array {
  let mx = 1;
  for (let t = 0; t < muJ.length; t++) mx = Math.max(mx, Math.abs(muJ[t]!));
  const tol = epsWeak * mx;
  const out: number[] = [];
  for (let t = 0; t < J.length; t++) if (!(muJ[t]! > tol)) out.push(J[t]!);
  return Int32Array.from(out);
}

/** Split J into rows of C and active lower / upper bound variable indices. */
export function splitActiveSet(rows: InequalityRows, J: Int32Array): { active: Int32Array; activeLb: Int32Array; activeUb: Int32Array } {
  const { m, n } = rows;
  let a = 0;
  let l = 0;
  for (let t = 0; t < J.length; t++) {
    const j = J[t]!;
    if (j < m) a++;
    else if (j < m + n) l++;
  }
  const active = new Int32Array(a);
  const activeLb = new Int32Array(l);
  const activeUb = new Int32Array(J.length - a - l);
  let ia = 0;
  let il = 0;
  let iu = 0;
  for (let t = 0; t < J.length; t++) {
    const j = J[t]!;
    if (j < m) active[ia++] = j;
    else if (j < m + n) activeLb[il++] = j - m;
    else activeUb[iu++] = j - m - n;
  }
  return { active, activeLb, activeUb };
}
