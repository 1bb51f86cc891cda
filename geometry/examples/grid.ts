/**
 * The unit-square N×N grid triangulation.
 *
 *   { V, F } = unitSquareGrid(N, split = 'corners')
 *
 * Output:
 *   V  N² by 2, vertex k = a·N + b at (a/(N−1), b/(N−1)) (the TLC cross benchmark's order)
 *   F  2(N−1)² by 3, counter-clockwise. Cell (a, b) has corners v00 = aN + b, v10 = v00 + N,
 *      v01 = v00 + 1, v11 = v00 + N + 1. split:
 *        'corners' (default)  every cell is split by the diagonal v00–v11, except the two corner
 *          cells at (1, 0) and (0, 1), split by v10–v01: every corner cell is cut by the diagonal
 *          THROUGH the square's corner, so no corner vertex carries a single triangle whose third
 *          edge joins its two boundary neighbours (such a triangle lies outside the polygon in
 *          every embedding when the corner goes to a reflex corner). For the cross, whose four
 *          square corners all go to reflex corners. N ≥ 3 (N = 2 has one cell that is at all four
 *          corners; it is split v00–v11).
 *        'anti'  every cell split by v10–v01: the diagonals run parallel to the one through the
 *          corners (1, 0) and (0, 1). For the corner family (corner.ts), where only (1, 0) goes
 *          to a reflex corner: a uniform diagonal direction there makes the bi-level loop
 *          converge in ~60–75 Adam steps at every size, while the 'corners' grid (one cell with
 *          the other diagonal next to the reflex corner) converges in 800–4 700 steps up to
 *          N = 28 and not within 10 000 from N = 31 on (see corner.ts).
 */
import { InputError } from '../../optimizer/errors.ts';
import type { TriMesh } from '../types.ts';

/** How unitSquareGrid splits its cells (see the file comment). */
export type GridSplit = 'corners' | 'anti';

export function unitSquareGrid(N: number, split: GridSplit = 'corners'): TriMesh & { dim: 2 } {
  if (!Number.isInteger(N) || N < 2) throw new InputError('N', 'an integer ≥ 2', String(N));
  if (split !== 'corners' && split !== 'anti') throw new InputError('split', "'corners' or 'anti'", String(split));
  const nv = N * N;
  const V = new Float64Array(2 * nv);
  for (let a = 0; a < N; a++) {
    for (let b = 0; b < N; b++) {
      V[2 * (a * N + b)] = a / (N - 1);
      V[2 * (a * N + b) + 1] = b / (N - 1);
    }
  }
  const nf = 2 * (N - 1) * (N - 1);
  const F = new Int32Array(3 * nf);
  let f = 0;
  const tri = (i: number, j: number, k: number) => {
    F[f++] = i;
    F[f++] = j;
    F[f++] = k;
  };
  for (let a = 0; a < N - 1; a++) {
    for (let b = 0; b < N - 1; b++) {
      const v00 = a * N + b;
      const v10 = v00 + N;
      const v01 = v00 + 1;
      const v11 = v00 + N + 1;
      const anti = split === 'anti' || (N > 2 && ((a === N - 2 && b === 0) || (a === 0 && b === N - 2)));
      if (anti) {
        tri(v00, v10, v01);
        tri(v10, v11, v01);
      } else {
        tri(v00, v10, v11);
        tri(v00, v11, v01);
      }
    }
  }
  return { V, dim: 2, F, nv, nf, source: `unit-square grid ${N}×${N}` };
}

/**
 * The boundary of the grid clockwise from (0, 0): up the left side, right along the top, down
 * the right side, left along the bottom. 4(N−1) vertex ids.
 */
export function gridBoundaryClockwise(N: number): Int32Array {
  const out = new Int32Array(4 * (N - 1));
  let s = 0;
  for (let b = 0; b < N - 1; b++) out[s++] = b; // (0, b)
  for (let a = 0; a < N - 1; a++) out[s++] = a * N + (N - 1); // (a, 1)
  for (let b = N - 1; b > 0; b--) out[s++] = (N - 1) * N + b; // (1, b)
  for (let a = N - 1; a > 0; a--) out[s++] = a * N; // (a, 0)
  return out;
}
