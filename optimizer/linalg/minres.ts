/**
 * MINRES for symmetric (indefinite, possibly singular) operators given as a matrix-vector
 * product: symmetricMinres(apply, n, b, opts?).
 */
import { InputError } from '../errors.ts';
import { checkLength } from './check.ts';
import { norm2 } from './vec.ts';

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
