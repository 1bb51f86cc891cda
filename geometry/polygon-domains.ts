/**
 * Built-in polygon domains, by name (`dqp embed MESH --domain NAME`).
 *
 *   P = builtinDomain(name)        #K by 2 corners, counter-clockwise
 *   BUILTIN_DOMAIN_NAMES           the names, for --help and messages
 *
 *   square  the unit square (convex: any positive weights give a bijective map)
 *   L       the L of three unit squares: (0,0) (2,0) (2,1) (1,1) (1,2) (0,2); one reflex corner
 *   cross   the plus of the built-in cross example (arms of width 1/3); four reflex corners
 *   star    a 5-pointed star, outer radius 1, inner radius 0.4; five reflex corners
 *   comb    a 5 × 3 comb with two notches 1.8 deep; four reflex corners
 * meshes/domains/ holds the same polygons as files in every supported format.
 */
import { InputError } from '../optimizer/errors.ts';
import { CROSS_POLYGON } from './examples/cross.ts';

function star(points: number, outer: number, inner: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 2 * points; i++) {
    const a = Math.PI / 2 + (Math.PI * i) / points;
    const r = i % 2 === 0 ? outer : inner;
    out.push(r * Math.cos(a), r * Math.sin(a));
  }
  return out;
}

/** CROSS_POLYGON is clockwise; reversed here. */
function crossCcw(): number[] {
  const out: number[] = [];
  for (let k = CROSS_POLYGON.length / 2 - 1; k >= 0; k--) out.push(CROSS_POLYGON[2 * k]!, CROSS_POLYGON[2 * k + 1]!);
  return out;
}

const DOMAINS: Record<string, () => number[]> = {
  square: () => [0, 0, 1, 0, 1, 1, 0, 1],
  L: () => [0, 0, 2, 0, 2, 1, 1, 1, 1, 2, 0, 2],
  cross: crossCcw,
  star: () => star(5, 1, 0.4),
  comb: () => [0, 0, 5, 0, 5, 3, 4, 3, 4, 1.2, 3, 1.2, 3, 3, 2, 3, 2, 1.2, 1, 1.2, 1, 3, 0, 3],
};

export const BUILTIN_DOMAIN_NAMES: readonly string[] = Object.keys(DOMAINS);

export function builtinDomain(name: string): Float64Array {
  const make = DOMAINS[name];
  if (!make) throw new InputError('--domain', `a polygon file (.json, .svg, .txt, .xy, .csv, .obj) or a built-in name (${BUILTIN_DOMAIN_NAMES.join(', ')})`, JSON.stringify(name.slice(0, 100)));
  return Float64Array.from(make());
}
