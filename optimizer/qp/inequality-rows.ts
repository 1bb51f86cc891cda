/**
 * The inequality rows of a QP and their numbering. A problem
 *
 *   min ½ zᵀPz + qᵀz   s.t.   Az = b,   Cz ≤ d,   lb ≤ z ≤ ub        (z ∈ ℝⁿ, C: m×n)
 *
 * has the inequality rows
 *
 *   row j,          0 ≤ j < m :   (C z)_j ≤ d_j              dual μ_j       (μ_C)
 *   row m + i,      0 ≤ i < n :   −z_i ≤ −lb_i               dual μ_lb,i
 *   row m + n + i,  0 ≤ i < n :    z_i ≤ ub_i                dual μ_ub,i
 *
 * (rows m..m+2n−1 exist only when the problem has lb or ub; a bound row with an infinite bound is
 * never active). This numbering is used for active sets J throughout the dQP layer, and a PACKED
 * dual vector is (μ_C, μ_lb, μ_ub) in the same order (length `total`). InequalityRows is the one
 * place that decodes it: the kind and variable of row j, its right-hand side, its coefficient for
 * a bound row, the residual of every row, and the scatter/gather between duals of a set of rows,
 * the packed vector and the three separate vectors.
 */
import type { Matrix } from '../linalg/types.ts';

/** What row j of the inequality rows is. */
export type InequalityRowKind = 'C' | 'lb' | 'ub';

/** The inequality rows of a problem (C, d and the bounds). Arrays are referenced, not copied. */
export class InequalityRows {
  /** m + 2n when the problem has bounds, else m */
  readonly total: number;

  /** (use inequalityRows, or InequalityRows.numbering for the numbering alone) */
  constructor(
    /** number of variables */
    readonly n: number,
    /** rows of C (0 when absent) */
    readonly m: number,
    /** the problem has lb or ub (rows m..m+2n−1 exist) */
    readonly hasBounds: boolean,
    readonly C: Matrix | null,
    readonly d: Float64Array | null,
    readonly lb: Float64Array | null,
    readonly ub: Float64Array | null,
  ) {
    this.total = hasBounds ? m + 2 * n : m;
  }

  /**
   * The numbering alone (no data: rhs and residuals are not available), for code that only
   * decodes row numbers, e.g. the backward pass.
   */
  static numbering(n: number, m: number, hasBounds: boolean): InequalityRows {
    return new InequalityRows(n, m, hasBounds, null, null, null, null);
  }

  /** row of the lower bound of variable i */
  lbRow(i: number): number {
    return this.m + i;
  }

  /** row of the upper bound of variable i */
  ubRow(i: number): number {
    return this.m + this.n + i;
  }

  /** row j is a row of C */
  isCRow(j: number): boolean {
    return j < this.m;
  }

  /** kind of row j */
  kind(j: number): InequalityRowKind {
    return j < this.m ? 'C' : j < this.m + this.n ? 'lb' : 'ub';
  }

  /** position of row j within its kind: the row of C, or the variable of a bound row */
  index(j: number): number {
    const { m, n } = this;
    return j < m ? j : j < m + n ? j - m : j - m - n;
  }

  /** the variable of a bound row j, or −1 for a row of C */
  variable(j: number): number {
    return j < this.m ? -1 : this.index(j);
  }

  /** coefficient of its variable in bound row j: −1 (lower bound), +1 (upper bound); 0 for a row of C */
  boundSign(j: number): number {
    return j < this.m ? 0 : j < this.m + this.n ? -1 : 1;
  }

  /** right-hand side of row j: d_j, −lb_i or ub_i */
  rhs(j: number): number {
    const { m, n } = this;
    return j < m ? this.d![j]! : j < m + n ? -this.lb![j - m]! : this.ub![j - m - n]!;
  }

  /**
   * Residuals r_j (row value − right-hand side) of every row at z.
   *   z    length n
   *   out  optional, length total; overwritten
   * Returns r (length total); r_j = −Infinity for a bound row with an infinite bound.
   */
  residuals(z: Float64Array, out?: Float64Array): Float64Array {
    const { n, m, C, d, lb, ub, total } = this;
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
   * The entry of row j in separate vectors (μ_C: length m; μ_lb, μ_ub: length n, or null = 0):
   * a dual, a cotangent, any per-row quantity stored per kind.
   */
  entry(j: number, muC: ArrayLike<number> | null | undefined, muLb: ArrayLike<number> | null | undefined, muUb: ArrayLike<number> | null | undefined): number {
    const { m, n } = this;
    if (j < m) return muC ? muC[j]! : 0;
    if (j < m + n) return muLb ? muLb[j - m]! : 0;
    return muUb ? muUb[j - m - n]! : 0;
  }

  /**
   * Gather the entries of the rows J from separate vectors (see entry) into out[offset + t].
   * Returns out (a new array of length |J| when omitted).
   */
  gather(
    J: Int32Array,
    muC: ArrayLike<number> | null | undefined,
    muLb: ArrayLike<number> | null | undefined,
    muUb: ArrayLike<number> | null | undefined,
    out: Float64Array = new Float64Array(J.length),
    offset = 0,
  ): Float64Array {
    for (let t = 0; t < J.length; t++) out[offset + t] = this.entry(J[t]!, muC, muLb, muUb);
    return out;
  }

  /**
   * Scatter values v[t] of the rows J into separate vectors (μ_C length m, μ_lb / μ_ub length n;
   * a null target skips its rows). Entries of rows outside J are not touched.
   */
  scatter(J: Int32Array, v: ArrayLike<number>, muC: Float64Array | null, muLb: Float64Array | null, muUb: Float64Array | null): void {
    const { m, n } = this;
    for (let t = 0; t < J.length; t++) {
      const j = J[t]!;
      if (j < m) {
        if (muC) muC[j] = v[t]!;
      } else if (j < m + n) {
        if (muLb) muLb[j - m] = v[t]!;
      } else if (muUb) muUb[j - m - n] = v[t]!;
    }
  }

  /**
   * Write (μ_C, μ_lb, μ_ub) into the packed vector out[offset .. offset + total) (the bound parts
   * only when the problem has bounds). A Float32Array target rounds.
   */
  pack(muC: ArrayLike<number>, muLb: ArrayLike<number> | null, muUb: ArrayLike<number> | null, out: Float64Array | Float32Array, offset = 0): void {
    const { m, n } = this;
    out.set(muC, offset);
    if (this.hasBounds) {
      out.set(muLb!, offset + m);
      out.set(muUb!, offset + m + n);
    }
  }

  /** Views (subarrays, not copies) of the packed vector v[offset .. offset + total) as (μ_C, μ_lb, μ_ub). */
  unpack<T extends Float64Array | Float32Array>(v: T, offset = 0): { muC: T; muLb: T | null; muUb: T | null } {
    const { m, n } = this;
    const muC = v.subarray(offset, offset + m) as T;
    if (!this.hasBounds) return { muC, muLb: null, muUb: null };
    return { muC, muLb: v.subarray(offset + m, offset + m + n) as T, muUb: v.subarray(offset + m + n, offset + m + 2 * n) as T };
  }

  /** Split the rows J (ascending) into active rows of C and active lower / upper bound variables. */
  split(J: Int32Array): { active: Int32Array; activeLb: Int32Array; activeUb: Int32Array } {
    const { m, n } = this;
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
}

/** The inequality rows of a problem with n variables (absent parts as null or undefined). */
export function inequalityRows(
  n: number,
  C: Matrix | null | undefined,
  d: Float64Array | null | undefined,
  lb: Float64Array | null | undefined,
  ub: Float64Array | null | undefined,
): InequalityRows {
  return new InequalityRows(n, C ? C.nrows : 0, !!(lb || ub), C ?? null, d ?? null, lb ?? null, ub ?? null);
}
