/**
 * Ruiz equilibration of the KKT matrix plus cost scaling (OSQP paper §5.1).
 *
 * Finds diagonal D (n), E (mT) > 0 and c > 0 and replaces, IN PLACE,
 *   P ← c·D P D,   q ← c·D q,   Ã ← E Ã D,   l ← E l,   u ← E u.
 * Each Ruiz pass equilibrates the columns of M = [P Ãᵀ; Ã 0] in the ∞-norm:
 *   δ_j = 1/√‖M_:j‖∞  (norms below 1e-4 count as 1, above 1e4 as 1e4), D ← D δ_x, E ← E δ_y,
 * then rescales the cost by γ = 1/max(mean_j ‖P_:j‖∞, ‖q‖∞) (same limits), c ← c γ.
 *
 * Unscaling:  x = D x̂,  y = E ŷ / c,  Ãx = E⁻¹ (Â x̂),  Px + q + Ãᵀy = c⁻¹ D⁻¹ (P̂x̂ + q̂ + Âᵀŷ).
 */
import type { CscMatrix } from '../../../linalg/types.ts';
import { MAX_SCALE, MIN_SCALE, ruizFactor, type Scaling } from '../../scaling.ts';

/** The shared Scaling (qp/scaling.ts; E over the mT rows of Ã) with the inverses ADMM multiplies by. */
export interface AdmmScaling extends Scaling {
  /** length n, 1/D */
  readonly Dinv: Float64Array;
  /** length mT, 1/E */
  readonly Einv: Float64Array;
}

/** A norm clamped to [MIN_SCALE, MAX_SCALE], 1 below MIN_SCALE (NaN too): ruizFactor(v) = 1/√limit(v). */
function limit(v: number): number {
  if (!(v >= MIN_SCALE)) return 1;
  return v > MAX_SCALE ? MAX_SCALE : v;
}

/** Scale the data in place with `iterations` Ruiz passes (0: identity scaling). */
export function ruizScale(P: CscMatrix, q: Float64Array, Ac: CscMatrix, l: Float64Array, u: Float64Array, iterations: number): AdmmScaling {
  const n = P.ncols;
  const mT = Ac.nrows;
  const D = new Float64Array(n).fill(1);
  const E = new Float64Array(mT).fill(1);
  let c = 1;
  const dTmp = new Float64Array(n);
  const eTmp = new Float64Array(mT);
  for (let it = 0; it < iterations; it++) {
    // column ∞-norms of [P; Ã] (columns 0..n−1 of M) and of Ãᵀ (= row norms of Ã, columns n.. of M)
    dTmp.fill(0);
    eTmp.fill(0);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = P.colPtr[j]!; k < P.colPtr[j + 1]!; k++) s = Math.max(s, Math.abs(P.values[k]!));
      for (let k = Ac.colPtr[j]!; k < Ac.colPtr[j + 1]!; k++) {
        const a = Math.abs(Ac.values[k]!);
        if (a > s) s = a;
        const r = Ac.rowIdx[k]!;
        if (a > eTmp[r]!) eTmp[r] = a;
      }
      dTmp[j] = ruizFactor(s);
    }
    for (let i = 0; i < mT; i++) eTmp[i] = ruizFactor(eTmp[i]!);
    for (let j = 0; j < n; j++) {
      const dj = dTmp[j]!;
      for (let k = P.colPtr[j]!; k < P.colPtr[j + 1]!; k++) P.values[k] = P.values[k]! * dj * dTmp[P.rowIdx[k]!]!;
      for (let k = Ac.colPtr[j]!; k < Ac.colPtr[j + 1]!; k++) Ac.values[k] = Ac.values[k]! * dj * eTmp[Ac.rowIdx[k]!]!;
      q[j] = q[j]! * dj;
      D[j] = D[j]! * dj;
    }
    for (let i = 0; i < mT; i++) E[i] = E[i]! * eTmp[i]!;
    // cost scaling
    let meanCol = 0;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = P.colPtr[j]!; k < P.colPtr[j + 1]!; k++) s = Math.max(s, Math.abs(P.values[k]!));
      meanCol += s;
    }
    meanCol = n > 0 ? meanCol / n : 0;
    let qNorm = 0;
    for (let j = 0; j < n; j++) qNorm = Math.max(qNorm, Math.abs(q[j]!));
    const gamma = 1 / limit(Math.max(limit(meanCol), limit(qNorm)));
    for (let k = 0; k < P.colPtr[n]!; k++) P.values[k] = P.values[k]! * gamma;
    for (let j = 0; j < n; j++) q[j] = q[j]! * gamma;
    c *= gamma;
  }
  for (let i = 0; i < mT; i++) {
    l[i] = l[i]! * E[i]!; // ±∞ stay ±∞ (E > 0)
    u[i] = u[i]! * E[i]!;
  }
  const Dinv = new Float64Array(n);
  for (let j = 0; j < n; j++) Dinv[j] = 1 / D[j]!;
  const Einv = new Float64Array(mT);
  for (let i = 0; i < mT; i++) Einv[i] = 1 / E[i]!;
  return { D, Dinv, E, Einv, c };
}
