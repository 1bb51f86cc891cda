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
 *
 * Strengthened set (conePattern(lap, corners, { strengthen: 'reflex-neighbours' }), default
 * off): after the 2K cone rows, two rows per (reflex corner k at i, INTERIOR neighbour j of i):
 *   row: nL · (x_j − x_i) ≤ 0   and   nR · (x_j − x_i) ≤ 0
 * i.e. every interior neighbour of a reflex vertex lies in the convex wedge of the corner (the
 * intersection of the two interior half-planes of its edges). An interior vertex next to two or
 * more reflex vertices gets no wedge row: two wedges can be disjoint (the two corners at the
 * root of a slot narrower than two mesh edges face each other), and the QP would be infeasible
 * (it was, at θ₀, on a deep comb). Their coefficients ±n do not
 * depend on L: such entries have lPos[p] = −1 and C.values[p] = coef[p] (no chain-rule term).
 * Why sound: the certificate is unchanged (all duals 0 ⇒ the map is harmonic and satisfies the
 * original 2K cone rows, which are kept ⇒ bijective by the reflex-corner theorem, and the flips
 * are counted anyway); the extra rows only make the QP map stay out of the region next to a
 * reflex corner where folds start, and give the outer loss a positive dual (a gradient) for
 * a neighbour that has left the wedge even when the averaged cone row is already satisfied.
 * N (2K rows) describes the cone rows only.
 */
import { DimensionError, InputError } from '../optimizer/errors.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';
import type { LaplacianPattern } from './laplacian.ts';
import type { ReflexCorners } from './reflex-corners.ts';

export interface ConePattern {
  /** number of rows, 2K */
  readonly m: number;
  readonly nv: number;
  readonly N: CscMatrix;
  readonly C: CscMatrix;
  /** per stored entry of C: position in L's values, or −1 for a constant entry (coef itself) */
  readonly lPos: Int32Array;
  readonly coef: Float64Array;
}

/** The constraint set: the paper's cone rows, or those plus the wedge rows of (see above). */
export type StrengthenMode = 'none' | 'reflex-neighbours';
export const STRENGTHEN_MODES: readonly StrengthenMode[] = ['none', 'reflex-neighbours'];

export interface ConePatternOptions {
  /** default 'none' (the paper's 2K rows) */
  readonly strengthen?: StrengthenMode;
  /** per vertex: is it on the boundary (required for 'reflex-neighbours') */
  readonly onBoundary?: Uint8Array | null;
}

export function conePattern(lap: LaplacianPattern, corners: ReflexCorners, options: ConePatternOptions = {}): ConePattern {
  const strengthen = options.strengthen ?? 'none';
  if (!STRENGTHEN_MODES.includes(strengthen)) throw new InputError('strengthen', `one of ${STRENGTHEN_MODES.join(', ')}`, String(strengthen));
  const base = coneRows(lap, corners);
  if (strengthen === 'none') return base;
  const onBoundary = options.onBoundary;
  if (!onBoundary || onBoundary.length !== lap.nv) throw new InputError('onBoundary', `a flag per vertex (length ${lap.nv})`, String(onBoundary?.length));
  return withWedgeRows(base, lap, corners, onBoundary);
}

/** Append the wedge rows (file comment) to the cone rows: rows 2K, 2K + 1, … in corner order. */
function withWedgeRows(base: ConePattern, lap: LaplacianPattern, corners: ReflexCorners, onBoundary: Uint8Array): ConePattern {
  const nv = lap.nv;
  const Lp = lap.L.colPtr;
  const Li = lap.L.rowIdx;
  // extra entries as (row, column, value), generated in ascending row order
  const eRow: number[] = [];
  const eCol: number[] = [];
  const eVal: number[] = [];
  // interior vertices next to two or more reflex vertices get no wedge row (their wedges can be
  // disjoint: the QP would be infeasible)
  const reflexNeighbours = new Int32Array(nv);
  for (let k = 0; k < corners.count; k++) {
    const i = corners.vertex[k]!;
    for (let q = Lp[i]!; q < Lp[i + 1]!; q++) if (Li[q] !== i) reflexNeighbours[Li[q]!]!++;
  }
  let r = base.m;
  for (let k = 0; k < corners.count; k++) {
    const i = corners.vertex[k]!;
    for (let q = Lp[i]!; q < Lp[i + 1]!; q++) {
      const j = Li[q]!;
      if (j === i || onBoundary[j] || reflexNeighbours[j]! > 1) continue;
      for (const n of [corners.nL, corners.nR]) {
        const nx = n[2 * k]!;
        const ny = n[2 * k + 1]!;
        eRow.push(r, r, r, r);
        eCol.push(j, nv + j, i, nv + i);
        eVal.push(nx, ny, -nx, -ny);
        r++;
      }
    }
  }
  const m = r;
  const cnt = new Int32Array(2 * nv + 1);
  for (let c = 0; c < 2 * nv; c++) cnt[c + 1] = base.C.colPtr[c + 1]! - base.C.colPtr[c]!;
  for (const c of eCol) cnt[c + 1]!++;
  for (let c = 0; c < 2 * nv; c++) cnt[c + 1]! += cnt[c]!;
  const nnz = cnt[2 * nv]!;
  const rowIdx = new Int32Array(nnz);
  const lPos = new Int32Array(nnz);
  const coef = new Float64Array(nnz);
  const fill = cnt.slice(0, 2 * nv);
  // the cone rows first in every column (rows < 2K), then the wedge rows (ascending)
  for (let c = 0; c < 2 * nv; c++) {
    for (let p = base.C.colPtr[c]!; p < base.C.colPtr[c + 1]!; p++) {
      const t = fill[c]!++;
      rowIdx[t] = base.C.rowIdx[p]!;
      lPos[t] = base.lPos[p]!;
      coef[t] = base.coef[p]!;
    }
  }
  for (let e = 0; e < eRow.length; e++) {
    const t = fill[eCol[e]!]!++;
    rowIdx[t] = eRow[e]!;
    lPos[t] = -1;
    coef[t] = eVal[e]!;
  }
  const C: CscMatrix = { format: 'csc', nrows: m, ncols: 2 * nv, colPtr: cnt, rowIdx, values: new Float64Array(nnz) };
  return { m, nv, N: base.N, C, lPos, coef };
}

/** The paper's 2K cone rows. */
function coneRows(lap: LaplacianPattern, corners: ReflexCorners): ConePattern {
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
  for (let p = 0; p < lPos.length; p++) {
    const q = lPos[p]!;
    out[p] = q >= 0 ? coef[p]! * Lv[q]! : coef[p]!;
  }
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
  for (let p = 0; p < lPos.length; p++) {
    const q = lPos[p]!;
    if (q >= 0) gL[q]! += coef[p]! * gC[p]!;
  }
  return gL;
}
