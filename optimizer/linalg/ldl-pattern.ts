/**
 * From the user's K to the permuted lower pattern the sparse LDLᵀ factors (analysis phase of
 * SparseLdl): which triangle of K is read and the structural check, the fill-reducing order
 * followed by a postorder of the elimination tree, and the strictly lower lists of C = P K Pᵀ
 * with the map from K's entries into them (so a refactor is a scatter).
 */
import { InputError, StructurallySingularError } from '../errors.ts';
import { eliminationTree, postorder } from './ldl-symbolic.ts';

/**
 * Which triangle of K is read, and the structural check. K is read by its upper triangle
 * (entries below the diagonal ignored) unless it has no entry above the diagonal but some below:
 * then it is a lower triangle and read as such (returns true). Every row/column must hold an
 * entry in the part read unless regularization is configured (StructurallySingularError).
 */
export function checkStructure(n: number, colPtr: Int32Array, rowIdx: Int32Array, canRegularize: boolean): boolean {
  let nUpper = 0;
  let nLower = 0;
  for (let j = 0; j < n; j++) {
    for (let p = colPtr[j]!, end = colPtr[j + 1]!; p < end; p++) {
      const i = rowIdx[p]!;
      if (!(i >= 0 && i < n)) throw new InputError(`K.rowIdx[${p}]`, `a row index in [0, ${n})`, String(i));
      if (i < j) nUpper++;
      else if (i > j) nLower++;
    }
  }
  const lowerInput = nUpper === 0 && nLower > 0;
  if (!canRegularize) {
    const has = new Uint8Array(n);
    for (let j = 0; j < n; j++) {
      for (let p = colPtr[j]!, end = colPtr[j + 1]!; p < end; p++) {
        const i = rowIdx[p]!;
        if (lowerInput ? i >= j : i <= j) {
          has[i] = 1;
          has[j] = 1;
        }
      }
    }
    for (let i = 0; i < n; i++) {
      if (has[i] === 0) throw new StructurallySingularError(i, `row/column ${i} has no entries (and no regularization is configured)`);
    }
  }
  return lowerInput;
}

/**
 * The fill-reducing order perm0 followed by a postorder of the elimination tree of P0 K P0ᵀ
 * (same fill, subtrees contiguous). Returns perm, pinv and the elimination tree in the final
 * numbering (parent[k] > k, −1 for roots).
 */
export function postorderedOrdering(
  n: number,
  colPtr: Int32Array,
  rowIdx: Int32Array,
  lowerInput: boolean,
  perm0: Int32Array,
  pinv0: Int32Array,
): { perm: Int32Array; pinv: Int32Array; parent: Int32Array } {
  // strictly upper lists of P0 K P0ᵀ (pattern only): column = the larger permuted index
  const up = strictTriangleColPtr(n, colPtr, rowIdx, lowerInput, pinv0, true);
  const ui = new Int32Array(up[n]!);
  const nx = up.slice(0, n);
  for (let j = 0; j < n; j++) {
    const pj = pinv0[j]!;
    for (let p = colPtr[j]!, end = colPtr[j + 1]!; p < end; p++) {
      const i = rowIdx[p]!;
      if (lowerInput ? i <= j : i >= j) continue;
      const pi = pinv0[i]!;
      if (pi > pj) ui[nx[pi]!++] = pj;
      else ui[nx[pj]!++] = pi;
    }
  }
  const parent0 = eliminationTree(n, up, ui);
  const post = postorder(n, parent0);
  const postInv = new Int32Array(n);
  for (let k = 0; k < n; k++) postInv[post[k]!] = k;
  const perm = new Int32Array(n);
  const pinv = new Int32Array(n);
  const parent = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const old = post[k]!;
    const i = perm0[old]!;
    perm[k] = i;
    pinv[i] = k;
    const pa = parent0[old]!;
    parent[k] = pa === -1 ? -1 : postInv[pa]!;
  }
  return { perm, pinv, parent };
}

/**
 * Strictly lower lists of C = P K Pᵀ (column j: rows i > j, unsorted) and the value map
 * dst (length nnz(K)): K's entry p goes to Ci/Cx position dst[p] ≥ 0, to the diagonal −dst[p]−2
 * when dst[p] ≤ −2, or is ignored (−1: in the triangle of K that is not read).
 */
export function permutedLower(n: number, colPtr: Int32Array, rowIdx: Int32Array, lowerInput: boolean, pinv: Int32Array): { Cp: Int32Array; Ci: Int32Array; dst: Int32Array } {
  // column = the smaller permuted index
  const Cp = strictTriangleColPtr(n, colPtr, rowIdx, lowerInput, pinv, false);
  const Ci = new Int32Array(Cp[n]!);
  const dst = new Int32Array(colPtr[n]!);
  const next = Cp.slice(0, n);
  for (let j = 0; j < n; j++) {
    const pj = pinv[j]!;
    for (let p = colPtr[j]!, end = colPtr[j + 1]!; p < end; p++) {
      const i = rowIdx[p]!;
      if (lowerInput ? i < j : i > j) {
        dst[p] = -1;
        continue;
      }
      if (i === j) {
        dst[p] = -pj - 2;
        continue;
      }
      const pi = pinv[i]!;
      const q = next[pi < pj ? pi : pj]!++;
      Ci[q] = pi < pj ? pj : pi;
      dst[p] = q;
    }
  }
  return { Cp, Ci, dst };
}

/** The column of K holding entry p (binary search in colPtr), for error messages. */
export function columnOf(colPtr: Int32Array, p: number): number {
  let lo = 0;
  let hi = colPtr.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (colPtr[mid]! <= p) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Column pointers (length n+1) of the strictly upper (byMax: column = the larger permuted index
 * of an entry) or strictly lower (column = the smaller) lists of P K Pᵀ, for the off-diagonal
 * entries of the triangle of K that is read; pinv[i] = permuted position of original index i.
 */
function strictTriangleColPtr(n: number, colPtr: Int32Array, rowIdx: Int32Array, lowerInput: boolean, pinv: Int32Array, byMax: boolean): Int32Array {
  const ptr = new Int32Array(n + 1);
  for (let j = 0; j < n; j++) {
    const pj = pinv[j]!;
    for (let p = colPtr[j]!, end = colPtr[j + 1]!; p < end; p++) {
      const i = rowIdx[p]!;
      if (lowerInput ? i <= j : i >= j) continue;
      const pi = pinv[i]!;
      const key = byMax === (pi > pj) ? pi : pj; // the larger index when byMax, else the smaller
      ptr[key + 1]!++;
    }
  }
  for (let k = 0; k < n; k++) ptr[k + 1]! += ptr[k]!;
  return ptr;
}
