/**
 * dqp/browser — the portable part of the library entry: everything 'dqp' exports except what
 * needs Node built-ins. Its import graph holds no `node:` module, so a bundler can put it in a web
 * page or a Web Worker. Not here (Node only, from 'dqp'): DqpWorkerPool and the batch helpers
 * (worker_threads), the Maros–Meszaros / MPC benchmark-file readers (zlib, fs).
 *
 * TensorFlow.js is not imported here either: loadTf() loads it on first use. Warnings go through
 * setWarningHandler; the default writes to stderr in Node and to console.warn elsewhere.
 * See optimizer/index.ts for the list of what is exported.
 */

// errors
export * from './errors.ts';

// matrices
export type { CscMatrix, DenseMatrix, Matrix } from './linalg/types.ts';
export { isCsc, nnz } from './linalg/types.ts';
export { cscFromDense, cscFromTriplets, cscFromTripletsWithMap, cscToDense, cscIdentity, cscDiag, cscTranspose, cscMatVec, cscMatTVec } from './linalg/csc.ts';
export { denseFromRows, denseFromData, denseZeros, matrixShape, matVec, matTVec, toCsc, toDense } from './linalg/matrix.ts';
export { denseIdentity } from './linalg/dense.ts';
export { SparseLdl, type LdlOptions, type LdlTimings } from './linalg/ldl.ts';

// readers (text or bytes in, problems or matrices out)
export { readMatrixMarket, writeMatrixMarket, type MatrixMarketResult, type MatrixMarketSymmetry, type WriteMatrixMarketOptions } from './linalg/mtx.ts';
export { readProblemJson, writeProblemJson, problemToJson, matrixToJson, gradientToJson } from './qp/json-format.ts';
export type { MatJson, MatLayout, ProblemJson, ProblemLayout } from './qp/json-format.ts';

// the QP model and the solvers
export type * from './qp/types.ts';
export type { QPBackend, SolverCapabilities } from './qp/backend.ts';
export { dims, validateProblem, type QPDims } from './qp/problem.ts';
export { computeResiduals, maxResidual, objectiveValue } from './qp/residuals.ts';
export { getBackend, listSolvers, loadSolvers, registerSolver, solveQP, solverNames, unregisterSolver } from './qp/registry.ts';
export type { SolveQPSettings, SolverInfo } from './qp/registry.ts';
export { admmBackend, dualasBackend, highsBackend, ipmBackend, quadprogBackend } from './qp/backends/index.ts';

// the dQP layer
export type * from './dqp/types.ts';
export { DQP_PARAMS } from './dqp/types.ts';
export { dqpForward } from './dqp/forward.ts';
export { dqpBackward } from './dqp/backward.ts';
export type { DqpContext } from './dqp/context.ts';
export { DqpLayer, type DqpLayerOptions, type DqpLayerStats } from './dqp/layer.ts';

// the TensorFlow.js adapter (tfjs itself is loaded lazily by loadTf)
export * from './tf/index.ts';

// the generic bi-level loop (tfjs loaded by prepareBilevel / the async entry point, not on import)
export * from './bilevel/index.ts';

// warnings and verbose logs
export { setLogHandler, setWarningHandler, type LogHandler, type Warning, type WarningHandler } from './log.ts';
export type { DqpWarning, DqpWarningCode } from './dqp/warnings.ts';
