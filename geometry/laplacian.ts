/**
 * The parameterized graph Laplacian: one parameter θ_e per undirected edge (edges.ts order).
 *
 *   w_e   = min(θ_e, 0) − 0.01          (≤ −0.01 always; dw/dθ = 1 for θ_e ≤ 0, 0 for θ_e > 0)
 *   L_ij  = L_ji = w_e                  for e = {i, j}
 *   L_ii  = Σ_{j~i} |w_ij| + 1e-4       (= 1e-4 − Σ w_ij: positive definite)
 *   init  θ_e = −1
 *
 *   pattern = laplacianPattern(edges)          once per mesh
 *   Lv      = laplacianValues(pattern, θ, out?, shift?)  values only, O(#V + #E)
 *   gθ      = laplacianPullback(pattern, θ, gL, out?)   chain rule, O(#V + #E)
 *
 * pattern.L: #V by #V CSC, BOTH triangles and the diagonal stored; column j holds rows
 *   {j} ∪ neighbours(j) ascending; nnz = #V + 2#E. Its `values` array is a template (zeros);
 *   values live in separate Float64Arrays of length nnz so a pattern is shared.
 * offA[e] = position of (row E[2e], col E[2e+1]), offB[e] = position of (row E[2e+1], col E[2e]),
 *   diag[i] = position of (i, i).
 * Chain rule: ∂L_ij/∂w_e = ∂L_ji/∂w_e = 1, ∂L_ii/∂w_e = ∂L_jj/∂w_e = −1, so
 *   gθ_e = [θ_e ≤ 0] · (gL[offA_e] + gL[offB_e] − gL[diag_i] − gL[diag_j]).
 */
import { DimensionError, InputError } from '../optimizer/errors.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';
import type { EdgeList } from './edges.ts';

/** w_e = min(θ_e, 0) − WEIGHT_OFFSET */
export const WEIGHT_OFFSET = 0.01;
/** L_ii = Σ|w| + DIAGONAL_SHIFT */
export const DIAGONAL_SHIFT = 1e-4;
/** θ at initialization */
export const THETA_INIT = -1;

export interface LaplacianPattern {
  readonly nv: number;
  readonly ne: number;
  readonly edges: EdgeList;
  readonly L: CscMatrix;
  readonly offA: Int32Array;
  readonly offB: Int32Array;
  readonly diag: Int32Array;
}

export function laplacianPattern(edges: EdgeList): LaplacianPattern {
  const { nv, ne, E, adjPtr, adjNbr } = edges;
  const nnz = nv + 2 * ne;
  const colPtr = new Int32Array(nv + 1);
  const rowIdx = new Int32Array(nnz);
  const diag = new Int32Array(nv);
  for (let j = 0; j < nv; j++) {
    let p = adjPtr[j]! + j;
    colPtr[j] = p;
    let placed = false;
    for (let k = adjPtr[j]!; k < adjPtr[j + 1]!; k++) {
      const i = adjNbr[k]!;
      if (!placed && i > j) {
        diag[j] = p;
        rowIdx[p++] = j;
        placed = true;
      }
      rowIdx[p++] = i;
    }
    if (!placed) {
      diag[j] = p;
      rowIdx[p++] = j;
    }
  }
  colPtr[nv] = nnz;
  const offA = new Int32Array(ne);
  const offB = new Int32Array(ne);
  const find = (row: number, col: number): number => {
    let lo = colPtr[col]!;
    let hi = colPtr[col + 1]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = rowIdx[mid]!;
      if (r === row) return mid;
      if (r < row) lo = mid + 1;
      else hi = mid - 1;
    }
    throw new Error(`laplacianPattern: internal error, (${row}, ${col}) not in the pattern`);
  };
  for (let e = 0; e < ne; e++) {
    const i = E[2 * e]!;
    const j = E[2 * e + 1]!;
    offA[e] = find(i, j);
    offB[e] = find(j, i);
  }
  const L: CscMatrix = { format: 'csc', nrows: nv, ncols: nv, colPtr, rowIdx, values: new Float64Array(nnz) };
  return { nv, ne, edges, L, offA, offB, diag };
}

function checkTheta(pattern: LaplacianPattern, theta: Float64Array): void {
  if (theta.length !== pattern.ne) throw new DimensionError('theta', `length ${pattern.ne} (one per edge)`, `length ${theta.length}`);
}

/** w = min(θ, 0) − 0.01 elementwise. `out` (length #E) is overwritten and returned. */
export function edgeWeights(theta: Float64Array, out = new Float64Array(theta.length)): Float64Array {
  for (let e = 0; e < theta.length; e++) {
    const t = theta[e]!;
    out[e] = (t < 0 ? t : 0) - WEIGHT_OFFSET;
  }
  return out;
}

/**
 * Values of L on pattern.L for parameters θ.
 *   theta  #E, not modified (NaN is rejected: it would poison every value silently)
 *   out    nnz(L), overwritten and returned
 *   shift  added to every diagonal entry (default DIAGONAL_SHIFT, the paper's L; 0 gives the
 *          plain weighted graph Laplacian, whose rows sum to 0)
 */
export function laplacianValues(
  pattern: LaplacianPattern,
  theta: Float64Array,
  out = new Float64Array(pattern.L.values.length),
  shift = DIAGONAL_SHIFT,
): Float64Array {
  checkTheta(pattern, theta);
  const { nv, ne, offA, offB, diag, edges } = pattern;
  const E = edges.E;
  for (let i = 0; i < nv; i++) out[diag[i]!] = shift;
  for (let e = 0; e < ne; e++) {
    const t = theta[e]!;
    if (Number.isNaN(t)) throw new InputError('theta', 'numbers (not NaN)', `NaN at edge ${e}`);
    const w = (t < 0 ? t : 0) - WEIGHT_OFFSET;
    out[offA[e]!] = w;
    out[offB[e]!] = w;
    out[diag[E[2 * e]!]!] -= w;
    out[diag[E[2 * e + 1]!]!] -= w;
  }
  return out;
}

/**
 * Chain rule L values → θ.
 *   theta  #E, not modified
 *   gL     nnz(L) gradient of a scalar w.r.t. the stored values of L, not modified
 *   out    #E, overwritten and returned
 */
export function laplacianPullback(
  pattern: LaplacianPattern,
  theta: Float64Array,
  gL: Float64Array,
  out: Float64Array = new Float64Array(pattern.ne),
): Float64Array {
  checkTheta(pattern, theta);
  if (gL.length !== pattern.L.values.length) throw new DimensionError('gL', `length ${pattern.L.values.length} (nnz of L)`, `length ${gL.length}`);
  const { ne, offA, offB, diag, edges } = pattern;
  const E = edges.E;
  for (let e = 0; e < ne; e++) {
    out[e] = theta[e]! <= 0 ? gL[offA[e]!]! + gL[offB[e]!]! - gL[diag[E[2 * e]!]!]! - gL[diag[E[2 * e + 1]!]!]! : 0;
  }
  return out;
}
