// Type declarations for the npm package `quadprog` 1.6.1 (CommonJS, no bundled types).
// Arrays are 1-based (index 0 unused), as in the Fortran original.
declare module 'quadprog' {
  export interface QuadprogResult {
    /** x, 1-based, length n+1 */
    solution?: number[];
    /** Lagrange multipliers, 1-based, length q+1 (0 for inactive constraints) */
    Lagrangian?: number[];
    /** [_, objective value ½xᵀDx − dᵀx] */
    value?: number[];
    unconstrained_solution?: number[];
    /** [_, iterations, constraints dropped] */
    iterations?: number[];
    /** active constraints (1-based indices), 1-based, zeros after the active count */
    iact?: number[];
    /** '' on success, otherwise the reason */
    message: string;
  }
  /**
   * minimize −dᵀx + ½xᵀDx s.t. Aᵀx ≥ b0 (the first meq as equalities).
   * Dmat n×n, dvec n, Amat n×q (Amat[i][k]: variable i, constraint k), bvec q; all 1-based.
   * OVERWRITES Dmat, dvec, Amat and bvec.
   */
  export function solveQP(
    Dmat: number[][],
    dvec: number[],
    Amat: number[][],
    bvec?: number[],
    meq?: number,
    factorized?: number[],
  ): QuadprogResult;
  const quadprog: { solveQP: typeof solveQP };
  export default quadprog;
}
