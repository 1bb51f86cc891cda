/**
 * SVG picture of a planar map: triangles (flipped/degenerate ones filled red), the target
 * polygon, and the constrained reflex corners (green: both cone rows satisfied, orange: a row
 * violated).
 *
 *   svg = embeddingSvg(V, F, options?)            any mesh in the plane
 *   svg = domainSvg(domain, V, options?)          with the domain's polygon and reflex corners
 *
 * Inputs:
 *   V        #V by 2 positions (interleaved), not modified
 *   F        #F by 3 triangle indices, not modified
 *   options  width (px, default 800; height follows the aspect ratio), title, orientation
 *            (+1: a face is flipped when its signed area ≤ 0; −1: when ≥ 0), polygon (#B by 2
 *            closed outline to draw), corners (#K by 2 points to mark), cornerViolated (#K flags)
 * Output: a standalone SVG document (string). World y points up; the picture is flipped so
 * the map looks as in the plane. Triangles are drawn as two <path> elements (valid, flipped)
 * to keep large meshes (the ant: 29k faces) small.
 */
import { mat2d, vec2 } from 'gl-matrix';
import { DimensionError } from '../optimizer/errors.ts';
import { cscMatVec } from '../optimizer/linalg/csc.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';
import type { EmbeddingDomain } from './embedding-domain.ts';
import { signedAreas, splitFromInterleaved } from './validity.ts';

export interface EmbeddingSvgOptions {
  width?: number;
  title?: string;
  orientation?: 1 | -1;
  polygon?: Float64Array | null;
  corners?: Float64Array | null;
  cornerViolated?: ArrayLike<boolean | number> | null;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function embeddingSvg(V: Float64Array, F: Int32Array, options: EmbeddingSvgOptions = {}): string {
  if (V.length % 2 !== 0) throw new DimensionError('V', '#V by 2 (even length)', `length ${V.length}`);
  const nv = V.length / 2;
  const width = options.width ?? 800;
  const orientation = options.orientation ?? 1;
  const title = options.title ?? '';
  // bounding box of the vertices and the polygon
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  const grow = (P: Float64Array) => {
    for (let k = 0; k < P.length; k += 2) {
      const x = P[k]!;
      const y = P[k + 1]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x);
      y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
  };
  grow(V);
  if (options.polygon) grow(options.polygon);
  if (!(x1 >= x0)) { x0 = 0; x1 = 1; y0 = 0; y1 = 1; }
  const span = Math.max(x1 - x0, y1 - y0) || 1;
  const margin = 20;
  const header = title ? 28 : 0;
  const inner = width - 2 * margin;
  const scale = inner / span;
  const height = Math.ceil((y1 - y0) * scale + 2 * margin + header);
  // world → picture: p = T (x, y), flipping y
  const T = mat2d.create();
  mat2d.translate(T, T, [margin, height - margin]);
  mat2d.scale(T, T, [scale, -scale]);
  mat2d.translate(T, T, [-x0, -y0]);
  const pv = vec2.create();
  const px = new Float64Array(2 * nv);
  for (let i = 0; i < nv; i++) {
    vec2.set(pv, V[2 * i]!, V[2 * i + 1]!);
    vec2.transformMat2d(pv, pv, T);
    px[2 * i] = pv[0];
    px[2 * i + 1] = pv[1];
  }
  const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '0');
  const areas = signedAreas(V, F);
  const ok: string[] = [];
  const bad: string[] = [];
  let flipped = 0;
  for (let f = 0; f < F.length / 3; f++) {
    const a = F[3 * f]!, b = F[3 * f + 1]!, c = F[3 * f + 2]!;
    const d = `M${f2(px[2 * a]!)} ${f2(px[2 * a + 1]!)}L${f2(px[2 * b]!)} ${f2(px[2 * b + 1]!)}L${f2(px[2 * c]!)} ${f2(px[2 * c + 1]!)}Z`;
    if (orientation * areas[f]! > 0) ok.push(d);
    else {
      bad.push(d);
      flipped++;
    }
  }
  const stroke = Math.max(0.1, Math.min(0.8, 400 / Math.sqrt(F.length / 3 + 1) / 20));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  if (title) out.push(`<text x="${margin}" y="${margin + 4}" font-family="sans-serif" font-size="14">${esc(title)}</text>`);
  out.push(`<path d="${ok.join('')}" fill="#dde6f2" stroke="#4a5a70" stroke-width="${stroke.toFixed(2)}" stroke-linejoin="round"/>`);
  // flipped faces get a stroke of at least 1 px so that tiny ones (the ant) stay visible
  if (bad.length > 0) out.push(`<path d="${bad.join('')}" fill="#e0201a" fill-opacity="0.85" stroke="#e0201a" stroke-width="${Math.max(1, stroke).toFixed(2)}" stroke-linejoin="round"/>`);
  if (options.polygon) {
    const P = options.polygon;
    const pts: string[] = [];
    for (let k = 0; k < P.length; k += 2) {
      vec2.set(pv, P[k]!, P[k + 1]!);
      vec2.transformMat2d(pv, pv, T);
      pts.push(`${f2(pv[0])},${f2(pv[1])}`);
    }
    out.push(`<polygon points="${pts.join(' ')}" fill="none" stroke="black" stroke-width="1.5"/>`);
  }
  if (options.corners) {
    const Cn = options.corners;
    const radius = Cn.length / 2 > 100 ? 2.5 : 3.5;
    for (let k = 0; k < Cn.length / 2; k++) {
      vec2.set(pv, Cn[2 * k]!, Cn[2 * k + 1]!);
      vec2.transformMat2d(pv, pv, T);
      const v = options.cornerViolated ? Boolean(options.cornerViolated[k]) : false;
      out.push(`<circle cx="${f2(pv[0])}" cy="${f2(pv[1])}" r="${radius}" fill="${v ? '#ff9900' : '#20a040'}" stroke="black" stroke-width="0.6"/>`);
    }
  }
  out.push(`<text x="${width - margin}" y="${height - 6}" text-anchor="end" font-family="sans-serif" font-size="11">${nv} vertices, ${F.length / 3} faces, ${flipped} flipped</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/**
 * The picture of a map of `domain`: its target polygon, its reflex corners (violated when a
 * row of C x exceeds rowTol; needs the instance's C), flips w.r.t. the domain's orientation.
 */
export function domainSvg(
  domain: EmbeddingDomain,
  V: Float64Array,
  options: { C?: CscMatrix; rowTol?: number; width?: number; title?: string } = {},
): string {
  const K = domain.corners.count;
  const corners = new Float64Array(2 * K);
  for (let k = 0; k < K; k++) {
    const t = domain.corners.loopIndex[k]!;
    corners[2 * k] = domain.polygon[2 * t]!;
    corners[2 * k + 1] = domain.polygon[2 * t + 1]!;
  }
  let violated: Uint8Array | null = null;
  if (options.C) {
    const cx = cscMatVec(options.C, splitFromInterleaved(V));
    const tol = options.rowTol ?? 0;
    violated = new Uint8Array(K);
    for (let k = 0; k < K; k++) violated[k] = cx[2 * k]! > tol || cx[2 * k + 1]! > tol ? 1 : 0;
  }
  const opts: EmbeddingSvgOptions = { orientation: domain.orientation, polygon: domain.polygon, corners, cornerViolated: violated };
  if (options.width !== undefined) opts.width = options.width;
  if (options.title !== undefined) opts.title = options.title;
  return embeddingSvg(V, domain.F, opts);
}
