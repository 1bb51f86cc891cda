/**
 * Is a planar map a valid (bijective) embedding of the domain? Signed areas, flips, boundary.
 *
 *   V  #V by 2 positions in the target plane (interleaved, libigl layout)
 *   x  2#V split layout [v_x; v_y] (the QP's variables)
 *
 * signedAreas(V, F)              #F signed areas ½ (b − a) × (c − a)
 * countFlipped(areas, orient)    #faces with orient · area ≤ 0 (flipped or degenerate)
 * boundaryDeviation(V, loop, P)  max_t |V[loop[t]] − P_t|₂
 * coneViolations(C, x, tol)      rows with (C x)_r > tol (violated cone conditions)
 * embeddingReport(domain, V, C?) all of the above in one object
 * polygonDiameter(P)             bounding-box diameter (the scale of the boundary tolerance)
 * A valid result: flipped = 0 and boundary deviation ≈ 0 (the target polygon is simple, checked
 * when the domain was built): then the map is a bijective straight-line embedding.
 */
import { DimensionError } from '../optimizer/errors.ts';
import { cscMatVec } from '../optimizer/linalg/csc.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';
import type { EmbeddingDomain } from './embedding-domain.ts';

/** V (#V by 2, interleaved) from x = [v_x; v_y]; `out` overwritten and returned. */
export function interleavedFromSplit(x: Float64Array, out = new Float64Array(x.length)): Float64Array {
  const nv = x.length / 2;
  for (let i = 0; i < nv; i++) {
    out[2 * i] = x[i]!;
    out[2 * i + 1] = x[nv + i]!;
  }
  return out;
}

/** x = [v_x; v_y] from V (#V by 2, interleaved); `out` overwritten and returned. */
export function splitFromInterleaved(V: Float64Array, out = new Float64Array(V.length)): Float64Array {
  const nv = V.length / 2;
  for (let i = 0; i < nv; i++) {
    out[i] = V[2 * i]!;
    out[nv + i] = V[2 * i + 1]!;
  }
  return out;
}

/** Signed areas of the triangles of F in the plane (V #V by 2); `out` (#F) overwritten. */
export function signedAreas(V: Float64Array, F: Int32Array, out = new Float64Array(F.length / 3)): Float64Array {
  for (let f = 0; f < F.length / 3; f++) {
    const a = F[3 * f]!;
    const b = F[3 * f + 1]!;
    const c = F[3 * f + 2]!;
    const ax = V[2 * a]!;
    const ay = V[2 * a + 1]!;
    out[f] = 0.5 * ((V[2 * b]! - ax) * (V[2 * c + 1]! - ay) - (V[2 * b + 1]! - ay) * (V[2 * c]! - ax));
  }
  return out;
}

/** Number of faces with orientation · area ≤ 0 (or NaN: a NaN position counts as a flip). */
export function countFlipped(areas: Float64Array, orientation: 1 | -1 = 1): number {
  let k = 0;
  for (let f = 0; f < areas.length; f++) if (!(orientation * areas[f]! > 0)) k++;
  return k;
}

/** max_t ‖V[loop[t]] − polygon_t‖₂ (V #V by 2, polygon #B by 2 in loop order). */
export function boundaryDeviation(V: Float64Array, loop: Int32Array, polygon: Float64Array): number {
  let m = 0;
  for (let t = 0; t < loop.length; t++) {
    const v = loop[t]!;
    const d = Math.hypot(V[2 * v]! - polygon[2 * t]!, V[2 * v + 1]! - polygon[2 * t + 1]!);
    if (!(d <= m)) m = d; // NaN propagates as the maximum
  }
  return m;
}

/** Indices r with (C x)_r > tol. C (m by 2#V), x (2#V), not modified. */
export function coneViolations(C: CscMatrix, x: Float64Array, tol = 0): Int32Array {
  const cx = cscMatVec(C, x);
  const out: number[] = [];
  for (let r = 0; r < cx.length; r++) if (!(cx[r]! <= tol)) out.push(r);
  return Int32Array.from(out);
}

export interface EmbeddingReport {
  /** faces with orientation · signed area ≤ 0 */
  readonly flipped: number;
  /** min over faces of orientation · signed area */
  readonly minArea: number;
  /** max boundary distance to the target polygon */
  readonly boundaryDeviation: number;
  /** number of cone rows with (C x)_r > tol (only when C was given) */
  readonly violatedRows: number | null;
  /** flipped = 0 and boundary deviation ≤ boundaryTol */
  readonly valid: boolean;
}

/**
 * Check a map of the domain. V #V by 2 (interleaved), C optional (the instance's C values).
 * boundaryTol (default 1e-6 × polygon diameter) decides `valid` together with flipped = 0.
 */
export function embeddingReport(
  domain: EmbeddingDomain,
  V: Float64Array,
  options: { C?: CscMatrix; rowTol?: number; boundaryTol?: number } = {},
): EmbeddingReport {
  if (V.length !== 2 * domain.nv) throw new DimensionError('V', `length ${2 * domain.nv} (#V by 2)`, `length ${V.length}`);
  const areas = signedAreas(V, domain.F);
  const flipped = countFlipped(areas, domain.orientation);
  let minArea = Infinity;
  for (let f = 0; f < areas.length; f++) minArea = Math.min(minArea, domain.orientation * areas[f]!);
  const dev = boundaryDeviation(V, domain.loop, domain.polygon);
  let violatedRows: number | null = null;
  if (options.C) violatedRows = coneViolations(options.C, splitFromInterleaved(V), options.rowTol ?? 0).length;
  const boundaryTol = options.boundaryTol ?? 1e-6 * polygonDiameter(domain.polygon);
  return { flipped, minArea, boundaryDeviation: dev, violatedRows, valid: flipped === 0 && dev <= boundaryTol };
}

/** Diameter of the bounding box of a polygon (#B by 2, interleaved). */
export function polygonDiameter(P: Float64Array): number {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let t = 0; t < P.length; t += 2) {
    x0 = Math.min(x0, P[t]!);
    x1 = Math.max(x1, P[t]!);
    y0 = Math.min(y0, P[t + 1]!);
    y1 = Math.max(y1, P[t + 1]!);
  }
  return Math.hypot(x1 - x0, y1 - y0);
}
