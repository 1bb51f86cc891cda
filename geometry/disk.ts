/**
 * Disk-topology check: the input the embedding needs.
 *
 *   { edges, loop } = diskTopology(F, nv, source?)
 *
 * Inputs:
 *   F       #F by 3 triangle indices, not modified
 *   nv      #V
 *   source  file name for error messages (optional)
 * Outputs:
 *   edges   edgeList(F, nv)
 *   loop    #B boundary vertices in the direction of the face orientation (boundary.ts)
 *
 * A disk: every vertex used by a face, one connected component, manifold and consistently
 * oriented (boundary.ts), exactly one boundary loop and Euler characteristic V − E + F = 1.
 * Anything else is a typed error that says which condition failed.
 */
import { boundaryLoops } from './boundary.ts';
import { edgeList } from './edges.ts';
import type { EdgeList } from './edges.ts';
import { geometryError } from './errors.ts';

export interface DiskTopology {
  readonly edges: EdgeList;
  readonly loop: Int32Array;
}

export function diskTopology(F: Int32Array, nv: number, source?: string): DiskTopology {
  const edges = edgeList(F, nv);
  const nf = F.length / 3;
  // unused vertices
  for (let i = 0; i < nv; i++) {
    if (edges.adjPtr[i] === edges.adjPtr[i + 1]) {
      throw geometryError(source, 'F', 'every vertex used by a face', `vertex ${i} is in no face`);
    }
  }
  // connected components by a breadth-first search on the edge graph
  const comp = new Int32Array(nv).fill(-1);
  const queue = new Int32Array(nv);
  let ncomp = 0;
  for (let s = 0; s < nv; s++) {
    if (comp[s] !== -1) continue;
    let head = 0;
    let tail = 0;
    queue[tail++] = s;
    comp[s] = ncomp;
    while (head < tail) {
      const v = queue[head++]!;
      for (let k = edges.adjPtr[v]!; k < edges.adjPtr[v + 1]!; k++) {
        const w = edges.adjNbr[k]!;
        if (comp[w] === -1) {
          comp[w] = ncomp;
          queue[tail++] = w;
        }
      }
    }
    ncomp++;
  }
  if (ncomp !== 1) {
    throw geometryError(source, 'F', 'a connected mesh (a disk)', `${ncomp} connected components`);
  }
  const loops = boundaryLoops(F, edges, source);
  if (loops.length === 0) {
    throw geometryError(source, 'F', 'a disk (exactly one boundary loop)', 'a closed mesh (no boundary)');
  }
  if (loops.length > 1) {
    throw geometryError(
      source,
      'F',
      'a disk (exactly one boundary loop)',
      `${loops.length} boundary loops (of ${loops.map((l) => l.length).join(', ')} vertices; holes are not supported)`,
    );
  }
  const chi = nv - edges.ne + nf;
  if (chi !== 1) {
    throw geometryError(
      source,
      'F',
      'a disk (Euler characteristic V − E + F = 1)',
      `V − E + F = ${nv} − ${edges.ne} + ${nf} = ${chi} (a surface with handles)`,
    );
  }
  return { edges, loop: loops[0]! };
}
