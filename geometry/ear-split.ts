/**
 * Triangles that can never be embedded: all three vertices on one straight polygon edge.
 *
 *   ears  = flatBoundaryTriangles(F, loop, cornerLoop)     faces to fix, ascending
 *   split = splitTriangles(V, dim, F, ears)                the mesh with each of them split
 *
 * A triangle whose vertices are all boundary vertices mapped onto the same polygon edge (corners
 * count for both edges they join) has zero area in every map that keeps the boundary on the
 * polygon: no weights can certify it, so the loop must not even start. splitTriangles inserts a
 * vertex at the centroid of each such triangle (in the rest positions, 3-D for surfaces) and
 * replaces the triangle (a, b, c) by (a, b, m), (b, c, m), (c, a, m) — same orientation. The
 * new vertices are interior, numbered after the input's (#V, #V + 1, … in the order of `ears`),
 * so every input vertex keeps its number; the new faces replace the split one in place and the
 * other two are appended.
 *
 * Inputs: F #F by 3; loop #B boundary vertices; cornerLoop #K positions in `loop` of the corner
 *   vertices (boundary-assign.ts), increasing cyclically; V #V by dim rest positions.
 */
import { polygonEdgeOfLoop } from './boundary-assign.ts';

export function flatBoundaryTriangles(F: Int32Array, nv: number, loop: Int32Array, cornerLoop: Int32Array): Int32Array {
  const B = loop.length;
  const K = cornerLoop.length;
  const edgeOf = polygonEdgeOfLoop(B, cornerLoop);
  // per vertex: -1 interior, else the edge it lies on; a corner also lies on the edge before it
  const edge = new Int32Array(nv).fill(-1);
  const prevEdge = new Int32Array(nv).fill(-1);
  for (let t = 0; t < B; t++) edge[loop[t]!] = edgeOf[t]!;
  for (let k = 0; k < K; k++) prevEdge[loop[cornerLoop[k]!]!] = (k + K - 1) % K;
  const out: number[] = [];
  const on = (v: number, k: number) => edge[v] === k || prevEdge[v] === k;
  for (let f = 0; f < F.length / 3; f++) {
    const a = F[3 * f]!;
    const b = F[3 * f + 1]!;
    const c = F[3 * f + 2]!;
    if (edge[a] === -1 || edge[b] === -1 || edge[c] === -1) continue;
    for (const k of [edge[a]!, prevEdge[a]!]) {
      if (k >= 0 && on(b, k) && on(c, k)) {
        out.push(f);
        break;
      }
    }
  }
  return Int32Array.from(out);
}

export interface SplitMesh {
  readonly V: Float64Array;
  readonly F: Int32Array;
  /** ids of the inserted vertices (#V … #V + count − 1) */
  readonly added: Int32Array;
}

export function splitTriangles(V: Float64Array, dim: 2 | 3, F: Int32Array, faces: Int32Array): SplitMesh {
  const nv = V.length / dim;
  const nf = F.length / 3;
  const k = faces.length;
  const V2 = new Float64Array(V.length + dim * k);
  V2.set(V);
  const F2 = new Int32Array(F.length + 6 * k);
  F2.set(F);
  for (let s = 0; s < k; s++) {
    const f = faces[s]!;
    const [a, b, c] = [F[3 * f]!, F[3 * f + 1]!, F[3 * f + 2]!];
    const m = nv + s;
    for (let o = 0; o < dim; o++) V2[dim * m + o] = (V[dim * a + o]! + V[dim * b + o]! + V[dim * c + o]!) / 3;
    F2.set([a, b, m], 3 * f);
    F2.set([b, c, m], 3 * (nf + 2 * s));
    F2.set([c, a, m], 3 * (nf + 2 * s + 1));
  }
  return { V: V2, F: F2, added: Int32Array.from({ length: k }, (_, s) => nv + s) };
}
