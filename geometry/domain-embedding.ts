/**
 * A user's mesh and a user's polygon → the embedding problem, in units the loop does not see.
 *
 *   prep = prepareDomainEmbedding(mesh, polygon, options?)
 *   prep = normalizedEmbedding(mesh, targets, weights)   targets given per boundary vertex
 *   Vout = prep.toDomainUnits(Vloop)            positions back in the polygon's own units
 *
 * Inputs:
 *   mesh     { V: #V by dim rest positions, dim: 2 | 3, F: #F by 3, source? } (a disk: disk.ts)
 *   polygon  #K by 2 corners, counter-clockwise (preparePolygon), in the domain's own units
 *   options  corners: #K vertex ids (0-based) for the polygon corners (boundary-assign.ts);
 *            weights: initial weights (edge-weights.ts, default 'uniform');
 *            flatTriangles: 'split' (default) or 'error' for edges no map can embed (ear-split.ts:
 *            chords on one polygon side, e.g. the third edge of a triangle lying on one side)
 * Output (DomainEmbedding):
 *   V, F, nv       the mesh, with unembeddable chords split (ear-split.ts; new vertices after
 *                  the input's)
 *   added          ids of the vertices added by splitting (empty when none)
 *   splitFaces     input faces lying on one straight polygon side (fixed by the splits)
 *   splitEdges     the interior edges split (vertex pairs)
 *   targets        boundary targets in NORMALIZED units (below)
 *   cornerVertex   #K vertex ids that took the polygon corners
 *   theta0         initial θ (#E of the possibly split mesh) from `weights`
 *   origin, scale  normalization: x_normalized = (x − origin) / scale, with origin the lower-left
 *                  corner of the polygon's bounding box and scale its larger side, so the domain
 *                  spans [0, 1] in its longer direction whatever its units and position
 *
 * Why normalize: the inner QP's duals scale with the coordinates (μ ∝ size), while the loop's
 * stop tolerance on them is absolute; a target 1e-6 small would "converge" at once and one 1e9
 * large never; and the Laplacian's 1e-4 diagonal shift pulls the map towards the origin, which
 * folds a domain placed far from it (the cross moved by 1e5: 128 flips after 400 steps). In
 * normalized units the same mesh and polygon take the same steps at any scale or position, and
 * toDomainUnits returns the result in the units the user gave. Why the corner and not the centre:
 * the built-in examples already live in [0, 1]² and stay bit-identical; centred at 0 the cross
 * took 1.5× the forward time per step (measured in-process, 1.0 → 1.5 ms).
 *
 * Errors: every error of boundary-assign.ts; with flatTriangles 'error', a typed error naming
 * the flat triangles and the edges (1-based) and how to fix the mesh.
 */
import { FileFormatError, InputError } from '../optimizer/errors.ts';
import { assignBoundary } from './boundary-assign.ts';
import { boundingBox } from './polygon.ts';
import { diskTopology } from './disk.ts';
import { flatBoundaryTriangles, splitEdges, unembeddableEdges } from './ear-split.ts';
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
  /** input faces with all three vertices on one straight polygon side (found before splitting) */
  readonly splitFaces: Int32Array;
  /** #S by 2 vertex pairs of the interior edges split (one added vertex each, in this order) */
  readonly splitEdges: Int32Array;
  readonly targets: BoundaryTargets;
  /** #K vertex ids that took the polygon corners; null when the targets were given per vertex */
  readonly cornerVertex: Int32Array | null;
  readonly theta0: Float64Array;
  readonly origin: readonly [number, number];
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

  // the assignment in the domain's own units (its choices depend on length ratios only), so
  // that the output can put every boundary vertex exactly where it belongs in those units
  const { origin, scale } = normalize(polygon);
  const assigned = assignBoundary(V, dim, loop, polygon, { corners: options.corners ?? null, source });
  const flat = flatBoundaryTriangles(F, nv, loop, assigned.cornerLoop);
  const bad = unembeddableEdges(F, nv, loop, assigned.cornerLoop, polygon);
  let added: Int32Array = new Int32Array(0);
  if (bad.reasons.length > 0) {
    if (options.flatTriangles === 'error') {
      const pairs = Array.from({ length: Math.min(bad.reasons.length, LIST) }, (_, s) => `${bad.edges[2 * s]! + 1}–${bad.edges[2 * s + 1]! + 1}`).join(', ');
      const msg =
        (flat.length ? `triangle(s) ${list(flat)} have all three vertices on one straight edge of the polygon; ` : '') +
        `the interior edge(s) ${pairs}${bad.reasons.length > LIST ? `, … (${bad.reasons.length} in all)` : ''} join two boundary vertices ` +
        'on one straight polygon edge (or cut off a reflex corner), so the triangles beside them have zero area or lie outside in every map ' +
        'and the map can never be certified; split those edges in your mesh (a vertex at the middle of each), or move the polygon ' +
        'corners (--corners), or let dqp split them (the default)';
      throw source ? new FileFormatError(source, msg) : new InputError('mesh', 'no interior edge between two boundary vertices on one polygon edge', msg);
    }
    const split = splitEdges(V, dim, F, bad.edges);
    V = split.V;
    F = split.F;
    added = split.added;
    nv = V.length / dim;
  }
  const { edges } = diskTopology(F, nv, source);
  const theta0 = initialTheta(options.weights ?? 'uniform', V, dim, F, edges);
  const targets = { ...assigned.targets, positions: normalize(assigned.targets.positions, origin, scale).normalized };
  return {
    V,
    dim,
    F,
    nv,
    added,
    splitFaces: flat,
    splitEdges: bad.edges,
    targets,
    cornerVertex: assigned.cornerVertex,
    theta0,
    origin,
    scale,
    toDomainUnits: denormalizer(origin, scale, assigned.targets),
  };
}

/**
 * The same normalization for targets given per boundary vertex (the mesh's vt, or another OBJ):
 * the targets' bounding box is centred at 0 with its larger side 1; θ₀ from `weights`.
 */
export function normalizedEmbedding(mesh: DomainMesh, targets: BoundaryTargets, weights: WeightKind = 'uniform'): DomainEmbedding {
  const { V, dim, F, source } = mesh;
  const nv = V.length / dim;
  const { origin, scale, normalized } = normalize(targets.positions);
  const { edges } = diskTopology(F, nv, source);
  return {
    V,
    dim,
    F,
    nv,
    added: new Int32Array(0),
    splitFaces: new Int32Array(0),
    splitEdges: new Int32Array(0),
    targets: { ...targets, positions: normalized },
    cornerVertex: null,
    theta0: initialTheta(weights, V, dim, F, edges),
    origin,
    scale,
    toDomainUnits: denormalizer(origin, scale, targets),
  };
}

/**
 * #K by 2 points normalized: (x − origin) / scale, with (unless given) origin the lower-left
 * corner of their bounding box and scale its larger side: the points then span [0, 1] in their
 * longer direction, like the paper's examples, which stay bit-identical (origin 0, scale 1).
 */
function normalize(P: Float64Array, c?: readonly [number, number], s?: number): { origin: [number, number]; scale: number; normalized: Float64Array } {
  let origin: [number, number];
  let scale: number;
  if (c !== undefined && s !== undefined) {
    origin = [c[0], c[1]];
    scale = s;
  } else {
    const { xmin, ymin, xmax, ymax } = boundingBox(P);
    origin = [xmin, ymin];
    scale = Math.max(xmax - xmin, ymax - ymin);
  }
  if (!(scale > 0) || !Number.isFinite(scale)) throw new InputError('targets', 'a polygon of finite, positive size', `size ${scale}`);
  const normalized = new Float64Array(P.length);
  for (let k = 0; k < P.length; k += 2) {
    normalized[k] = (P[k]! - origin[0]) / scale;
    normalized[k + 1] = (P[k + 1]! - origin[1]) / scale;
  }
  return { origin, scale, normalized };
}

/**
 * Normalized #V by 2 positions → the domain's units; the boundary vertices are set exactly to
 * their targets in those units (the affine map back would round them in the last bit).
 */
function denormalizer(origin: readonly [number, number], scale: number, exact: BoundaryTargets): (U: Float64Array) => Float64Array {
  return (U) => {
    const out = new Float64Array(U.length);
    for (let k = 0; k < U.length; k += 2) {
      out[k] = U[k]! * scale + origin[0];
      out[k + 1] = U[k + 1]! * scale + origin[1];
    }
    for (let t = 0; t < exact.vertices.length; t++) {
      const v = exact.vertices[t]!;
      out[2 * v] = exact.positions[2 * t]!;
      out[2 * v + 1] = exact.positions[2 * t + 1]!;
    }
    return out;
  };
}
