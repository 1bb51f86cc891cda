/**
 * The data scaling shared by the ipm and admm backends: one Scaling type and the Ruiz factor rule.
 *
 * Both backends equilibrate the KKT matrix [P Ãᵀ; Ã 0] of their own constraint layout by Ruiz
 * passes (each column/row divided by the square root of its ∞-norm) and may scale the cost:
 *
 *   P̂ = c·D P D,   q̂ = c·D q,   Â = E Ã D,   (row bounds scaled by E)
 *
 * so that x = D x̂ and the duals of the rows are y = E ŷ / c. The passes differ on purpose, and
 * stay in the backends (their results are fingerprinted): the ipm's storage-specific passes
 * (data.ts: dense or CSC, norms updated while scaling, stop once every factor is within 1e-3 of
 * 1, cost scaled once at the end when options.scaleCost) and the admm's OSQP passes (admm/
 * scaling.ts: cost rescaled after every pass).
 */

/** A norm below MIN_SCALE (e.g. an empty column) gives the factor 1; norms above MAX_SCALE are clipped. */
export const MIN_SCALE = 1e-4;
export const MAX_SCALE = 1e4;

/** Ruiz factor of a row or column of ∞-norm `norm`: 1/√min(norm, MAX_SCALE), or 1 below MIN_SCALE (NaN too). */
export function ruizFactor(norm: number): number {
  if (!(norm >= MIN_SCALE)) return 1;
  return 1 / Math.sqrt(Math.min(norm, MAX_SCALE));
}

/** The accumulated scaling of a problem (see the module comment). */
export interface Scaling {
  /** length n: variable scaling, x = D x̂ */
  readonly D: Float64Array;
  /** one entry per constraint row of the backend's layout (ipm: the p rows of A then the m rows of G) */
  readonly E: Float64Array;
  /** cost scaling c (1 when the cost is not scaled) */
  readonly c: number;
}
