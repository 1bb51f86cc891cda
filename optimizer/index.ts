/**
 * dqp — differentiable quadratic programming over black-box QP solvers (the library entry).
 *
 *   errors        typed errors (bad input throws; solver outcomes are statuses)
 *   linalg        Matrix types, CSC / dense kernels, sparse and dense LDLᵀ, AMD, least squares,
 *                 block assembly, Matrix Market I/O
 *   io            MATLAB v5 (.mat) and NumPy (.npy/.npz) readers
 *   qp            the QP model, validation and conversions, residuals, the solver registry
 *                 (ipm, admm, highs, quadprog), the JSON problem format, benchmark-file readers
 *   dqp           the dQP layer: forward (any solver) and backward (reduced KKT) passes
 *   bilevel       the bi-level embedding outer loop built on the dQP layer
 *
 * Quick start:
 *   import { solveQP, loadSolvers, dqpForward, dqpBackward } from 'dqp';
 *   const sol = solveQP(problem, { solver: 'ipm' });        // synchronous
 *   await loadSolvers(['highs']);                            // once, for the WASM backend
 */

// errors
export * from './errors.ts';

// linear algebra
export * from './linalg/types.ts';
export * from './linalg/csc.ts';
export * from './linalg/matrix.ts';
export * from './linalg/dense.ts';
export * from './linalg/ldl.ts';
export * from './linalg/amd.ts';
export * from './linalg/blocks.ts';
export * from './linalg/lsq.ts';
export * from './linalg/mtx.ts';

// file readers
export * from './io/mat.ts';
export * from './io/npz.ts';

// the QP model and solvers
export type * from './qp/types.ts';
export type { QPBackend, SolverCapabilities } from './qp/backend.ts';
export * from './qp/problem.ts';
export * from './qp/residuals.ts';
export * from './qp/registry.ts';
export { resetWarnOnce, warnOnce } from './qp/warnings.ts';
export * from './qp/json-format.ts';
export * from './qp/readers.ts';
export { admmBackend, highsBackend, ipmBackend, quadprogBackend } from './qp/backends/index.ts';

// the dQP layer and the bi-level application
export * from './dqp/index.ts';
export * from './bilevel/index.ts';
export * from './tf/index.ts';

// utilities
export * from './util/random.ts';
