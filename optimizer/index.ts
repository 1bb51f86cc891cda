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
 * 'dqp/browser' (optimizer/browser.ts) exports the same without the Node-only parts (worker pool,
 * benchmark-file readers).
 *
 * Quick start:
 *   import { solveQP, loadSolvers, dqpForward, dqpBackward } from 'dqp';
 *   const sol = solveQP(problem, { solver: 'ipm' });        // synchronous
 *   await loadSolvers(['highs']);                            // once, for the WASM backend
 *   const fwd = dqpForward(problem, { solver: 'highs' });
 *   const grads = dqpBackward(fwd, { z: dLoss_dz });
 */

// the portable part (no Node built-ins): problem, solvers, dQP layer, tf adapter, readers, warnings
export * from './browser.ts';

// Node only: batches over worker threads, and the benchmark-file readers (zlib; paths)
export { dqpForwardBatch, dqpBackwardBatch, DqpWorkerPool, isRemoteResult, type DqpWorkerPoolOptions } from './dqp/batch.ts';
export { marosMeszarosFromBytes, mpcFromBytes, readMarosMeszaros, readMpc, type MarosMeszarosProblem, type MpcProblem } from './qp/readers.ts';
