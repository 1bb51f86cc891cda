/**
 * Wavefront OBJ reader for triangle meshes.
 *
 * Why our own reader and not `obj-file-parser` (0.6.2): checked against the forms dqp must
 * accept and reject, that package
 *   - resolves negative (relative) indices for `v` only: `f -3/-3 -2/-2 -1/-1` keeps vt = −3;
 *   - numbers vertices per `o` object, while OBJ indices are global across objects (a face
 *     after `o b` gets wrong and even 0 / negative indices);
 *   - parses numbers with parseFloat / parseInt: `v abc 0 0` gives NaN, `f 1 x 3` gives a null
 *     index, `v 1.5x 0 0` silently reads 1.5;
 *   - throws plain strings without the line number (its messages print "undefined"), and
 *     ignores unknown statements, so a corrupted line passes unnoticed.
 * Every failure here is a FileFormatError naming the file and the 1-based line; face numbers
 * in messages are 0-based rows of F; offending tokens are quoted with quoteExcerpt (at most
 * ~100 characters, so a 5 MB number does not make a 5 MB message).
 *
 * Bounded work: OBJ declares no counts; every index is checked against the vertices (texture
 * coordinates, normals) defined so far, and storage grows only with the lines read, so time
 * and memory are proportional to the file. No cap is needed.
 *
 * Read: `v x y [z [w | r g b]]`, `vt u [v [w]]`, `vn`, `f` with corners `v`, `v/vt`, `v//vn`,
 * `v/vt/vn` (positive 1-based or negative relative indices), line continuations (`\` at
 * the end of a line), comments (`#`). Grouping, material and free-form statements are
 * accepted and ignored. Only triangles are accepted (dqp works on triangle meshes).
 *
 * Text in, mesh out: no Node built-in here, so a web page can use it; readObjFile (obj-read.ts)
 * adds reading from disk.
 */
import { FileFormatError, quoteExcerpt } from '../optimizer/errors.ts';

/**
 * The content of an OBJ file.
 *
 *   V    #V by 3 positions (z = 0 when a `v` line has two coordinates)
 *   F    #F by 3 vertex indices, 0-based, in file order
 *   VT   #VT by 2 texture coordinates (u, v), or null when the file has no `vt`
 *   FT   #F by 3 per-corner texture-coordinate indices, 0-based, −1 where a corner has none;
 *        null when no face corner names a vt
 */
export interface ObjMesh {
  readonly V: Float64Array;
  readonly F: Int32Array;
  readonly VT: Float64Array | null;
  readonly FT: Int32Array | null;
  readonly nv: number;
  readonly nf: number;
  readonly nvt: number;
  /** the file name given to the reader */
  readonly source: string;
}

/** Statements that carry no triangle geometry: accepted and ignored. */
const IGNORED = new Set([
  'o', 'g', 's', 'mg', 'usemtl', 'mtllib', 'usemap', 'maplib', 'l', 'p', 'vp',
  'cstype', 'deg', 'bmat', 'step', 'curv', 'curv2', 'surf', 'parm', 'trim', 'hole', 'scrv', 'sp',
  'end', 'con', 'bevel', 'c_interp', 'd_interp', 'lod', 'shadow_obj', 'trace_obj', 'ctech', 'stech',
]);

/** Growable Float64 / Int32 buffers (the ant has 15k vertices; no per-entry objects). */
class F64Buf {
  data = new Float64Array(1024);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const d = new Float64Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = x;
  }
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}
class I32Buf {
  data = new Int32Array(1024);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const d = new Int32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = x;
  }
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

const INTEGER = /^[+-]?\d+$/;

/**
 * Parse OBJ text.
 *
 * Inputs:
 *   text      the file content
 *   fileName  name used in error messages (default '<obj>')
 * Output: ObjMesh (see above).
 * Throws FileFormatError(fileName, 'line L: ...') for an unparsable line, a non-finite
 * number, an index of 0 or out of range, a face that is not a triangle, or a file without
 * vertices or faces.
 */
export function readObj(text: string, fileName = '<obj>'): ObjMesh {
  const V = new F64Buf();
  const VT = new F64Buf();
  const F = new I32Buf();
  const FT = new I32Buf();
  let nvn = 0;
  let anyVt = false;

  const rawLines = text.split(/\r\n|\n|\r/);
  let lineNo = 0;
  let pending = '';
  let pendingLine = 0;
  for (let li = 0; li < rawLines.length; li++) {
    let raw = rawLines[li]!;
    const hash = raw.indexOf('#');
    if (hash >= 0) raw = raw.slice(0, hash);
    if (pending === '') pendingLine = li + 1;
    // line continuation: a backslash as the last non-blank character
    const trimmedEnd = raw.trimEnd();
    if (trimmedEnd.endsWith('\\')) {
      pending += `${trimmedEnd.slice(0, -1)} `;
      continue;
    }
    const line = (pending + raw).trim();
    pending = '';
    lineNo = pendingLine;
    if (line === '') continue;
    const tok = line.split(/\s+/);
    const kw = tok[0]!;
    const fail = (detail: string): never => {
      throw new FileFormatError(fileName, `line ${lineNo}: ${detail}`);
    };
    const num = (s: string, what: string): number => {
      const x = Number(s);
      if (s === '' || !Number.isFinite(x)) fail(`${what} ${quoteExcerpt(s)} is not a finite number`);
      return x;
    };
    switch (kw) {
      case 'v': {
        const k = tok.length - 1;
        // x y, x y z, x y z w, or x y z r g b (vertex colours, a common extension)
        if (k !== 2 && k !== 3 && k !== 4 && k !== 6) fail(`vertex needs 2, 3, 4 or 6 numbers, found ${k}`);
        V.push(num(tok[1]!, 'coordinate'));
        V.push(num(tok[2]!, 'coordinate'));
        V.push(k >= 3 ? num(tok[3]!, 'coordinate') : 0);
        for (let t = 4; t <= k; t++) num(tok[t]!, 'value');
        break;
      }
      case 'vt': {
        const k = tok.length - 1;
        if (k < 1 || k > 3) fail(`texture coordinate needs 1 to 3 numbers, found ${k}`);
        VT.push(num(tok[1]!, 'texture coordinate'));
        VT.push(k >= 2 ? num(tok[2]!, 'texture coordinate') : 0);
        if (k === 3) num(tok[3]!, 'texture coordinate');
        break;
      }
      case 'vn': {
        if (tok.length !== 4) fail(`normal needs 3 numbers, found ${tok.length - 1}`);
        for (let t = 1; t <= 3; t++) num(tok[t]!, 'normal component');
        nvn++;
        break;
      }
      case 'f': {
        const corners = tok.length - 1;
        const face = F.length / 3;
        if (corners !== 3) {
          fail(
            corners < 3
              ? `face ${face} has ${corners} vertices; a face needs at least 3`
              : `face ${face} has ${corners} vertices; dqp needs triangles (triangulate the mesh first)`,
          );
        }
        for (let c = 1; c <= 3; c++) {
          const parts = tok[c]!.split('/');
          const corner = quoteExcerpt(tok[c]!);
          if (parts.length > 3) fail(`face corner ${corner} has more than 3 '/'-separated indices`);
          const resolve = (s: string, count: number, what: string): number => {
            if (!INTEGER.test(s)) fail(`face corner ${corner}: ${what} index ${quoteExcerpt(s)} is not an integer`);
            const k = Number(s);
            if (k === 0) fail(`face corner ${corner}: ${what} index 0 (OBJ indices start at 1)`);
            const idx = k > 0 ? k - 1 : count + k; // negative: relative to the ones defined so far
            if (idx < 0 || idx >= count) {
              const shown = Number.isSafeInteger(k) ? String(k) : quoteExcerpt(s);
              fail(`face corner ${corner}: ${what} index ${shown} out of range (${count} ${what === 'vertex' ? 'vertices' : `${what}s`} defined so far)`);
            }
            return idx;
          };
          F.push(resolve(parts[0]!, V.length / 3, 'vertex'));
          if (parts.length >= 2 && parts[1] !== '') {
            FT.push(resolve(parts[1]!, VT.length / 2, 'texture coordinate'));
            anyVt = true;
          } else {
            FT.push(-1);
          }
          if (parts.length === 3) {
            if (parts[2] === '') fail(`face corner ${corner}: empty normal index`);
            resolve(parts[2]!, nvn, 'normal');
          }
        }
        break;
      }
      default:
        if (!IGNORED.has(kw)) fail(`unknown statement ${quoteExcerpt(kw)}`);
    }
  }
  if (pending !== '') throw new FileFormatError(fileName, `line ${pendingLine}: line continuation at the end of the file`);
  if (V.length === 0) throw new FileFormatError(fileName, 'no vertices (no "v" lines)');
  if (F.length === 0) throw new FileFormatError(fileName, 'no faces (no "f" lines)');
  return {
    V: V.toArray(),
    F: F.toArray(),
    VT: VT.length > 0 ? VT.toArray() : null,
    FT: anyVt ? FT.toArray() : null,
    nv: V.length / 3,
    nf: F.length / 3,
    nvt: VT.length / 2,
    source: fileName,
  };
}
