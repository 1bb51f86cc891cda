/**
 * Mesh edges that no map onto the polygon can embed, and the edge splits that fix them.
 *
 *   bad   = unembeddableEdges(F, nv, loop, cornerLoop, polygon)   interior edges to split
 *   flat  = flatBoundaryTriangles(F, nv, loop, cornerLoop)         faces on one straight side (reported)
 *   split = splitEdges(V, dim, F, bad.edges)                       the mesh with those edges split
 *
 * Once the boundary is pinned to the polygon (boundary-assign.ts), an interior edge (two faces)
 * whose two end vertices are both on the boundary is a chord of the polygon, drawn straight:
 *   - both ends on the same straight side (corners count for both sides they join): the chord
 *     lies on that side, so a face next to it has zero area or lies outside — never certified.
 *     A triangle with all three vertices on one side is the common case (its third edge is such
 *     a chord);
 *   - the two loop neighbours of a reflex corner whose vertex carries one triangle only: that
 *     triangle lies in the exterior wedge of the corner in every map.
 * Splitting the chord at its midpoint (a new interior vertex joined to the chord's ends and to
 * the two opposite vertices) removes it: each face (u, v, w) next to the edge u–v becomes
 * (u, m, w) and (m, v, w), orientation kept. The new vertices are numbered after the input's
 * (#V, #V + 1, …, in the order of `edges`), placed at the chord's midpoint in the rest positions
 * (3-D for surfaces); every input vertex keeps its number, the first half of each split face
 * keeps the face's number and the second halves are appended.
 *
 * Inputs: F #F by 3; loop #B boundary vertices; cornerLoop #K positions in `loop` of the corner
 *   vertices, increasing cyclically (boundary-assign.ts); polygon #K by 2 corners, counter-
 *   clockwise; V #V by dim rest positions.
 */
import { polygonEdgeOfLoop } from './boundary-assign.ts';
import { edgeList } from './edges.ts';

/** Per vertex: the polygon side it lies on (−1 inside) and, for a corner, the side before it. */
function sides(nv: number, loop: Int32Array, cornerLoop: Int32Array): { side: Int32Array; prevSide: Int32Array } {
  const K = cornerLoop.length;
  const edgeOf = polygonEdgeOfLoop(loop.length, cornerLoop);
  const side = new Int32Array(nv).fill(-1);
  const prevSide = new Int32Array(nv).fill(-1);
  for (let t = 0; t < loop.length; t++) side[loop[t]!] = edgeOf[t]!;
  for (let k = 0; k < K; k++) prevSide[loop[cornerLoop[k]!]!] = (k + K - 1) % K;
  return { side, prevSide };
}

const onSide = (s: { side: Int32Array; prevSide: Int32Array }, v: number, k: number) => k >= 0 && (s.side[v] === k || s.prevSide[v] === k);

/** Faces whose three vertices lie on one straight polygon side (zero area in every map). */
export function flatBoundaryTriangles(F: Int32Array, nv: number, loop: Int32Array, cornerLoop: Int32Array): Int32Array {
  const s = sides(nv, loop, cornerLoop);
  const out: number[] = [];
  for (let f = 0; f < F.length / 3; f++) {
    const [a, b, c] = [F[3 * f]!, F[3 * f + 1]!, F[3 * f + 2]!];
    if (s.side[a] === -1 || s.side[b] === -1 || s.side[c] === -1) continue;
    if ([s.side[a]!, s.prevSide[a]!].some((k) => onSide(s, b, k) && onSide(s, c, k))) out.push(f);
  }
  return Int32Array.from(out);
}

export interface UnembeddableEdges {
  /** #S by 2 vertex pairs (u < v) of the interior edges to split */
  readonly edges: Int32Array;
  /** for each: 'same-side' or 'reflex-ear' */
  readonly reasons: readonly ('same-side' | 'reflex-ear')[];
}

export function unembeddableEdges(F: Int32Array, nv: number, loop: Int32Array, cornerLoop: Int32Array, polygon: Float64Array): UnembeddableEdges {
  const s = sides(nv, loop, cornerLoop);
  const el = edgeList(F, nv);
  const faces = new Int32Array(el.ne);
  for (let f = 0; f < F.length / 3; f++) {
    for (let c = 0; c < 3; c++) {
      const u = F[3 * f + c]!;
      const v = F[3 * f + ((c + 1) % 3)]!;
      const lo = Math.min(u, v);
      const hi = Math.max(u, v);
      for (let p = el.adjPtr[lo]!; p < el.adjPtr[lo + 1]!; p++) if (el.adjNbr[p] === hi) faces[el.adjEdge[p]!]++;
    }
  }
  const pairs: number[] = [];
  const reasons: ('same-side' | 'reflex-ear')[] = [];
  const taken = new Set<number>();
  for (let e = 0; e < el.ne; e++) {
    const u = el.E[2 * e]!;
    const v = el.E[2 * e + 1]!;
    if (faces[e] !== 2 || s.side[u] === -1 || s.side[v] === -1) continue;
    if ([s.side[u]!, s.prevSide[u]!].some((k) => onSide(s, v, k))) {
      pairs.push(u, v);
      reasons.push('same-side');
      taken.add(e);
    }
  }
  // reflex corners carrying a single triangle: their two loop neighbours are joined by an edge
  const K = cornerLoop.length;
  const B = loop.length;
  const degree = new Int32Array(nv);
  for (let k = 0; k < F.length; k++) degree[F[k]!]++;
  for (let k = 0; k < K; k++) {
    const [px, py] = [polygon[2 * ((k + K - 1) % K)]!, polygon[2 * ((k + K - 1) % K) + 1]!];
    const [x, y] = [polygon[2 * k]!, polygon[2 * k + 1]!];
    const [nx, ny] = [polygon[2 * ((k + 1) % K)]!, polygon[2 * ((k + 1) % K) + 1]!];
    const turn = (x - px) * (ny - y) - (y - py) * (nx - x);
    const t = cornerLoop[k]!;
    if (turn >= 0 || degree[loop[t]!] !== 1) continue;
    const a = loop[(t + B - 1) % B]!;
    const c = loop[(t + 1) % B]!;
    const lo = Math.min(a, c);
    const hi = Math.max(a, c);
    for (let p = el.adjPtr[lo]!; p < el.adjPtr[lo + 1]!; p++) {
      const e = el.adjEdge[p]!;
      if (el.adjNbr[p] === hi && faces[e] === 2 && !taken.has(e)) {
        pairs.push(lo, hi);
        reasons.push('reflex-ear');
        taken.add(e);
      }
    }
  }
  return { edges: Int32Array.from(pairs), reasons };
}

export interface SplitMesh {
  readonly V: Float64Array;
  readonly F: Int32Array;
  /** ids of the inserted vertices (#V … #V + count − 1) */
  readonly added: Int32Array;
}

/** Split each edge (u, v) of `edges` (#S by 2) at its midpoint; see the header for the numbering. */
export function splitEdges(V: Float64Array, dim: 2 | 3, F: Int32Array, edges: Int32Array): SplitMesh {
  const nv = V.length / dim;
  const S = edges.length / 2;
  const V2 = new Float64Array(V.length + dim * S);
  V2.set(V);
  const faces: number[] = Array.from(F);
  for (let s = 0; s < S; s++) {
    const u = edges[2 * s]!;
    const v = edges[2 * s + 1]!;
    const m = nv + s;
    for (let o = 0; o < dim; o++) V2[dim * m + o] = (V[dim * u + o]! + V[dim * v + o]!) / 2;
    const nf = faces.length / 3;
    for (let f = 0; f < nf; f++) {
      for (let c = 0; c < 3; c++) {
        const a = faces[3 * f + c]!;
        const b = faces[3 * f + ((c + 1) % 3)]!;
        if ((a === u && b === v) || (a === v && b === u)) {
          const w = faces[3 * f + ((c + 2) % 3)]!;
          faces[3 * f] = a;
          faces[3 * f + 1] = m;
          faces[3 * f + 2] = w;
          faces.push(m, b, w);
          break;
        }
      }
    }
  }
  return { V: V2, F: Int32Array.from(faces), added: Int32Array.from({ length: S }, (_, s) => nv + s) };
}
