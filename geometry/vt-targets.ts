/**
 * Boundary targets stored in a mesh's own texture coordinates (the TLC benchmark's input.obj
 * keeps them this way). Text-level helpers only, no Node built-ins: a web page uses them too.
 *
 *   uv = vertexTexcoords(obj, vertices)   #vertices by 2: each vertex's one vt
 */
import { FileFormatError } from '../optimizer/errors.ts';
import type { ObjMesh } from './obj-parse.ts';

/**
 * Per-vertex texture coordinates from an OBJ's per-corner indices: every vertex in `vertices`
 * must have a vt at each of its corners, the same one everywhere (no seams). #vertices by 2.
 */
export function vertexTexcoords(obj: ObjMesh, vertices: Int32Array): Float64Array {
  if (!obj.FT || !obj.VT) throw new FileFormatError(obj.source, 'no texture coordinates (vt) on the faces; cannot read targets from vt');
  const vt = new Int32Array(obj.nv).fill(-1);
  const want = new Uint8Array(obj.nv);
  for (let k = 0; k < vertices.length; k++) want[vertices[k]!] = 1;
  for (let h = 0; h < obj.F.length; h++) {
    const v = obj.F[h]!;
    if (!want[v]) continue;
    const t = obj.FT[h]!;
    if (t < 0) throw new FileFormatError(obj.source, `face ${Math.floor(h / 3)} gives vertex ${v} no texture coordinate; needed as its target`);
    if (vt[v] === -1) vt[v] = t;
    else if (vt[v] !== t && (obj.VT[2 * t] !== obj.VT[2 * vt[v]!] || obj.VT[2 * t + 1] !== obj.VT[2 * vt[v]! + 1])) {
      throw new FileFormatError(obj.source, `vertex ${v} has two different texture coordinates (a seam); its target is ambiguous`);
    }
  }
  const out = new Float64Array(2 * vertices.length);
  for (let k = 0; k < vertices.length; k++) {
    const t = vt[vertices[k]!]!;
    out[2 * k] = obj.VT[2 * t]!;
    out[2 * k + 1] = obj.VT[2 * t + 1]!;
  }
  return out;
}
