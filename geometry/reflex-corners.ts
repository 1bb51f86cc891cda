/**
 * Reflex corners of a counter-clockwise target polygon and their cone normals.
 *
 *   corners = reflexCorners(loop, polygon, tolerance = 1e-4)
 *
 * Inputs:
 *   loop       #B boundary vertex ids, in counter-clockwise order of the polygon, not modified
 *   polygon    #B by 2 target positions in loop order (signed area > 0), not modified
 *   tolerance  turn threshold in radians
 * Output (ReflexCorners, K corners in loop order):
 *   vertex, prev, next   K mesh vertex ids of the corner i and its loop neighbours p, n
 *   loopIndex            K positions of the corners in `loop`
 *   turn                 K signed turn angles atan2(t_in × t_out, t_in · t_out) from the UNIT
 *                        edge vectors t_in = (i − p)/|i − p|, t_out = (n − i)/|n − i|;
 *                        interior angle = π − turn
 *   nL, nR               K by 2 outward unit normals of the edges (p, i) and (i, n):
 *                        d_p = (p − i)/|p − i|, d_n = (n − i)/|n − i|, R = [[0, −1], [1, 0]],
 *                        nL = R d_p, nR = −R d_n
 *
 * Vertex i is reflex iff the loop turns clockwise there by more than `tolerance`
 * (turn < −tolerance, i.e. interior angle > π + tolerance). Unit vectors make the test
 * independent of the edge lengths. Convex and nearly flat corners get no constraint rows.
 */
import { InputError } from '../optimizer/errors.ts';

export interface ReflexCorners {
  readonly count: number;
  readonly vertex: Int32Array;
  readonly prev: Int32Array;
  readonly next: Int32Array;
  readonly loopIndex: Int32Array;
  readonly turn: Float64Array;
  readonly nL: Float64Array;
  readonly nR: Float64Array;
}

/** Default reflex threshold in radians. */
export const REFLEX_TOLERANCE = 1e-4;

export function reflexCorners(loop: Int32Array, polygon: Float64Array, tolerance = REFLEX_TOLERANCE): ReflexCorners {
  const nb = loop.length;
  if (polygon.length !== 2 * nb) throw new InputError('polygon', `length ${2 * nb} (#B by 2)`, `length ${polygon.length}`);
  if (!(tolerance >= 0)) throw new InputError('tolerance', 'a non-negative angle', String(tolerance));
  const idx: number[] = [];
  const turns: number[] = [];
  for (let t = 0; t < nb; t++) {
    const tp = t === 0 ? nb - 1 : t - 1;
    const tn = t === nb - 1 ? 0 : t + 1;
    const ix = polygon[2 * t]!;
    const iy = polygon[2 * t + 1]!;
    let ax = ix - polygon[2 * tp]!;
    let ay = iy - polygon[2 * tp + 1]!;
    let bx = polygon[2 * tn]! - ix;
    let by = polygon[2 * tn + 1]! - iy;
    const la = Math.hypot(ax, ay);
    const lb = Math.hypot(bx, by);
    if (la === 0 || lb === 0) {
      throw new InputError('polygon', 'distinct consecutive target positions', `boundary vertex ${loop[t]} has the same target as a neighbour`);
    }
    ax /= la;
    ay /= la;
    bx /= lb;
    by /= lb;
    const turn = Math.atan2(ax * by - ay * bx, ax * bx + ay * by);
    if (turn < -tolerance) {
      idx.push(t);
      turns.push(turn);
    }
  }
  const K = idx.length;
  const vertex = new Int32Array(K);
  const prev = new Int32Array(K);
  const next = new Int32Array(K);
  const loopIndex = new Int32Array(K);
  const nL = new Float64Array(2 * K);
  const nR = new Float64Array(2 * K);
  for (let k = 0; k < K; k++) {
    const t = idx[k]!;
    const tp = t === 0 ? nb - 1 : t - 1;
    const tn = t === nb - 1 ? 0 : t + 1;
    loopIndex[k] = t;
    vertex[k] = loop[t]!;
    prev[k] = loop[tp]!;
    next[k] = loop[tn]!;
    const ix = polygon[2 * t]!;
    const iy = polygon[2 * t + 1]!;
    let dpx = polygon[2 * tp]! - ix;
    let dpy = polygon[2 * tp + 1]! - iy;
    let dnx = polygon[2 * tn]! - ix;
    let dny = polygon[2 * tn + 1]! - iy;
    const lp = Math.hypot(dpx, dpy);
    const ln = Math.hypot(dnx, dny);
    dpx /= lp;
    dpy /= lp;
    dnx /= ln;
    dny /= ln;
    // R (x, y) = (−y, x)
    nL[2 * k] = -dpy;
    nL[2 * k + 1] = dpx;
    nR[2 * k] = dny;
    nR[2 * k + 1] = -dnx;
  }
  return { count: K, vertex, prev, next, loopIndex, turn: Float64Array.from(turns), nL, nR };
}
