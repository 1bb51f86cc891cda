/**
 * The embedding problem's fixed data: a disk mesh, its boundary loop oriented counter-clockwise
 * in the target plane, the target polygon, and its reflex corners.
 *
 *   domain = embeddingDomain(F, nv, targets, options?)
 *
 * Inputs:
 *   F        #F by 3 triangle indices, not modified
 *   nv       #V
 *   targets  target positions of EXACTLY the boundary vertices (any order), not modified
 *   options  source (mesh file name for messages), reflexTolerance (radians, default 1e-4)
 * Output (EmbeddingDomain):
 *   edges        edgeList(F, nv): θ has one entry per edge, in this order
 *   loop         #B boundary vertices; follows the face orientation, reversed when the target
 *                polygon then has negative signed area, so the polygon is counter-clockwise
 *   polygon      #B by 2 target positions in loop order
 *   orientation  +1 when the loop was not reversed: a valid embedding has every triangle of
 *                F with signed area > 0; −1 when reversed: every signed area < 0
 *   area         signed area of the (counter-clockwise) polygon, > 0
 *   corners      reflexCorners(loop, polygon, reflexTolerance)
 *
 * Errors (typed, naming the file when known): topology (disk.ts); targets of the wrong
 * length, non-finite, repeated, out of range, given for an interior vertex, or missing for a
 * boundary vertex; a target polygon with zero area or self-intersections (polygon.ts).
 */
import { diskTopology } from './disk.ts';
import type { EdgeList } from './edges.ts';
import { geometryError } from './errors.ts';
import { findSelfIntersection, signedArea } from './polygon.ts';
import { REFLEX_TOLERANCE, reflexCorners } from './reflex-corners.ts';
import type { ReflexCorners } from './reflex-corners.ts';
import type { BoundaryTargets } from './types.ts';

export interface EmbeddingDomain {
  readonly nv: number;
  readonly nf: number;
  readonly F: Int32Array;
  readonly edges: EdgeList;
  readonly loop: Int32Array;
  readonly polygon: Float64Array;
  readonly orientation: 1 | -1;
  readonly area: number;
  readonly corners: ReflexCorners;
  readonly source?: string;
}

export interface EmbeddingDomainOptions {
  source?: string;
  reflexTolerance?: number;
}

export function embeddingDomain(
  F: Int32Array,
  nv: number,
  targets: BoundaryTargets,
  options: EmbeddingDomainOptions = {},
): EmbeddingDomain {
  const source = options.source;
  const { edges, loop: faceLoop } = diskTopology(F, nv, source);
  const tsrc = targets.source ?? source;
  const T = targets.vertices.length;
  if (targets.positions.length !== 2 * T) {
    throw geometryError(tsrc, 'targets.positions', `length ${2 * T} (2 per target vertex)`, `length ${targets.positions.length}`);
  }
  const slot = new Int32Array(nv).fill(-1);
  for (let t = 0; t < T; t++) {
    const v = targets.vertices[t]!;
    if (!(v >= 0 && v < nv)) throw geometryError(tsrc, 'targets.vertices', `vertex ids in [0, ${nv}) (the mesh has ${nv} vertices)`, `target ${t} names vertex ${v}`);
    if (slot[v] !== -1) throw geometryError(tsrc, 'targets.vertices', 'one target per vertex', `vertex ${v} has two targets`);
    const x = targets.positions[2 * t]!;
    const y = targets.positions[2 * t + 1]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw geometryError(tsrc, 'targets.positions', 'finite positions', `(${x}, ${y}) for vertex ${v}`);
    slot[v] = t;
  }
  const isBoundary = new Uint8Array(nv);
  for (let k = 0; k < faceLoop.length; k++) isBoundary[faceLoop[k]!] = 1;
  for (let t = 0; t < T; t++) {
    const v = targets.vertices[t]!;
    if (!isBoundary[v]) {
      throw geometryError(tsrc, 'targets', 'targets for exactly the boundary vertices (dqp pins the whole boundary loop)', `a target for interior vertex ${v}`);
    }
  }
  const nb = faceLoop.length;
  let missing = 0;
  let firstMissing = -1;
  for (let k = 0; k < nb; k++) {
    if (slot[faceLoop[k]!] === -1) {
      if (firstMissing < 0) firstMissing = faceLoop[k]!;
      missing++;
    }
  }
  if (missing > 0) {
    throw geometryError(
      tsrc,
      'targets',
      'a target for every boundary vertex',
      `no target for boundary vertex ${firstMissing}${missing > 1 ? ` (and ${missing - 1} more of ${nb})` : ''}`,
    );
  }
  const poly = new Float64Array(2 * nb);
  for (let k = 0; k < nb; k++) {
    const t = slot[faceLoop[k]!]!;
    poly[2 * k] = targets.positions[2 * t]!;
    poly[2 * k + 1] = targets.positions[2 * t + 1]!;
  }
  const a0 = signedArea(poly);
  if (!(a0 !== 0)) throw geometryError(tsrc, 'targets', 'a target polygon with non-zero area', 'signed area 0');
  const orientation: 1 | -1 = a0 > 0 ? 1 : -1;
  let loop = faceLoop;
  let polygon = poly;
  if (orientation < 0) {
    // reverse, keeping the first vertex: [l0, l_{n-1}, …, l1]
    loop = new Int32Array(nb);
    polygon = new Float64Array(2 * nb);
    for (let k = 0; k < nb; k++) {
      const s = k === 0 ? 0 : nb - k;
      loop[k] = faceLoop[s]!;
      polygon[2 * k] = poly[2 * s]!;
      polygon[2 * k + 1] = poly[2 * s + 1]!;
    }
  }
  const hit = findSelfIntersection(polygon);
  if (hit) {
    const e = (k: number) => `(${loop[k]} → ${loop[(k + 1) % nb]})`;
    const what =
      hit.a === hit.b
        ? `boundary edge ${e(hit.a)} has length 0`
        : `boundary edges ${e(hit.a)} and ${e(hit.b)} ${(hit.a + 1) % nb === hit.b || (hit.b + 1) % nb === hit.a ? 'overlap (the polygon doubles back)' : 'intersect'}`;
    throw geometryError(tsrc, 'targets', 'a simple target polygon (no self-intersections)', `the target polygon is not simple: ${what}`);
  }
  const corners = reflexCorners(loop, polygon, options.reflexTolerance ?? REFLEX_TOLERANCE);
  const out: EmbeddingDomain = { nv, nf: F.length / 3, F, edges, loop, polygon, orientation, area: Math.abs(a0), corners };
  return source === undefined ? out : { ...out, source };
}
