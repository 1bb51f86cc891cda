/**
 * Load an embedding problem (mesh + boundary targets) from files.
 *
 *   input = loadEmbeddingInput({ mesh, targets?, handles? })
 *
 * Options:
 *   mesh     OBJ file: the connectivity (and rest positions)
 *   targets  where the boundary targets come from:
 *              'vt'        (default) the mesh's own texture coordinates at the boundary
 *                          (the TLC benchmark's input.obj stores the target this way)
 *              'positions' the mesh's own vertex positions (x, y) at the boundary (e.g. the ant,
 *                          whose result.obj is both mesh and target)
 *              a file name another OBJ with the same vertices and faces; its (x, y) positions
 *                          at the boundary are the targets (e.g. the cross's result.obj)
 *   handles  optional handles.txt (0-based vertex ids, one per line): the pinned vertices.
 *            Default: the boundary loop of the mesh. dqp pins exactly the boundary, so a
 *            handle list that differs from the boundary is rejected by embeddingDomain.
 * Output: { F, nv, V (#V by 3 rest positions), targets, source, targetMesh (the target OBJ
 *   when it is a separate file, e.g. a known valid map) }.
 * Errors: FileFormatError naming the file: missing/unreadable/unparsable files, a target OBJ
 * with a different vertex count or different faces, a vertex without (or with two different)
 * texture coordinates, a handle id out of range.
 */
import { readFileSync } from 'node:fs';
import { FileFormatError, quoteExcerpt } from '../optimizer/errors.ts';
import { diskTopology } from './disk.ts';
import { readObjFile } from './obj-read.ts';
import type { ObjMesh } from './obj-read.ts';
import type { BoundaryTargets } from './types.ts';
import { vertexTexcoords } from './vt-targets.ts';

export { vertexTexcoords } from './vt-targets.ts';

export interface EmbeddingInput {
  readonly F: Int32Array;
  readonly nv: number;
  readonly V: Float64Array;
  readonly targets: BoundaryTargets;
  readonly source: string;
  readonly targetMesh: ObjMesh | null;
}

export interface LoadEmbeddingOptions {
  mesh: string;
  targets?: 'vt' | 'positions' | string;
  handles?: string;
}

/**
 * Parse handles.txt: whitespace-separated 0-based vertex ids.
 *   text      file content; fileName for messages; nv the mesh's vertex count (range check)
 */
export function readHandles(text: string, fileName: string, nv: number): Int32Array {
  const out: number[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  for (let l = 0; l < lines.length; l++) {
    for (const tok of lines[l]!.trim().split(/\s+/)) {
      if (tok === '') continue;
      if (!/^\d+$/.test(tok)) throw new FileFormatError(fileName, `line ${l + 1}: ${quoteExcerpt(tok)} is not a vertex id (a non-negative integer)`);
      const v = Number(tok);
      if (v >= nv) {
        const shown = Number.isSafeInteger(v) ? String(v) : quoteExcerpt(tok);
        throw new FileFormatError(fileName, `line ${l + 1}: vertex id ${shown} out of range (the mesh has ${nv} vertices)`);
      }
      out.push(v);
    }
  }
  if (out.length === 0) throw new FileFormatError(fileName, 'no vertex ids');
  return Int32Array.from(out);
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileFormatError(path, code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(e)})`);
  }
}

export function loadEmbeddingInput(options: LoadEmbeddingOptions): EmbeddingInput {
  const obj = readObjFile(options.mesh);
  const { F, nv } = obj;
  let vertices: Int32Array;
  if (options.handles) vertices = readHandles(readText(options.handles), options.handles, nv);
  else vertices = diskTopology(F, nv, obj.source).loop;
  const mode = options.targets ?? 'vt';
  let positions: Float64Array;
  let targetMesh: ObjMesh | null = null;
  let tsource = obj.source;
  if (mode === 'vt') {
    positions = vertexTexcoords(obj, vertices);
  } else {
    let src = obj;
    if (mode !== 'positions') {
      targetMesh = readObjFile(mode);
      src = targetMesh;
      tsource = mode;
      if (targetMesh.nv !== nv) {
        throw new FileFormatError(mode, `has ${targetMesh.nv} vertices but the mesh ${obj.source} has ${nv}; targets need the same vertices`);
      }
      if (targetMesh.nf !== obj.nf) {
        throw new FileFormatError(mode, `has ${targetMesh.nf} faces but the mesh ${obj.source} has ${obj.nf}; targets need the same connectivity`);
      }
      for (let k = 0; k < F.length; k++) {
        if (targetMesh.F[k] !== F[k]) {
          throw new FileFormatError(mode, `face ${Math.floor(k / 3)} differs from face ${Math.floor(k / 3)} of ${obj.source}; targets need the same connectivity`);
        }
      }
    }
    positions = new Float64Array(2 * vertices.length);
    for (let k = 0; k < vertices.length; k++) {
      positions[2 * k] = src.V[3 * vertices[k]!]!;
      positions[2 * k + 1] = src.V[3 * vertices[k]! + 1]!;
    }
  }
  return { F, nv, V: obj.V, targets: { vertices, positions, source: tsource }, source: obj.source, targetMesh };
}
