/**
 * Where a map folds: the flipped (or degenerate) triangles of a planar map, their bounding box
 * and the reflex corner nearest to them (docs/geometry.md#stall).
 *
 *   folds = locateFolds(domain, V)     null when no triangle is flipped
 *
 * Inputs:
 *   domain  the embedding domain (faces, orientation, reflex corners), not modified
 *   V       #V by 2 positions of the map (interleaved), not modified; the report is in V's
 *           coordinates (the loop's normalized units for a prepareDomainEmbedding problem:
 *           multiply lengths by its `scale`, and map points with toDomainUnits)
 * Output (FoldReport):
 *   count          faces with orientation · signed area ≤ 0 (as countFlipped)
 *   faces          their ids (0-based, ascending)
 *   bbox           [xmin, ymin, xmax, ymax] over the vertices of those faces
 *   nearestCorner  the reflex corner (mesh vertex id) closest to a flipped triangle, and that
 *                  distance: from the corner's position in V to the nearest point of the
 *                  triangle (0 when the corner lies on or inside it); null for a domain
 *                  without reflex corners
 * A NaN position makes its faces count as flipped (countFlipped's rule); NaN coordinates are
 * left out of the box and of the distances.
 */
import type { EmbeddingDomain } from '../embedding-domain.ts';
import { signedAreas } from '../validity.ts';

export interface FoldReport {
  readonly count: number;
  readonly faces: Int32Array;
  readonly bbox: readonly [number, number, number, number];
  readonly nearestCorner: { readonly vertex: number; readonly distance: number } | null;
}

/** Distance from (px, py) to the segment (ax, ay)–(bx, by). */
function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  t = Math.min(1, Math.max(0, t));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Distance from a point to a (possibly flipped or degenerate) triangle: 0 on or inside it. */
export function pointTriangleDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const d1 = (bx - ax) * (py - ay) - (by - ay) * (px - ax);
  const d2 = (cx - bx) * (py - by) - (cy - by) * (px - bx);
  const d3 = (ax - cx) * (py - cy) - (ay - cy) * (px - cx);
  const area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  // inside (either orientation) when the three edge tests agree with a non-degenerate triangle
  if (area !== 0 && ((d1 >= 0 && d2 >= 0 && d3 >= 0) || (d1 <= 0 && d2 <= 0 && d3 <= 0))) return 0;
  return Math.min(segmentDistance(px, py, ax, ay, bx, by), segmentDistance(px, py, bx, by, cx, cy), segmentDistance(px, py, cx, cy, ax, ay));
}

export function locateFolds(domain: EmbeddingDomain, V: Float64Array): FoldReport | null {
  const F = domain.F;
  const areas = signedAreas(V, F);
  const faces: number[] = [];
  for (let f = 0; f < areas.length; f++) if (!(domain.orientation * areas[f]! > 0)) faces.push(f);
  if (faces.length === 0) return null;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const f of faces) {
    for (let c = 0; c < 3; c++) {
      const v = F[3 * f + c]!;
      const x = V[2 * v]!;
      const y = V[2 * v + 1]!;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  let nearest: { vertex: number; distance: number } | null = null;
  const corners = domain.corners;
  for (let k = 0; k < corners.count; k++) {
    const i = corners.vertex[k]!;
    const px = V[2 * i]!;
    const py = V[2 * i + 1]!;
    for (const f of faces) {
      const a = F[3 * f]!;
      const b = F[3 * f + 1]!;
      const c = F[3 * f + 2]!;
      const d = pointTriangleDistance(px, py, V[2 * a]!, V[2 * a + 1]!, V[2 * b]!, V[2 * b + 1]!, V[2 * c]!, V[2 * c + 1]!);
      if (!Number.isNaN(d) && (nearest === null || d < nearest.distance)) nearest = { vertex: i, distance: d };
    }
  }
  return { count: faces.length, faces: Int32Array.from(faces), bbox: [x0, y0, x1, y1], nearestCorner: nearest };
}
