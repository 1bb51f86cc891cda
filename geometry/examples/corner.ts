/**
 * The corner family of the refinement study (paper Fig. 5).
 *
 *   { mesh, targets } = cornerExample(N)
 *
 * The unit-square N×N grid (grid.ts); the square's corner (1, 0) is moved to the reflex corner
 * R = (0.35, 0.65). Bottom-edge vertex (a/(N−1), 0) goes to (a/(N−1))·R on the segment
 * (0,0)→R; right-edge vertex (1, b/(N−1)) goes to (1,1) + (1 − b/(N−1))·(R − (1,1)) on the
 * segment (1,1)→R (both evenly spaced); the left and top edges stay. Target polygon
 * (0,0) → R → (1,1) → (0,1), counter-clockwise, one reflex corner (at R, 2 rows).
 *
 * cornerStudySizes() = N = ⌊√(10^k)⌋ for k = 1.1, 1.2, …, 4.1 (3 … 112; duplicates kept).
 */
import { InputError } from '../../optimizer/errors.ts';
import type { BoundaryTargets, TriMesh } from '../types.ts';
import { gridBoundaryClockwise, unitSquareGrid } from './grid.ts';

export const CORNER_POINT: readonly [number, number] = [0.35, 0.65];

export function cornerExample(N: number): { mesh: TriMesh & { dim: 2 }; targets: BoundaryTargets } {
  if (!Number.isInteger(N) || N < 3) throw new InputError('N', 'an integer ≥ 3', String(N));
  const mesh = unitSquareGrid(N);
  const walk = gridBoundaryClockwise(N);
  const [rx, ry] = CORNER_POINT;
  const positions = new Float64Array(2 * walk.length);
  for (let s = 0; s < walk.length; s++) {
    const v = walk[s]!;
    const a = Math.floor(v / N);
    const b = v - a * N;
    let x = a / (N - 1);
    let y = b / (N - 1);
    if (a === N - 1) {
      // right edge (includes the moved corner b = 0)
      const t = 1 - y;
      x = 1 + t * (rx - 1);
      y = 1 + t * (ry - 1);
    } else if (b === 0) {
      // bottom edge
      const t = x;
      x = t * rx;
      y = t * ry;
    }
    positions[2 * s] = x;
    positions[2 * s + 1] = y;
  }
  const source = `corner example (${N}×${N} grid)`;
  return { mesh: { ...mesh, source }, targets: { vertices: walk, positions, source } };
}

export function cornerStudySizes(): number[] {
  const out: number[] = [];
  for (let i = 11; i <= 41; i++) out.push(Math.floor(Math.sqrt(10 ** (i / 10))));
  return out;
}
