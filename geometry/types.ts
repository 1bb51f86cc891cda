/**
 * Data types of the geometry module (libigl conventions: row-major flat arrays, 0-based indices).
 *
 *   V   #V by dim vertex positions, V[i*dim + c]; dim = 2 (the plane) or 3 (OBJ space)
 *   F   #F by 3 triangle indices into V, F[f*3 + k]; orientation (a, b, c) counter-clockwise
 *       means signed area > 0 when the mesh lies in the plane
 *
 * The inner QP of the bi-level problem uses the SPLIT layout x = [v_x; v_y] (all x, then all y,
 * length 2·#V); `splitFromInterleaved` / `interleavedFromSplit` in validity.ts convert.
 */

/** A triangle mesh. */
export interface TriMesh {
  /** #V by dim positions, row-major */
  readonly V: Float64Array;
  /** 2 or 3 */
  readonly dim: 2 | 3;
  /** #F by 3 vertex indices, 0-based, row-major */
  readonly F: Int32Array;
  /** #V */
  readonly nv: number;
  /** #F */
  readonly nf: number;
  /** where the mesh came from (a file name), used in error messages */
  readonly source?: string;
}

/**
 * Target positions of (boundary) vertices in the plane.
 *
 *   vertices   #T vertex indices (0-based, distinct)
 *   positions  #T by 2 target positions, positions[2t], positions[2t+1] for vertices[t]
 *   source     where the targets came from (a file name), used in error messages
 */
export interface BoundaryTargets {
  readonly vertices: Int32Array;
  readonly positions: Float64Array;
  readonly source?: string;
}
