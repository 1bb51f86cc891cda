/**
 * The quasi-definite ADMM linear system and its factorization.
 *
 *   K(ρ) = [ P̂ + σI      Âᵀ        ]      N = n + mT rows,
 *          [ Â        −diag(1/ρ)   ]      inertia (n positive, mT negative)
 *
 * K is stored as its upper triangle in CSC: column j < n holds the upper part of column j of
 * P̂ (with σ added on the diagonal, inserted when P̂_jj is structurally absent); column n+i holds
 * row i of Â (ascending columns) followed by the diagonal −1/ρ_i. The sparsity pattern does not
 * depend on ρ: the symbolic analysis (createLinearSystem, linalg/linsys.ts) runs once, a ρ
 * update only rewrites the mT diagonal values and refactors numerically (`factor(values)`).
 * The polishing step (polish.ts) factors the same kind of matrix for a subset of the rows of Â
 * (assembleQuasiDefinite, linalg/quasi-definite.ts).
 */
import { createLinearSystem, factorChecked, type LinearSystem } from '../../../linalg/linsys.ts';
import { CONVEXITY_CURVATURE_TOL, CONVEXITY_EQUALITY_REG } from '../convexity.ts';
import type { CscMatrix } from '../../../linalg/types.ts';
import { assembleQuasiDefinite } from '../../../linalg/quasi-definite.ts';
import type { RowCompressed } from '../../../linalg/csc.ts';

/** 1/ρ of an inequality or bound row switched off in the convexity test (its ρÂᵢᵀÂᵢ vanishes). */
const CHECK_ROW_OFF = 1e20;

export class AdmmKkt {
  readonly n: number;
  readonly mT: number;
  /** symbolic analyses performed (1 after construction) */
  analyses = 0;
  /** numeric factorizations performed (1 after construction, +1 per ρ update) */
  factorizations = 0;
  private readonly K: CscMatrix;
  private readonly values: Float64Array;
  /** length mT: position in `values` of the diagonal entry (n+i, n+i) */
  private readonly rhoDiagPos: Int32Array;
  private readonly sys: LinearSystem;

  /**
   * @param P      n×n scaled P̂ (both triangles; only the upper one is used), not modified
   * @param Ac     mT×n scaled Â, not modified
   * @param rows   rows of Â (cscRowCompressed(Ac))
   * @param sigma  σ > 0
   * @param rho    length mT, ρ_i > 0, not modified
   * @param equalityRows  when given (length mT, true for the rows of A), the convexity test runs
   *                      first (see `convex`)
   */
  constructor(P: CscMatrix, Ac: CscMatrix, rows: RowCompressed, sigma: number, rho: Float64Array, equalityRows?: Uint8Array) {
    const n = P.ncols;
    const mT = Ac.nrows;
    this.n = n;
    this.mT = mT;
    const { K, dualDiagPos, signs } = assembleQuasiDefinite(P, rows, null, mT, sigma, (i) => -1 / rho[i]!);
    this.K = K;
    this.values = K.values;
    this.rhoDiagPos = dualDiagPos;
    this.sys = createLinearSystem(K, { signs }, { ordering: 'amd' });
    this.analyses++;
    if (equalityRows) this.convex = this.convexityCheck(P, sigma, equalityRows);
    this.sys.factor(this.values);
    this.factorizations++;
  }
  /**
   * Result of the convexity test (backends/convexity.ts) when the constructor ran it, else true:
   * P̂ + τI + ρ_E Â_EᵀÂ_E ≻ 0 with the inequality and bound rows switched off, τ relative to
   * max|P̂|, 1/ρ_E = CONVEXITY_EQUALITY_REG. One numeric factorization of K's pattern.
   */
  convex = true;

  private convexityCheck(P: CscMatrix, sigma: number, equalityRows: Uint8Array): boolean {
    let pMax = 0;
    for (let k = 0; k < P.values.length; k++) pMax = Math.max(pMax, Math.abs(P.values[k]!));
    if (pMax === 0) return true;
    const saved = this.values.slice();
    const v = this.values;
    const tau = CONVEXITY_CURVATURE_TOL * pMax;
    // the diagonal of column j < n is its last entry (σ + P̂_jj): σ → τ
    for (let j = 0; j < this.n; j++) v[this.K.colPtr[j + 1]! - 1] += tau - sigma;
    for (let i = 0; i < this.mT; i++) v[this.rhoDiagPos[i]!] = equalityRows[i] ? -CONVEXITY_EQUALITY_REG : -CHECK_ROW_OFF;
    const ok = factorChecked(this.sys, v, { positive: this.n, negative: this.mT }).ok;
    v.set(saved);
    return ok;
  }

  /** positive pivots of the current factorization (n for a convex problem) */
  get positivePivots(): number {
    return this.sys.positivePivots;
  }

  /** New ρ (length mT): rewrite the diagonal −1/ρ and refactor numerically (no new analysis). */
  updateRho(rho: Float64Array): void {
    for (let i = 0; i < this.mT; i++) this.values[this.rhoDiagPos[i]!] = -1 / rho[i]!;
    this.sys.factor(this.values);
    this.factorizations++;
  }

  /** out = K⁻¹ rhs (both length n + mT; rhs not modified) */
  solve(rhs: Float64Array, out: Float64Array): Float64Array {
    return this.sys.solve(rhs, out);
  }
}

