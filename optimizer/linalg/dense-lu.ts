/**
 * Dense LU with partial pivoting (DenseLu): `singular` flag, 1-norm condition estimate,
 * log-determinant. The factorization copies its input and keeps O(n²) storage; the O(n³) work
 * runs in the packed GEMM kernel (gemm.ts).
 */
import { ZeroPivotError } from '../errors.ts';
import { checkFinite, checkLength, checkSquare } from './check.ts';
import { estimateInverseNorm1 } from './condition.ts';
import { solveUnitLower } from './dense-ops.ts';
import { TRI_ALL, gemmAcc } from './gemm.ts';
import type { DenseMatrix } from './types.ts';
import { normInf } from './vec.ts';

/**
 * P A = L U with partial pivoting (the largest |entry| of the column is the pivot) of a square
 * n × n matrix A (not modified). L unit lower triangular, U upper triangular, both stored in one
 * row-major array; `perm[k]` = original row placed at position k.
 *
 * Blocked right-looking algorithm (LAPACK getrf structure, written for row-major storage):
 * factor a panel of NB columns with row swaps applied to whole rows, form the U block row by a
 * unit-triangular solve, then update the trailing matrix A22 −= L21 U12 with the packed GEMM kernel.
 *
 * `singular` is true when some pivot |u_kk| ≤ n·ε·max|A| (the column is then skipped, as in
 * LAPACK); `solve` then throws ZeroPivotError. rcondEstimate() ≈ 1 / (‖A‖₁ ‖A⁻¹‖₁).
 */
export class DenseLu {
  readonly n: number;
  readonly singular: boolean;
  /** perm[k] = row of A that ended up in position k (P A = L U, (P A)_k = A_perm[k]) */
  readonly perm: Int32Array;
  private readonly f: Float64Array;
  private readonly aNorm1: number;
  private readonly firstZero: number;
  private rcondCache: number | null = null;

  private constructor(n: number, f: Float64Array, perm: Int32Array, firstZero: number, aNorm1: number) {
    this.n = n;
    this.f = f;
    this.perm = perm;
    this.firstZero = firstZero;
    this.singular = firstZero >= 0;
    this.aNorm1 = aNorm1;
  }

  /** Factor A (n × n, not modified). InputError on a non-finite entry. */
  static factor(A: DenseMatrix): DenseLu {
    const n = checkSquare('A', A);
    checkFinite('A', A.data, n, false);
    const f = A.data.slice();
    let maxAbs = 0;
    const colSum = new Float64Array(n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const a = Math.abs(f[i * n + j]!);
        colSum[j] += a;
        if (a > maxAbs) maxAbs = a;
      }
    const tol = n * Number.EPSILON * maxAbs;
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    const firstZero = luBlocked(f, n, perm, tol);
    return new DenseLu(n, f, perm, firstZero, normInf(colSum));
  }

  private checkSolvable(): void {
    if (this.singular) throw new ZeroPivotError(this.firstZero, this.f[this.firstZero * this.n + this.firstZero]!);
  }

  /** x = A⁻¹ rhs. rhs: length n, not modified; out: length n, overwritten, returned (may alias rhs). */
  solve(rhs: Float64Array, out?: Float64Array): Float64Array {
    const n = this.n;
    checkLength('rhs', rhs, n, 'rows of A');
    if (out !== undefined) checkLength('out', out, n, 'rows of A');
    this.checkSolvable();
    const x = out ?? new Float64Array(n);
    const b = x === rhs ? rhs.slice() : rhs;
    for (let k = 0; k < n; k++) x[k] = b[this.perm[k]!]!;
    this.solveLU(x);
    return x;
  }

  /** x = A⁻ᵀ rhs (same conventions as solve). */
  solveTranspose(rhs: Float64Array, out?: Float64Array): Float64Array {
    const n = this.n;
    checkLength('rhs', rhs, n, 'rows of A');
    if (out !== undefined) checkLength('out', out, n, 'rows of A');
    this.checkSolvable();
    const w = rhs.slice();
    this.solveUtLt(w);
    const x = out ?? new Float64Array(n);
    for (let k = 0; k < n; k++) x[this.perm[k]!] = w[k]!;
    return x;
  }

  /** In place: x ← U⁻¹ L⁻¹ x. */
  private solveLU(x: Float64Array): void {
    const { n, f } = this;
    solveUnitLower(f, n, x);
    for (let i = n - 1; i >= 0; i--) {
      const off = i * n;
      let s = 0;
      for (let j = i + 1; j < n; j++) s += f[off + j]! * x[j]!;
      x[i] = (x[i]! - s) / f[off + i]!;
    }
  }

  /** In place: x ← L⁻ᵀ U⁻ᵀ x. */
  private solveUtLt(x: Float64Array): void {
    const { n, f } = this;
    // Uᵀ w = x: w_i = (x_i − Σ_{j<i} U_ji w_j)/U_ii, column-oriented over rows of U
    for (let i = 0; i < n; i++) {
      const off = i * n;
      const wi = x[i]! / f[off + i]!;
      x[i] = wi;
      if (wi === 0) continue;
      for (let j = i + 1; j < n; j++) x[j] -= f[off + j]! * wi;
    }
    // Lᵀ v = w
    for (let i = n - 1; i > 0; i--) {
      const off = i * n;
      const vi = x[i]!;
      if (vi === 0) continue;
      for (let j = 0; j < i; j++) x[j] -= f[off + j]! * vi;
    }
  }

  /**
   * Estimate of the reciprocal condition number 1/(‖A‖₁ ‖A⁻¹‖₁), in [0, 1]: 0 when singular.
   * ‖A⁻¹‖₁ by Hager's method with Higham's refinements (estimateInverseNorm1, condition.ts: at
   * most 5 sign-vector iterations, each one solve with A and one with Aᵀ, plus one extra
   * alternating-sign probe; a non-finite solve gives rcond 0). The estimate of
   * ‖A⁻¹‖₁ is a lower bound, usually within a factor 3, so rcond is an upper estimate. Cached.
   */
  rcondEstimate(): number {
    if (this.rcondCache !== null) return this.rcondCache;
    const n = this.n;
    if (this.singular || this.aNorm1 === 0) return (this.rcondCache = 0);
    if (n === 0) return (this.rcondCache = 1);
    const est = estimateInverseNorm1((x) => this.solve(x), n, false, (x) => this.solveTranspose(x));
    const r = 1 / (this.aNorm1 * est);
    return (this.rcondCache = Number.isFinite(r) ? Math.min(1, r) : 0);
  }

  /** Unit lower-triangular L and upper-triangular U (copies), with P A = L U. */
  factors(): { L: DenseMatrix; U: DenseMatrix } {
    const n = this.n;
    const l = new Float64Array(n * n);
    const u = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) l[i * n + j] = this.f[i * n + j]!;
      l[i * n + i] = 1;
      for (let j = i; j < n; j++) u[i * n + j] = this.f[i * n + j]!;
    }
    return { L: { format: 'dense', nrows: n, ncols: n, data: l }, U: { format: 'dense', nrows: n, ncols: n, data: u } };
  }

  /** log|det A| and sign(det A) (sign 0 when singular). */
  logDeterminant(): { logAbs: number; sign: number } {
    if (this.singular) return { logAbs: -Infinity, sign: 0 };
    const n = this.n;
    let sign = 1;
    let logAbs = 0;
    for (let i = 0; i < n; i++) {
      const u = this.f[i * n + i]!;
      if (u < 0) sign = -sign;
      logAbs += Math.log(Math.abs(u));
    }
    // parity of the permutation
    const seen = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (seen[i]) continue;
      let len = 0;
      for (let j = i; !seen[j]; j = this.perm[j]!) {
        seen[j] = 1;
        len++;
      }
      if (len % 2 === 0) sign = -sign;
    }
    return { logAbs, sign };
  }
}

const LU_NB = 32;

/**
 * In-place blocked LU with partial pivoting of row-major f (n × n). perm (length n) is permuted
 * along with the rows. Returns the first column whose pivot was ≤ tol (skipped), or −1.
 */
function luBlocked(f: Float64Array, n: number, perm: Int32Array, tol: number): number {
  let firstZero = -1;
  for (let kb = 0; kb < n; kb += LU_NB) {
    const ke = Math.min(kb + LU_NB, n); // panel columns kb..ke-1
    // --- panel factorization (columns kb..ke-1, all rows ≥ k), row swaps on whole rows
    for (let k = kb; k < ke; k++) {
      let p = k;
      let pmax = Math.abs(f[k * n + k]!);
      for (let i = k + 1; i < n; i++) {
        const a = Math.abs(f[i * n + k]!);
        if (a > pmax) {
          pmax = a;
          p = i;
        }
      }
      if (p !== k) {
        const ok = k * n;
        const op = p * n;
        for (let j = 0; j < n; j++) {
          const t = f[ok + j]!;
          f[ok + j] = f[op + j]!;
          f[op + j] = t;
        }
        const t = perm[k]!;
        perm[k] = perm[p]!;
        perm[p] = t;
      }
      if (pmax <= tol) {
        if (firstZero < 0) firstZero = k;
        continue; // leave the column as is (L entries stay unscaled garbage-free: zero/tiny)
      }
      const ok = k * n;
      const inv = 1 / f[ok + k]!;
      for (let i = k + 1; i < n; i++) {
        const oi = i * n;
        const l = (f[oi + k] = f[oi + k]! * inv);
        if (l === 0) continue;
        for (let j = k + 1; j < ke; j++) f[oi + j] -= l * f[ok + j]!;
      }
    }
    if (ke >= n) break;
    // --- U12 = L11⁻¹ A12 (rows kb..ke-1, columns ke..n-1)
    for (let i = kb + 1; i < ke; i++) {
      const oi = i * n;
      for (let k = kb; k < i; k++) {
        const l = f[oi + k]!;
        if (l === 0) continue;
        const ok = k * n;
        for (let j = ke; j < n; j++) f[oi + j] -= l * f[ok + j]!;
      }
    }
    // --- A22 −= L21 U12 as a packed GEMM (U12 column panels × negated L21 row panels)
    gemmAcc(n - ke, n - ke, ke - kb, -1, f, ke * n + kb, n, 1, f, kb * n + ke, n, 1, f, ke * n + ke, n, TRI_ALL);
  }
  return firstZero;
}
