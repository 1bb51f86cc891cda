/**
 * Closed planar polygons: signed area and simplicity (no self-intersections).
 *
 *   P   #P by 2 vertex positions of a closed polygon (edge k joins P_k and P_{(k+1) mod #P})
 *
 * boundingBox(P)       { xmin, ymin, xmax, ymax } of the points
 * signedArea(P)        ½ Σ_k P_k × P_{k+1} (shoelace): > 0 counter-clockwise
 * findSelfIntersection(P) → null when simple, else the first pair of edges (a, b) found that
 *   meet illegally: non-adjacent edges that touch or cross, adjacent edges that overlap
 *   (the polygon doubles back), or a zero-length edge (a = b). Sort-and-sweep over the
 *   x-extents of the edges: O(#P log #P + pairs whose x-extents overlap), O(#P²) at worst.
 * Orientation tests are plain floating point: exactly collinear grid points (x exactly equal)
 * are classified exactly, nearly degenerate ones may go either way.
 */

/** Bounding box of #P by 2 points (±Infinity when empty). */
export function boundingBox(P: Float64Array): { xmin: number; ymin: number; xmax: number; ymax: number } {
  let xmin = Infinity;
  let xmax = -Infinity;
  let ymin = Infinity;
  let ymax = -Infinity;
  for (let k = 0; k < P.length; k += 2) {
    xmin = Math.min(xmin, P[k]!);
    xmax = Math.max(xmax, P[k]!);
    ymin = Math.min(ymin, P[k + 1]!);
    ymax = Math.max(ymax, P[k + 1]!);
  }
  return { xmin, ymin, xmax, ymax };
}

export function signedArea(P: Float64Array): number {
  const n = P.length / 2;
  let s = 0;
  for (let k = 0; k < n; k++) {
    const l = k + 1 === n ? 0 : k + 1;
    s += P[2 * k]! * P[2 * l + 1]! - P[2 * l]! * P[2 * k + 1]!;
  }
  return 0.5 * s;
}

/** (b − a) × (c − a) */
function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

/** c lies in the bounding box of segment ab (used when a, b, c are collinear). */
function inBox(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): boolean {
  return Math.min(ax, bx) <= cx && cx <= Math.max(ax, bx) && Math.min(ay, by) <= cy && cy <= Math.max(ay, by);
}

/** Closed segments pq and rs share at least one point. */
export function segmentsIntersect(
  px: number, py: number, qx: number, qy: number,
  rx: number, ry: number, sx: number, sy: number,
): boolean {
  const d1 = orient(px, py, qx, qy, rx, ry);
  const d2 = orient(px, py, qx, qy, sx, sy);
  const d3 = orient(rx, ry, sx, sy, px, py);
  const d4 = orient(rx, ry, sx, sy, qx, qy);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  if (d1 === 0 && inBox(px, py, qx, qy, rx, ry)) return true;
  if (d2 === 0 && inBox(px, py, qx, qy, sx, sy)) return true;
  if (d3 === 0 && inBox(rx, ry, sx, sy, px, py)) return true;
  if (d4 === 0 && inBox(rx, ry, sx, sy, qx, qy)) return true;
  return false;
}

/** Two edges of a polygon that meet illegally (edge k joins vertices k and k+1 mod #P). */
export interface PolygonIntersection {
  readonly a: number;
  readonly b: number;
}

export function findSelfIntersection(P: Float64Array): PolygonIntersection | null {
  const n = P.length / 2;
  if (n < 3) return { a: 0, b: 0 };
  const x = (k: number) => P[2 * (k % n)]!;
  const y = (k: number) => P[2 * (k % n) + 1]!;
  // zero-length edges and adjacent edges that double back
  for (let k = 0; k < n; k++) {
    if (x(k) === x(k + 1) && y(k) === y(k + 1)) return { a: k, b: k };
    const o = orient(x(k), y(k), x(k + 1), y(k + 1), x(k + 2), y(k + 2));
    const back = (x(k) - x(k + 1)) * (x(k + 2) - x(k + 1)) + (y(k) - y(k + 1)) * (y(k + 2) - y(k + 1));
    if (o === 0 && back > 0) return { a: k, b: (k + 1) % n };
  }
  if (n === 3) return null;
  const xmin = new Float64Array(n);
  const xmax = new Float64Array(n);
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    xmin[k] = Math.min(x(k), x(k + 1));
    xmax[k] = Math.max(x(k), x(k + 1));
    order[k] = k;
  }
  order.sort((s, t) => xmin[s]! - xmin[t]!);
  const active = new Int32Array(n);
  let na = 0;
  for (let oi = 0; oi < n; oi++) {
    const k = order[oi]!;
    // drop edges that end to the left of this one
    let w = 0;
    for (let r = 0; r < na; r++) if (xmax[active[r]!]! >= xmin[k]!) active[w++] = active[r]!;
    na = w;
    for (let r = 0; r < na; r++) {
      const m = active[r]!;
      const adjacent = (m + 1) % n === k || (k + 1) % n === m;
      if (adjacent) continue; // handled above: they share exactly their common vertex
      if (segmentsIntersect(x(k), y(k), x(k + 1), y(k + 1), x(m), y(m), x(m + 1), y(m + 1))) {
        return { a: Math.min(k, m), b: Math.max(k, m) };
      }
    }
    active[na++] = k;
  }
  return null;
}
