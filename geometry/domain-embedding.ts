/**
 * A user's mesh and a user's polygon → the embedding problem, in units the loop does not see.
 *
 *   prep = prepareDomainEmbedding(mesh, polygon, options?)
 *   Vout = prep.toDomainUnits(Vloop)            positions back in the polygon's own units
 *
 * Inputs:
 *   mesh     { V: #V by dim rest positions, dim: 2 | 3, F: #F by 3, source? } (a disk: disk.ts)
 *   polygon  #K by 2 corners, counter-clockwise (preparePolygon), in the domain's own units
 *   options  corners: #K vertex ids (0-based) for the polygon corners (boundary-assign.ts);
 *            weights: initial weights (edge-weights.ts, default 'uniform');
 *            flatTriangles: 'split' (default) or 'error' for triangles lying on one polygon edge
 * Output (DomainEmbedding):
 *   V, F, nv       the mesh, with flat boundary triangles split (new vertices after the input's)
 *   added          ids of the vertices added by splitting (empty when none)
 *   splitFaces     input faces that were split
 *   targets        boundary targets in NORMALIZED units (below)
 *   cornerVertex   #K vertex ids that took the polygon corners
 *   theta0         initial θ (#E of the possibly split mesh) from `weights`
 *   center, scale  normalization: x_normalized = (x − center) / scale, with center the centre
 *                  of the polygon's bounding box and scale its larger side, so the domain spans
 *                  [−½, ½] in its longer direction whatever its units
 *
 * Why normalize: the inner QP's duals scale with the coordinates (μ ∝ size), while the loop's
 * stop tolerance on them is absolute; a target 1e-6 small would "converge" at once and one 1e9
 * large never. In normalized units the same mesh and polygon take the same steps at any scale,
 * and toDomainUnits returns the result in the units the user gave.
 *
 * Errors: every error of boundary-assign.ts; with flatTriangles 'error', a typed error naming
 * the flat triangles (1-based faces) and how to fix the mesh.
 */
import { FileFormatError, InputError } from '../optimizer/errors.ts';
import { assignBoundary } from './boundary-assign.ts';
import { diskTopology } from './disk.ts';
import { flatBoundaryTriangles, splitTriangles } from './ear-split.ts';
import { initialTheta, type WeightKind } from './edge-weights.ts';
import type { BoundaryTargets } from './types.ts';

export interface DomainMesh {
  readonly V: Float64Array;
  readonly dim: 2 | 3;
  readonly F: Int32Array;
  readonly source?: string;
}

export interface DomainEmbeddingOptions {
  readonly corners?: Int32Array | null;
  readonly weights?: WeightKind;
  readonly flatTriangles?: 'split' | 'error';
}

export interface DomainEmbedding {
  readonly V: Float64Array;
  readonly dim: 2 | 3;
  readonly F: Int32Array;
  readonly nv: number;
  readonly added: Int32Array;
  readonly splitFaces: Int32Array;
  readonly targets: BoundaryTargets;
  readonly cornerVertex: Int32Array;
  readonly theta0: Float64Array;
  readonly center: readonly [number, number];
  readonly scale: number;
  /** #V by 2 normalized positions → the domain's units (a new array) */
  toDomainUnits(V: Float64Array): Float64Array;
}

/** Show at most this many items of a list in a message. */
const LIST = 10;
const list = (ids: ArrayLike<number>) =>
  Array.from(ids).slice(0, LIST).map((f) => f + 1).join(', ') + (ids.length > LIST ? `, … (${ids.length} in all)` : '');

export function prepareDomainEmbedding(mesh: DomainMesh, polygon: Float64Array, options: DomainEmbeddingOptions = {}): DomainEmbedding {
  const { dim, source } = mesh;
  let { V, F } = mesh;
  let nv = V.length / dim;
  const { loop } = diskTopology(F, nv, source);

  let xmin = Infinity;
  let xmax = -Infinity;
  let ymin = Infinity;
  let ymax = -Infinity;
  for (let k = 0; k < polygon.length; k += 2) {
    xmin = Math.min(xmin, polygon[k]!);
    xmax = Math.max(xmax, polygon[k]!);
    ymin = Math.min(ymin, polygon[k + 1]!);
    ymax = Math.max(ymax, polygon[k + 1]!);
  }
  const center: [number, number] = [(xmin + xmax) / 2, (ymin + ymax) / 2];
  const scale = Math.max(xmax - xmin, ymax - ymin);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new InputError('--domain', 'a polygon of finite, positive size', `size ${scale}`);
  const normalized = new Float64Array(polygon.length);
  for (let k = 0; k < polygon.length; k += 2) {
    normalized[k] = (polygon[k]! - center[0]) / scale;
    normalized[k + 1] = (polygon[k + 1]! - center[1]) / scale;
  }

  const assigned = assignBoundary(V, dim, loop, normalized, { corners: options.corners ?? null, source });
  const flat = flatBoundaryTriangles(F, nv, loop, assigned.cornerLoop);
  let added: Int32Array = new Int32Array(0);
  if (flat.length > 0) {
    if (options.flatTriangles === 'error') {
      const msg =
        `triangle(s) ${list(flat)} have all three vertices on one straight edge of the polygon, so they have zero area in every map ` +
        'and the map can never be certified; split them (insert a vertex inside each) or move the polygon corners (--corners), ' +
        'or let dqp split them (the default)';
      throw source ? new FileFormatError(source, msg) : new InputError('mesh', 'no triangle flat on one polygon edge', msg);
    }
    const split = splitTriangles(V, dim, F, flat);
    V = split.V;
    F = split.F;
    added = split.added;
    nv = V.length / dim;
  }
  const { edges } = diskTopology(F, nv, source);
  const theta0 = initialTheta(options.weights ?? 'uniform', V, dim, F, edges);
  return {
    V,
    dim,
    F,
    nv,
    added,
    splitFaces: flat,
    targets: assigned.targets,
    cornerVertex: assigned.cornerVertex,
    theta0,
    center,
    scale,
    toDomainUnits(U: Float64Array): Float64Array {
      const out = new Float64Array(U.length);
      for (let k = 0; k < U.length; k += 2) {
        out[k] = U[k]! * scale + center[0];
        out[k + 1] = U[k + 1]! * scale + center[1];
      }
      return out;
    },
  };
}
