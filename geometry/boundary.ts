/**
 * Manifold check and boundary loops following the face orientation.
 *
 *   loops = boundaryLoops(F, edges, source?)
 *
 * Inputs:
 *   F       #F by 3 triangle indices, not modified
 *   edges   edgeList(F, nv)
 *   source  file name for error messages (optional)
 * Output: the boundary loops, each an Int32Array of vertex indices in the direction of the
 *   boundary half-edges (a → b) of their faces: for counter-clockwise faces the outer boundary
 *   runs counter-clockwise. Loops are ordered by their smallest vertex and start there.
 *
 * Checks (typed errors, see errors.ts):
 *   - a face with a repeated vertex
 *   - an edge in more than 2 faces (non-manifold edge)
 *   - an interior edge oriented the same way by both faces (inconsistent orientation)
 *   - a vertex with two outgoing boundary edges (two fans touching at a vertex)
 */
import { edgeId } from './edges.ts';
import type { EdgeList } from './edges.ts';
import { geometryError } from './errors.ts';

/**
 * Per-edge face counts, for checks: count[e] = number of faces with edge e, fwd[e] = how many
 * of them traverse it as (min → max).
 */
function edgeFaceCounts(F: Int32Array, edges: EdgeList): { count: Int32Array; fwd: Int32Array; faceEdge: Int32Array } {
  const count = new Int32Array(edges.ne);
  const fwd = new Int32Array(edges.ne);
  const faceEdge = new Int32Array(F.length);
  for (let h = 0; h < F.length; h++) {
    const f = h - (h % 3);
    const a = F[h]!;
    const b = F[f + ((h - f + 1) % 3)]!;
    const e = edgeId(edges, a, b);
    faceEdge[h] = e;
    count[e]!++;
    if (a < b) fwd[e]!++;
  }
  return { count, fwd, faceEdge };
}

function facesOfEdge(faceEdge: Int32Array, e: number): number[] {
  const out: number[] = [];
  for (let h = 0; h < faceEdge.length; h++) if (faceEdge[h] === e) out.push(Math.floor(h / 3));
  return out;
}

export function boundaryLoops(F: Int32Array, edges: EdgeList, source?: string): Int32Array[] {
  const nv = edges.nv;
  for (let f = 0; f < F.length; f += 3) {
    const a = F[f]!;
    const b = F[f + 1]!;
    const c = F[f + 2]!;
    if (a === b || b === c || a === c) {
      throw geometryError(source, 'F', 'triangles with 3 distinct vertices', `face ${f / 3} is (${a}, ${b}, ${c})`);
    }
  }
  const { count, fwd, faceEdge } = edgeFaceCounts(F, edges);
  for (let e = 0; e < edges.ne; e++) {
    const i = edges.E[2 * e]!;
    const j = edges.E[2 * e + 1]!;
    if (count[e]! > 2) {
      throw geometryError(
        source,
        'F',
        'a manifold mesh (each edge in at most 2 faces)',
        `edge (${i}, ${j}) is in ${count[e]} faces (${facesOfEdge(faceEdge, e).join(', ')})`,
      );
    }
    if (count[e] === 2 && fwd[e] !== 1) {
      throw geometryError(
        source,
        'F',
        'consistently oriented faces (neighbours traverse their shared edge in opposite directions)',
        `faces ${facesOfEdge(faceEdge, e).join(' and ')} both traverse edge (${i}, ${j}) as (${fwd[e] === 2 ? i : j} → ${fwd[e] === 2 ? j : i})`,
      );
    }
  }
  // next[a] = b for each boundary half-edge a → b
  const next = new Int32Array(nv).fill(-1);
  let nb = 0;
  for (let h = 0; h < F.length; h++) {
    if (count[faceEdge[h]!] !== 1) continue;
    const f = h - (h % 3);
    const a = F[h]!;
    const b = F[f + ((h - f + 1) % 3)]!;
    if (next[a] !== -1) {
      throw geometryError(
        source,
        'F',
        'a manifold mesh (one boundary fan per boundary vertex)',
        `vertex ${a} has two outgoing boundary edges (${a} → ${next[a]}) and (${a} → ${b}): two parts of the mesh touch at a single vertex`,
      );
    }
    next[a] = b;
    nb++;
  }
  const loops: Int32Array[] = [];
  const seen = new Uint8Array(nv);
  for (let s = 0; s < nv; s++) {
    if (next[s] === -1 || seen[s]) continue;
    const loop: number[] = [];
    let v = s;
    while (!seen[v]) {
      seen[v] = 1;
      loop.push(v);
      v = next[v]!;
      // every boundary vertex has exactly one outgoing and (by counting) one incoming boundary half-edge
      if (v === -1) throw new Error('boundaryLoops: internal error, open boundary chain');
    }
    loops.push(Int32Array.from(loop));
  }
  let total = 0;
  for (const l of loops) total += l.length;
  if (total !== nb) throw new Error('boundaryLoops: internal error, boundary half-edges not all in loops');
  return loops;
}
