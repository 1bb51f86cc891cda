/**
 * Unique undirected edges of a triangle mesh and the map (i, j) → edge id.
 *
 *   edges = edgeList(F, nv)
 *
 * Inputs:
 *   F   #F by 3 triangle indices (0-based), not modified
 *   nv  #V
 * Output (EdgeList):
 *   E        #E by 2, E[2e] < E[2e+1], sorted lexicographically by (min, max): the order of θ
 *   adjPtr   #V+1, vertex adjacency in CSR form
 *   adjNbr   2#E, neighbours of i = adjNbr[adjPtr[i] .. adjPtr[i+1]), ascending
 *   adjEdge  2#E, the edge id of each adjacency entry
 * edgeId(edges, i, j) → e (either order) or −1: a binary search in i's neighbours, O(log deg).
 * Cost O(#F log #F) (one sort of the 3#F half-edge keys).
 */
import { InputError } from '../optimizer/errors.ts';

export interface EdgeList {
  readonly nv: number;
  readonly ne: number;
  readonly E: Int32Array;
  readonly adjPtr: Int32Array;
  readonly adjNbr: Int32Array;
  readonly adjEdge: Int32Array;
}

export function edgeList(F: Int32Array, nv: number): EdgeList {
  if (!Number.isInteger(nv) || nv < 0) throw new InputError('nv', 'a non-negative integer', String(nv));
  if (F.length % 3 !== 0) throw new InputError('F', 'length a multiple of 3', `length ${F.length}`);
  // key = min·nv + max is exact in a double for nv < 2^26
  const keys = new Float64Array(F.length);
  for (let f = 0; f < F.length; f += 3) {
    for (let k = 0; k < 3; k++) {
      const a = F[f + k]!;
      const b = F[f + ((k + 1) % 3)]!;
      if (!(a >= 0 && a < nv) || !(b >= 0 && b < nv)) {
        throw new InputError('F', `indices in [0, ${nv})`, `${!(a >= 0 && a < nv) ? a : b} in face ${f / 3}`);
      }
      keys[f + k] = a < b ? a * nv + b : b * nv + a;
    }
  }
  keys.sort();
  let ne = 0;
  for (let k = 0; k < keys.length; k++) if (k === 0 || keys[k] !== keys[k - 1]) keys[ne++] = keys[k]!;
  const E = new Int32Array(2 * ne);
  const adjPtr = new Int32Array(nv + 1);
  for (let e = 0; e < ne; e++) {
    const i = Math.floor(keys[e]! / nv);
    const j = keys[e]! - i * nv;
    E[2 * e] = i;
    E[2 * e + 1] = j;
    adjPtr[i + 1]!++;
    adjPtr[j + 1]!++;
  }
  for (let i = 0; i < nv; i++) adjPtr[i + 1]! += adjPtr[i]!;
  const fill = adjPtr.slice(0, nv);
  const adjNbr = new Int32Array(2 * ne);
  const adjEdge = new Int32Array(2 * ne);
  // Edges in (min, max) order: vertex i first receives its smaller neighbours (edges (j, i), j
  // ascending) and then its larger ones (edges (i, j), j ascending), so each list is sorted.
  for (let e = 0; e < ne; e++) {
    const i = E[2 * e]!;
    const j = E[2 * e + 1]!;
    adjNbr[fill[i]!] = j;
    adjEdge[fill[i]!++] = e;
    adjNbr[fill[j]!] = i;
    adjEdge[fill[j]!++] = e;
  }
  return { nv, ne, E, adjPtr, adjNbr, adjEdge };
}

/** Edge id of {i, j}, or −1 when i and j are not adjacent. */
export function edgeId(edges: EdgeList, i: number, j: number): number {
  let lo = edges.adjPtr[i]!;
  let hi = edges.adjPtr[i + 1]! - 1;
  const nbr = edges.adjNbr;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = nbr[mid]!;
    if (v === j) return edges.adjEdge[mid]!;
    if (v < j) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
