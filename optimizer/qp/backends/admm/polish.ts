/**
 * Solution polishing (OSQP paper §4.2), extended with active-set correction passes.
 *
 * Guess of the active set from the ADMM iterate (scaled z, y):
 *   lower-active  L = { i : z_i − l_i < −y_i },   upper-active  U = { i : u_i − z_i < y_i },
 * and every equality row (l_i = u_i) is active. With J = L ∪ U and targets t_J (l on L, u on U),
 * solve the reduced KKT system
 *
 *   [ P + δI    A_Jᵀ ] [x  ]   [ −q  ]
 *   [ A_J      −δI   ] [y_J] = [ t_J ]        (y_i = 0 for i ∉ J)
 *
 * by sparse LDLᵀ of the regularized matrix, followed by `polishRefineIter` steps of iterative
 * refinement against the UNregularized matrix (δ → 0 in the limit).
 * OSQP stops there. We then check the result as a KKT point of the full problem: a pass is
 * CONSISTENT when the rows of J hold with equality (to τ_p; an inconsistent reduced system means J
 * is wrong), no row outside J is violated (by more than τ_p) and no inequality row in J has a
 * dual of the wrong sign (y_i > τ_d on L, y_i < −τ_d on U). If it is not, J is corrected and the
 * reduced system solved again, for at most `polishPasses` passes (ADMM's polishing is pass 1):
 *   - while the number of needed changes decreases from pass to pass: all of them at once, as in a
 *     primal–dual active-set method (wrong-signed rows leave J, violated rows enter J on the side
 *     they violate);
 *   - after that, one row per pass: the most wrong-signed dual leaves J, or else the most violated
 *     row enters it (scaled units), which does not cycle as easily near degenerate points.
 * Each pass analyses and factors its own (new) reduced matrix.
 * The polished point is ACCEPTED when a pass is consistent and its unscaled residuals are not
 * worse than the ADMM ones (primal violation ≤ max(ADMM's, τ_p), ‖Px+q+Ãᵀy‖∞ ≤ max(ADMM's, τ_r)).
 * τ_p = 1e-9·max(1, ‖Ãx‖∞), τ_d = 1e-9·max(1, ‖y‖∞), τ_r = 1e-9·max(1, ‖q‖∞, ‖Px‖∞) (unscaled).
 */
import { LinearAlgebraError } from '../../../errors.ts';
import { createLinearSystem } from '../../../linalg/linsys.ts';
import type { AdmmWorkspace } from './algorithm.ts';
import { cscMatTVec, cscMatVec } from '../../../linalg/csc.ts';
import { assembleQuasiDefinite } from '../../../linalg/quasi-definite.ts';

export type PolishStatus = 'not_attempted' | 'succeeded' | 'rejected' | 'failed';

export interface PolishResult {
  readonly status: PolishStatus;
  /** reduced systems solved */
  readonly passes: number;
  /** scaled polished x (length n) and y (length mT), valid when status = 'succeeded' */
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** unscaled residuals of the last pass: max constraint violation, ‖Px+q+Ãᵀy‖∞, max wrong-sign dual */
  readonly primViol: number;
  readonly dualRes: number;
  readonly signViol: number;
  /** rows in the final active set */
  readonly activeRows: number;
}

/** max unscaled violation of l ≤ Ãx ≤ u for scaled Âx̂ */
export function primalViolation(w: AdmmWorkspace, Ax: Float64Array): number {
  const { l, u } = w;
  const { Einv } = w.scaling;
  let v = 0;
  for (let i = 0; i < w.mT; i++) {
    const a = Ax[i]!;
    const d = a > u[i]! ? a - u[i]! : a < l[i]! ? l[i]! - a : 0;
    if (d * Einv[i]! > v) v = d * Einv[i]!;
  }
  return v;
}

/** unscaled ‖Px + q + Ãᵀy‖∞ of scaled (x̂, ŷ); work vectors of length n */
export function dualResidual(w: AdmmWorkspace, x: Float64Array, y: Float64Array, Px: Float64Array, Aty: Float64Array): number {
  cscMatVec(w.P, x, Px);
  cscMatTVec(w.Ac, y, Aty);
  const { Dinv, c } = w.scaling;
  let r = 0;
  for (let j = 0; j < w.n; j++) r = Math.max(r, Math.abs((Px[j]! + w.q[j]! + Aty[j]!) * Dinv[j]!));
  return r / c;
}

/**
 * Polish the ADMM iterate of `w` (scaled x, z, y).
 * @param admmPrimViol  unscaled max violation of l ≤ Ãx ≤ u at the ADMM iterate
 * @param admmDualRes   unscaled ‖Px + q + Ãᵀy‖∞ at the ADMM iterate
 */
export function polishSolution(w: AdmmWorkspace, admmPrimViol: number, admmDualRes: number): PolishResult {
  const { n, mT, P, Ac, rows, l, u, q, isEq } = w;
  const { E, Einv, Dinv, c } = w.scaling;
  const { polishDelta: delta, polishRefineIter, polishPasses } = w.s;
  // active[i]: 0 inactive, −1 lower, +1 upper, 2 equality
  const active = new Int8Array(mT);
  for (let i = 0; i < mT; i++) {
    if (isEq[i]) active[i] = 2;
    else if (w.z[i]! - l[i]! < -w.y[i]!) active[i] = -1;
    else if (u[i]! - w.z[i]! < w.y[i]!) active[i] = 1;
  }
  const x = new Float64Array(n);
  const y = new Float64Array(mT);
  const Ax = new Float64Array(mT);
  const Px = new Float64Array(n);
  const Aty = new Float64Array(n);
  const Jrows = new Int32Array(mT);
  /** per-row correction of a pass: 0 none, ±1 enter J on the lower/upper side, 2 leave J */
  const change = new Int8Array(mT);
  let passes = 0;
  let primViol = Infinity;
  let dualRes = Infinity;
  let signViol = Infinity;
  let nJ = 0;
  let consistent = false;
  let batch = true;
  let prevChanges = Infinity;
  while (passes < polishPasses) {
    passes++;
    nJ = 0;
    for (let i = 0; i < mT; i++) if (active[i] !== 0) Jrows[nJ++] = i;
    const N = n + nJ;
    // --- the regularized reduced KKT (upper triangle, CSC)
    const { K, signs } = assembleQuasiDefinite(P, rows, Jrows, nJ, delta, () => -delta);
    const rhs = new Float64Array(N);
    for (let j = 0; j < n; j++) rhs[j] = -q[j]!;
    for (let k = 0; k < nJ; k++) {
      const i = Jrows[k]!;
      rhs[n + k] = active[i] === -1 ? l[i]! : u[i]!;
    }
    let sol: Float64Array;
    try {
      const sys = createLinearSystem(K, { signs }, { ordering: 'amd' }).factor();
      sol = sys.solve(rhs);
      // iterative refinement against the unregularized matrix K0 = K − blockdiag(δI, −δI)
      const r = new Float64Array(N);
      const dsol = new Float64Array(N);
      for (let it = 0; it < polishRefineIter; it++) {
        unregularizedResidual(w, Jrows, nJ, sol, rhs, r);
        sys.solve(r, dsol);
        for (let t = 0; t < N; t++) sol[t] = sol[t]! + dsol[t]!;
      }
    } catch (e) {
      if (e instanceof LinearAlgebraError) {
        return { status: 'failed', passes, x, y, primViol, dualRes, signViol, activeRows: nJ };
      }
      throw e;
    }
    for (let t = 0; t < N; t++) {
      if (!Number.isFinite(sol[t]!)) return { status: 'failed', passes, x, y, primViol, dualRes, signViol, activeRows: nJ };
    }
    x.set(sol.subarray(0, n));
    y.fill(0);
    for (let k = 0; k < nJ; k++) y[Jrows[k]!] = sol[n + k]!;
    // --- check the pass as a KKT point of the full problem (unscaled quantities)
    cscMatVec(Ac, x, Ax);
    let normAx = 0;
    let normY = 0;
    for (let i = 0; i < mT; i++) {
      normAx = Math.max(normAx, Math.abs(Ax[i]! * Einv[i]!));
      normY = Math.max(normY, Math.abs((y[i]! * E[i]!) / c));
    }
    const tauP = 1e-9 * Math.max(1, normAx);
    const tauD = 1e-9 * Math.max(1, normY);
    primViol = primalViolation(w, Ax);
    dualRes = dualResidual(w, x, y, Px, Aty);
    signViol = 0;
    // violations and wrong signs, measured in scaled units for the choice of the row to change
    let worstRow = -1;
    let worstVal = 0;
    let worstIsSign = false;
    let nChanges = 0;
    // rows of J must hold with equality (else the reduced system had no solution: J is wrong)
    let solvedJ = true;
    for (let i = 0; i < mT; i++) {
      const a = active[i]!;
      change[i] = 0;
      if (a !== 0 && Math.abs(Ax[i]! - (a === -1 ? l[i]! : u[i]!)) * Einv[i]! > tauP) solvedJ = false;
      if (a === 0) {
        const over = (Ax[i]! - u[i]!) * Einv[i]!;
        const under = (l[i]! - Ax[i]!) * Einv[i]!;
        if (over > tauP || under > tauP) {
          change[i] = over > tauP ? 1 : -1;
          nChanges++;
          const sv = over > tauP ? Ax[i]! - u[i]! : l[i]! - Ax[i]!;
          if (!worstIsSign && sv > worstVal) {
            worstVal = sv;
            worstRow = i;
          }
        }
      } else if (a === 1 || a === -1) {
        const yu = (y[i]! * E[i]!) / c; // unscaled dual
        const wrong = a === 1 ? -yu : yu;
        if (wrong > signViol) signViol = wrong;
        if (wrong > tauD) {
          change[i] = 2; // leave J
          nChanges++;
          const sv = a === 1 ? -y[i]! : y[i]!;
          // dropping a wrong-signed row takes precedence over adding a violated one
          if (!worstIsSign || sv > worstVal) {
            worstIsSign = true;
            worstVal = sv;
            worstRow = i;
          }
        }
      }
    }
    if (nChanges === 0) {
      consistent = solvedJ;
      break;
    }
    // correction: all changes at once (a primal–dual active-set step) while that makes progress
    // (fewer changes than the pass before); otherwise only the single worst row (a wrong-signed dual
    // first, else the most violated row), which cannot cycle as easily
    if (batch && nChanges < prevChanges) {
      for (let i = 0; i < mT; i++) if (change[i] !== 0) active[i] = change[i] === 2 ? 0 : change[i]!;
    } else {
      batch = false;
      active[worstRow] = change[worstRow] === 2 ? 0 : change[worstRow]!;
    }
    prevChanges = nChanges;
  }
  let normQ = 0;
  let normPx = 0;
  for (let j = 0; j < n; j++) {
    normQ = Math.max(normQ, Math.abs(q[j]! * Dinv[j]!) / c);
    normPx = Math.max(normPx, Math.abs(Px[j]! * Dinv[j]!) / c);
  }
  let normAx = 0;
  for (let i = 0; i < mT; i++) normAx = Math.max(normAx, Math.abs(Ax[i]! * Einv[i]!));
  const tauP = 1e-9 * Math.max(1, normAx);
  const tauR = 1e-9 * Math.max(1, normQ, normPx);
  const accepted = consistent && primViol <= Math.max(admmPrimViol, tauP) && dualRes <= Math.max(admmDualRes, tauR);
  return { status: accepted ? 'succeeded' : 'rejected', passes, x, y, primViol, dualRes, signViol, activeRows: nJ };
}

/** r = rhs − K0 sol with K0 = [P  A_Jᵀ; A_J  0] (scaled data), all length n + nJ */
function unregularizedResidual(w: AdmmWorkspace, J: Int32Array, nJ: number, sol: Float64Array, rhs: Float64Array, r: Float64Array): void {
  const { n, P, rows } = w;
  // top: P x + A_Jᵀ y_J
  for (let j = 0; j < n; j++) r[j] = rhs[j]!;
  for (let j = 0; j < n; j++) {
    const xj = sol[j]!;
    if (xj === 0) continue;
    for (let k = P.colPtr[j]!; k < P.colPtr[j + 1]!; k++) r[P.rowIdx[k]!] = r[P.rowIdx[k]!]! - P.values[k]! * xj;
  }
  for (let k = 0; k < nJ; k++) {
    const i = J[k]!;
    const yk = sol[n + k]!;
    let s = 0;
    for (let t = rows.rowPtr[i]!; t < rows.rowPtr[i + 1]!; t++) {
      const a = rows.values[t]!;
      const j = rows.colIdx[t]!;
      s += a * sol[j]!;
      r[j] = r[j]! - a * yk;
    }
    r[n + k] = rhs[n + k]! - s;
  }
}
