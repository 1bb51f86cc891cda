/**
 * Least-squares solvers for singular or rank-deficient systems, used by the dQP layer at
 * non-differentiable points (a singular reduced KKT matrix).
 *
 *   denseLstsq(M, b, rcond?)              minimum-norm least squares, dense, any shape and rank
 *   symmetricMinres(apply, n, b, opts?)   MINRES for symmetric (indefinite, possibly singular)
 *                                         operators given as a matrix-vector product
 */
import { DimensionError, InputError } from '../errors.ts';
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
 * under-determined, rank deficient), by a complete orthogonal decomposition:
 *
 *   1. Householder QR with column pivoting (Businger–Golub; column norms downdated with the
 *      safeguarded formula of Drmač and Bujanović):  M P = Q R, |R_00| ≥ |R_11| ≥ …
 *   2. rank r = #{k : |R_kk| > rcond·|R_00|}; the trailing block R22 is treated as zero
 *   3. if r < n, the r × n trapezoid [R11 R12] is reduced to [T 0] by Householder reflections
 *      from the right, [R11 R12] = [T 0] Zᵀ (T upper triangular r × r)
 *   4. x = P Z [T⁻¹ (Qᵀb)_{0:r}; 0]
 *
 * Inputs (not modified): M (m × n, row-major), b (length m), rcond (default max(m, n)·ε; the
 * same default as numpy.linalg.lstsq). Cost O(mn·min(m, n)); a working copy of M is made in
 * column-major order so every reflector works on contiguous columns.
 */
export function denseLstsq(M: DenseMatrix, b: Float64Array, rcond?: number): LstsqResult {
  const m = M.nrows;
  const n = M.ncols;
  checkLength('b', b, m, 'rows of M');
  checkLength('M.data', M.data, m * n, 'nrows·ncols');
  const tolRel = rcond ?? Math.max(m, n) * EPS;
  if (!(tolRel >= 0)) throw new InputError('rcond', 'a number ≥ 0', String(rcond));
  for (let k = 0; k < m * n; k++)
    if (!Number.isFinite(M.data[k]!)) throw new InputError(`M[${Math.floor(k / n)}, ${k % n}]`, 'a finite number', String(M.data[k]));
  for (let i = 0; i < m; i++) if (!Number.isFinite(b[i]!)) throw new InputError(`b[${i}]`, 'a finite number', String(b[i]));

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
  const x = new Float64Array(n);
  if (rank === 0) return { x, rank };

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

  // ---- 3. T: rows 0..rank-1 of R, row-major rank × n (columns ≥ rank are R12)
  const T = new Float64Array(rank * n);
  for (let i = 0; i < rank; i++) for (let j = i; j < n; j++) T[i * n + j] = W[j * m + i]!;
  const nz = n - rank; // columns rank..n-1 to annihilate
  const ztau = new Float64Array(rank);
  if (nz > 0) {
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

  // ---- 4. u = [T⁻¹ c_{0:r}; 0], w = Z u, x = P w
  const u = new Float64Array(n);
  for (let i = rank - 1; i >= 0; i--) {
    const oi = i * n;
    let s = c[i]!;
    for (let j = i + 1; j < rank; j++) s -= T[oi + j]! * u[j]!;
    u[i] = s / T[oi + i]!;
  }
  if (nz > 0) {
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
  return { x, rank };
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
