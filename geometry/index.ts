/**
 * geometry/: the bi-level embedding application's geometry, in data-flow order:
 *   files (obj-read, obj-write, embedding-input, examples/shared-data)
 *   → mesh topology (edges, boundary, disk)
 *   → the fixed domain (polygon, reflex-corners, embedding-domain)
 *   → the θ-dependent inner QP (laplacian, cone-constraints, embedding-qp, regularizer)
 *   → checks and pictures (harmonic, validity, svg, plots: loss curve and scaling charts)
 *   → the bi-level embedding (embed/: the embedding QP family for the generic loop of
 *     optimizer/bilevel, embedBilevel / embedBilevelAsync, the certificate)
 * Procedural inputs: examples/{grid,cross,corner}.
 */
export type { BoundaryTargets, TriMesh } from './types.ts';
export { readObj, readObjFile } from './obj-read.ts';
export type { ObjMesh } from './obj-read.ts';
export { writeObj } from './obj-write.ts';
export type { WriteObjOptions } from './obj-write.ts';
export { loadEmbeddingInput, readHandles, vertexTexcoords } from './embedding-input.ts';
export type { EmbeddingInput, LoadEmbeddingOptions } from './embedding-input.ts';
export { edgeId, edgeList } from './edges.ts';
export type { EdgeList } from './edges.ts';
export { boundaryLoops } from './boundary.ts';
export { diskTopology } from './disk.ts';
export type { DiskTopology } from './disk.ts';
export { findSelfIntersection, segmentsIntersect, signedArea } from './polygon.ts';
export type { PolygonIntersection } from './polygon.ts';
export { REFLEX_TOLERANCE, reflexCorners } from './reflex-corners.ts';
export type { ReflexCorners } from './reflex-corners.ts';
export { embeddingDomain } from './embedding-domain.ts';
export type { EmbeddingDomain, EmbeddingDomainOptions } from './embedding-domain.ts';
export { DIAGONAL_SHIFT, THETA_INIT, WEIGHT_OFFSET, edgeWeights, laplacianPattern, laplacianPullback, laplacianValues } from './laplacian.ts';
export type { LaplacianPattern } from './laplacian.ts';
export { conePattern, conePullback, coneValues } from './cone-constraints.ts';
export type { ConePattern } from './cone-constraints.ts';
export { EmbeddingQP } from './embedding-qp.ts';
export type { EmbeddingQPInstance, LaplacianShift } from './embedding-qp.ts';
export { LAPLACIAN_SHIFTS } from './embedding-qp.ts';
export { laplacianRegularizer, normalizedValues } from './regularizer.ts';
export { HarmonicSolver } from './harmonic.ts';
export {
  boundaryDeviation,
  coneViolations,
  countFlipped,
  embeddingReport,
  interleavedFromSplit,
  signedAreas,
  polygonDiameter,
  splitFromInterleaved,
} from './validity.ts';
export type { EmbeddingReport } from './validity.ts';
export { domainSvg, embeddingSvg } from './svg.ts';
export * from './embed/index.ts';
export type { EmbeddingSvgOptions } from './svg.ts';
export { gridBoundaryClockwise, unitSquareGrid, type GridSplit } from './examples/grid.ts';
export { CROSS_POLYGON, crossExample } from './examples/cross.ts';
export { CORNER_POINT, cornerExample, cornerStudySizes } from './examples/corner.ts';
export { loadSharedAnt, loadSharedCross, loadSharedCrossVt, sharedMeshDir } from './examples/shared-data.ts';
export { polarDisk, type PolarDiskOptions } from './examples/polar-disk.ts';
// your own domain: polygons from files, boundary assignment, weights, distortion, UV pictures
export { MAX_POLYGON_CORNERS, polygonFormatOf, preparePolygon, readPolygon, type PolygonFormat, type PreparedPolygon } from './polygon-read.ts';
export { BUILTIN_DOMAIN_NAMES, builtinDomain } from './polygon-domains.ts';
export { assignBoundary, type AssignBoundaryOptions, type BoundaryAssignment } from './boundary-assign.ts';
export { flatBoundaryTriangles, splitEdges, unembeddableEdges, type SplitMesh, type UnembeddableEdges } from './ear-split.ts';
export { normalizedEmbedding, prepareDomainEmbedding, type DomainEmbedding, type DomainEmbeddingOptions, type DomainMesh } from './domain-embedding.ts';
export { initialTheta, WEIGHT_KINDS, type WeightKind } from './edge-weights.ts';
export { mapDistortion, type MapDistortion } from './distortion.ts';
export { uvCheckerSvg, type UvCheckerOptions } from './uv-checker.ts';
export { lossCurveSvg, scalingSvg } from './plots.ts';
export type { LossCurveInput, ScalingRow } from './plots.ts';
