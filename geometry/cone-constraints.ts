/**
 * The cone constraints at reflex corners: C = −N · blockdiag(L, L), d = 0 (C x ≤ 0).
 *
 *   cone = conePattern(lap, corners)           once per mesh
 *   Cv   = coneValues(cone, Lv, out?)          values only, O(nnz C)
 *   gL  += conePullback(cone, gC, gL)          chain rule C values → L values, O(nnz C)
 *
 * x = [v_x; v_y] (length 2#V). For reflex corner k at vertex i with outward normals nL, nR
 * (reflex-corners.ts), N (2K by 2#V) has two entries per row:
 *   row 2k   : N[2k, i] = nL_x,  N[2k, #V + i] = nL_y
 *   row 2k+1 : N[2k+1, i] = nR_x, N[2k+1, #V + i] = nR_y
 * so (N blockdiag(L, L) x)_r = n_r · (Lx)_i with (Lx)_i = (Σ_j L_ij x_j, Σ_j L_ij y_j), and
 *   C[r, j]      = −n_r,x · L_ij      for j ∈ {i} ∪ neighbours(i)
 *   C[r, #V + j] = −n_r,y · L_ij
 * Row r is satisfied iff n_r · (Lx)_i ≥ 0, i.e. (C x)_r ≤ 0.
 *
 * cone.C: 2K by 2#V CSC pattern (rows ascending in each column; explicit zeros kept where a
 * normal component is exactly 0, so the pattern depends on the mesh only); its `values` is a
 * zero template. Each stored entry p is C.values[p] = coef[p] · Lv[lPos[p]]:
 *   lPos  nnz(C) positions in pattern L's values (column i of L, so L_ji = L_ij)
 *   coef  nnz(C) the factor −n_r,x or −n_r,y
 * Chain rule: gL[lPos[p]] += coef[p] · gC[p].
 */
import { DimensionError } from '../optimizer/errors.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';
import type { LaplacianPattern } from './laplacian.ts';
import type { ReflexCorners } from './reflex-corners.ts';

export interface ConePattern {
  /** number of rows, 2K */
  readonly m: number;
  readonly nv: number;
  readonly N: CscMatrix;
  readonly C: CscMatrix;
  readonly lPos: Int32Array;
  readonly coef: Float64Array;
}

export function conePattern(lap: LaplacianPattern, corners: ReflexCorners): ConePattern {
  const nv = lap.nv;
  const K = corners.count;
  const m = 2 * K;
  const Lp = lap.L.colPtr;
  const Li = lap.L.rowIdx;
  // N: column i holds rows 2k, 2k+1 (x part) and column nv+i the same rows (y part).
  const nCount = new Int32Array(2 * nv + 1);
  for (let k = 0; k < K; k++) {
    const i = corners.vertex[k]!;
    nCount[i + 1]! += 2;
    nCount[nv + i + 1]! += 2;
  }
  for (let j = 0; j < 2 * nv; j++) nCount[j + 1]! += nCount[j]!;
  const nRow = new Int32Array(4 * K);
  const nVal = new Float64Array(4 * K);
  {
    const fill = nCount.slice(0, 2 * nv);
    for (let k = 0; k < K; k++) {
      const i = corners.vertex[k]!;
      for (let c = 0; c < 2; c++) {
        const col = c * nv + i;
        let p = fill[col]!;
        nRow[p] = 2 * k;
        nVal[p++] = corners.nL[2 * k + c]!;
        nRow[p] = 2 * k + 1;
        nVal[p++] = corners.nR[2 * k + c]!;
        fill[col] = p;
      }
    }
  }
  const N: CscMatrix = { format: 'csc', nrows: m, ncols: 2 * nv, colPtr: nCount, rowIdx: nRow, values: nVal };
  // C: for corner k at vertex i, every j in column i of L contributes rows 2k, 2k+1 to
  // columns j and nv + j. Corners are visited in order, so rows come out ascending per column.
  const cCount = new Int32Array(2 * nv + 1);
  for (let k = 0; k < K; k++) {
    const i = corners.vertex[k]!;
    for (let q = Lp[i]!; q < Lp[i + 1]!; q++) {
      const j = Li[q]!;
      cCount[j + 1]! += 2;
      cCount[nv + j + 1]! += 2;
    }
  }
  for (let j = 0; j < 2 * nv; j++) cCount[j + 1]! += cCount[j]!;
  const nnz = cCount[2 * nv]!;
  const rowIdx = new Int32Array(nnz);
  const lPos = new Int32Array(nnz);
  const coef = new Float64Array(nnz);
  const fill = cCount.slice(0, 2 * nv);
  for (let k = 0; k < K; k++) {
    const i = corners.vertex[k]!;
    for (let q = Lp[i]!; q < Lp[i + 1]!; q++) {
      const j = Li[q]!;
      for (let c = 0; c < 2; c++) {
        const col = c * nv + j;
        let p = fill[col]!;
        rowIdx[p] = 2 * k;
        lPos[p] = q;
        coef[p++] = -corners.nL[2 * k + c]!;
        rowIdx[p] = 2 * k + 1;
        lPos[p] = q;
        coef[p++] = -corners.nR[2 * k + c]!;
        fill[col] = p;
      }
    }
  }
  const C: CscMatrix = { format: 'csc', nrows: m, ncols: 2 * nv, colPtr: cCount, rowIdx, values: new Float64Array(nnz) };
  return { m, nv, N, C, lPos, coef };
}

/**
 * Values of C on cone.C from the values of L.
 *   Lv   nnz(L), not modified
 *   out  nnz(C), overwritten and returned
 */
export function coneValues(cone: ConePattern, Lv: Float64Array, out = new Float64Array(cone.lPos.length)): Float64Array {
  const { lPos, coef } = cone;
  for (let p = 0; p < lPos.length; p++) out[p] = coef[p]! * Lv[lPos[p]!]!;
  return out;
}

/**
 * Chain rule C values → L values, ACCUMULATED: gL[lPos[p]] += coef[p] · gC[p].
 *   gC  nnz(C), not modified
 *   gL  nnz(L), modified (accumulated into) and returned
 */
export function conePullback(cone: ConePattern, gC: Float64Array, gL: Float64Array): Float64Array {
  const { lPos, coef } = cone;
  if (gC.length !== lPos.length) throw new DimensionError('gC', `length ${lPos.length} (nnz of C)`, `length ${gC.length}`);
  for (let p = 0; p < lPos.length; p++) gL[lPos[p]!]! += coef[p]! * gC[p]!;
  return gL;
}
