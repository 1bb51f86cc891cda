/**
 * The shared benchmark meshes (read-only, never copied into the project):
 * ../shared/data/meshes/{cross,ant}/{input.obj,result.obj,handles.txt} relative to the repo root.
 *
 *   dir = sharedMeshDir(name)          the folder, or null when absent (tests then skip)
 *   loadSharedCross(dir)               connectivity from input.obj, targets = result.obj's
 *                                      positions at the handles (= the boundary)
 *   loadSharedCrossVt(dir)             the same targets read from input.obj's vt
 *   loadSharedAnt(dir)                 both from result.obj (its input.obj is a 3-D surface)
 * Each returns an EmbeddingInput (embedding-input.ts); `targetMesh` / the result.obj is a
 * known valid injective map (a reference for validity checks).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadEmbeddingInput } from '../embedding-input.ts';
import type { EmbeddingInput } from '../embedding-input.ts';

export function sharedMeshDir(name: 'cross' | 'ant', root = resolve('..', 'shared', 'data', 'meshes')): string | null {
  const dir = join(root, name);
  return existsSync(join(dir, 'result.obj')) ? dir : null;
}

export function loadSharedCross(dir: string): EmbeddingInput {
  return loadEmbeddingInput({ mesh: join(dir, 'input.obj'), targets: join(dir, 'result.obj'), handles: join(dir, 'handles.txt') });
}

export function loadSharedCrossVt(dir: string): EmbeddingInput {
  return loadEmbeddingInput({ mesh: join(dir, 'input.obj'), targets: 'vt', handles: join(dir, 'handles.txt') });
}

export function loadSharedAnt(dir: string): EmbeddingInput {
  return loadEmbeddingInput({ mesh: join(dir, 'result.obj'), targets: 'positions', handles: join(dir, 'handles.txt') });
}
