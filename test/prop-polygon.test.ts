/**
 * Property-based tests (fast-check) of the polygon reader (geometry/polygon-read.ts).
 *
 *   round trip   random simple polygons (star-shaped: corners at increasing angles around the
 *                origin, random radii), written in every format the way a user or an editor
 *                would, read back to the same corners, counter-clockwise, nothing merged;
 *   corruption   random damage to those files gives a prepared polygon that is simple and
 *                counter-clockwise, or a typed error with a bounded message; never another
 *                exception, never a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findSelfIntersection, signedArea } from '../geometry/polygon.ts';
import { preparePolygon, readPolygon, type PolygonFormat } from '../geometry/polygon-read.ts';
import { corruptionProperty } from './prop-helpers.ts';

const SEED = 20261207;

/** Star-shaped polygon: K corners at sorted distinct angles, radii in [0.2, 1], scaled. */
const starPolygon = fc
  .record({
    gaps: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 3, maxLength: 24 }),
    radii: fc.array(fc.integer({ min: 20, max: 100 }), { minLength: 24, maxLength: 24 }),
    scale: fc.constantFrom(1e-6, 1, 1e3, 1e6),
    clockwise: fc.boolean(),
  })
  .map(({ gaps, radii, scale, clockwise }) => {
    const total = gaps.reduce((s, g) => s + g, 0);
    let acc = 0;
    const pts: number[] = [];
    gaps.forEach((g, k) => {
      const a = (2 * Math.PI * acc) / total;
      acc += g;
      const r = (radii[k]! / 100) * scale;
      pts.push(r * Math.cos(a), r * Math.sin(a));
    });
    if (clockwise) {
      const rev: number[] = [];
      for (let k = pts.length / 2 - 1; k >= 0; k--) rev.push(pts[2 * k]!, pts[2 * k + 1]!);
      return rev;
    }
    return pts;
  })
  // keep polygons whose corners are all real corners (no three consecutive corners collinear)
  .filter((P) => preparePolygonOrNull(P)?.merged.length === 0);

function preparePolygonOrNull(P: number[]) {
  try {
    return preparePolygon(Float64Array.from(P), 'p');
  } catch {
    return null;
  }
}

const pairs = (P: number[]) => Array.from({ length: P.length / 2 }, (_, k) => [P[2 * k]!, P[2 * k + 1]!]);

function write(P: number[], format: 'json' | 'svg' | 'txt' | 'csv' | 'obj' | 'path'): string {
  const xy = pairs(P);
  switch (format) {
    case 'json': return JSON.stringify({ polygon: xy });
    case 'txt': return `# corners\n${xy.map(([x, y]) => `${x} ${y}`).join('\n')}\n`;
    case 'csv': return `x,y\n${xy.map(([x, y]) => `${x},${y}`).join('\n')}\n`;
    case 'obj': return `${xy.map(([x, y]) => `v ${x} ${y} 0`).join('\n')}\nl ${xy.map((_, i) => i + 1).join(' ')} 1\n`;
    // SVG's y axis points down: an editor writes −y
    case 'svg': return `<svg><polygon points="${xy.map(([x, y]) => `${x},${-y}`).join(' ')}"/></svg>`;
    case 'path': {
      // relative path: m to the first corner, l steps to the next ones, z
      let d = `m ${xy[0]![0]} ${-xy[0]![1]!}`;
      for (let k = 1; k < xy.length; k++) d += ` l ${xy[k]![0]! - xy[k - 1]![0]!} ${-(xy[k]![1]! - xy[k - 1]![1]!)}`;
      return `<svg><path d="${d} z"/></svg>`;
    }
  }
}
const formatOf = (f: string): PolygonFormat => (f === 'csv' ? 'txt' : f === 'path' ? 'svg' : (f as PolygonFormat));

describe('polygon reader (property-based)', () => {
  it.each(['json', 'txt', 'csv', 'obj', 'svg', 'path'] as const)('%s: random simple polygons round-trip', (fmt) => {
    fc.assert(
      fc.property(starPolygon, (P) => {
        const got = preparePolygon(readPolygon(write(P, fmt), `p.${fmt}`, formatOf(fmt)), `p.${fmt}`);
        const ccw = preparePolygon(Float64Array.from(P), 'ref').corners;
        expect(signedArea(got.corners)).toBeGreaterThan(0);
        expect(got.merged).toEqual([]);
        const tol = fmt === 'path' ? 1e-9 * Math.max(...P.map(Math.abs)) : 0; // relative steps add rounding
        for (let k = 0; k < ccw.length; k++) expect(Math.abs(got.corners[k]! - ccw[k]!)).toBeLessThanOrEqual(tol);
      }),
      { numRuns: 60, seed: SEED },
    );
  });

  it.each(['json', 'txt', 'obj', 'svg', 'path'] as const)('%s: random corruptions give a simple counter-clockwise polygon or a typed error', (fmt) => {
    corruptionProperty(
      starPolygon.map((P) => write(P, fmt)),
      (text) => preparePolygon(readPolygon(text, `bad.${fmt}`, formatOf(fmt)), `bad.${fmt}`),
      (poly) => {
        expect(poly.corners.length).toBeGreaterThanOrEqual(6);
        expect(signedArea(poly.corners)).toBeGreaterThan(0);
        expect(findSelfIntersection(poly.corners)).toBeNull();
        for (const x of poly.corners) expect(Number.isFinite(x)).toBe(true);
      },
      SEED + 1,
    );
  });
});
