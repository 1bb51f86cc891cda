/**
 * The shared benchmark meshes (read-only, never copied into the project):
 * ../shared/data/meshes/{cross,ant}/{input.obj,result.obj,handles.txt} relative to the repository
 * root (the nearest folder above this module holding a package.json; whatever the current
 * directory is), or below $DQP_SHARED_MESHES when that is set.
 *
 *   dir = sharedMeshDir(name)          the folder, or null when absent (tests then skip, unless
 *                                      DQP_REQUIRE_DATA=1: then they fail)
 *   loadSharedCross(dir)               connectivity from input.obj, targets = result.obj's
 *                                      positions at the handles (= the boundary)
 *   loadSharedCrossVt(dir)             the same targets read from input.obj's vt
 *   loadSharedAnt(dir)                 both from result.obj (its input.obj is a 3-D surface)
 * Each returns an EmbeddingInput (embedding-input.ts); `targetMesh` / the result.obj is a
 * known valid injective map (a reference for validity checks).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEmbeddingInput } from '../embedding-input.ts';
import type { EmbeddingInput } from '../embedding-input.ts';

/** The repository root: the nearest folder above this module with a package.json (null if none). */
function repositoryRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** Where the shared meshes are looked for: $DQP_SHARED_MESHES, else <repository root>/../shared/data/meshes. */
export function sharedMeshRoot(): string {
  const env = process.env.DQP_SHARED_MESHES;
  if (env) return resolve(env);
  return resolve(repositoryRoot() ?? '.', '..', 'shared', 'data', 'meshes');
}

export function sharedMeshDir(name: 'cross' | 'ant', root = sharedMeshRoot()): string | null {
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
