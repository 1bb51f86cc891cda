/**
 * Assembly of the quasi-definite KKT matrices of the QP backends,
 *
 *   [ P + shift·I   A_Rᵀ ]
 *   [ A_R           Dg   ]      (Dg diagonal, typically negative)
 *
 * as the upper triangle in CSC (the form SparseLdl and createLinearSystem read): the ADMM system
 * K(ρ), its polishing systems (a subset R of the rows) and the convexity test's K.
 */
import type { RowCompressed } from './csc.ts';
import type { CscMatrix } from './types.ts';

/**
 * Upper triangle (CSC) of the quasi-definite matrix
 *
 *   [ P + shift·I   A_Rᵀ ]      N = n + count rows, signs (+1 ×n, −1 ×count),
 *   [ A_R           Dg   ]
 *
 * for the rows R = sel[0 .. count) of A (all rows in order when sel is null; then count = rows of
 * A), Dg diagonal with entry dual(k) for the k-th row of R (the stored value, e.g. −1/ρ).
 * Column j < n: the strictly upper entries of column j of P (n × n, both triangles or the upper
 * one), then the diagonal shift + P_jj (inserted when structurally absent); column n+k: row R[k]
 * of A (ascending columns, from `rows` = the rows of A, e.g. cscRowCompressed(A)), then its
 * diagonal. dualDiagPos[k]: position of that diagonal entry in K.values. Nothing is modified.
 */
export function assembleQuasiDefinite(
  P: CscMatrix,
  rows: Pick<RowCompressed, 'rowPtr' | 'colIdx' | 'values'>,
  sel: Int32Array | null,
  count: number,
  shift: number,
  dual: (k: number) => number,
): { K: CscMatrix; dualDiagPos: Int32Array; signs: Int8Array } {
  const n = P.ncols;
  const N = n + count;
  let nz = n;
  for (let j = 0; j < n; j++) for (let k = P.colPtr[j]!; k < P.colPtr[j + 1]!; k++) if (P.rowIdx[k]! < j) nz++;
  for (let k = 0; k < count; k++) {
    const i = sel ? sel[k]! : k;
    nz += rows.rowPtr[i + 1]! - rows.rowPtr[i]! + 1;
  }
  const colPtr = new Int32Array(N + 1);
  const rowIdx = new Int32Array(nz);
  const values = new Float64Array(nz);
  const dualDiagPos = new Int32Array(count);
  let pos = 0;
  for (let j = 0; j < n; j++) {
    let diag = shift;
    for (let k = P.colPtr[j]!; k < P.colPtr[j + 1]!; k++) {
      const r = P.rowIdx[k]!;
      if (r < j) {
        rowIdx[pos] = r;
        values[pos++] = P.values[k]!;
      } else if (r === j) {
        diag += P.values[k]!;
      }
    }
    rowIdx[pos] = j;
    values[pos++] = diag;
    colPtr[j + 1] = pos;
  }
  for (let k = 0; k < count; k++) {
    const i = sel ? sel[k]! : k;
    for (let t = rows.rowPtr[i]!; t < rows.rowPtr[i + 1]!; t++) {
      rowIdx[pos] = rows.colIdx[t]!;
      values[pos++] = rows.values[t]!;
    }
    rowIdx[pos] = n + k;
    dualDiagPos[k] = pos;
    values[pos++] = dual(k);
    colPtr[n + k + 1] = pos;
  }
  const signs = new Int8Array(N);
  signs.fill(1, 0, n);
  signs.fill(-1, n, N);
  return { K: { format: 'csc', nrows: N, ncols: N, colPtr, rowIdx, values }, dualDiagPos, signs };
}
