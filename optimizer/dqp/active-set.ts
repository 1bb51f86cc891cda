/**
 * The active set (docs/dqp-layer.md, Algorithm 1 step 2), over the inequality rows of
 * optimizer/qp/inequality-rows.ts (rows of C, then m + i for lb_i, m + n + i for ub_i).
 *
 * Active set by hard threshold on the primal residual r = (row value) − (right-hand side):
 *
 *   J = { j : s_j · r_j ≥ −ε_J }       (violated rows count as active)
 *
 * where s_j = 1, or the row scale of normalize.ts when rows are normalized (then s_j r_j is
 * the signed distance of z to the hyperplane of row j).
 */
/**
 * J = { j : scale_j · r_j ≥ −epsActive }, ascending.
 *   r          length total, residuals from InequalityRows.residuals
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
