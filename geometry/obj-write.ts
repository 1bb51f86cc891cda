/**
 * Wavefront OBJ writer.
 *
 *   writeObj(V, dim, F, options?) → OBJ text
 *
 * Inputs:
 *   V        #V by dim positions (dim = 2: written with z = 0), not modified
 *   dim      2 or 3
 *   F        #F by 3 0-based triangle indices, not modified (written 1-based)
 *   options  comment (each line prefixed with '# '), VT (#V by 2 texture coordinates, one per
 *            vertex: faces are then written `f a/a b/b c/c`, as the TLC benchmark files)
 * Numbers are written with the shortest representation that reads back to the same double
 * (JavaScript's Number → string), so readObj(writeObj(V, F)) reproduces V and F exactly.
 */
import { DimensionError, InputError } from '../optimizer/errors.ts';

export interface WriteObjOptions {
  comment?: string;
  VT?: Float64Array | null;
}

/** Shortest round-trip text of a double; keeps the sign of −0. */
function fmt(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  return String(x);
}

export function writeObj(V: Float64Array, dim: 2 | 3, F: Int32Array, options: WriteObjOptions = {}): string {
  if (dim !== 2 && dim !== 3) throw new InputError('dim', '2 or 3', String(dim));
  if (V.length % dim !== 0) throw new DimensionError('V', `a multiple of dim = ${dim}`, `length ${V.length}`);
  if (F.length % 3 !== 0) throw new DimensionError('F', 'a multiple of 3', `length ${F.length}`);
  const nv = V.length / dim;
  for (let k = 0; k < V.length; k++) {
    if (!Number.isFinite(V[k]!)) throw new InputError('V', 'finite coordinates', `${V[k]} at vertex ${Math.floor(k / dim)}`);
  }
  for (let k = 0; k < F.length; k++) {
    const i = F[k]!;
    if (!(i >= 0 && i < nv)) throw new InputError('F', `indices in [0, ${nv})`, `${i} in face ${Math.floor(k / 3)}`);
  }
  const VT = options.VT ?? null;
  if (VT && VT.length !== 2 * nv) throw new DimensionError('VT', `length ${2 * nv} (#V by 2)`, `length ${VT.length}`);
  const out: string[] = [];
  if (options.comment) for (const line of options.comment.split('\n')) out.push(`# ${line}`);
  for (let i = 0; i < nv; i++) {
    out.push(dim === 2 ? `v ${fmt(V[2 * i]!)} ${fmt(V[2 * i + 1]!)} 0` : `v ${fmt(V[3 * i]!)} ${fmt(V[3 * i + 1]!)} ${fmt(V[3 * i + 2]!)}`);
  }
  if (VT) for (let i = 0; i < nv; i++) out.push(`vt ${fmt(VT[2 * i]!)} ${fmt(VT[2 * i + 1]!)}`);
  for (let f = 0; f < F.length / 3; f++) {
    const a = F[3 * f]! + 1;
    const b = F[3 * f + 1]! + 1;
    const c = F[3 * f + 2]! + 1;
    out.push(VT ? `f ${a}/${a} ${b}/${b} ${c}/${c}` : `f ${a} ${b} ${c}`);
  }
  return `${out.join('\n')}\n`;
}
