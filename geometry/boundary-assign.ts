/**
 * Map a mesh's boundary loop onto a polygon: the boundary targets of the embedding.
 *
 *   a = assignBoundary(V, dim, loop, polygon, options?)
 *
 * Inputs:
 *   V        #V by dim rest positions (dim 2 or 3: a flat mesh or a surface patch), not modified
 *   dim      2 or 3
 *   loop     #B boundary vertices in the direction of the face orientation (disk.ts), not modified
 *   polygon  #K by 2 corners, counter-clockwise (polygon-read.ts preparePolygon), not modified
 *   options  corners: #K vertex ids (0-based) that take the corners, in polygon order; source:
 *            the mesh file for messages
 * Output (BoundaryAssignment):
 *   targets       the boundary vertices (loop order) and their positions on the polygon
 *   cornerVertex  #K vertex ids that took the corners, in polygon order
 *   cornerLoop    #K positions of those vertices in `loop` (strictly increasing after a rotation)
 *   error         Σ_k (a_k − c_k)² with a_k, c_k the arc-length fractions of corner k along the
 *                 mesh boundary (from corner 0's vertex) and along the polygon: how evenly the
 *                 boundary is stretched
 *
 * Every corner goes to a distinct boundary vertex; the vertices between two corner vertices are
 * placed on that polygon edge in proportion to their arc length along the mesh boundary
 * (lengths measured in dim dimensions, so 3-D lengths for surfaces).
 *
 * Default corner choice (deterministic): let a_t = arc length from loop[0] to loop[t] divided by
 * the boundary's length, and c_k the same fraction of the polygon's perimeter at corner k. For
 * every rotation r (corner 0 on loop[r]) each corner k takes the vertex whose fraction
 * (a_t − a_r) mod 1 is nearest to c_k; where two corners would take the same vertex or break the
 * cyclic order, later corners move forward (and, near the end, earlier ones back) by the fewest
 * vertices. The rotation with the smallest `error` wins (the first one on ties). Cost
 * O(#B · #K · log #B); above MAX_ROTATION_WORK the rotations tried are spread evenly over the
 * loop (stride ⌈#B·#K / MAX_ROTATION_WORK⌉), which bounds the time on huge boundaries.
 *
 * Orientation: the loop follows the faces, the polygon is counter-clockwise, so a valid map has
 * positively oriented triangles.
 *
 * Errors: fewer boundary vertices than corners (says how many are needed); explicit corners of
 * the wrong count, not on the boundary, repeated, or not in the loop's cyclic order.
 */
import { FileFormatError, InputError } from '../optimizer/errors.ts';
import type { BoundaryTargets } from './types.ts';

/** Upper bound on #B·#K over the rotations tried by the default corner choice. */
export const MAX_ROTATION_WORK = 2e7;

export interface BoundaryAssignment {
  readonly targets: BoundaryTargets;
  readonly cornerVertex: Int32Array;
  readonly cornerLoop: Int32Array;
  readonly error: number;
}

export interface AssignBoundaryOptions {
  readonly corners?: Int32Array | null;
  readonly source?: string;
}

/** Cumulative arc lengths s_0 = 0 … s_{n−1} and the total (closed) length. */
function arcLengths(n: number, point: (t: number, o: number) => number, dim: number): { s: Float64Array; total: number } {
  const s = new Float64Array(n);
  let total = 0;
  for (let t = 1; t <= n; t++) {
    let d2 = 0;
    for (let o = 0; o < dim; o++) {
      const d = point(t % n, o) - point(t - 1, o);
      d2 += d * d;
    }
    total += Math.sqrt(d2);
    if (t < n) s[t] = total;
  }
  return { s, total };
}

/** Index t of the sorted array a nearest to x (a ascending, a[0] = 0, all < 1), cyclic. */
function nearest(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length; // first index with a[i] > x
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  const below = lo - 1; // a[below] ≤ x
  const above = lo % a.length;
  const dBelow = x - a[below]!;
  const dAbove = (lo === a.length ? 1 : a[above]!) - x;
  return dAbove < dBelow ? above : below;
}

/** Make u strictly increasing in [0, n), u[0] = 0 fixed, moving entries as little as possible. */
function spread(u: Int32Array, n: number): void {
  const K = u.length;
  for (let k = 1; k < K; k++) if (u[k]! <= u[k - 1]!) u[k] = u[k - 1]! + 1;
  for (let k = K - 1; k >= 1; k--) {
    const cap = k === K - 1 ? n - 1 : u[k + 1]! - 1;
    if (u[k]! > cap) u[k] = cap;
  }
}

export function assignBoundary(
  V: Float64Array,
  dim: 2 | 3,
  loop: Int32Array,
  polygon: Float64Array,
  options: AssignBoundaryOptions = {},
): BoundaryAssignment {
  const B = loop.length;
  const K = polygon.length / 2;
  const where = options.source;
  if (B < K) {
    const msg = `the mesh boundary has ${B} vertices, the polygon ${K} corners; every corner needs its own boundary vertex, so at least ${K} boundary vertices are needed (refine the mesh near its boundary or simplify the polygon)`;
    throw where ? new FileFormatError(where, msg) : new InputError('mesh', `at least ${K} boundary vertices`, `${B}`);
  }
  const mesh = arcLengths(B, (t, o) => V[dim * loop[t]! + o]!, dim);
  if (!(mesh.total > 0)) throw new InputError('mesh', 'a boundary of positive length', String(mesh.total));
  const poly = arcLengths(K, (k, o) => polygon[2 * k + o]!, 2);
  const a = mesh.s.map((x) => x / mesh.total);
  const c = poly.s.map((x) => x / poly.total);

  let best: Int32Array;
  let bestR = 0;
  let bestErr = Infinity;
  const u = new Int32Array(K);
  const errorOf = (r: number, uu: Int32Array) => {
    let e = 0;
    for (let k = 0; k < K; k++) {
      let f = a[(r + uu[k]!) % B]! - a[r]!;
      if (f < 0) f += 1;
      e += (f - c[k]!) ** 2;
    }
    return e;
  };
  const loopPos = new Int32Array(V.length / dim).fill(-1);
  for (let t = 0; t < B; t++) loopPos[loop[t]!] = t;

  if (options.corners) {
    const given = options.corners;
    if (given.length !== K) {
      throw new InputError('--corners', `${K} boundary vertex numbers (one per polygon corner, in polygon order)`, `${given.length}`);
    }
    const pos = new Int32Array(K);
    for (let k = 0; k < K; k++) {
      const v = given[k]!;
      const p = v >= 0 && v < loopPos.length ? loopPos[v]! : -1;
      if (p < 0) throw new InputError('--corners', 'vertices on the mesh boundary', `vertex ${v + 1} (entry ${k + 1}) is ${v >= 0 && v < loopPos.length ? 'an interior vertex' : 'not a vertex of the mesh'}`);
      pos[k] = p;
    }
    for (let k = 1; k < K; k++) {
      const prev = (pos[k - 1]! - pos[0]! + B) % B;
      const cur = (pos[k]! - pos[0]! + B) % B;
      if (cur === prev || given.indexOf(given[k]!) !== k) throw new InputError('--corners', 'distinct vertices', `vertex ${given[k]! + 1} is given twice`);
      if (cur < prev) {
        throw new InputError('--corners', 'vertices in the cyclic order of the boundary loop (the order of the polygon corners, counter-clockwise)', `vertex ${given[k]! + 1} (entry ${k + 1}) comes before vertex ${given[k - 1]! + 1} along the loop`);
      }
    }
    bestR = pos[0]!;
    best = Int32Array.from(pos, (p) => (p - bestR + B) % B);
    bestErr = errorOf(bestR, best);
  } else {
    best = new Int32Array(K);
    const stride = Math.max(1, Math.ceil((B * K) / MAX_ROTATION_WORK));
    for (let r = 0; r < B; r += stride) {
      for (let k = 0; k < K; k++) {
        let x = a[r]! + c[k]!;
        if (x >= 1) x -= 1;
        u[k] = (nearest(a, x) - r + B) % B;
      }
      u[0] = 0;
      // a corner near the end of the perimeter may wrap to position 0: put it at the end
      for (let k = 1; k < K; k++) if (u[k] === 0) u[k] = B - 1;
      spread(u, B);
      const e = errorOf(r, u);
      if (e < bestErr) {
        bestErr = e;
        bestR = r;
        best.set(u);
      }
    }
  }

  // positions: vertices between corner vertices u_k and u_{k+1} on polygon edge k, by arc length
  const cornerLoop = Int32Array.from(best, (x) => (x + bestR) % B);
  const cornerVertex = Int32Array.from(cornerLoop, (p) => loop[p]!);
  const positions = new Float64Array(2 * B);
  const sAt = (rel: number) => {
    const t = (rel + bestR) % B;
    let s = mesh.s[t]! - mesh.s[bestR]!;
    if (s < 0) s += mesh.total;
    return rel === B ? mesh.total : s;
  };
  for (let k = 0; k < K; k++) {
    const u0 = best[k]!;
    const u1 = k + 1 < K ? best[k + 1]! : B;
    const s0 = sAt(u0);
    const len = sAt(u1) - s0;
    const k1 = (k + 1) % K;
    for (let rel = u0; rel < u1; rel++) {
      const lam = rel === u0 ? 0 : (sAt(rel) - s0) / len;
      const t = (rel + bestR) % B;
      positions[2 * t] = (1 - lam) * polygon[2 * k]! + lam * polygon[2 * k1]!;
      positions[2 * t + 1] = (1 - lam) * polygon[2 * k + 1]! + lam * polygon[2 * k1 + 1]!;
    }
    // corners exactly
    const tc = (u0 + bestR) % B;
    positions[2 * tc] = polygon[2 * k]!;
    positions[2 * tc + 1] = polygon[2 * k + 1]!;
  }
  return {
    targets: { vertices: Int32Array.from(loop), positions, source: options.source },
    cornerVertex,
    cornerLoop,
    error: bestErr,
  };
}

/**
 * Polygon edge of every boundary vertex: edgeOf[t] = k when loop[t] lies on edge k (from corner
 * k to corner k+1), corners belonging to the edge they start. Used to find triangles that lie
 * on one straight edge.
 */
export function polygonEdgeOfLoop(B: number, cornerLoop: Int32Array): Int32Array {
  const K = cornerLoop.length;
  const edgeOf = new Int32Array(B);
  for (let k = 0; k < K; k++) {
    const end = cornerLoop[(k + 1) % K]!;
    let t = cornerLoop[k]!;
    do {
      edgeOf[t] = k;
      t = (t + 1) % B;
    } while (t !== end);
  }
  return edgeOf;
}
