/**
 * Distortion of a planar map of a mesh: per triangle the singular values of the affine map from
 * the input triangle (flat or in 3-D) to its image.
 *
 *   d = mapDistortion(X, dim, U, F)
 *
 * Inputs:
 *   X    #V by dim input positions (dim 2 or 3), not modified
 *   U    #V by 2 image positions (the embedding), not modified
 *   F    #F by 3 triangles
 * Output (MapDistortion):
 *   sigma1, sigma2   #F singular values σ₁ ≥ σ₂ ≥ 0 of the 2×2 Jacobian J_f of triangle f,
 *                    written in an orthonormal frame of the input triangle's plane
 *   conformalMax, conformalMean   σ₁/σ₂ (1 = angle-preserving; ∞ for a collapsed image)
 *   areaMax, areaMean             σ₁σ₂ / (total image area / total input area): 1 = the
 *                                 triangle keeps its share of the area
 *   means are weighted by input triangle area; maxima over all triangles
 *   flipped                       triangles with det J_f ≤ 0 (orientation reversed or degenerate)
 *
 * J_f = [u_b − u_a, u_c − u_a] · [p_b, p_c]⁻¹ with p the input vertices in the triangle's own
 * frame (p_a = 0, p_b on the first axis). Writing J = S + T with S a similarity and T an
 * anti-similarity (a reflection times a scale), σ₁ = |S| + |T| and σ₂ = ||S| − |T||, where
 * |S| = ½‖(J₀₀ + J₁₁, J₁₀ − J₀₁)‖ and |T| = ½‖(J₀₀ − J₁₁, J₁₀ + J₀₁)‖ (stable when σ₁ ≈ σ₂).
 */
import { DimensionError } from '../optimizer/errors.ts';

export interface MapDistortion {
  readonly sigma1: Float64Array;
  readonly sigma2: Float64Array;
  readonly conformalMax: number;
  readonly conformalMean: number;
  readonly areaMax: number;
  readonly areaMean: number;
  readonly flipped: number;
}

export function mapDistortion(X: Float64Array, dim: 2 | 3, U: Float64Array, F: Int32Array): MapDistortion {
  const nv = X.length / dim;
  if (U.length !== 2 * nv) throw new DimensionError('U', `length 2·#V = ${2 * nv}`, `length ${U.length}`);
  const nf = F.length / 3;
  const sigma1 = new Float64Array(nf);
  const sigma2 = new Float64Array(nf);
  const inArea = new Float64Array(nf);
  const outArea = new Float64Array(nf);
  let totalIn = 0;
  let totalOut = 0;
  let flipped = 0;
  for (let f = 0; f < nf; f++) {
    const a = F[3 * f]!;
    const b = F[3 * f + 1]!;
    const c = F[3 * f + 2]!;
    // input frame: e1 along (b − a), e2 its normal in the triangle's plane
    const e: number[] = [];
    const g: number[] = [];
    for (let o = 0; o < dim; o++) {
      e.push(X[dim * b + o]! - X[dim * a + o]!);
      g.push(X[dim * c + o]! - X[dim * a + o]!);
    }
    const le = Math.hypot(...e);
    const gx = e.reduce((s, x, o) => s + x * g[o]!, 0) / le;
    const gy = Math.sqrt(Math.max(0, g.reduce((s, x) => s + x * x, 0) - gx * gx));
    // p_b = (le, 0), p_c = (gx, gy); inverse of [[le, gx], [0, gy]]
    const A = 0.5 * le * gy;
    inArea[f] = A;
    const ux = U[2 * b]! - U[2 * a]!;
    const uy = U[2 * b + 1]! - U[2 * a + 1]!;
    const vx = U[2 * c]! - U[2 * a]!;
    const vy = U[2 * c + 1]! - U[2 * a + 1]!;
    // J = [u v] · [[1/le, −gx/(le gy)], [0, 1/gy]]
    const j00 = ux / le;
    const j10 = uy / le;
    const j01 = (vx - (gx * ux) / le) / gy;
    const j11 = (vy - (gx * uy) / le) / gy;
    const det = j00 * j11 - j01 * j10;
    // J = similarity part + anti-similarity part; σ₁,₂ = |sim| ± |anti| (no cancellation at σ₁ ≈ σ₂)
    const sim = Math.hypot(j00 + j11, j10 - j01) / 2;
    const anti = Math.hypot(j00 - j11, j10 + j01) / 2;
    sigma1[f] = sim + anti;
    sigma2[f] = Math.abs(sim - anti);
    if (!(det > 0)) flipped++;
    outArea[f] = 0.5 * (ux * vy - uy * vx);
    totalIn += A;
    totalOut += outArea[f]!;
  }
  const ratio = totalOut / totalIn;
  let conformalMax = 0;
  let conformalMean = 0;
  let areaMax = 0;
  let areaMean = 0;
  for (let f = 0; f < nf; f++) {
    const conf = sigma2[f]! > 0 ? sigma1[f]! / sigma2[f]! : Infinity;
    const area = (sigma1[f]! * sigma2[f]!) / ratio;
    conformalMax = Math.max(conformalMax, conf);
    areaMax = Math.max(areaMax, area);
    conformalMean += (inArea[f]! / totalIn) * conf;
    areaMean += (inArea[f]! / totalIn) * area;
  }
  return { sigma1, sigma2, conformalMax, conformalMean, areaMax, areaMean, flipped };
}
