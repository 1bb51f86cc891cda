/**
 * Initial Laplacian weights from the input mesh's geometry: θ₀ of the bi-level loop.
 *
 *   θ₀ = initialTheta(kind, V, dim, F, edges)
 *
 * kind:
 *   'uniform'     θ_e = −1 on every edge (w_e = −1.01: the graph Laplacian; the paper's choice)
 *   'cotan'       ω_e = ½ Σ cot(angle opposite e) over the one or two triangles of e, angles in
 *                 the input mesh (3-D for surfaces): the discrete Dirichlet energy of the input,
 *                 so a flat input into its own boundary maps to itself
 *   'mean-value'  ω_ij = (tan(α/2) + tan(β/2)) / |x_i − x_j| with α, β the angles at i between
 *                 edge ij and the neighbouring edges of its two triangles (Floater's weights,
 *                 always positive); the parameterization has one weight per undirected edge, so
 *                 ω_e = ½ (ω_ij + ω_ji)
 * Then ω is scaled so that its mean is 1.01 (the uniform weight) and clamped from below:
 *   ω_e ← max(ω_e, OMEGA_FLOOR)   (cotan weights are negative across obtuse angles)
 * and θ_e = WEIGHT_OFFSET − ω_e, i.e. w_e = min(θ_e, 0) − 0.01 = −ω_e (laplacian.ts). The floor
 * 0.02 keeps every θ_e ≤ −0.01 < 0, inside the range where w depends on θ (dw/dθ = 1), so the
 * loop can move every weight; smaller positive weights cannot be represented anyway
 * (w ≤ −0.01 always).
 * The regularizer's reference L̂₀ is the Laplacian at θ₀, so `--reg λ` keeps the learned weights
 * near these.
 */
import { InputError } from '../optimizer/errors.ts';
import type { EdgeList } from './edges.ts';
import { edgeId } from './edges.ts';
import { THETA_INIT, WEIGHT_OFFSET } from './laplacian.ts';

export type WeightKind = 'uniform' | 'cotan' | 'mean-value';
export const WEIGHT_KINDS: readonly WeightKind[] = ['uniform', 'cotan', 'mean-value'];

/** Lower bound on ω after scaling (see the header). */
export const OMEGA_FLOOR = 0.02;
/** Mean of ω after scaling: the uniform weight 1 + WEIGHT_OFFSET. */
const OMEGA_MEAN = -THETA_INIT + WEIGHT_OFFSET;

function sub(V: Float64Array, dim: number, i: number, j: number): number[] {
  const out: number[] = [];
  for (let o = 0; o < dim; o++) out.push(V[dim * i + o]! - V[dim * j + o]!);
  return out;
}
const dot = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * b[k]!, 0);
/** |a × b| in 2-D or 3-D */
function crossNorm(a: number[], b: number[]): number {
  if (a.length === 2) return Math.abs(a[0]! * b[1]! - a[1]! * b[0]!);
  const c0 = a[1]! * b[2]! - a[2]! * b[1]!;
  const c1 = a[2]! * b[0]! - a[0]! * b[2]!;
  const c2 = a[0]! * b[1]! - a[1]! * b[0]!;
  return Math.hypot(c0, c1, c2);
}

export function initialTheta(kind: WeightKind, V: Float64Array, dim: 2 | 3, F: Int32Array, edges: EdgeList): Float64Array {
  const theta = new Float64Array(edges.ne);
  if (kind === 'uniform') return theta.fill(THETA_INIT);
  if (kind !== 'cotan' && kind !== 'mean-value') throw new InputError('--weights', WEIGHT_KINDS.join(', '), JSON.stringify(String(kind)));
  const omega = new Float64Array(edges.ne);
  for (let f = 0; f < F.length / 3; f++) {
    const tri = [F[3 * f]!, F[3 * f + 1]!, F[3 * f + 2]!];
    for (let c = 0; c < 3; c++) {
      const i = tri[c]!;
      const j = tri[(c + 1) % 3]!;
      const k = tri[(c + 2) % 3]!;
      if (kind === 'cotan') {
        // angle at k is opposite the edge (i, j)
        const u = sub(V, dim, i, k);
        const v = sub(V, dim, j, k);
        const s = crossNorm(u, v);
        if (!(s > 0)) throw new InputError('mesh', 'triangles of positive area for --weights cotan', `face ${f} is degenerate`);
        omega[edgeId(edges, i, j)] += (0.5 * dot(u, v)) / s;
      } else {
        // at vertex i: the angle between edges (i, j) and (i, k); it contributes tan(angle/2) to
        // ω_ij / |ij| and to ω_ik / |ik| (half each after symmetrization)
        const u = sub(V, dim, j, i);
        const v = sub(V, dim, k, i);
        const lu = Math.hypot(...u);
        const lv = Math.hypot(...v);
        const s = crossNorm(u, v);
        if (!(s > 0)) throw new InputError('mesh', 'triangles of positive area for --weights mean-value', `face ${f} is degenerate`);
        const half = s / (lu * lv + dot(u, v)); // tan(angle/2) = sin / (1 + cos)
        omega[edgeId(edges, i, j)] += (0.5 * half) / lu;
        omega[edgeId(edges, i, k)] += (0.5 * half) / lv;
      }
    }
  }
  let mean = 0;
  for (let e = 0; e < edges.ne; e++) mean += omega[e]!;
  mean /= edges.ne;
  if (!(mean > 0)) throw new InputError('mesh', `--weights ${kind}: weights with a positive mean`, String(mean));
  const scale = OMEGA_MEAN / mean;
  for (let e = 0; e < edges.ne; e++) theta[e] = WEIGHT_OFFSET - Math.max(OMEGA_FLOOR, omega[e]! * scale);
  return theta;
}
