/**
 * The regularized KKT system of the proximal interior-point method and its factorization.
 *
 * Newton system of one iteration (solver.ts derives it; internal scaled data, data.ts):
 *
 *   [ P̃ + ρI + B   Ãᵀ     G̃ᵀ ] [dx]   [r_x]
 *   [ Ã            −δI     0  ] [dy] = [r_y]          (K, size N = n + p + m)
 *   [ G̃             0    −W  ] [dz]   [r_z]
 *
 * with W = diag(δ + s/z) (m, from the eliminated slacks) and B = diag(boxDiag), boxDiag_j =
 * 1/(δ + s_lb/z_lb) + 1/(δ + s_ub/z_ub) over the finite bounds of x_j (bounds are eliminated
 * into the diagonal, so a bound-heavy problem costs nothing extra). K is quasi-definite: the
 * (1,1) block is positive definite (ρ > 0), the (2,2) block negative definite (δ > 0), so an
 * LDLᵀ factorization with any symmetric ordering exists, with n positive and p + m negative
 * pivots. Pivot signs are passed to the factorization; a wrong inertia or a zero pivot is a
 * failure the caller repairs (solver.ts: first a "robust" factorization with a small static
 * regularization refined against K, then larger ρ, δ).
 *
 * Two implementations (this file: the interface and what they share):
 *  - SparseKkt (kkt-sparse.ts): K above with the SHORT rows of G̃ eliminated by hand (KKT_ELIMINATE_MAX_ROW_NNZ:
 *    rows with one entry always, rows with two entries when every row of G̃ is that short),
 *        [ P̃ + ρI + B + G̃ₑᵀW⁻¹G̃ₑ   Ãᵀ    G̃ₖᵀ ]
 *        [ Ã                       −δI     0  ]      dz_e = W_e⁻¹(G̃ₑ dx − r_e),
 *        [ G̃ₖ                        0   −W_k ]
 *    upper triangle in CSC, factored by SparseLdl (linalg/ldl.ts; its 'auto' method takes the
 *    simplicial up-looking factorization when L is very sparse, as for the reduced KKT of
 *    simplex projections, an arrow matrix, and of chains, a band). A one-entry row only adds
 *    g²/W to a diagonal entry (like a bound); simplex-type (C = −I) and chain-type (rows
 *    ±(e_j − e_{j+1})) problems then factor a matrix of order n + p instead of n + p + m.
 *    Everything that depends only on the patterns of P̃, Ã, G̃ (which rows are eliminated, the
 *    pattern of K, where each input entry lands, the symbolic analysis: ordering, elimination
 *    tree, supernodes) is a KktStructure, built once per pattern and cached across iterations
 *    AND solves (KktPatternCache over linalg/pattern-cache.ts: keyed by the input patterns,
 *    hashed, verified entry by entry against copies). Each iteration only rewrites the diagonal and clique values and
 *    refactors numerically; solves assemble the right-hand side directly in the elimination
 *    order (SparseLdl.solvePermuted).
 *  - DenseKkt (kkt-dense.ts): the inequality block eliminated, dense (n + p) × (n + p):
 *        [ P̃ + ρI + B + G̃ᵀW⁻¹G̃   Ãᵀ ] [dx]   [r_x + G̃ᵀW⁻¹r_z]
 *        [ Ã                      −δI ] [dy] = [r_y           ],   dz = W⁻¹(G̃ dx − r_z),
 *    factored through the LinearSystem interface (linalg/linsys.ts: a DenseLinearSystem, one
 *    normal and one robust, over the same array). Cheaper than the unreduced dense K whenever m > 0.
 * Both check a factorization with factorChecked (zero pivot or wrong inertia → false). The sparse
 * path keeps its SparseLdl type (a LinearSystem) for what only a sparse elimination order has:
 * `perm` (the robust analysis reuses the normal one's ordering), `pinv` and solvePermuted.
 */
import { CONVEXITY_CURVATURE_TOL, CONVEXITY_EQUALITY_REG } from '../convexity.ts';

/** Static regularization of a "robust" factorization (absolute part, scaled data ~ 1). */
export const ROBUST_STATIC_REG = 1e-8;
/** Iterative-refinement steps of a robust factorization (against the exact K). */
export const ROBUST_REFINE_STEPS = 10;
/** Iterative-refinement steps of a normal factorization (against the exact K). */
export const NORMAL_REFINE_STEPS = 0;

export interface KktSystem {
  readonly kind: 'sparse' | 'dense';
  /** number of rows N of the factored matrix */
  readonly size: number;
  /**
   * Assemble K(ρ, δ, W, boxDiag) and factor it. W: length m (each > 0), boxDiag: length n
   * (≥ 0); neither is modified. `robust`: add a small static regularization and refine
   * solves against the exact K. Returns false when the factorization fails (zero or
   * non-finite pivot, wrong inertia); the previous factorization is then invalid.
   */
  factor(rho: number, delta: number, W: Float64Array, boxDiag: Float64Array, robust: boolean): boolean;
  /**
   * Solve K [dx; dy; dz] = [rx; ry; rz] with the last successful factorization.
   * rx, dx: length n; ry, dy: length p; rz, dz: length m. Inputs not modified; outputs overwritten.
   * Returns Σdx + Σdy + Σdz (not finite exactly when some entry of the step is not: the
   * caller's finiteness check without another pass over the step).
   */
  solve(rx: Float64Array, ry: Float64Array, rz: Float64Array, dx: Float64Array, dy: Float64Array, dz: Float64Array): number;
  /**
   * The convexity test of backends/convexity.ts on this KKT: factor K with ρ = τ (relative to
   * max|P̃|), δ = CONVEXITY_EQUALITY_REG, the inequality rows switched off (W = CHECK_W_OFF) and
   * no bound terms; true when the inertia is (n, N − n), i.e. P̃ ⪰ 0 on null(Ã) up to τ. One
   * numeric factorization on the pattern already analysed; leaves no valid factorization.
   */
  convexityCheck(): boolean;
}

/** W of an inequality row switched off in the convexity test: its term G̃ᵀW⁻¹G̃ vanishes. */
const CHECK_W_OFF = 1e20;

/** Shared part of convexityCheck: the arguments of `factor` for the test. */
export function checkArguments(n: number, m: number, pMax: number): { rho: number; delta: number; W: Float64Array; boxDiag: Float64Array } {
  return { rho: CONVEXITY_CURVATURE_TOL * pMax, delta: CONVEXITY_EQUALITY_REG, W: new Float64Array(m).fill(CHECK_W_OFF), boxDiag: new Float64Array(n) };
}

