/**
 * The corner family of the refinement study (paper Fig. 5).
 *
 *   { mesh, targets } = cornerExample(N)
 *
 * The unit-square N×N grid (grid.ts, split 'anti' by default: every cell cut by the diagonal
 * parallel to the one through (1, 0)); the square's corner (1, 0) is moved to the reflex corner
 * R = (0.35, 0.65). Bottom-edge vertex (a/(N−1), 0) goes to (a/(N−1))·R on the segment
 * (0,0)→R; right-edge vertex (1, b/(N−1)) goes to (1,1) + (1 − b/(N−1))·(R − (1,1)) on the
 * segment (1,1)→R (both evenly spaced); the left and top edges stay. Target polygon
 * (0,0) → R → (1,1) → (0,1), counter-clockwise, one reflex corner (at R, 2 rows).
 *
 * cornerStudySizes() = N = ⌊√(10^k)⌋ for k = 1.1, 1.2, …, 4.1 (3 … 112; duplicates kept).
 *
 * Why 'anti': the grid's diagonal direction decides how hard the loop's problem is. With the
 * 'corners' grid (v00–v11 diagonals except in the corner cell, which must be cut through the
 * corner) the reflex corner's only interior neighbour sits where the two diagonal directions
 * meet; measured with the default loop (ipm, lr 1e-2, ‖μ‖₂): 806 Adam steps at N = 22, 4 666 at
 * N = 28, and from N = 31 on no certified map within 10 000 steps — the loss drives μ towards 0
 * by collapsing that neighbour onto the corner (0.0005 from it at N = 31, grid spacing 0.025)
 * while the free harmonic map keeps its cone violation (8.5e-4) and ~180 flipped triangles; the
 * spec's rule "every dual < 1e-4" then stops on a folded map. With uniform 'anti' diagonals:
 * N = 3 / 10 / 22 / 31 / 44 / 63 → 29 / 55 / 58 / 60 / 67 / 75 steps, 0 flips (the reference
 * layer's 67 steps at N = 44 included). cornerExample(N, 'corners') keeps the other grid for
 * comparison.
 */
import { InputError } from '../../optimizer/errors.ts';
import type { BoundaryTargets, TriMesh } from '../types.ts';
import { gridBoundaryClockwise, unitSquareGrid, type GridSplit } from './grid.ts';

export const CORNER_POINT: readonly [number, number] = [0.35, 0.65];

export function cornerExample(N: number, split: GridSplit = 'anti'): { mesh: TriMesh & { dim: 2 }; targets: BoundaryTargets } {
  if (!Number.isInteger(N) || N < 3) throw new InputError('N', 'an integer ≥ 3', String(N));
  const mesh = unitSquareGrid(N, split);
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
