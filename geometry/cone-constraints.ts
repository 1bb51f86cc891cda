/**
 * The cone constraints at reflex corners: C = −N · blockdiag(L, L), d = 0 (C x ≤ 0).
 *
 *   cone = conePattern(lap, corners, options?) once per mesh (options: the strengthened sets below)
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
 * This set is NOT a necessary condition: it can exclude bijective maps (a valid map may put a
 * neighbour of a reflex vertex anywhere in the reflex angle), so it may make a certifiable
 * domain uncertifiable; measured in bench/deep-domains.ts.
 *
 * Necessary set (strengthen: 'boundary-directions', default off): after the 2K cone rows, at
 * every boundary vertex b that is NOT a reflex corner and for every interior neighbour j of b,
 *   n · (x_j − x_b) ≤ 0   for the outward normal n of each polygon edge at b
 * (one row where b lies on a straight edge, two at a convex corner). In a bijective map the
 * edge b → j leaves b into the polygon, whose interior angle at b is convex: every valid map
 * satisfies these rows, so a harmonic valid map is still the QP's solution with every dual 0 and
 * nothing the paper's method could certify is lost. A map that folds a triangle across the
 * boundary violates them: the QP then has a positive dual there, and the outer loss a gradient,
 * where the paper's rows (which look only at reflex corners) see nothing. (A vertex within
 * REFLEX_TOLERANCE of flat counts as flat and gets one row on its mean edge normal: at a nearly
 * flat REFLEX vertex that row is necessary only up to half that angle, 5e-5 rad.)
 * N (2K rows) describes the cone rows only.
 */
import { DimensionError, InputError } from '../optimizer/errors.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';
import type { LaplacianPattern } from './laplacian.ts';
import { REFLEX_TOLERANCE } from './reflex-corners.ts';
import type { ReflexCorners } from './reflex-corners.ts';

export interface ConePattern {
  /** number of rows: 2K, plus the constant rows of a strengthened set */
  readonly m: number;
  readonly nv: number;
  readonly N: CscMatrix;
  readonly C: CscMatrix;
  /** per stored entry of C: position in L's values, or −1 for a constant entry (coef itself) */
  readonly lPos: Int32Array;
  readonly coef: Float64Array;
}

/** The constraint set: the paper's cone rows, or those plus constant rows (see above). */
export type StrengthenMode = 'none' | 'reflex-neighbours' | 'boundary-directions';
export const STRENGTHEN_MODES: readonly StrengthenMode[] = ['none', 'reflex-neighbours', 'boundary-directions'];

export interface ConePatternOptions {
  /** default 'none' (the paper's 2K rows) */
  readonly strengthen?: StrengthenMode;
  /**
   * the boundary loop (#B vertex ids) and its targets (#B by 2), counter-clockwise, as in the
   * embedding domain: required by the strengthened modes
   */
  readonly loop?: Int32Array | null;
  readonly polygon?: Float64Array | null;
}

export function conePattern(lap: LaplacianPattern, corners: ReflexCorners, options: ConePatternOptions = {}): ConePattern {
  const strengthen = options.strengthen ?? 'none';
  if (!STRENGTHEN_MODES.includes(strengthen)) throw new InputError('strengthen', `one of ${STRENGTHEN_MODES.join(', ')}`, String(strengthen));
  const base = coneRows(lap, corners);
  if (strengthen === 'none') return base;
  const { loop, polygon } = options;
  if (!loop || !polygon || polygon.length !== 2 * loop.length) {
    throw new InputError('loop, polygon', 'the boundary loop and its targets (#B by 2)', `${loop?.length} and ${polygon?.length}`);
  }
  const onBoundary = new Uint8Array(lap.nv);
  for (const v of loop) onBoundary[v] = 1;
  const rows = strengthen === 'reflex-neighbours' ? wedgeRows(lap, corners, onBoundary) : directionRows(lap, loop, polygon, onBoundary);
  return withConstantRows(base, lap.nv, rows);
}

/** Constant rows n · (x_j − x_i) ≤ 0: per row j, i, n_x, n_y (flat arrays). */
interface ConstantRows {
  readonly j: number[];
  readonly i: number[];
  readonly nx: number[];
  readonly ny: number[];
}

/** 'reflex-neighbours': the wedge rows of the file comment. */
function wedgeRows(lap: LaplacianPattern, corners: ReflexCorners, onBoundary: Uint8Array): ConstantRows {
  const nv = lap.nv;
  const Lp = lap.L.colPtr;
  const Li = lap.L.rowIdx;
  // interior vertices next to two or more reflex vertices get no wedge row (their wedges can be
  // disjoint: the QP would be infeasible)
  const reflexNeighbours = new Int32Array(nv);
  for (let k = 0; k < corners.count; k++) {
    const i = corners.vertex[k]!;
    for (let q = Lp[i]!; q < Lp[i + 1]!; q++) if (Li[q] !== i) reflexNeighbours[Li[q]!]!++;
  }
  const rows: ConstantRows = { j: [], i: [], nx: [], ny: [] };
  for (let k = 0; k < corners.count; k++) {
    const i = corners.vertex[k]!;
    for (let q = Lp[i]!; q < Lp[i + 1]!; q++) {
      const j = Li[q]!;
      if (j === i || onBoundary[j] || reflexNeighbours[j]! > 1) continue;
      for (const n of [corners.nL, corners.nR]) {
        rows.j.push(j);
        rows.i.push(i);
        rows.nx.push(n[2 * k]!);
        rows.ny.push(n[2 * k + 1]!);
      }
    }
  }
  return rows;
}

/**
 * 'boundary-directions': at every boundary vertex b that is not a reflex corner, for every
 * interior neighbour j, n · (x_j − x_b) ≤ 0 for the outward normal n of each polygon edge at b
 * (one row on a straight edge, |turn| ≤ REFLEX_TOLERANCE, with the normal of the mean edge
 * direction; two at a convex corner). Loop order, then neighbour order.
 */
function directionRows(lap: LaplacianPattern, loop: Int32Array, polygon: Float64Array, onBoundary: Uint8Array): ConstantRows {
  const Lp = lap.L.colPtr;
  const Li = lap.L.rowIdx;
  const nb = loop.length;
  const rows: ConstantRows = { j: [], i: [], nx: [], ny: [] };
  for (let t = 0; t < nb; t++) {
    const tp = t === 0 ? nb - 1 : t - 1;
    const tn = t === nb - 1 ? 0 : t + 1;
    let ax = polygon[2 * t]! - polygon[2 * tp]!;
    let ay = polygon[2 * t + 1]! - polygon[2 * tp + 1]!;
    let bx = polygon[2 * tn]! - polygon[2 * t]!;
    let by = polygon[2 * tn + 1]! - polygon[2 * t + 1]!;
    const la = Math.hypot(ax, ay);
    const lb = Math.hypot(bx, by);
    ax /= la;
    ay /= la;
    bx /= lb;
    by /= lb;
    const turn = Math.atan2(ax * by - ay * bx, ax * bx + ay * by);
    if (turn < -REFLEX_TOLERANCE) continue; // a reflex corner: its interior is not convex
    // outward normal of a counter-clockwise edge with unit direction (dx, dy): (dy, −dx)
    const normals: [number, number][] = [];
    if (turn > REFLEX_TOLERANCE) normals.push([ay, -ax], [by, -bx]);
    else {
      const mx = ax + bx;
      const my = ay + by;
      const lm = Math.hypot(mx, my);
      normals.push([my / lm, -mx / lm]);
    }
    const b = loop[t]!;
    for (let q = Lp[b]!; q < Lp[b + 1]!; q++) {
      const j = Li[q]!;
      if (j === b || onBoundary[j]) continue;
      for (const [nx, ny] of normals) {
        rows.j.push(j);
        rows.i.push(b);
        rows.nx.push(nx);
        rows.ny.push(ny);
      }
    }
  }
  return rows;
}

/** Append constant rows (rows 2K, 2K + 1, … in the given order) to the cone rows. */
function withConstantRows(base: ConePattern, nv: number, rows: ConstantRows): ConePattern {
  const R = rows.j.length;
  const m = base.m + R;
  const cnt = new Int32Array(2 * nv + 1);
  for (let c = 0; c < 2 * nv; c++) cnt[c + 1] = base.C.colPtr[c + 1]! - base.C.colPtr[c]!;
  for (let r = 0; r < R; r++) {
    cnt[rows.j[r]! + 1]! += 1;
    cnt[nv + rows.j[r]! + 1]! += 1;
    cnt[rows.i[r]! + 1]! += 1;
    cnt[nv + rows.i[r]! + 1]! += 1;
  }
  for (let c = 0; c < 2 * nv; c++) cnt[c + 1]! += cnt[c]!;
  const nnz = cnt[2 * nv]!;
  const rowIdx = new Int32Array(nnz);
  const lPos = new Int32Array(nnz);
  const coef = new Float64Array(nnz);
  const fill = cnt.slice(0, 2 * nv);
  // the cone rows first in every column (rows < 2K), then the constant rows (ascending)
  for (let c = 0; c < 2 * nv; c++) {
    for (let p = base.C.colPtr[c]!; p < base.C.colPtr[c + 1]!; p++) {
      const t = fill[c]!++;
      rowIdx[t] = base.C.rowIdx[p]!;
      lPos[t] = base.lPos[p]!;
      coef[t] = base.coef[p]!;
    }
  }
  const put = (col: number, row: number, v: number) => {
    const t = fill[col]!++;
    rowIdx[t] = row;
    lPos[t] = -1;
    coef[t] = v;
  };
  for (let r = 0; r < R; r++) {
    const row = base.m + r;
    const j = rows.j[r]!;
    const i = rows.i[r]!;
    const nx = rows.nx[r]!;
    const ny = rows.ny[r]!;
    put(j, row, nx);
    put(nv + j, row, ny);
    put(i, row, -nx);
    put(nv + i, row, -ny);
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
