/**
 * Dense minimum-norm least squares by a complete orthogonal decomposition, for singular or
 * rank-deficient systems (the dQP layer at non-differentiable points):
 *
 *   denseLstsq(M, b, rcond?)              minimum-norm least squares, dense, any shape and rank
 *   DenseCod.factor(M, rcond?).solve(b)    the same with the factorization kept (many right-hand sides)
 */
import { InputError } from '../errors.ts';
import { checkLength } from './check.ts';
import type { DenseMatrix } from './types.ts';
import { norm2 } from './vec.ts';

/**
 * Householder reflector H = I − τ v vᵀ (v₀ = 1) with H [α; x] = [β; 0], β = −sign(α)·‖[α; x]‖.
 * Returns [τ, β, 1/(α − β)] (τ = 0, β = α when x = 0: H = I).
 */
function householder(alpha: number, xnorm: number): [number, number, number] {
  if (xnorm === 0) return [0, alpha, 0];
  const beta = -(alpha >= 0 ? 1 : -1) * Math.hypot(alpha, xnorm);
  return [(beta - alpha) / beta, beta, 1 / (alpha - beta)];
}

export interface LstsqResult {
  /** length ncols: the minimum-norm minimizer of ‖M x − b‖₂ (with M truncated to its numerical rank) */
  x: Float64Array;
  /** numerical rank: number of |R_kk| > rcond·|R_00| in the pivoted QR */
  rank: number;
}

/**
 * Minimum-norm least-squares solution x = M⁺ b of min ‖M x − b‖₂ for any m × n M (over- or
 * under-determined, rank deficient), by a complete orthogonal decomposition (DenseCod):
 *
 *   1. Householder QR with column pivoting (Businger–Golub; column norms downdated with the
 *      safeguarded formula of Drmač and Bujanović):  M P = Q R, |R_00| ≥ |R_11| ≥ …
 *   2. rank r = #{k : |R_kk| > rcond·|R_00|}; the trailing block R22 is treated as zero
 *   3. if r < n, the r × n trapezoid [R11 R12] is reduced to [T 0] by Householder reflections
 *      from the right, [R11 R12] = [T 0] Zᵀ (T upper triangular r × r)
 *   4. x = P Z [T⁻¹ (Qᵀb)_{0:r}; 0]
 *
 * Inputs (not modified): M (m × n, row-major), b (length m), rcond (default max(m, n)·ε; the
 * same default as numpy.linalg.lstsq). Cost O(mn·min(m, n)); for several right-hand sides with
 * the same M, factor once with DenseCod.factor and call solve (O(mn) each).
 */
export function denseLstsq(M: DenseMatrix, b: Float64Array, rcond?: number): LstsqResult {
  checkLength('b', b, M.nrows, 'rows of M');
  const cod = DenseCod.factor(M, rcond);
  return { x: cod.solve(b), rank: cod.rank };
}

/**
 * The complete orthogonal decomposition M P = Q [T 0; 0 0] Zᵀ of an m × n matrix (see
 * denseLstsq for the steps), kept for repeated minimum-norm least-squares solves.
 */
export class DenseCod {
  /** numerical rank r */
  readonly rank: number;
  private constructor(
    readonly nrows: number,
    readonly ncols: number,
    rank: number,
    /** column-major m × n: R above the diagonal, the Q reflectors below (v_i = 1 implied) */
    private readonly W: Float64Array,
    private readonly tau: Float64Array,
    private readonly jpvt: Int32Array,
    /** row-major r × n: T in columns < r, the Z reflectors in columns ≥ r */
    private readonly T: Float64Array,
    private readonly ztau: Float64Array,
  ) {
    this.rank = rank;
  }

  /**
   * Factor M (m × n row-major, not modified). rcond: relative rank cutoff on |R_kk| / |R_00|
   * (default max(m, n)·ε). Throws InputError for non-finite entries or a negative rcond.
   */
  static factor(M: DenseMatrix, rcond?: number): DenseCod {
    const m = M.nrows;
    const n = M.ncols;
    checkLength('M.data', M.data, m * n, 'nrows·ncols');
    const tolRel = rcond ?? Math.max(m, n) * Number.EPSILON;
    if (!(tolRel >= 0)) throw new InputError('rcond', 'a number ≥ 0', String(rcond));
    for (let k = 0; k < m * n; k++)
      if (!Number.isFinite(M.data[k]!)) throw new InputError(`M[${Math.floor(k / n)}, ${k % n}]`, 'a finite number', String(M.data[k]));

    // W: column-major copy, W[j*m + i] = M_ij
    const W = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) W[j * m + i] = M.data[i * n + j]!;
    const jpvt = new Int32Array(n);
    for (let j = 0; j < n; j++) jpvt[j] = j;
    const vn1 = new Float64Array(n);
    const vn2 = new Float64Array(n);
    for (let j = 0; j < n; j++) vn1[j] = vn2[j] = norm2(W, j * m, j * m + m);
    const kmax = Math.min(m, n);
    const tau = new Float64Array(kmax);
    const tol3z = Math.sqrt(Number.EPSILON);

    // ---- 1. QR with column pivoting
    for (let i = 0; i < kmax; i++) {
      let p = i;
      for (let j = i + 1; j < n; j++) if (vn1[j]! > vn1[p]!) p = j;
      if (p !== i) {
        const oi = i * m;
        const op = p * m;
        for (let r = 0; r < m; r++) {
          const t = W[oi + r]!;
          W[oi + r] = W[op + r]!;
          W[op + r] = t;
        }
        const tj = jpvt[i]!;
        jpvt[i] = jpvt[p]!;
        jpvt[p] = tj;
        vn1[p] = vn1[i]!;
        vn2[p] = vn2[i]!;
      }
      const oi = i * m;
      const [t, beta, scale] = householder(W[oi + i]!, norm2(W, oi + i + 1, oi + m));
      tau[i] = t;
      W[oi + i] = beta;
      for (let r = i + 1; r < m; r++) W[oi + r] *= scale; // v below the diagonal, v_i = 1 implied
      if (t !== 0) {
        for (let j = i + 1; j < n; j++) {
          const oj = j * m;
          let w = W[oj + i]!;
          for (let r = i + 1; r < m; r++) w += W[oi + r]! * W[oj + r]!;
          w *= t;
          W[oj + i] -= w;
          for (let r = i + 1; r < m; r++) W[oj + r] -= w * W[oi + r]!;
        }
      }
      // downdate the partial column norms ‖W[i+1:m, j]‖
      for (let j = i + 1; j < n; j++) {
        if (vn1[j] === 0) continue;
        const ratio = Math.abs(W[j * m + i]!) / vn1[j]!;
        const temp = Math.max(0, 1 - ratio * ratio);
        const rel = vn1[j]! / vn2[j]!;
        if (temp * rel * rel <= tol3z) {
          vn1[j] = vn2[j] = norm2(W, j * m + i + 1, j * m + m);
        } else vn1[j] = vn1[j]! * Math.sqrt(temp);
      }
    }

    // ---- 2. numerical rank
    const r00 = kmax > 0 ? Math.abs(W[0]!) : 0;
    let rank = 0;
    while (rank < kmax && Math.abs(W[rank * m + rank]!) > tolRel * r00) rank++;

    // ---- 3. T: rows 0..rank-1 of R, row-major rank × n (columns ≥ rank are R12)
    const T = new Float64Array(rank * n);
    for (let i = 0; i < rank; i++) for (let j = i; j < n; j++) T[i * n + j] = W[j * m + i]!;
    const ztau = new Float64Array(rank);
    if (n > rank) {
      // row i (bottom-up): reflector on entries (i, i) and (i, rank..n-1); v stored in place of R12 row
      for (let i = rank - 1; i >= 0; i--) {
        const oi = i * n;
        const [t, beta, scale] = householder(T[oi + i]!, norm2(T, oi + rank, oi + n));
        ztau[i] = t;
        T[oi + i] = beta;
        for (let j = rank; j < n; j++) T[oi + j] *= scale;
        if (t === 0) continue;
        // apply from the right to rows l < i: row ← row − τ (row·v) vᵀ
        for (let l = 0; l < i; l++) {
          const ol = l * n;
          let w = T[ol + i]!;
          for (let j = rank; j < n; j++) w += T[ol + j]! * T[oi + j]!;
          w *= t;
          T[ol + i] -= w;
          for (let j = rank; j < n; j++) T[ol + j] -= w * T[oi + j]!;
        }
      }
    }
    return new DenseCod(m, n, rank, W, tau, jpvt, T, ztau);
  }

  /**
   * x = M⁺ b restricted to the numerical rank (minimum-norm least squares).
   *   b    length m, not modified (InputError if not finite)
   *   out  length n, overwritten (allocated when omitted)
   */
  solve(b: Float64Array, out?: Float64Array): Float64Array {
    const { nrows: m, ncols: n, rank, W, tau, jpvt, T, ztau } = this;
    checkLength('b', b, m, 'rows of M');
    for (let i = 0; i < m; i++) if (!Number.isFinite(b[i]!)) throw new InputError(`b[${i}]`, 'a finite number', String(b[i]));
    const x = out ?? new Float64Array(n);
    if (out) checkLength('out', out, n, 'columns of M');
    x.fill(0);
    if (rank === 0) return x;
    const kmax = Math.min(m, n);
    // c = Qᵀ b
    const c = b.slice();
    for (let i = 0; i < kmax; i++) {
      const t = tau[i]!;
      if (t === 0) continue;
      const oi = i * m;
      let w = c[i]!;
      for (let r = i + 1; r < m; r++) w += W[oi + r]! * c[r]!;
      w *= t;
      c[i] -= w;
      for (let r = i + 1; r < m; r++) c[r] -= w * W[oi + r]!;
    }
    // u = [T⁻¹ c_{0:r}; 0], w = Z u, x = P w
    const u = new Float64Array(n);
    for (let i = rank - 1; i >= 0; i--) {
      const oi = i * n;
      let s = c[i]!;
      for (let j = i + 1; j < rank; j++) s -= T[oi + j]! * u[j]!;
      u[i] = s / T[oi + i]!;
    }
    if (n > rank) {
      // Z = Z_{r-1} ⋯ Z_0 (Z_{r-1} applied first to R), so Z u applies Z_0 first
      for (let i = 0; i < rank; i++) {
        const t = ztau[i]!;
        if (t === 0) continue;
        const oi = i * n;
        let w = u[i]!;
        for (let j = rank; j < n; j++) w += T[oi + j]! * u[j]!;
        w *= t;
        u[i] -= w;
        for (let j = rank; j < n; j++) u[j] -= w * T[oi + j]!;
      }
    }
    for (let j = 0; j < n; j++) x[jpvt[j]!] = u[j]!;
    return x;
  }
}
