/**
 * UV-checker picture of an embedding used as texture coordinates.
 *
 *   svg = uvCheckerSvg(X, dim, F, UV, options?)
 *
 * Inputs:
 *   X        #V by dim input positions (dim 2 or 3), not modified
 *   F        #F by 3 triangles
 *   UV       #V by 2 the embedding (texture coordinates), not modified
 *   options  polygon (#K by 2 outline drawn on the left), cells (checker cells across the
 *            polygon's longer side, default 12), width (px, default 900), title
 * Output: a standalone SVG with two panels:
 *   left   the map in the domain, each triangle filled with the checker cell of its image
 *          centroid (a checkerboard laid on the polygon);
 *   right  the input mesh, each triangle filled with the same colour: the checkerboard pulled
 *          back onto the surface, as a renderer would texture it. Squares that stay square
 *          and even in size mean low conformal and area distortion. A 3-D surface is drawn
 *          in orthographic projection along its mean normal (area-weighted), far triangles
 *          first.
 * Each triangle is drawn as k² sub-triangles (k a power of 2, about 10 000 in all, k = 1 for
 * meshes of that size), each coloured by the cell of its own UV centroid; the map is affine on
 * a triangle, so cell edges are resolved to a k-th of a triangle.
 */
import { DimensionError } from '../optimizer/errors.ts';
import { boundingBox } from './polygon.ts';

export interface UvCheckerOptions {
  polygon?: Float64Array | null;
  cells?: number;
  width?: number;
  title?: string;
}

const COLORS = ['#f2f2f2', '#2b5d8a'] as const;
/** Target number of sub-triangles drawn per panel (see checkerPaths). */
const SUBTRIANGLES = 10_000;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Orthonormal basis (u, v, n) of the view: n the area-weighted mean normal (or +z in 2-D). */
function viewBasis(X: Float64Array, dim: 2 | 3, F: Int32Array): number[][] {
  if (dim === 2) return [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  const n = [0, 0, 0];
  for (let f = 0; f < F.length; f += 3) {
    const [a, b, c] = [F[f]!, F[f + 1]!, F[f + 2]!];
    const e = [0, 1, 2].map((o) => X[3 * b + o]! - X[3 * a + o]!);
    const g = [0, 1, 2].map((o) => X[3 * c + o]! - X[3 * a + o]!);
    n[0] += e[1]! * g[2]! - e[2]! * g[1]!;
    n[1] += e[2]! * g[0]! - e[0]! * g[2]!;
    n[2] += e[0]! * g[1]! - e[1]! * g[0]!;
  }
  const len = Math.hypot(...n) || 1;
  const nz = n.map((x) => x / len);
  // u: the axis least aligned with n, made orthogonal to it
  const axis = [0, 1, 2].reduce((best, k) => (Math.abs(nz[k]!) < Math.abs(nz[best]!) ? k : best), 0);
  const t = [0, 0, 0];
  t[axis] = 1;
  const d = t[0]! * nz[0]! + t[1]! * nz[1]! + t[2]! * nz[2]!;
  const u = t.map((x, k) => x - d * nz[k]!);
  const lu = Math.hypot(...u);
  const uu = u.map((x) => x / lu);
  const v = [nz[1]! * uu[2]! - nz[2]! * uu[1]!, nz[2]! * uu[0]! - nz[0]! * uu[2]!, nz[0]! * uu[1]! - nz[1]! * uu[0]!];
  return [uu, v, nz];
}

/** Bounding-box fit of points into a size×size box at x0 (y up). */
function fitter(P: Float64Array, x0: number, size: number): { px: (x: number) => string; py: (y: number) => string } {
  const { xmin, ymin, xmax, ymax } = boundingBox(P);
  const s = (0.9 * size) / Math.max(xmax - xmin, ymax - ymin, Number.MIN_VALUE);
  const ox = x0 + (size - s * (xmax - xmin)) / 2;
  const oy = (size - s * (ymax - ymin)) / 2;
  return { px: (x) => (ox + s * (x - xmin)).toFixed(1), py: (y) => (oy + s * (ymax - y)).toFixed(1) };
}

/**
 * Draws the triangles of F in `order`, each cut into k² sub-triangles (k = 2^level) so that the
 * checker cells are resolved finer than the mesh; the sub-triangle at barycentric position
 * (i, j) is coloured by the cell of its centroid in UV. Returns the two paths (light, dark).
 */
function checkerPaths(Q: Float64Array, UV: Float64Array, F: Int32Array, order: Int32Array, k: number, cell: (u: number, v: number) => number, fit: ReturnType<typeof fitter>): string[] {
  const paths = ['', ''];
  const at = (A: Float64Array, a: number, b: number, c: number, i: number, j: number, o: number) =>
    A[2 * a + o]! + (i / k) * (A[2 * b + o]! - A[2 * a + o]!) + (j / k) * (A[2 * c + o]! - A[2 * a + o]!);
  const emit = (a: number, b: number, c: number, t: number[][]) => {
    let cu = 0;
    let cv = 0;
    let d = '';
    t.forEach(([i, j], r) => {
      cu += at(UV, a, b, c, i!, j!, 0) / 3;
      cv += at(UV, a, b, c, i!, j!, 1) / 3;
      d += `${r === 0 ? 'M' : 'L'}${fit.px(at(Q, a, b, c, i!, j!, 0))} ${fit.py(at(Q, a, b, c, i!, j!, 1))}`;
    });
    paths[cell(cu, cv)] += `${d}Z`;
  };
  for (const f of order) {
    const [a, b, c] = [F[3 * f]!, F[3 * f + 1]!, F[3 * f + 2]!];
    for (let i = 0; i < k; i++) {
      for (let j = 0; i + j < k; j++) {
        emit(a, b, c, [[i, j], [i + 1, j], [i, j + 1]]);
        if (i + j < k - 1) emit(a, b, c, [[i + 1, j], [i + 1, j + 1], [i, j + 1]]);
      }
    }
  }
  return paths;
}

export function uvCheckerSvg(X: Float64Array, dim: 2 | 3, F: Int32Array, UV: Float64Array, options: UvCheckerOptions = {}): string {
  const nv = X.length / dim;
  if (UV.length !== 2 * nv) throw new DimensionError('UV', `length 2·#V = ${2 * nv}`, `length ${UV.length}`);
  const nf = F.length / 3;
  const cells = options.cells ?? 12;
  const width = options.width ?? 900;
  const size = width / 2;
  // checker cell size from the map's extent
  const { xmin: umin, ymin: vmin, xmax: umax, ymax: vmax } = boundingBox(UV);
  const h = Math.max(umax - umin, vmax - vmin) / cells;
  const cell = (cu: number, cv: number) => (Math.floor((cu - umin) / h) + Math.floor((cv - vmin) / h)) & 1;
  // subdivision level: about SUBTRIANGLES sub-triangles in all (k = 1 for large meshes)
  const k = 2 ** Math.max(0, Math.min(4, Math.round(Math.log(SUBTRIANGLES / nf) / Math.log(4))));
  // the input seen along its mean normal, far triangles first
  const [u, v, n] = viewBasis(X, dim, F);
  const P = new Float64Array(2 * nv);
  const depth = new Float64Array(nv);
  for (let i = 0; i < nv; i++) {
    const x = [0, 1, 2].map((o) => (o < dim ? X[dim * i + o]! : 0));
    P[2 * i] = x[0]! * u![0]! + x[1]! * u![1]! + x[2]! * u![2]!;
    P[2 * i + 1] = x[0]! * v![0]! + x[1]! * v![1]! + x[2]! * v![2]!;
    depth[i] = x[0]! * n![0]! + x[1]! * n![1]! + x[2]! * n![2]!;
  }
  const byDepth = Int32Array.from({ length: nf }, (_, f) => f);
  const fd = (f: number) => depth[F[3 * f]!]! + depth[F[3 * f + 1]!]! + depth[F[3 * f + 2]!]!;
  byDepth.sort((a, b) => fd(a) - fd(b));
  const natural = Int32Array.from({ length: nf }, (_, f) => f);
  const title = options.title ? `<title>${esc(options.title)}</title>\n` : '';
  const draw = (paths: string[]) => paths.map((d, c) => `<path d="${d}" fill="${COLORS[c]}" stroke="${COLORS[c]}" stroke-width="0.3"/>`).join('\n');
  const left = fitter(UV, 0, size);
  let outline = '';
  if (options.polygon) {
    const pts: string[] = [];
    for (let q = 0; q < options.polygon.length; q += 2) pts.push(`${left.px(options.polygon[q]!)},${left.py(options.polygon[q + 1]!)}`);
    outline = `\n<polygon points="${pts.join(' ')}" fill="none" stroke="#c0392b" stroke-width="1.5"/>`;
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${size}" viewBox="0 0 ${width} ${size}">\n${title}` +
    `<rect width="${width}" height="${size}" fill="white"/>\n` +
    `${draw(checkerPaths(UV, UV, F, natural, k, cell, left))}${outline}\n` +
    `${draw(checkerPaths(P, UV, F, byDepth, k, cell, fitter(P, size, size)))}\n` +
    `<text x="8" y="16" font-family="sans-serif" font-size="12">map (checkerboard on the domain)</text>\n` +
    `<text x="${size + 8}" y="16" font-family="sans-serif" font-size="12">input mesh textured by the map</text>\n</svg>\n`
  );
}
