/**
 * The cross example: the unit-square grid with its boundary sent to a plus-shaped polygon.
 *
 *   { mesh, targets, polygon } = crossExample(N = 13)
 *
 * The plus polygon, listed clockwise as in docs/geometry.md#examples (12 corners, arms of width 1/3):
 *   (1/3,1/3) (0,1/3) (0,2/3) (1/3,2/3) (1/3,1) (2/3,1) (2/3,2/3) (1,2/3) (1,1/3) (2/3,1/3) (2/3,0) (1/3,0)
 * The square's boundary, walked clockwise from (0, 0) (grid.ts), is mapped piecewise linearly
 * onto it: each square side (N−1 edges) covers 3 sides of one arm with (N−1)/3 edges each, and
 * the square's corners (0,0), (0,1), (1,1), (1,0) go to the 4 reflex corners (1/3,1/3),
 * (1/3,2/3), (2/3,2/3), (2/3,1/3). N − 1 must be a multiple of 3 (default 13: 169 v, 288 f).
 *
 * Outputs: mesh (unitSquareGrid(N), the rest positions), targets (the boundary vertices and
 * their positions on the plus), polygon (the 12 corners, #12 by 2, clockwise).
 */
import { InputError } from '../../optimizer/errors.ts';
import type { BoundaryTargets, TriMesh } from '../types.ts';
import { gridBoundaryClockwise, unitSquareGrid } from './grid.ts';

const T = 1 / 3;
const U = 2 / 3;
/** The plus polygon, clockwise, starting at the reflex corner (1/3, 1/3). */
export const CROSS_POLYGON: Float64Array = Float64Array.from([
  T, T, 0, T, 0, U, T, U, T, 1, U, 1, U, U, 1, U, 1, T, U, T, U, 0, T, 0,
]);

export function crossExample(N = 13): { mesh: TriMesh & { dim: 2 }; targets: BoundaryTargets; polygon: Float64Array } {
  if (!Number.isInteger(N) || N < 4 || (N - 1) % 3 !== 0) {
    throw new InputError('N', 'an integer ≥ 4 with N − 1 a multiple of 3 (each square side covers 3 arm sides)', String(N));
  }
  const mesh = unitSquareGrid(N);
  const walk = gridBoundaryClockwise(N);
  const per = (N - 1) / 3;
  const positions = new Float64Array(2 * walk.length);
  for (let s = 0; s < walk.length; s++) {
    const c = Math.floor(s / per);
    const t = (s - c * per) / per;
    const c1 = (c + 1) % 12;
    positions[2 * s] = (1 - t) * CROSS_POLYGON[2 * c]! + t * CROSS_POLYGON[2 * c1]!;
    positions[2 * s + 1] = (1 - t) * CROSS_POLYGON[2 * c + 1]! + t * CROSS_POLYGON[2 * c1 + 1]!;
  }
  return {
    mesh: { ...mesh, source: `cross example (${N}×${N} grid)` },
    targets: { vertices: walk, positions, source: `cross example (${N}×${N} grid)` },
    polygon: CROSS_POLYGON,
  };
}
