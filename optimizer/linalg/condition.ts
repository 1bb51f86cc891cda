/**
 * Condition estimation: a lower bound of ‖K⁻¹‖₁ from a few solves with K and Kᵀ (Hager's method
 * with Higham's alternating probe), so that cond₁(K) ≈ ‖K‖₁ · estimate without forming K⁻¹.
 * The one implementation of the estimator: the reduced-KKT factorization uses it to decide
 * whether K_J is singular, DenseLu.rcondEstimate for its reciprocal condition number.
 */

/**
 * ‖K⁻¹‖₁ estimate (Hager's method with Higham's alternating probe; a lower bound, usually within
 * a small factor): at most 5 sign-vector iterations, each one solve with K and one with Kᵀ, then
 * the alternating probe. `solve(x)` = K⁻¹x; `solveTranspose(x)` = K⁻ᵀx (default `solve`: K
 * symmetric). `probe`: also try a fixed pseudo-random ±1 vector (one more solve; catches a null
 * direction the structured probes are orthogonal to). Infinity when a solve is not finite.
 */
export function estimateInverseNorm1(
  solve: (x: Float64Array) => Float64Array,
  N: number,
  probe = false,
  solveTranspose: (x: Float64Array) => Float64Array = solve,
): number {
  if (N === 0) return 0;
  let x = new Float64Array(N).fill(1 / N);
  let est = 0;
  let lastJ = -1;
  for (let it = 0; it < 5; it++) {
    const y = solve(x);
    let ny = 0;
    for (let i = 0; i < N; i++) ny += Math.abs(y[i]!);
    if (!Number.isFinite(ny)) return Infinity;
    if (it > 0 && ny <= est) break;
    est = ny;
    const xi = new Float64Array(N);
    for (let i = 0; i < N; i++) xi[i] = y[i]! >= 0 ? 1 : -1;
    const zz = solveTranspose(xi);
    let j = 0;
    let zmax = -1;
    let ztx = 0;
    for (let i = 0; i < N; i++) {
      const a = Math.abs(zz[i]!);
      if (!Number.isFinite(a)) return Infinity;
      if (a > zmax) {
        zmax = a;
        j = i;
      }
      ztx += zz[i]! * x[i]!;
    }
    if (zmax <= ztx || j === lastJ) break;
    lastJ = j;
    x = new Float64Array(N);
    x[j] = 1;
  }
  const alt = new Float64Array(N);
  for (let i = 0; i < N; i++) alt[i] = (i % 2 === 0 ? 1 : -1) * (1 + (N > 1 ? i / (N - 1) : 0));
  const ya = solve(alt);
  let na = 0;
  for (let i = 0; i < N; i++) na += Math.abs(ya[i]!);
  if (!Number.isFinite(na)) return Infinity;
  est = Math.max(est, (2 * na) / (3 * N));
  if (probe) {
    // x_i = ±1 from a fixed linear congruential sequence: ‖K̃⁻¹x‖₁ / ‖x‖₁ is a lower bound too
    const xr = new Float64Array(N);
    let h = 0x2545f491;
    for (let i = 0; i < N; i++) {
      h = (Math.imul(h, 1103515245) + 12345) >>> 0;
      xr[i] = h & 0x10000 ? 1 : -1;
    }
    const yr = solve(xr);
    let nr = 0;
    for (let i = 0; i < N; i++) nr += Math.abs(yr[i]!);
    if (!Number.isFinite(nr)) return Infinity;
    est = Math.max(est, nr / N);
  }
  return est;
}
