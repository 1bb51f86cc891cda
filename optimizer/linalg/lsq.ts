/**
 * Least-squares solvers for singular or rank-deficient systems, used by the dQP layer at
 * non-differentiable points (a singular reduced KKT matrix); one module per algorithm:
 *
 *   lsq-cod.ts            denseLstsq(M, b, rcond?), DenseCod: minimum-norm least squares, dense,
 *                         any shape and rank (complete orthogonal decomposition)
 *   minres.ts             symmetricMinres(apply, n, b, opts?): MINRES for symmetric (indefinite,
 *                         possibly singular) operators given as a matrix-vector product
 *   range-krylov.ts       rangeRestrictedKrylov(applyB, b, opts): Krylov least squares on range(B)
 *   regularized-lstsq.ts  RegularizedLstsq: minimum-norm least squares of a singular symmetric K
 *                         whose null space is invariant under a signature S (KKT matrices),
 *                         preconditioned by a factorization of the quasi-definite K + δS
 *
 * This module re-exports their public names so `linalg/lsq.ts` stays the entry point.
 */
export { DenseCod, denseLstsq } from './lsq-cod.ts';
export type { LstsqResult } from './lsq-cod.ts';
export { symmetricMinres } from './minres.ts';
export type { MinresOptions, MinresResult, MinresStop } from './minres.ts';
export { rangeRestrictedKrylov } from './range-krylov.ts';
export type { KrylovCheck, RangeKrylovOptions, RangeKrylovResult, RangeKrylovStop } from './range-krylov.ts';
export { REGULARIZED_ABS_TOL, REGULARIZED_LS_TOL, RegularizedLstsq } from './regularized-lstsq.ts';
export type { RegularizedLstsqOptions, RegularizedLstsqResult } from './regularized-lstsq.ts';
