/**
 * Least-squares solvers for singular or rank-deficient systems, used by the dQP layer at
 * non-differentiable points (a singular reduced KKT matrix).
 *
 *   denseLstsq(M, b, rcond?)              minimum-norm least squares, dense, any shape and rank
 *   DenseCod.factor(M, rcond?).solve(b)    the same with the factorization kept (many right-hand sides)
 *   symmetricMinres(apply, n, b, opts?)   MINRES for symmetric (indefinite, possibly singular)
 *                                         operators given as a matrix-vector product
 *   rangeRestrictedKrylov(applyB, b, opts) Krylov least squares on range(B) (see there)
 *   RegularizedLstsq                      minimum-norm least squares of a singular symmetric K
 *                                         whose null space is invariant under a signature S
 *                                         (KKT matrices), preconditioned by a factorization of
 *                                         the quasi-definite K + δS
 */
import { DimensionError, InputError, LinearAlgebraError } from '../errors.ts';
import type { DenseMatrix } from './types.ts';

const EPS = 2.220446049250313e-16;

function checkLength(name: string, v: ArrayLike<number>, expected: number, what: string): void {
  if (v.length !== expected) throw new DimensionError(name, `length ${expected} (${what})`, `length ${v.length}`);
}

function norm2(v: Float64Array, from = 0, to = v.length): number {
  // scaled to avoid overflow/underflow in the squares
  let scale = 0;
  for (let i = from; i < to; i++) scale = Math.max(scale, Math.abs(v[i]!));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = from; i < to; i++) {
    const t = v[i]! / scale;
    s += t * t;
  }
  return scale * Math.sqrt(s);
}

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
    const tolRel = rcond ?? Math.max(m, n) * EPS;
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
    const tol3z = Math.sqrt(EPS);

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

// ---------------------------------------------------------------------------------------------
// MINRES
// ---------------------------------------------------------------------------------------------

export interface MinresOptions {
  /** relative tolerance of both stopping tests (default 1e-10) */
  tol?: number;
  /** iteration limit (default max(2n, 50)) */
  maxIter?: number;
  /**
   * For an inconsistent system, remove the null-space component of the MINRES iterate so the
   * result is (approximately) the minimum-norm least-squares solution (default true).
   */
  minLength?: boolean;
}

/** Why MINRES stopped: see symmetricMinres. */
export type MinresStop = 'solved' | 'leastSquares' | 'breakdown' | 'maxIter';

export interface MinresResult {
  /** length n: the solution estimate */
  x: Float64Array;
  /** Lanczos iterations performed (= operator applications, plus 2–3 for the final report) */
  iterations: number;
  /** ‖b − K x‖₂, recomputed from x at the end */
  residual: number;
  /** ‖K (b − K x)‖₂, recomputed at the end: zero at any least-squares solution */
  normalResidual: number;
  /** a stopping test was met: ‖r‖ ≤ tol·(‖K‖‖x‖ + ‖b‖), or ‖K r‖ ≤ tol·‖K‖‖r‖, or Lanczos breakdown */
  converged: boolean;
  /** converged as a least-squares solution with a residual that is not small: K x = b has no solution */
  inconsistent: boolean;
  /** the stopping test that fired */
  stop: MinresStop;
}

/**
 * MINRES (Paige & Saunders 1975) for K x = b with K symmetric n × n, possibly indefinite and
 * singular, given only as `apply(x, y)`: y ← K x (x: length n, must not be modified; y: length
 * n, overwritten). b: length n, not modified.
 *
 * Iterate x_k minimizes ‖b − K x‖₂ over the Krylov space K_k(K, b) = span{b, Kb, …}, built by
 * Lanczos and a QR factorization of the tridiagonal T_k updated by Givens rotations. x₀ = 0.
 *
 * What it returns:
 *   - K nonsingular: the solution.
 *   - K singular, b ∈ range(K) (consistent): the MINIMUM-NORM solution, because every Krylov
 *     vector lies in range(K) (exact arithmetic; round-off adds components of size ε·‖x‖).
 *   - inconsistent: MINRES converges to A least-squares solution (‖K r‖ → 0) whose null-space
 *     component is c·b_N (b_N = projection of b on null(K) — the only null-space content of the
 *     Krylov space). At such a point r ≈ b_N, so with `minLength` (default) the component along
 *     r is removed: x ← x − (xᵀr / rᵀr) r, which yields the minimum-norm least-squares solution
 *     (what MINRES-QLP computes) up to the accuracy of r ≈ b_N. `inconsistent` reports it.
 *
 * Stopping (tol relative; ‖K‖ estimated by the Frobenius norm of T_k):
 *   ‖r_k‖ ≤ tol·(‖K‖‖x_k‖ + ‖b‖)   — solved;
 *   ‖K r_{k−1}‖ ≤ tol·‖K‖‖r_{k−1}‖   — least-squares solution;
 *   Lanczos breakdown β_{k+1} = 0    — the Krylov space is invariant: x_k is exact (LS) there.
 */
export function symmetricMinres(
  apply: (x: Float64Array, y: Float64Array) => void,
  n: number,
  b: Float64Array,
  opts: MinresOptions = {},
): MinresResult {
  if (!Number.isInteger(n) || n < 0) throw new InputError('n', 'a non-negative integer', String(n));
  checkLength('b', b, n, 'n');
  const tol = opts.tol ?? 1e-10;
  const maxIter = opts.maxIter ?? Math.max(2 * n, 50);
  if (!(tol > 0)) throw new InputError('tol', 'a number > 0', String(tol));
  if (!Number.isInteger(maxIter) || maxIter < 0) throw new InputError('maxIter', 'a non-negative integer', String(maxIter));
  for (let i = 0; i < n; i++) if (!Number.isFinite(b[i]!)) throw new InputError(`b[${i}]`, 'a finite number', String(b[i]));

  const x = new Float64Array(n);
  const beta1 = norm2(b);
  if (beta1 === 0) return { x, iterations: 0, residual: 0, normalResidual: 0, converged: true, inconsistent: false, stop: 'solved' };

  let vPrev = new Float64Array(n); // v_{k-1}
  let v = new Float64Array(n); // v_k
  for (let i = 0; i < n; i++) v[i] = b[i]! / beta1;
  let p = new Float64Array(n);
  let wPrev2 = new Float64Array(n); // w_{k-2}
  let wPrev = new Float64Array(n); // w_{k-1}
  let w = new Float64Array(n);

  let betaK = beta1; // β_k (couples v_{k-1} and v_k); β_1 multiplies v_0 = 0
  let cs = -1;
  let sn = 0;
  let dbar = 0;
  let epsln = 0;
  let phibar = beta1;
  let tnorm2 = 0;
  let stop: MinresStop = 'maxIter';
  let it = 0;

  while (it < maxIter) {
    it++;
    // --- Lanczos step: β_{k+1} v_{k+1} = K v_k − α_k v_k − β_k v_{k−1}
    apply(v, p);
    let alpha = 0;
    for (let i = 0; i < n; i++) alpha += v[i]! * p[i]!;
    const bPrev = it === 1 ? 0 : betaK;
    for (let i = 0; i < n; i++) p[i] = p[i]! - alpha * v[i]! - bPrev * vPrev[i]!;
    // one step of local re-orthogonalization against v_k keeps α accurate
    let corr = 0;
    for (let i = 0; i < n; i++) corr += v[i]! * p[i]!;
    if (corr !== 0) {
      for (let i = 0; i < n; i++) p[i] -= corr * v[i]!;
      alpha += corr;
    }
    const betaNext = norm2(p);
    if (!Number.isFinite(alpha) || !Number.isFinite(betaNext))
      throw new InputError('apply', 'an operator returning finite values', 'NaN or Infinity in K·v');

    // --- apply the previous rotation to column k of T_k, then make the new one
    const oldeps = epsln;
    const delta = cs * dbar + sn * alpha;
    const gbar = sn * dbar - cs * alpha;
    epsln = sn * betaNext;
    dbar = -cs * betaNext;
    const root = Math.hypot(gbar, dbar); // ‖K r_{k−1}‖ / ‖r_{k−1}‖
    tnorm2 += alpha * alpha + bPrev * bPrev + betaNext * betaNext;
    const anorm = Math.sqrt(tnorm2);
    const gamma = Math.hypot(gbar, betaNext);
    if (root <= tol * anorm) {
      // x_{k−1} is already a least-squares solution (‖K r‖ small relative to ‖K‖‖r‖)
      stop = 'leastSquares';
      break;
    }
    if (gamma === 0) {
      // T_k singular and β_{k+1} = 0: invariant Krylov space, no further decrease possible
      stop = 'breakdown';
      break;
    }
    cs = gbar / gamma;
    sn = betaNext / gamma;
    const phi = cs * phibar;
    phibar = sn * phibar; // = ‖r_k‖

    // --- search direction and update: w_k = (v_k − ε_k w_{k−2} − δ_k w_{k−1}) / γ_k
    const ig = 1 / gamma;
    for (let i = 0; i < n; i++) {
      const wi = (v[i]! - oldeps * wPrev2[i]! - delta * wPrev[i]!) * ig;
      w[i] = wi;
      x[i] += phi * wi;
    }
    const t = wPrev2;
    wPrev2 = wPrev;
    wPrev = w;
    w = t;

    // --- next Lanczos vector
    if (betaNext === 0) {
      stop = 'breakdown';
      break;
    }
    const tv = vPrev;
    vPrev = v;
    v = p;
    p = tv;
    for (let i = 0; i < n; i++) v[i] = v[i]! / betaNext;
    betaK = betaNext;

    const xnorm = norm2(x);
    if (phibar <= tol * (anorm * xnorm + beta1)) {
      stop = 'solved';
      break;
    }
  }

  // --- final report from x itself
  const kx = new Float64Array(n);
  const r = new Float64Array(n);
  const kr = new Float64Array(n);
  const residuals = (): [number, number] => {
    apply(x, kx);
    for (let i = 0; i < n; i++) r[i] = b[i]! - kx[i]!;
    apply(r, kr);
    return [norm2(r), norm2(kr)];
  };
  let [res, nres] = residuals();
  const anormEst = Math.sqrt(tnorm2);
  const xn = norm2(x);
  // inconsistent: stopped as a least-squares point (or breakdown) with a residual well above
  // the consistent-system tolerance; decided by the stopping reason, never by a noisy r alone
  const inconsistent = (stop === 'leastSquares' || stop === 'breakdown') && res > 10 * tol * (anormEst * xn + beta1);
  if (inconsistent && (opts.minLength ?? true) && res > 0) {
    let xr = 0;
    for (let i = 0; i < n; i++) xr += x[i]! * r[i]!;
    const coef = xr / (res * res);
    for (let i = 0; i < n; i++) x[i] -= coef * r[i]!;
    [res, nres] = residuals();
  }
  return { x, iterations: it, residual: res, normalResidual: nres, converged: stop !== 'maxIter', inconsistent, stop };
}

// ---------------------------------------------------------------------------------------------
// Range-restricted Krylov least squares
// ---------------------------------------------------------------------------------------------

/** What a RangeKrylov check reports for an iterate: stop now, and a score (smaller is better). */
export interface KrylovCheck {
  readonly stop: boolean;
  readonly score: number;
}

export interface RangeKrylovOptions {
  /** iteration limit (Arnoldi vectors kept: maxIter + 2 of length n); default 100 */
  maxIter?: number;
  /** stop after this many iterations without halving the best score (default 20) */
  window?: number;
  /**
   * columns of the projected problem whose QR pivot is below truncation·(largest pivot) are
   * dropped (default 1e-10): Krylov vectors made of rounding noise in null(B) never get a large
   * coefficient
   */
  truncation?: number;
  /**
   * called for an iterate: u (length n) and r = b − B u (length n, from the Arnoldi relation);
   * not to be modified. Not every iterate is checked (forming u and r costs O(n·k)): the first
   * three, then whenever ‖B r‖ (known from the projected problem) fell 4× since the last check,
   * at least every 4th, and the last one.
   */
  check: (u: Float64Array, r: Float64Array) => KrylovCheck;
}

/** Why rangeRestrictedKrylov stopped. */
export type RangeKrylovStop = 'converged' | 'stagnated' | 'breakdown' | 'maxIter' | 'zero';

export interface RangeKrylovResult {
  /** length n: the iterate returned (the converged one, or the best by score) */
  readonly u: Float64Array;
  /** length n: b − B u */
  readonly r: Float64Array;
  /** Arnoldi steps (applications of B, plus the one for Bb) */
  readonly applications: number;
  readonly stop: RangeKrylovStop;
  /** score of the returned iterate (Infinity when no check ran) */
  readonly score: number;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * min ‖rhs − G y‖₂ for a small dense G (m × k, given by columns of length ≤ m; missing entries
 * are zero) by Householder QR; a column whose remaining norm is ≤ truncation·(largest pivot so
 * far) is dropped (its y entry is 0). rhs (length m) is not modified. Returns y (length k) and
 * the residual norm.
 */
function smallTruncatedLs(G: readonly Float64Array[], m: number, rhs: Float64Array, truncation: number): { y: Float64Array; residual: number } {
  const k = G.length;
  const A = G.map((c) => {
    const a = new Float64Array(m);
    a.set(c.length > m ? c.subarray(0, m) : c);
    return a;
  });
  const b = rhs.slice(0, m);
  const kept: number[] = [];
  const vs: Float64Array[] = [];
  const betas: number[] = [];
  let pmax = 0;
  for (let j = 0; j < k; j++) {
    const a = A[j]!;
    // apply the reflectors made so far
    for (let q = 0; q < vs.length; q++) {
      const v = vs[q]!;
      let d = 0;
      for (let i = q; i < m; i++) d += v[i]! * a[i]!;
      d *= betas[q]!;
      for (let i = q; i < m; i++) a[i] -= d * v[i]!;
    }
    const p = vs.length;
    const nr = norm2(a, p, m);
    if (!(nr > truncation * pmax) || nr === 0) continue;
    pmax = Math.max(pmax, nr);
    const alpha = a[p]! >= 0 ? -nr : nr;
    const v = new Float64Array(m);
    for (let i = p; i < m; i++) v[i] = a[i]!;
    v[p] -= alpha;
    let vv = 0;
    for (let i = p; i < m; i++) vv += v[i]! * v[i]!;
    const beta = vv > 0 ? 2 / vv : 0;
    vs.push(v);
    betas.push(beta);
    kept.push(j);
    // R entries of the kept column: rows < p as computed, row p = alpha
    a[p] = alpha;
    for (let i = p + 1; i < m; i++) a[i] = 0;
    let d = 0;
    for (let i = p; i < m; i++) d += v[i]! * b[i]!;
    d *= beta;
    for (let i = p; i < m; i++) b[i] -= d * v[i]!;
  }
  // back substitution over the kept columns (reflectors made after a column act only on rows
  // below its pivot row, where it is zero: its R entries are final)
  const y = new Float64Array(k);
  for (let t = kept.length - 1; t >= 0; t--) {
    const j = kept[t]!;
    let s = b[t]!;
    for (let u = t + 1; u < kept.length; u++) s -= A[kept[u]!]![t]! * y[kept[u]!]!;
    y[j] = s / A[j]![t]!;
  }
  // ‖rhs − G y‖ = ‖(Qᵀ rhs) below the kept rows‖
  return { y, residual: norm2(b, kept.length, m) };
}

/**
 * Least squares restricted to the range of an operator B (n × n, given as applyB(x, y): y ← B x,
 * x not modified):
 *
 *   u_k = argmin { ‖B (b − B u)‖₂ : u ∈ span{Bb, B²b, …, Bᵏb} }.
 *
 * Arnoldi on B from v₁ = Bb / β, β = ‖Bb‖ (modified Gram–Schmidt, twice): B V_k = V_{k+1} H̄_k,
 * so B(b − B V_k y) = V_{k+2}(β e₁ − H̄_{k+1} H̄_k y) and y solves a (k+2) × k least-squares
 * problem (Householder QR, truncated: see `truncation`); r = b − B u = b − V_{k+1} H̄_k y.
 *
 * Why this form: when B is range-symmetric (null(B) = null(Bᵀ), e.g. B symmetric, or B = M⁻¹K
 * below), every iterate lies in range(B) and the limit is the minimum-norm least-squares
 * solution u = B⁺b (B u = the projection of b on range(B)). Weighting the residual by B makes the
 * projected problem blind to the component of b in null(Bᵀ), so an inconsistent b does not make
 * it ill-conditioned (as it does for GMRES on an inconsistent singular system, Brown & Walker
 * 1997; this is RRGMRES of Calvetti, Lewis & Reichel with a B-weighted residual).
 *
 * Stopping is the caller's (`check`; see RangeKrylovOptions for which iterates); without
 * convergence the iterate with the best score is returned (a new best must halve the score,
 * which favours early iterates once rounding noise dominates). b (length n) is not modified.
 */
export function rangeRestrictedKrylov(applyB: (x: Float64Array, y: Float64Array) => void, b: Float64Array, opts: RangeKrylovOptions): RangeKrylovResult {
  const n = b.length;
  const maxIter = opts.maxIter ?? 100;
  const window = opts.window ?? 20;
  const truncation = opts.truncation ?? 1e-10;
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new InputError('maxIter', 'an integer ≥ 1', String(maxIter));
  const V: Float64Array[] = [];
  const H: Float64Array[] = []; // column j has length j + 2
  let w = new Float64Array(n);
  applyB(b, w);
  let applications = 1;
  const beta = norm2(w);
  if (!Number.isFinite(beta)) throw new InputError('applyB', 'an operator returning finite values', 'NaN or Infinity in B·b');
  if (beta === 0) return { u: new Float64Array(n), r: b.slice(), applications, stop: 'zero', score: Infinity };
  for (let i = 0; i < n; i++) w[i] = w[i]! / beta;
  V.push(w);
  let hmax = 0;
  const arnoldi = (k: number): number => {
    const y = new Float64Array(n);
    applyB(V[k]!, y);
    applications++;
    const h = new Float64Array(k + 2);
    // modified Gram–Schmidt, repeated when it cancelled most of y (Daniel–Gragg–Kaufman–Stewart)
    const y0 = norm2(y);
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j <= k; j++) {
        const vj = V[j]!;
        const d = dot(y, vj);
        h[j] += d;
        for (let i = 0; i < n; i++) y[i] -= d * vj[i]!;
      }
      if (pass === 0 && norm2(y) > 0.7 * y0) break;
    }
    const hn = norm2(y);
    if (!Number.isFinite(hn) || !Number.isFinite(y0)) throw new InputError('applyB', 'an operator returning finite values', 'NaN or Infinity in B·v');
    h[k + 1] = hn;
    for (let j = 0; j <= k + 1; j++) hmax = Math.max(hmax, Math.abs(h[j]!));
    H.push(h);
    if (hn > 0) for (let i = 0; i < n; i++) y[i] = y[i]! / hn;
    V.push(y);
    return hn;
  };
  arnoldi(0);
  let best: { u: Float64Array; r: Float64Array; score: number } | null = null;
  let since = 0;
  let stop: RangeKrylovStop = 'maxIter';
  let last: { u: Float64Array; r: Float64Array; score: number } | null = null;
  // the projected problem of the first c Arnoldi vectors (needs H columns 0..c: G = H̄_{c+1} H̄_c):
  // coefficients y and ‖B(b − B u)‖ = ‖β e₁ − G y‖
  const project = (c: number): { y: Float64Array; residual: number } => {
    // G = H̄_{c+1} H̄_c ((c+2) × c): column j = Σ_i H[j][i] · (column i of H̄)
    const G: Float64Array[] = [];
    for (let j = 0; j < c; j++) {
      const g = new Float64Array(c + 2);
      const hj = H[j]!;
      for (let i = 0; i <= j + 1; i++) {
        const f = hj[i]!;
        if (f === 0) continue;
        const hi = H[i]!;
        for (let t = 0; t < hi.length; t++) g[t] += f * hi[t]!;
      }
      G.push(g);
    }
    const rhs = new Float64Array(c + 2);
    rhs[0] = beta;
    return smallTruncatedLs(G, c + 2, rhs, truncation);
  };
  // u = V_c y and r = b − V_{c+1} H̄_c y
  const iterate = (c: number, y: Float64Array): { u: Float64Array; r: Float64Array } => {
    const u = new Float64Array(n);
    for (let j = 0; j < c; j++) {
      const yj = y[j]!;
      if (yj === 0) continue;
      const vj = V[j]!;
      for (let i = 0; i < n; i++) u[i] += yj * vj[i]!;
    }
    const hy = new Float64Array(c + 1);
    for (let j = 0; j < c; j++) {
      const hc = H[j]!;
      const yj = y[j]!;
      for (let i = 0; i <= j + 1; i++) hy[i] += hc[i]! * yj;
    }
    const r = b.slice();
    for (let i = 0; i <= c; i++) {
      const f = hy[i]!;
      if (f === 0) continue;
      const vi = V[i]!;
      for (let t = 0; t < n; t++) r[t] -= f * vi[t]!;
    }
    return { u, r };
  };
  // the caller's check costs O(n·k) (forming u and r) plus its own work: it runs on the first
  // iterations, whenever the projected residual fell 4× since the last check, at least every
  // CHECK_EVERY iterations, and at the end
  const CHECK_EVERY = 4;
  let lastCheck = 0;
  let rhoChecked = Infinity;
  for (let k = 1; k <= maxIter; k++) {
    const hn = arnoldi(k);
    // breakdown: span(v_0..v_k) is invariant (B v_k has no new direction): the last column's
    // subdiagonal is dropped and the iterate uses all k + 1 vectors, exact within that space
    const broke = hn <= 1e-12 * hmax;
    if (broke) H[k]![k + 1] = 0;
    const c = broke ? k + 1 : k;
    const proj = project(c);
    const final = broke || k === maxIter;
    if (!(final || k <= 3 || proj.residual <= 0.25 * rhoChecked || k - lastCheck >= CHECK_EVERY)) continue;
    lastCheck = k;
    rhoChecked = proj.residual;
    const it = iterate(c, proj.y);
    const st = opts.check(it.u, it.r);
    last = { u: it.u, r: it.r, score: st.score };
    if (st.stop) return { u: it.u, r: it.r, applications, stop: 'converged', score: st.score };
    if (best === null || st.score < 0.5 * best.score) {
      best = last;
      since = k;
    }
    if (broke) {
      stop = 'breakdown';
      break;
    }
    if (k - since >= window) {
      stop = 'stagnated';
      break;
    }
  }
  const out = best !== null && last !== null && last.score < best.score ? last : best!;
  return { u: out.u, r: out.r, applications, stop, score: out.score };
}

// ---------------------------------------------------------------------------------------------
// Minimum-norm least squares of a singular symmetric K through a quasi-definite regularization
// ---------------------------------------------------------------------------------------------

export interface RegularizedLstsqOptions {
  /** δ > 0 of M = K + δS (the factorization behind solveM must be of this M) */
  delta: number;
  /** iteration limit of each Krylov pass (default min(150, max(30, ⌊1.5·10⁷ / n⌋)): memory ≈ (limit + 2)·n doubles) */
  maxIter?: number;
  /** a pass stops after this many iterations without halving its best score (default 20) */
  window?: number;
}

export interface RegularizedLstsqResult {
  /** length n: the solution (see RegularizedLstsq) */
  readonly x: Float64Array;
  /** applications of B = M⁻¹K, over both passes */
  readonly applications: number;
  /** both passes met their tolerance (otherwise the best iterates are returned) */
  readonly converged: boolean;
  /** ‖g − K x‖₂ and ‖K(g − K x)‖₂, recomputed from x */
  readonly residual: number;
  readonly normalResidual: number;
  /** ‖r₁‖₂ / ‖g‖₂ of pass 1: the fraction of g outside range(K) (0 when pass 1 was skipped) */
  readonly nullFraction: number;
}

/** relative least-squares tolerance ‖K r‖ ≤ τ‖K‖‖r‖ of both passes */
export const REGULARIZED_LS_TOL = 1e-10;
/** absolute tolerance of pass 1: ‖K r₁‖ ≤ τ ‖K‖ ‖g‖ also stops */
export const REGULARIZED_ABS_TOL = 1e-13;

/**
 * Minimum-norm least-squares solutions x = K⁺g of a symmetric, possibly singular n × n K whose
 * null space N is invariant under a signature S = diag(s), s_i = ±1 (SN = N) — the case of the
 * KKT matrix [P Bᵀ; B 0] of a convex QP (P ⪰ 0), S = diag(I, −I): N = (null P ∩ null B) ×
 * null Bᵀ. Inputs, all kept by reference:
 *   applyK(x, y)   y ← K x (x length n, not modified)
 *   solveM(b)      ≈ M⁻¹ b for M = K + δS (e.g. an LDLᵀ of the quasi-definite M) in a NEW array
 *                  (modified by the caller); b not modified. With δ at the unit scale of K
 *                  (max |K_ij| ≈ 1).
 *                  Every use is refined against M itself (up to 6 steps), so a factorization that
 *                  met a few tiny pivots still acts as the exact M⁻¹ — provided the refinement
 *                  contracts well (refinementRate() ≲ 1e-2; the growth of an LDLᵀ of M is
 *                  ~‖K‖/δ, so δ must not be too small for the matrix: the caller picks δ).
 *   signs          s (length n), normK  ‖K‖∞ (a scale for the tolerances)
 *
 * Facts used (exact arithmetic): for v ∈ N, M v = δ S v ∈ N, so M⁻¹ maps N to N (as S/δ) and the
 * orthogonal complement range(K) to itself. Hence B = M⁻¹K has null(B) = null(Bᵀ) = N and
 * range(B) = range(K): B is range-symmetric, its eigenvalues on range(K) are λ/(λ + δ) for the
 * eigenvalues λ of S K there (Re λ ≥ 0), i.e. clustered at 1 when δ is below the smallest
 * nonzero |λ|, and K x = g has the same least-squares solutions as B x = M⁻¹g.
 *
 * Two passes of rangeRestrictedKrylov on B:
 *   1. B u = g → r₁ = g − B u ≈ g_N, the component of g in N (the least-squares residual of
 *      K x = g); skipped when the caller knows K is nonsingular (g_N = 0).
 *   2. B x = M⁻¹ h with h = g − r₁ ≈ g_R ∈ range(K): x ∈ range(B) = range(K) solves K x = g_R,
 *      so x = K⁺g, the MINIMUM-NORM least-squares solution.
 * Why two passes: a solve with M amplifies the N-component of its right-hand side by 1/δ;
 * applying M⁻¹ to g itself would put ‖g_N‖/δ in the iterates, and rounding of that size in the
 * range. Pass 1 only applies M⁻¹ after K (K v has an N-component at rounding level), so r₁ is
 * accurate, and h carries only a rounding-level N-component, which pass 2 (again K first)
 * never amplifies twice.
 *
 * Stopping (K r computed exactly: the rounding noise that B leaves in N is annihilated by K):
 *   pass 1, r = g − B u:  ‖K r‖ ≤ τ ‖K‖ min(‖r‖, ‖g‖) + τ_abs ‖K‖ ‖g‖
 *   pass 2, r = h − K x:  ‖K r‖ ≤ τ ‖K‖ min(‖r‖, ‖h‖) + 64 ε ‖K‖ (‖K‖ ‖x‖ + ‖h‖)
 * (τ = REGULARIZED_LS_TOL, τ_abs = REGULARIZED_ABS_TOL), else after `window` iterations without
 * progress or `maxIter`, with the best iterate (converged = false).
 *
 * Accuracy: about ε‖K‖/δ relative to ‖x‖ (times the growth of the factorization), plus the usual
 * least-squares conditioning (ε κ² for inconsistent g). What counts as null: the least-squares
 * test accepts a residual r whose ‖K r‖ is below τ‖K‖‖r‖, so eigen-components of K with
 * |λ| ≲ τ‖K‖ = 1e-10‖K‖ that the Krylov passes have not resolved are treated as null (the dense
 * complete orthogonal decomposition of the dQP layer cuts at 1e-12 instead). When K has a gap
 * between its null space and the rest of its spectrum (most KKT matrices at degenerate points:
 * dependent rows, free variables) the result is K⁺g to ~1e-7..1e-11 (Maros–Meszaros K_J, N ≈
 * 900–2500, against the dense decomposition); when eigenvalues spread continuously through
 * 1e-12..1e-8 (ill-conditioned K) the two regularizations differ and so do the answers.
 */
export class RegularizedLstsq {
  readonly n: number;
  private readonly delta: number;
  private readonly maxIter: number;
  private readonly window: number;
  /** B = M⁻¹K applications and M solves, over the object's life (for reports) */
  applications = 0;
  solves = 0;

  constructor(
    n: number,
    private readonly applyK: (x: Float64Array, y: Float64Array) => void,
    private readonly solveM: (b: Float64Array) => Float64Array,
    private readonly signs: Int8Array,
    private readonly normK: number,
    opts: RegularizedLstsqOptions,
  ) {
    if (!Number.isInteger(n) || n < 0) throw new InputError('n', 'a non-negative integer', String(n));
    checkLength('signs', signs, n, 'n');
    if (!(opts.delta > 0 && Number.isFinite(opts.delta))) throw new InputError('delta', 'a finite number > 0', String(opts.delta));
    if (!(normK >= 0 && Number.isFinite(normK))) throw new InputError('normK', 'a finite number ≥ 0', String(normK));
    this.n = n;
    this.delta = opts.delta;
    this.maxIter = opts.maxIter ?? Math.min(150, Math.max(30, Math.floor(1.5e7 / Math.max(1, n))));
    this.window = opts.window ?? 20;
  }

  /** x ≈ M⁻¹ b, refined against M = K + δS (at most 6 steps, while the residual halves). */
  private solveRefined(b: Float64Array): Float64Array {
    const n = this.n;
    const { delta, signs } = this;
    let x = this.solveM(b);
    this.solves++;
    checkLength('solveM(b)', x, n, 'n');
    const r = new Float64Array(n);
    const residual = (v: Float64Array): number => {
      this.applyK(v, r);
      let m = 0;
      for (let i = 0; i < n; i++) {
        const t = b[i]! - r[i]! - delta * signs[i]! * v[i]!;
        r[i] = t;
        m = Math.max(m, Math.abs(t));
      }
      return m;
    };
    let bn = 0;
    for (let i = 0; i < n; i++) bn = Math.max(bn, Math.abs(b[i]!));
    const normM = this.normK + delta;
    let res = residual(x);
    if (!Number.isFinite(res)) throw new LinearAlgebraError('the regularized factorization produced a non-finite solution');
    for (let step = 0; step < 6; step++) {
      let xn = 0;
      for (let i = 0; i < n; i++) xn = Math.max(xn, Math.abs(x[i]!));
      if (res <= 4 * EPS * (normM * xn + bn)) break;
      const dx = this.solveM(r);
      this.solves++;
      const next = new Float64Array(n);
      for (let i = 0; i < n; i++) next[i] = x[i]! + dx[i]!;
      const rn = residual(next);
      if (!(rn < 0.5 * res)) {
        if (rn < res) x = next;
        break;
      }
      x = next;
      res = rn;
    }
    return x;
  }

  /**
   * How well the refinement against M converges with this factorization: for a fixed generic b,
   * ‖r₂‖∞ / ‖r₁‖∞ where r₁, r₂ are the residuals b − M x after the plain solve and after one
   * refinement step; 0 when r₂ is at the rounding level 64ε(‖M‖∞‖x‖∞ + ‖b‖∞) (nothing left to
   * refine). Above ~1e-2 the factorization is too inaccurate for this δ (the growth of an LDLᵀ of
   * M is up to ~‖K‖/δ): use a larger δ.
   */
  refinementRate(): number {
    const n = this.n;
    if (n === 0) return 0;
    const b = new Float64Array(n);
    let h = 0x5bd1e995;
    for (let i = 0; i < n; i++) {
      h = (Math.imul(h, 1664525) + 1013904223) >>> 0;
      b[i] = (h & 0x10000 ? 1 : -1) * (1 + (h >>> 20) / 4096);
    }
    let bn = 0;
    for (let i = 0; i < n; i++) bn = Math.max(bn, Math.abs(b[i]!));
    const normM = this.normK + this.delta;
    const r = new Float64Array(n);
    const resid = (x: Float64Array): number => {
      this.applyK(x, r);
      let m = 0;
      for (let i = 0; i < n; i++) {
        r[i] = b[i]! - r[i]! - this.delta * this.signs[i]! * x[i]!;
        m = Math.max(m, Math.abs(r[i]!));
      }
      return m;
    };
    const floor = (x: Float64Array): number => {
      let xn = 0;
      for (let i = 0; i < n; i++) xn = Math.max(xn, Math.abs(x[i]!));
      return 64 * EPS * (normM * xn + bn);
    };
    const x = this.solveM(b);
    const r1 = resid(x);
    if (!Number.isFinite(r1)) return Infinity;
    if (r1 <= floor(x)) return 0;
    const dx = this.solveM(r);
    for (let i = 0; i < n; i++) x[i] += dx[i]!;
    const r2 = resid(x);
    if (!Number.isFinite(r2)) return Infinity;
    return r2 <= floor(x) ? 0 : r2 / r1;
  }

  /** y ← B x = M⁻¹ K x */
  private applyB = (x: Float64Array, y: Float64Array): void => {
    const kx = new Float64Array(this.n);
    this.applyK(x, kx);
    y.set(this.solveRefined(kx));
    this.applications++;
  };

  /**
   * Pass 1 alone: the component of g (length n, not modified) outside range(K).
   * Returns r₁ ≈ g_N (length n), its relative size ‖r₁‖/‖g‖ and whether the pass converged.
   * A probe with a generic g tells whether K is singular: K nonsingular ⇔ g_N = 0.
   */
  nullComponent(g: Float64Array): { r: Float64Array; fraction: number; converged: boolean; applications: number } {
    const n = this.n;
    checkLength('g', g, n, 'n');
    const gn = norm2(g);
    if (gn === 0) return { r: new Float64Array(n), fraction: 0, converged: true, applications: 0 };
    const kr = new Float64Array(n);
    const normK = this.normK;
    const out = rangeRestrictedKrylov(this.applyB, g, {
      maxIter: this.maxIter,
      window: this.window,
      check: (_u, r) => {
        this.applyK(r, kr);
        const s = norm2(kr);
        return { stop: s <= REGULARIZED_LS_TOL * normK * Math.min(norm2(r), gn) + REGULARIZED_ABS_TOL * normK * gn, score: s };
      },
    });
    const converged = out.stop === 'converged' || out.stop === 'zero' || out.stop === 'breakdown';
    return { r: out.r, fraction: norm2(out.r) / gn, converged, applications: out.applications };
  }

  /**
   * The minimum-norm least-squares solution of K x = g (g length n, not modified).
   * consistent: the caller knows g ∈ range(K) (e.g. K nonsingular): pass 1 is skipped.
   */
  solve(g: Float64Array, consistent = false): RegularizedLstsqResult {
    const n = this.n;
    checkLength('g', g, n, 'n');
    for (let i = 0; i < n; i++) if (!Number.isFinite(g[i]!)) throw new InputError(`g[${i}]`, 'a finite number', String(g[i]));
    const a0 = this.applications;
    let h = g;
    let converged = true;
    let nullFraction = 0;
    if (!consistent) {
      const p1 = this.nullComponent(g);
      converged = p1.converged;
      nullFraction = p1.fraction;
      h = new Float64Array(n);
      for (let i = 0; i < n; i++) h[i] = g[i]! - p1.r[i]!;
    }
    const hn = norm2(h);
    let x: Float64Array = new Float64Array(n);
    if (hn > 0) {
      const c = this.solveRefined(h);
      const normK = this.normK;
      const kx = new Float64Array(n);
      const r = new Float64Array(n);
      const out = rangeRestrictedKrylov(this.applyB, c, {
        maxIter: this.maxIter,
        window: this.window,
        check: (u) => {
          this.applyK(u, kx);
          for (let i = 0; i < n; i++) r[i] = h[i]! - kx[i]!;
          this.applyK(r, kx);
          const s = norm2(kx);
          const tol = REGULARIZED_LS_TOL * normK * Math.min(norm2(r), hn) + 64 * EPS * normK * (normK * norm2(u) + hn);
          return { stop: s <= tol, score: s };
        },
      });
      x = out.u;
      converged &&= out.stop === 'converged' || out.stop === 'zero' || out.stop === 'breakdown';
    }
    for (let i = 0; i < n; i++) if (!Number.isFinite(x[i]!)) throw new LinearAlgebraError('regularized least squares produced a non-finite value');
    const kx = new Float64Array(n);
    this.applyK(x, kx);
    const r = new Float64Array(n);
    for (let i = 0; i < n; i++) r[i] = g[i]! - kx[i]!;
    this.applyK(r, kx);
    return { x, applications: this.applications - a0, converged, residual: norm2(r), normalResidual: norm2(kx), nullFraction };
  }
}
