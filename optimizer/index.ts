/**
 * dqp — differentiable quadratic programming over black-box QP solvers (the library entry).
 *
 *   minimize ½ zᵀPz + qᵀz  subject to  Az = b,  Cz ≤ d,  lb ≤ z ≤ ub
 *
 *   problem     QPProblem and its types, validateProblem, residuals
 *   solvers     solveQP, the registry (listSolvers, registerSolver, loadSolvers, …) and the built-in
 *               backends, in the order `dqp solvers` lists them:
 *                 ipm       proximal interior point, dense and sparse — the default
 *                 admm      ADMM with solution polishing, dense and sparse
 *                 highs     HiGHS active-set QP, WebAssembly (needs `await loadSolvers(['highs'])`)
 *                 quadprog  Goldfarb–Idnani dual active set, dense, P positive definite
 *                 dualas    the project's own dense dual active set, P positive definite
 *   dQP layer   dqpForward / dqpBackward, DqpLayer (outer loops), batches and DqpWorkerPool
 *   TensorFlow  loadTf() and TfQpLayer; TensorFlow.js is loaded by loadTf() on first use, never by
 *               importing this module (tfjs-node when installed, else tfjs)
 *   matrices    CscMatrix / DenseMatrix and the constructors and products a caller needs;
 *               SparseLdl, the sparse LDLᵀ factorization the layer uses
 *   readers     the JSON problem format, Matrix Market, the Maros–Meszaros (.mat) and MPC (.npz)
 *               benchmark files — all from text or bytes (readMarosMeszaros / readMpc take a path)
 *   warnings    setWarningHandler: the one channel of non-fatal warnings (default: stderr)
 *   errors      typed errors: bad input throws; a solver outcome is a status, not an exception
 *
 * Quick start:
 *   import { solveQP, loadSolvers, dqpForward, dqpBackward } from 'dqp';
 *   const sol = solveQP(problem, { solver: 'ipm' });        // synchronous
 *   await loadSolvers(['highs']);                            // once, for the WASM backend
 *   const fwd = dqpForward(problem, { solver: 'highs' });
 *   const grads = dqpBackward(fwd, { z: dLoss_dz });
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
export { marosMeszarosFromBytes, mpcFromBytes, readMarosMeszaros, readMpc, type MarosMeszarosProblem, type MpcProblem } from './qp/readers.ts';

// the QP model and the solvers
export type * from './qp/types.ts';
export type { QPBackend, SolverCapabilities } from './qp/backend.ts';
export { dims, validateProblem, type QPDims } from './qp/problem.ts';
export { computeResiduals, maxResidual, objectiveValue } from './qp/residuals.ts';
export { getBackend, listSolvers, loadSolvers, registerSolver, solveQP, solverNames, unregisterSolver } from './qp/registry.ts';
export type { SolveQPSettings, SolverInfo } from './qp/registry.ts';
export { admmBackend, dualasBackend, highsBackend, ipmBackend, quadprogBackend } from './qp/backends/index.ts';

// the dQP layer
export type {
  DqpCotangents,
  DqpFlags,
  DqpForwardResult,
  DqpGradients,
  DqpOptions,
  DqpParam,
  DqpTimings,
  DualsMode,
  KktSolverKind,
  LinearSolverChoice,
} from './dqp/types.ts';
export { DQP_PARAMS } from './dqp/types.ts';
export { dqpForward } from './dqp/forward.ts';
export { dqpBackward } from './dqp/backward.ts';
export type { DqpContext } from './dqp/context.ts';
export { DqpLayer, type DqpLayerOptions, type DqpLayerStats } from './dqp/layer.ts';
export { dqpForwardBatch, dqpBackwardBatch, DqpWorkerPool, isRemoteResult, type DqpWorkerPoolOptions } from './dqp/batch.ts';

// the TensorFlow.js adapter (tfjs itself is loaded lazily by loadTf)
export { loadTf, loadedTfPackage, type Tf, type LoadTfOptions } from './tf/load.ts';
export { TfQpLayer, type TfQpInputs, type TfQpOutputs, type TfQpLayerSpec } from './tf/qp-layer.ts';
export { FixedPattern, type SparsePattern } from './tf/pattern.ts';

// warnings
export { setWarningHandler, type Warning, type WarningHandler } from './log.ts';
export type { DqpWarning, DqpWarningCode } from './dqp/warnings.ts';
