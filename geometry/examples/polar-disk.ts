/**
 * A disk mesh made of rings: a small 3-D surface patch (or a flat disk) for examples and tests.
 *
 *   { V, F } = polarDisk(K, { seed, jitter, lift })
 *
 * Output: V #V by 3 (#V = 1 + 3K(K+1)), F #F by 3 (#F = 6K²), faces counter-clockwise seen from +z.
 * Options: seed of the jitter (mulberry32, default 1); jitter (fraction of the spacing, default
 * 0.25, 0 for a regular disk; interior rings only, so the boundary stays on the unit circle);
 * lift (default true: z = a smooth bump field; false: z = 0, a flat disk).
 */
import { mulberry32 } from '../../optimizer/util/random.ts';

export interface PolarDiskOptions {
  readonly seed?: number;
  readonly jitter?: number;
  readonly lift?: boolean;
}

/** Ring k (radius k/K) has 6k vertices; consecutive rings are zipped by angle (jitter < ½ keeps the order). */
export function polarDisk(K: number, options: PolarDiskOptions = {}): { V: Float64Array; F: Int32Array } {
  const jitter = options.jitter ?? 0.25;
  const rand = mulberry32(options.seed ?? 1);
  const lift = options.lift ?? true;
  const start: number[] = [0];
  let nv = 1;
  for (let k = 1; k <= K; k++) {
    start.push(nv);
    nv += 6 * k;
  }
  const V = new Float64Array(3 * nv);
  const angle = new Float64Array(nv);
  for (let k = 1; k <= K; k++) {
    const n = 6 * k;
    const offset = (k % 2) * (Math.PI / n); // stagger consecutive rings
    for (let i = 0; i < n; i++) {
      const interior = k < K;
      const a = offset + (2 * Math.PI * (i + (interior ? jitter * (2 * rand() - 1) : 0))) / n;
      const r = (k + (interior ? jitter * (2 * rand() - 1) : 0)) / K;
      const v = start[k]! + i;
      angle[v] = a;
      V[3 * v] = r * Math.cos(a);
      V[3 * v + 1] = r * Math.sin(a);
    }
  }
  for (let v = 0; v < nv; v++) {
    const x = V[3 * v]!;
    const y = V[3 * v + 1]!;
    V[3 * v + 2] = !lift ? 0 : 0.18 * Math.sin(2.5 * x) * Math.cos(2 * y) + 0.25 * Math.exp(-6 * ((x - 0.3) ** 2 + (y + 0.2) ** 2));
  }
  const F: number[] = [];
  for (let i = 0; i < 6; i++) F.push(0, 1 + i, 1 + ((i + 1) % 6));
  for (let k = 2; k <= K; k++) {
    // zip ring k−1 (inner) and ring k (outer) by angle, starting both at their first vertex
    const n0 = 6 * (k - 1);
    const n1 = 6 * k;
    const s0 = start[k - 1]!;
    const s1 = start[k]!;
    const unwrap = (a: number, ref: number) => (a < ref - 1e-12 ? a + 2 * Math.PI : a);
    const base = Math.min(angle[s0]!, angle[s1]!);
    const a0 = (i: number) => unwrap(angle[s0 + (i % n0)]!, base) + (i >= n0 ? 2 * Math.PI : 0);
    const a1 = (j: number) => unwrap(angle[s1 + (j % n1)]!, base) + (j >= n1 ? 2 * Math.PI : 0);
    let i = 0;
    let j = 0;
    while (i < n0 || j < n1) {
      const advanceOuter = i === n0 || (j < n1 && a1(j + 1) < a0(i + 1));
      if (advanceOuter) {
        F.push(s0 + (i % n0), s1 + (j % n1), s1 + ((j + 1) % n1));
        j++;
      } else {
        F.push(s0 + (i % n0), s1 + (j % n1), s0 + ((i + 1) % n0));
        i++;
      }
    }
  }
  return { V, F: Int32Array.from(F) };
}

