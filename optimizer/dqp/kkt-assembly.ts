/**
 * Assembly of the reduced KKT matrix K_J of an active set J, scaled to unit size (see
 * reduced-kkt.ts for the system and its scaling K̃ = D K_J D / s, and docs/dqp-layer.md#reduced-kkt):
 *
 *   K_J = [ P    Aᵀ   C_Jᵀ ]      unknowns ordered (z: n, λ: p, μ_J: k = |J|),  N = n + p + k
 *         [ A    0    0    ]
 *         [ C_J  0    0    ]
 *
 * B = [A; C_J] is assembled first as row-compressed rows (the bound rows of J are −e_iᵀ / +e_iᵀ);
 * then K̃ in sparse (upper-triangle CSC) or dense (row-major) form. The forms convert into each
 * other (kktDense, withUpper, toDenseKkt) and multiply a vector (kktMatVec).
 */
import type { CscMatrix, DenseMatrix, Matrix } from '../linalg/types.ts';
import { cscRowCompressed, cscSymUpperMatVec, type RowCompressed as CscRowCompressed } from '../linalg/csc.ts';
import type { InequalityRows } from '../qp/inequality-rows.ts';

/**
 * Rows of a matrix in row-compressed form: row i is colIdx/values[rowPtr[i] .. rowPtr[i+1]),
 * columns ascending (linalg's RowCompressed without the map back to the source entries, which a
 * dense matrix does not need).
 */
export type RowCompressed = Pick<CscRowCompressed, 'rowPtr' | 'colIdx' | 'values'>;

/** Row-compressed rows of B = D_B [A; C_J] (p + k rows; values already scaled by D_B = diag(s_A, s_J)). */
export type BRows = RowCompressed;

export interface ReducedKktInput {
  /** n×n, both triangles stored when CSC */
  readonly P: Matrix;
  /** p×n or null */
  readonly A: Matrix | null;
  /** the inequality rows (C, d, bounds) */
  readonly rows: InequalityRows;
  /** active rows, ascending (InequalityRows numbering) */
  readonly J: Int32Array;
  /** row scales of A (length p) or null for ones */
  readonly sA: Float64Array | null;
  /** row scales of C (length m) or null for ones */
  readonly sC: Float64Array | null;
  /**
   * optional memo of the row-compressed A and C (filled on first use; lets repeated assemblies
   * of one problem, e.g. the active-set refinement, transpose A and C once)
   */
  readonly memo?: { A?: RowCompressed; C?: RowCompressed };
}

/** The assembled, scaled reduced KKT matrix K̃ (see the file comment). */
export interface ReducedKkt {
  readonly n: number;
  readonly p: number;
  readonly k: number;
  readonly N: number;
  /** D (length N) */
  readonly D: Float64Array;
  /** s: K_J = D⁻¹ (s K̃) D⁻¹ */
  readonly scale: number;
  /** +1 for the n primal rows, −1 for the p + k constraint rows */
  readonly signs: Int8Array;
  /** upper triangle of K̃ (sparse form), or null */
  readonly upper: CscMatrix | null;
  /** K̃ row-major (dense form), or null */
  readonly dense: DenseMatrix | null;
  /** ‖K̃‖∞ (= ‖K̃‖₁, symmetric) */
  readonly normInf: number;
}

/** Rows of a matrix in row-compressed form (dense: every entry, zeros kept; CSC: cscRowCompressed). */
export function rowCompressed(M: Matrix): RowCompressed {
  const r = M.nrows;
  const c = M.ncols;
  if (M.format === 'dense') {
    const rowPtr = new Int32Array(r + 1);
    for (let i = 0; i <= r; i++) rowPtr[i] = i * c;
    const colIdx = new Int32Array(r * c);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) colIdx[i * c + j] = j;
    return { rowPtr, colIdx, values: M.data };
  }
  return cscRowCompressed(M);
}

/** B = [S_A A; S_J C_J] row-compressed (bound rows: one entry ∓1). */
export function assembleBRows(inp: ReducedKktInput): BRows {
  const { A, rows, J, sA, sC } = inp;
  const p = A ? A.nrows : 0;
  const k = J.length;
  let needC = false;
  for (let t = 0; t < k; t++) if (rows.isCRow(J[t]!)) needC = true;
  const memo = inp.memo;
  let aRows: RowCompressed | null = null;
  if (A) {
    aRows = memo?.A ?? rowCompressed(A);
    if (memo) memo.A = aRows;
  }
  let cRows: RowCompressed | null = null;
  if (needC && rows.C) {
    cRows = memo?.C ?? rowCompressed(rows.C);
    if (memo) memo.C = cRows;
  }
  const rowPtr = new Int32Array(p + k + 1);
  if (aRows) for (let i = 0; i < p; i++) rowPtr[i + 1] = aRows.rowPtr[i + 1]!;
  for (let t = 0; t < k; t++) {
    const j = J[t]!;
    const cnt = rows.isCRow(j) ? cRows!.rowPtr[j + 1]! - cRows!.rowPtr[j]! : 1;
    rowPtr[p + t + 1] = rowPtr[p + t]! + cnt;
  }
  const total = rowPtr[p + k]!;
  const colIdx = new Int32Array(total);
  const values = new Float64Array(total);
  if (aRows) {
    const na = aRows.rowPtr[p]!;
    colIdx.set(aRows.colIdx.subarray(0, na), 0);
    if (sA) {
      for (let i = 0; i < p; i++) {
        const s = sA[i]!;
        for (let e = aRows.rowPtr[i]!; e < aRows.rowPtr[i + 1]!; e++) values[e] = aRows.values[e]! * s;
      }
    } else values.set(aRows.values.subarray(0, na), 0);
  }
  let o = rowPtr[p]!;
  for (let t = 0; t < k; t++) {
    const j = J[t]!;
    if (rows.isCRow(j)) {
      const s = sC ? sC[j]! : 1;
      const c = cRows!;
      for (let e = c.rowPtr[j]!, end = c.rowPtr[j + 1]!; e < end; e++) {
        colIdx[o] = c.colIdx[e]!;
        values[o++] = c.values[e]! * s;
      }
    } else {
      // a bound row: −z_i ≤ −lb_i or z_i ≤ ub_i
      colIdx[o] = rows.variable(j);
      values[o++] = rows.boundSign(j);
    }
  }
  return { rowPtr, colIdx, values };
}

/** D = diag(1_n, s_A, s_J) (length n + p + |J|). */
export function scalingVector(inp: ReducedKktInput): Float64Array {
  const n = inp.P.ncols;
  const p = inp.A ? inp.A.nrows : 0;
  const k = inp.J.length;
  const D = new Float64Array(n + p + k).fill(1);
  if (inp.sA) for (let i = 0; i < p; i++) D[n + i] = inp.sA[i]!;
  if (inp.sC) {
    for (let t = 0; t < k; t++) {
      const j = inp.J[t]!;
      if (inp.rows.isCRow(j)) D[n + p + t] = inp.sC[j]!;
    }
  }
  return D;
}

/**
 * What to assemble: the rows/columns of [P Bᵀ; B 0] that are kept, in their new numbering.
 * The full K_J keeps everything (varMap = rowSel = null).
 */
export interface KktSelection {
  /** variable i → its index in the assembled matrix, or −1 (dropped); increasing on the kept ones. null = identity */
  readonly varMap: Int32Array | null;
  /** kept variables, ascending (the inverse of varMap); null = all n */
  readonly vars: Int32Array | null;
  /** kept rows of B, ascending; null = all */
  readonly rowSel: Int32Array | null;
}

/**
 * Assemble K̃ = D K D / s for K = [P_RR  B_TRᵀ; B_TR 0], R = kept variables, T = kept rows of B
 * (the whole K_J when nothing is dropped).
 *   P       n×n (both triangles when CSC)
 *   B       rows of D_B B (all p + k rows)
 *   sel     kept variables / rows
 *   D       length nR + |T|: 1 for the variables, the row scales of the kept rows (not modified, stored)
 *   p, k    the split of the |T| rows recorded in the result (p + k = |T|)
 *   form    'sparse' → upper-triangle CSC (explicit zero diagonal on every row, so the pattern
 *           depends only on the patterns of P, B and on the selection); 'dense' → row-major
 */
export function assembleKkt(P: Matrix, B: BRows, sel: KktSelection, D: Float64Array, p: number, k: number, form: 'sparse' | 'dense'): ReducedKkt {
  const nFull = P.ncols;
  const { varMap, vars, rowSel } = sel;
  const n = vars ? vars.length : nFull;
  const rB = rowSel ? rowSel.length : B.rowPtr.length - 1;
  const N = n + rB;
  const { rowPtr: bPtr, colIdx: bCol, values: bVal } = B;

  if (form === 'sparse') {
    // count
    const colPtr = new Int32Array(N + 1);
    if (P.format === 'csc') {
      const pp = P.colPtr;
      const pi = P.rowIdx;
      for (let jn = 0; jn < n; jn++) {
        const j = vars ? vars[jn]! : jn;
        let cnt = 1; // diagonal (explicit zero if not stored)
        for (let e = pp[j]!, end = pp[j + 1]!; e < end; e++) {
          const i = pi[e]!;
          if (i < j && (!varMap || varMap[i]! >= 0)) cnt++;
        }
        colPtr[jn + 1] = colPtr[jn]! + cnt;
      }
    } else {
      for (let jn = 0; jn < n; jn++) colPtr[jn + 1] = colPtr[jn]! + jn + 1;
    }
    for (let t = 0; t < rB; t++) {
      const r = rowSel ? rowSel[t]! : t;
      let cnt = 1;
      if (varMap) {
        for (let e = bPtr[r]!, end = bPtr[r + 1]!; e < end; e++) if (varMap[bCol[e]!]! >= 0) cnt++;
      } else cnt += bPtr[r + 1]! - bPtr[r]!;
      colPtr[n + t + 1] = colPtr[n + t]! + cnt;
    }
    const nz = colPtr[N]!;
    const rowIdx = new Int32Array(nz);
    const values = new Float64Array(nz);
    let o = 0;
    if (P.format === 'csc') {
      const pp = P.colPtr;
      const pi = P.rowIdx;
      const pv = P.values;
      for (let jn = 0; jn < n; jn++) {
        const j = vars ? vars[jn]! : jn;
        let diag = 0;
        for (let e = pp[j]!, end = pp[j + 1]!; e < end; e++) {
          const i = pi[e]!;
          if (i < j) {
            const inew = varMap ? varMap[i]! : i;
            if (inew >= 0) {
              rowIdx[o] = inew;
              values[o++] = pv[e]!;
            }
          } else if (i === j) diag = pv[e]!;
        }
        rowIdx[o] = jn;
        values[o++] = diag;
      }
    } else {
      const pd = P.data;
      for (let jn = 0; jn < n; jn++) {
        const j = vars ? vars[jn]! : jn;
        for (let in_ = 0; in_ < jn; in_++) {
          const i = vars ? vars[in_]! : in_;
          rowIdx[o] = in_;
          values[o++] = pd[i * nFull + j]!;
        }
        rowIdx[o] = jn;
        values[o++] = pd[j * nFull + j]!;
      }
    }
    for (let t = 0; t < rB; t++) {
      const r = rowSel ? rowSel[t]! : t;
      for (let e = bPtr[r]!, end = bPtr[r + 1]!; e < end; e++) {
        const c = varMap ? varMap[bCol[e]!]! : bCol[e]!;
        if (c >= 0) {
          rowIdx[o] = c;
          values[o++] = bVal[e]!;
        }
      }
      rowIdx[o] = n + t;
      values[o++] = 0;
    }
    return finishSparseKkt(colPtr, rowIdx, values, n, p, k, D);
  }

  const data = new Float64Array(N * N);
  if (P.format === 'csc') {
    for (let jn = 0; jn < n; jn++) {
      const j = vars ? vars[jn]! : jn;
      for (let e = P.colPtr[j]!; e < P.colPtr[j + 1]!; e++) {
        const i = varMap ? varMap[P.rowIdx[e]!]! : P.rowIdx[e]!;
        if (i >= 0) data[i * N + jn] = P.values[e]!;
      }
    }
  } else {
    for (let in_ = 0; in_ < n; in_++) {
      const i = vars ? vars[in_]! : in_;
      for (let jn = 0; jn < n; jn++) data[in_ * N + jn] = P.data[i * nFull + (vars ? vars[jn]! : jn)]!;
    }
  }
  for (let t = 0; t < rB; t++) {
    const r = rowSel ? rowSel[t]! : t;
    const row = n + t;
    for (let e = bPtr[r]!; e < bPtr[r + 1]!; e++) {
      const c = varMap ? varMap[bCol[e]!]! : bCol[e]!;
      if (c < 0) continue;
      data[row * N + c] = bVal[e]!;
      data[c * N + row] = bVal[e]!;
    }
  }
  return finishDenseKkt(data, n, p, k, D);
}

/** +1 for the n primal rows, −1 for the others. */
function kktSigns(n: number, N: number): Int8Array {
  const signs = new Int8Array(N);
  signs.fill(1, 0, n);
  signs.fill(-1, n, N);
  return signs;
}

/**
 * The ReducedKkt of an assembled upper triangle of D K D (N = n + p + k, values modified: divided
 * by s = max |value|), with ‖K̃‖∞.
 */
export function finishSparseKkt(colPtr: Int32Array, rowIdx: Int32Array, values: Float64Array, n: number, p: number, k: number, D: Float64Array): ReducedKkt {
  const N = colPtr.length - 1;
  const nz = colPtr[N]!;
  let maxAbs = 0;
  for (let e = 0; e < nz; e++) {
    const a = Math.abs(values[e]!);
    if (a > maxAbs) maxAbs = a;
  }
  const s = maxAbs > 0 ? maxAbs : 1;
  const inv = 1 / s;
  // scale, and ‖K̃‖∞ of the symmetric matrix from its upper triangle
  const rs = new Float64Array(N);
  for (let j = 0; j < N; j++) {
    let cs = 0;
    for (let e = colPtr[j]!, end = colPtr[j + 1]!; e < end; e++) {
      const v = values[e]! * inv;
      values[e] = v;
      const a = Math.abs(v);
      cs += a;
      const i = rowIdx[e]!;
      if (i !== j) rs[i] += a;
    }
    rs[j] += cs;
  }
  let normInf = 0;
  for (let i = 0; i < N; i++) if (rs[i]! > normInf) normInf = rs[i]!;
  const upper: CscMatrix = { format: 'csc', nrows: N, ncols: N, colPtr, rowIdx, values };
  return { n, p, k, N, D, scale: s, signs: kktSigns(n, N), upper, dense: null, normInf };
}

/** The ReducedKkt of an assembled dense D K D (N×N row-major, modified: divided by s). */
export function finishDenseKkt(data: Float64Array, n: number, p: number, k: number, D: Float64Array): ReducedKkt {
  const N = D.length;
  let maxAbs = 0;
  for (let e = 0; e < data.length; e++) maxAbs = Math.max(maxAbs, Math.abs(data[e]!));
  const s = maxAbs > 0 ? maxAbs : 1;
  const inv = 1 / s;
  let normInf = 0;
  for (let i = 0; i < N; i++) {
    let r = 0;
    for (let j = 0; j < N; j++) {
      const v = data[i * N + j]! * inv;
      data[i * N + j] = v;
      r += Math.abs(v);
    }
    normInf = Math.max(normInf, r);
  }
  const dense: DenseMatrix = { format: 'dense', nrows: N, ncols: N, data };
  return { n, p, k, N, D, scale: s, signs: kktSigns(n, N), upper: null, dense, normInf };
}

const FULL_SELECTION: KktSelection = { varMap: null, vars: null, rowSel: null };

/**
 * Assemble K̃ for the given active set (the whole K_J).
 *   form  'sparse' → upper-triangle CSC (explicit zero diagonal kept on every row, so the
 *         pattern depends only on the patterns of P, A, C and on J); 'dense' → row-major.
 */
export function assembleReducedKkt(inp: ReducedKktInput, form: 'sparse' | 'dense'): ReducedKkt {
  const p = inp.A ? inp.A.nrows : 0;
  return assembleKkt(inp.P, assembleBRows(inp), FULL_SELECTION, scalingVector(inp), p, inp.J.length, form);
}

/** y = K̃ x (either form). */
export function kktMatVec(K: ReducedKkt, x: Float64Array, y: Float64Array): Float64Array {
  if (K.upper) return cscSymUpperMatVec(K.upper, x, y);
  const { N } = K;
  const a = K.dense!.data;
  for (let i = 0; i < N; i++) {
    let s = 0;
    const o = i * N;
    for (let j = 0; j < N; j++) s += a[o + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

/** The dense form of K̃ (from the sparse one if needed). */
export function kktDense(K: ReducedKkt): DenseMatrix {
  if (K.dense) return K.dense;
  const { N } = K;
  const U = K.upper!;
  const data = new Float64Array(N * N);
  for (let j = 0; j < N; j++) {
    for (let e = U.colPtr[j]!; e < U.colPtr[j + 1]!; e++) {
      const i = U.rowIdx[e]!;
      data[i * N + j] = U.values[e]!;
      data[j * N + i] = U.values[e]!;
    }
  }
  return { format: 'dense', nrows: N, ncols: N, data };
}

/**
 * The upper triangle (CSC, diagonal always stored) of a dense K̃ (entries that are exactly zero
 * off the diagonal are left out).
 */
export function denseToUpper(M: DenseMatrix): CscMatrix {
  const N = M.ncols;
  const a = M.data;
  const colPtr = new Int32Array(N + 1);
  for (let j = 0; j < N; j++) {
    let c = 1;
    for (let i = 0; i < j; i++) if (a[i * N + j] !== 0) c++;
    colPtr[j + 1] = colPtr[j]! + c;
  }
  const rowIdx = new Int32Array(colPtr[N]!);
  const values = new Float64Array(colPtr[N]!);
  let o = 0;
  for (let j = 0; j < N; j++) {
    for (let i = 0; i < j; i++) {
      const v = a[i * N + j]!;
      if (v !== 0) {
        rowIdx[o] = i;
        values[o++] = v;
      }
    }
    rowIdx[o] = j;
    values[o++] = a[j * N + j]!;
  }
  return { format: 'csc', nrows: N, ncols: N, colPtr, rowIdx, values };
}

/** K̃ with its sparse (upper triangle) form. */
export function withUpper(K: ReducedKkt): ReducedKkt {
  return K.upper ? K : { ...K, upper: denseToUpper(K.dense!), dense: null };
}

/** K̃ in dense form (the same matrix, D, s). */
export function toDenseKkt(K: ReducedKkt): ReducedKkt {
  return { ...K, upper: null, dense: kktDense(K) };
}
