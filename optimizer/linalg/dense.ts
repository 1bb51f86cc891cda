/**
 * Dense linear algebra on row-major DenseMatrix (data[i*ncols + j] = M_ij), one module per concept:
 *
 *   dense-ops.ts  kernels: denseMatMul (op(A)·op(B)), denseGram (AᵀA), denseTranspose,
 *                 denseIdentity, denseIsSymmetric, denseSymmetricMatVec
 *   dense-ldl.ts  DenseLdl: K = L D Lᵀ without pivoting, for symmetric quasi-definite matrices
 *                 (KKT systems), with the same signed static/dynamic regularization as SparseLdl
 *   dense-lu.ts   DenseLu: P A = L U with partial (row) pivoting, `singular` flag, 1-norm rcond
 *   gemm.ts       the packed GEMM kernel all O(n³) work runs in (internal)
 *
 * This module re-exports the public names so `linalg/dense.ts` stays the entry point for dense
 * algebra.
 */
export { denseGram, denseIdentity, denseIsSymmetric, denseMatMul, denseSymmetricMatVec, denseTranspose } from './dense-ops.ts';
export type { MatMulOptions } from './dense-ops.ts';
export { DenseLdl } from './dense-ldl.ts';
export type { DenseLdlOptions } from './dense-ldl.ts';
export { DenseLu } from './dense-lu.ts';
