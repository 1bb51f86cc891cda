/**
 * Your own domain: polygon files in every format, the polygon checks, the boundary assignment
 * onto a polygon, flat boundary triangles, initial weights from the mesh, map distortion.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assignBoundary } from '../geometry/boundary-assign.ts';
import { diskTopology } from '../geometry/disk.ts';
import { mapDistortion } from '../geometry/distortion.ts';
import { flatBoundaryTriangles, splitEdges, unembeddableEdges } from '../geometry/ear-split.ts';
import { embeddingDomain } from '../geometry/embedding-domain.ts';
import { HarmonicSolver } from '../geometry/harmonic.ts';
import { laplacianPattern, laplacianValues } from '../geometry/laplacian.ts';
import { countFlipped, interleavedFromSplit, signedAreas } from '../geometry/validity.ts';
import { initialTheta, OMEGA_FLOOR } from '../geometry/edge-weights.ts';
import { edgeId, edgeList } from '../geometry/edges.ts';
import { unitSquareGrid } from '../geometry/examples/grid.ts';
import { readObjFile } from '../geometry/obj-read.ts';
import { signedArea } from '../geometry/polygon.ts';
import { BUILTIN_DOMAIN_NAMES, builtinDomain } from '../geometry/polygon-domains.ts';
import { polygonFormatOf, preparePolygon, readPolygon } from '../geometry/polygon-read.ts';
import { writeObj } from '../geometry/obj-write.ts';
import { prepareDomainEmbedding } from '../geometry/domain-embedding.ts';
import { uvCheckerSvg } from '../geometry/uv-checker.ts';
import { DqpError, FileFormatError, InputError } from '../optimizer/errors.ts';

const domains = fileURLToPath(new URL('../meshes/domains/', import.meta.url));
const load = (file: string) => {
  const fmt = polygonFormatOf(file)!;
  return preparePolygon(readPolygon(readFileSync(join(domains, file), 'utf8'), file, fmt), file);
};
const pts = (P: Float64Array) => Array.from({ length: P.length / 2 }, (_, k) => [P[2 * k]!, P[2 * k + 1]!]);
const prep = (xy: number[], name = 'poly.txt') => preparePolygon(Float64Array.from(xy), name);
const errorOf = (f: () => unknown): Error => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
};

describe('polygon files', () => {
  it.each(['L', 'star', 'comb', 'cross'])('%s: json, svg, txt, csv and obj give the built-in polygon', (name) => {
    const ref = builtinDomain(name);
    for (const ext of ['json', 'txt', 'csv', 'obj']) {
      const p = load(`${name}.${ext}`);
      expect(p.reversed).toBe(false);
      pts(p.corners).forEach(([x, y], k) => {
        expect(x).toBeCloseTo(ref[2 * k]!, 6);
        expect(y).toBeCloseTo(ref[2 * k + 1]!, 6);
      });
    }
    // SVG: the same shape up to a translation (the file is drawn in its own viewBox)
    const svg = load(`${name}.svg`).corners;
    const dx = ref[0]! - svg[0]!;
    const dy = ref[1]! - svg[1]!;
    pts(svg).forEach(([x, y], k) => {
      expect(x! + dx).toBeCloseTo(ref[2 * k]!, 5);
      expect(y! + dy).toBeCloseTo(ref[2 * k + 1]!, 5);
    });
  });

  it('SVG paths: absolute and relative M/L/H/V/Z, y flipped so the drawing keeps its look', () => {
    const svg = '<svg><path d="M 0 0 h2 v 1 H1 V2 l -1 0 z" /></svg>'; // in SVG's y-down frame
    const raw = readPolygon(svg, 'l.svg', 'svg');
    expect(pts(raw)).toEqual([[0, 0], [2, 0], [2, -1], [1, -1], [1, -2], [0, -2]]);
    const p = preparePolygon(raw, 'l.svg');
    expect(p.reversed).toBe(true); // clockwise once y is flipped up
    expect(signedArea(p.corners)).toBeCloseTo(3, 12);
    const mrel = readPolygon('<path d="m1,1 2,0 0,2 -2,0Z"/>', 'r.svg', 'svg');
    expect(pts(mrel)).toEqual([[1, -1], [3, -1], [3, -3], [1, -3]]);
  });

  it.each([
    ['<path d="M0 0 C 1 1 2 2 3 3 Z"/>', /"C" draws a curve/],
    ['<path d="M0 0 L1 0 a1 1 0 0 1 1 1 Z"/>', /"a" draws a curve/],
    ['<polyline points="0,0 1,0 1,1"/>', /closed polyline/],
    ['<polygon points="0,0 1,0 1,1" transform="scale(2)"/>', /transform/],
    ['<polygon points="0,0 1,0 x,1"/>', /expected numbers/],
    ['<circle r="1"/>', /<polygon>, <polyline> or <path>/],
    ['<path d="M0 0 L1 0 L1 1 Z M 5 5 L 6 5 L 6 6 Z"/>', /one closed subpath/],
  ])('bad SVG %s is a typed error', (text, msg) => {
    const e = errorOf(() => readPolygon(text, 'bad.svg', 'svg'));
    expect(e).toBeInstanceOf(FileFormatError);
    expect(e.message).toMatch(/^bad\.svg: /);
    expect(e.message).toMatch(msg);
  });

  it('text: comments, header, commas or spaces; bad lines named with their number', () => {
    expect(pts(readPolygon('# an L\nx,y\n0,0\n2 0  # corner\n2,1\n', 'a.csv', 'txt'))).toEqual([[0, 0], [2, 0], [2, 1]]);
    expect(errorOf(() => readPolygon('0 0\n1 0 5\n', 'a.txt', 'txt')).message).toMatch(/line 2: expected "x y"/);
    expect(errorOf(() => readPolygon('0 0\n1 nan\n', 'a.txt', 'txt')).message).toMatch(/line 2: expected a finite number/);
    const long = `0 0\n1 ${'9'.repeat(5000)}x\n`;
    const m = errorOf(() => readPolygon(long, 'a.txt', 'txt')).message;
    expect(m.length).toBeLessThan(300); // the 5 000-character token is quoted in part
  });

  it('JSON: {"polygon": …} or a bare array; wrong shapes are named', () => {
    expect(pts(readPolygon('[[0,0],[1,0],[0,1]]', 'a.json', 'json'))).toEqual([[0, 0], [1, 0], [0, 1]]);
    expect(errorOf(() => readPolygon('{"poly": []}', 'a.json', 'json')).message).toMatch(/without "polygon"/);
    expect(errorOf(() => readPolygon('{"polygon": [[0,0],[1]]}', 'a.json', 'json')).message).toMatch(/polygon\[1\]: expected \[x, y\]/);
  });

  it('OBJ: a polyline of segments, or the boundary of a flat mesh (collinear boundary vertices merged)', () => {
    const seg = 'v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nl 1 2\nl 2 3\nl 3 4\nl 4 1\n';
    expect(pts(readPolygon(seg, 's.obj', 'obj'))).toEqual([[0, 0], [1, 0], [1, 1], [0, 1]]);
    const grid = unitSquareGrid(4);
    const text = writeObj(grid.V, 2, grid.F);
    const p = preparePolygon(readPolygon(text, 'grid.obj', 'obj'), 'grid.obj');
    expect(p.corners.length / 2).toBe(4);
    expect(p.merged.length).toBe(8); // 12 boundary vertices, 8 of them on straight sides
    expect(Math.abs(signedArea(p.corners))).toBeCloseTo(1, 14);
    expect(errorOf(() => readPolygon('v 0 0\nv 1 0\nv 1 1\nl 1 2 3\n', 'o.obj', 'obj')).message).toMatch(/without returning/);
  });

  it('built-in names are listed in errors', () => {
    expect(BUILTIN_DOMAIN_NAMES).toEqual(expect.arrayContaining(['cross', 'L']));
    const e = errorOf(() => builtinDomain('hexagon'));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/--domain/);
    expect(e.message).toMatch(/cross/);
  });
});

describe('polygon checks (preparePolygon)', () => {
  it('either orientation: a clockwise polygon is reversed to counter-clockwise', () => {
    const p = prep([0, 0, 0, 1, 1, 1, 1, 0]);
    expect(p.reversed).toBe(true);
    expect(signedArea(p.corners)).toBe(1);
  });
  it('collinear consecutive corners are merged and reported', () => {
    const p = prep([0, 0, 1, 0, 2, 0, 2, 2, 0, 2, 0, 1]);
    expect(pts(p.corners)).toEqual([[0, 0], [2, 0], [2, 2], [0, 2]]);
    expect(p.merged).toEqual([1, 5]);
  });
  it.each([
    [[0, 0, 1, 0], /at least 3 corners, found 2/],
    [[0, 0, 1, 0, 1, 0, 0, 1], /corners 2 and 3 are the same point/],
    [[0, 0, 1, 1, 2, 2], /all corners lie on one line/],
    [[0, 0, 2, 2, 2, 0, 0, 3], /edge from corner \d to \d meets the edge from corner \d to \d/],
    [[0, 0, 2, 0, 1, 0, 1, 1], /meets|coincide|simple/],
    [[0, 0, 1, 0, Infinity, 1], /finite/],
  ])('not simple: %j is a typed error naming the corners', (xy, msg) => {
    const e = errorOf(() => prep(xy as number[], 'bad.txt'));
    expect(e).toBeInstanceOf(DqpError);
    expect(e.message).toMatch(/^bad\.txt: /);
    expect(e.message).toMatch(msg);
  });
});

describe('boundary assignment', () => {
  const grid = unitSquareGrid(5); // 16 boundary vertices, flat
  const { loop } = diskTopology(grid.F, 25);

  it('a square grid onto a scaled square: corners on the grid corners, every vertex where its arc length says', () => {
    const poly = prep([0, 0, 2, 0, 2, 2, 0, 2]).corners;
    const a = assignBoundary(grid.V, 2, loop, poly);
    expect(a.error).toBeCloseTo(0, 24);
    const corners = Array.from(a.cornerVertex).map((v) => [grid.V[2 * v], grid.V[2 * v + 1]]);
    expect(corners).toEqual(expect.arrayContaining([[0, 0], [1, 0], [1, 1], [0, 1]]));
    for (let t = 0; t < loop.length; t++) {
      const v = a.targets.vertices[t]!;
      expect(a.targets.positions[2 * t]).toBeCloseTo(2 * grid.V[2 * v]!, 14);
      expect(a.targets.positions[2 * t + 1]).toBeCloseTo(2 * grid.V[2 * v + 1]!, 14);
    }
  });

  it('every corner is taken by a distinct vertex in cyclic order, every vertex lies on its edge (star, 10 corners)', () => {
    const star = builtinDomain('star');
    const a = assignBoundary(grid.V, 2, loop, star);
    const K = star.length / 2;
    expect(new Set(a.cornerVertex).size).toBe(K);
    for (let k = 0; k < K; k++) {
      const t = a.cornerLoop[k]!;
      expect([a.targets.positions[2 * t], a.targets.positions[2 * t + 1]]).toEqual([star[2 * k], star[2 * k + 1]]);
      const rel = (x: number) => (x - a.cornerLoop[0]! + loop.length) % loop.length;
      if (k > 0) expect(rel(a.cornerLoop[k]!)).toBeGreaterThan(rel(a.cornerLoop[k - 1]!));
    }
    // distance of each target to the polygon's boundary
    for (let t = 0; t < loop.length; t++) {
      const [x, y] = [a.targets.positions[2 * t]!, a.targets.positions[2 * t + 1]!];
      let best = Infinity;
      for (let k = 0; k < K; k++) {
        const [ax, ay, bx, by] = [star[2 * k]!, star[2 * k + 1]!, star[(2 * k + 2) % (2 * K)]!, star[(2 * k + 3) % (2 * K)]!];
        const s = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
        best = Math.min(best, Math.hypot(x - ax - s * (bx - ax), y - ay - s * (by - ay)));
      }
      expect(best).toBeLessThan(1e-14);
    }
  });

  it('too few boundary vertices: the message says how many are needed', () => {
    const small = unitSquareGrid(2); // 4 boundary vertices
    const l = diskTopology(small.F, 4).loop;
    const e = errorOf(() => assignBoundary(small.V, 2, l, builtinDomain('L'), { source: 'tiny.obj' }));
    expect(e.message).toMatch(/^tiny\.obj: .*at least 6 boundary vertices are needed/);
  });

  it('explicit corners: used as given; wrong count, interior, repeated or out-of-order vertices are typed errors', () => {
    const sq = prep([0, 0, 1, 0, 1, 1, 0, 1]).corners;
    const c = Int32Array.from([loop[0]!, loop[4]!, loop[8]!, loop[12]!]);
    expect(Array.from(assignBoundary(grid.V, 2, loop, sq, { corners: c }).cornerVertex)).toEqual(Array.from(c));
    const msg = (corners: number[]) => errorOf(() => assignBoundary(grid.V, 2, loop, sq, { corners: Int32Array.from(corners) })).message;
    expect(msg([loop[0]!, loop[4]!, loop[8]!])).toMatch(/--corners.*4 boundary vertex numbers.*found 3/);
    expect(msg([loop[0]!, 12, loop[8]!, loop[12]!])).toMatch(/vertex 13 \(entry 2\) is an interior vertex/);
    expect(msg([loop[0]!, loop[4]!, loop[4]!, loop[12]!])).toMatch(/given twice/);
    expect(msg([loop[0]!, loop[8]!, loop[4]!, loop[12]!])).toMatch(/comes before/);
  });

  it('3-D surfaces: arc length along the boundary is measured in 3-D', () => {
    // the unit square grid lifted by z = x²: along the bottom edge 3-D lengths are not uniform in x
    const V3 = new Float64Array(3 * 25);
    for (let v = 0; v < 25; v++) V3.set([grid.V[2 * v]!, grid.V[2 * v + 1]!, grid.V[2 * v]! ** 2], 3 * v);
    const sq = prep([0, 0, 1, 0, 1, 1, 0, 1]).corners;
    const at = (x: number, y: number) => Array.from(loop).find((v) => grid.V[2 * v] === x && grid.V[2 * v + 1] === y)!;
    const corners = Int32Array.from([at(0, 0), at(1, 0), at(1, 1), at(0, 1)]);
    const a = assignBoundary(V3, 3, loop, sq, { corners });
    const xs = [0, 0.25, 0.5, 0.75, 1];
    const seg = xs.slice(1).map((x, k) => Math.hypot(x - xs[k]!, 0, x * x - xs[k]! ** 2));
    const total = seg.reduce((s, l) => s + l, 0);
    let acc = 0;
    xs.forEach((x, k) => {
      if (k > 0) acc += seg[k - 1]!;
      const t = Array.from(a.targets.vertices).indexOf(at(x, 0));
      expect(a.targets.positions[2 * t]).toBeCloseTo(acc / total, 14);
      expect(a.targets.positions[2 * t + 1]).toBe(0);
    });
    expect(acc / total).toBeCloseTo(1, 14);
  });
});

describe('edges no map can embed', () => {
  /** Uniform-weight harmonic map (Tutte) of F into targets; flipped faces. */
  function tutteFlips(F: Int32Array, nv: number, targets: { vertices: Int32Array; positions: Float64Array }): number {
    const domain = embeddingDomain(F, nv, targets);
    const lap = laplacianPattern(domain.edges);
    const x = HarmonicSolver.build(domain, lap).solve(laplacianValues(lap, new Float64Array(domain.edges.ne).fill(-1)));
    const V = interleavedFromSplit(x);
    return countFlipped(signedAreas(V, F), domain.orientation);
  }

  it('a triangle flat on one side: found, its chord split, and then the map into a convex polygon is bijective', () => {
    // a 3×3 grid whose corner cell at (0, 0) is cut by (1/2, 0)–(0, 1/2): the triangle
    // ((0,0), (1/2,0), (0,1/2)) has 3 boundary vertices; with corners that skip (0, 0) it is flat
    const g = unitSquareGrid(3, 'anti');
    const { loop } = diskTopology(g.F, 9);
    const pos = (v: number) => [g.V[2 * v], g.V[2 * v + 1]];
    const t00 = Array.from(loop).findIndex((v) => pos(v)[0] === 0 && pos(v)[1] === 0);
    const B = loop.length;
    const cornerIds = [2, 4, 6].map((s) => loop[(t00 + s) % B]!); // three other boundary vertices
    const tri = prep([0, 0, 1, 0, 0.5, 1]).corners;
    const a = assignBoundary(g.V, 2, loop, tri, { corners: Int32Array.from(cornerIds) });
    const flat = flatBoundaryTriangles(g.F, 9, loop, a.cornerLoop);
    expect(flat).toHaveLength(1);
    for (let c = 0; c < 3; c++) expect(loop).toContain(g.F[3 * flat[0]! + c]);
    // Tutte fails before the split: a convex polygon, positive weights, yet a folded map
    expect(tutteFlips(g.F, 9, a.targets)).toBeGreaterThan(0);
    const bad = unembeddableEdges(g.F, 9, loop, a.cornerLoop, tri);
    expect(bad.reasons).toEqual(['same-side']);
    const split = splitEdges(g.V, 2, g.F, bad.edges);
    expect(split.V.length / 2).toBe(10);
    expect(split.F.length / 3).toBe(g.F.length / 3 + 2);
    expect(Array.from(split.V.subarray(0, 18))).toEqual(Array.from(g.V));
    expect(Array.from(split.V.subarray(18))).toEqual([(g.V[2 * bad.edges[0]!]! + g.V[2 * bad.edges[1]!]!) / 2, (g.V[2 * bad.edges[0]! + 1]! + g.V[2 * bad.edges[1]! + 1]!) / 2]);
    for (let f = 0; f < split.F.length / 3; f++) {
      const [p, q, r] = [0, 1, 2].map((c) => split.F[3 * f + c]!);
      const area = (split.V[2 * q!]! - split.V[2 * p!]!) * (split.V[2 * r! + 1]! - split.V[2 * p! + 1]!) - (split.V[2 * r!]! - split.V[2 * p!]!) * (split.V[2 * q! + 1]! - split.V[2 * p! + 1]!);
      expect(area).toBeGreaterThan(0); // orientation kept
    }
    const after = diskTopology(split.F, 10);
    expect(after.loop.length).toBe(B); // the new vertex is interior
    expect(tutteFlips(split.F, 10, a.targets)).toBe(0); // and now Tutte's theorem applies
  });

  it('a reflex corner carrying a single triangle: the chord of its two neighbours is split', () => {
    // the 'anti' grid's corner cell at (0, 0) is one triangle; send (0, 0) to the reflex corner of an L
    const g = unitSquareGrid(4, 'anti');
    const { loop } = diskTopology(g.F, 16);
    const t00 = Array.from(loop).findIndex((v) => g.V[2 * v] === 0 && g.V[2 * v + 1] === 0);
    const B = loop.length; // 12: six corners at every other vertex, (0, 0) → the reflex corner (1, 1)
    const Lr = prep([1, 1, 1, 2, 0, 2, 0, 0, 2, 0, 2, 1]).corners; // starts at the reflex corner (1, 1)
    const corners = Int32Array.from([0, 2, 4, 6, 8, 10], (s) => loop[(t00 + s) % B]!);
    const a = assignBoundary(g.V, 2, loop, Lr, { corners });
    const bad = unembeddableEdges(g.F, 16, loop, a.cornerLoop, Lr);
    expect(bad.reasons).toContain('reflex-ear');
    const k = bad.reasons.indexOf('reflex-ear');
    const ear = [bad.edges[2 * k]!, bad.edges[2 * k + 1]!].sort((x, y) => x - y);
    expect(ear).toEqual([loop[(t00 + B - 1) % B]!, loop[(t00 + 1) % B]!].sort((x, y) => x - y));
  });
});

describe('initial weights from the mesh', () => {
  const disk = readObjFile(fileURLToPath(new URL('../meshes/bumpy-disk.obj', import.meta.url)));
  const edges = edgeList(disk.F, disk.nv);
  const angle = (V: Float64Array, at: number, i: number, j: number) => {
    const u = [0, 1, 2].map((o) => V[3 * i + o]! - V[3 * at + o]!);
    const w = [0, 1, 2].map((o) => V[3 * j + o]! - V[3 * at + o]!);
    return Math.acos((u[0]! * w[0]! + u[1]! * w[1]! + u[2]! * w[2]!) / (Math.hypot(...u) * Math.hypot(...w)));
  };
  const reference = (kind: 'cotan' | 'mean-value') => {
    const omega = new Float64Array(edges.ne);
    for (let f = 0; f < disk.nf; f++) {
      const t = [disk.F[3 * f]!, disk.F[3 * f + 1]!, disk.F[3 * f + 2]!];
      for (let c = 0; c < 3; c++) {
        const [i, j, k] = [t[c]!, t[(c + 1) % 3]!, t[(c + 2) % 3]!];
        if (kind === 'cotan') omega[edgeId(edges, i, j)] += 0.5 / Math.tan(angle(disk.V, k, i, j));
        else {
          const len = (p: number, q: number) => Math.hypot(...[0, 1, 2].map((o) => disk.V[3 * p + o]! - disk.V[3 * q + o]!));
          const h = Math.tan(angle(disk.V, i, j, k) / 2);
          omega[edgeId(edges, i, j)] += (0.5 * h) / len(i, j);
          omega[edgeId(edges, i, k)] += (0.5 * h) / len(i, k);
        }
      }
    }
    const mean = omega.reduce((s, x) => s + x, 0) / edges.ne;
    return omega.map((w) => 0.01 - Math.max(OMEGA_FLOOR, (w * 1.01) / mean));
  };
  it.each(['cotan', 'mean-value'] as const)('%s weights agree with angles computed by acos/tan (3-D)', (kind) => {
    const theta = initialTheta(kind, disk.V, 3, disk.F, edges);
    const ref = reference(kind);
    for (let e = 0; e < edges.ne; e++) expect(theta[e]).toBeCloseTo(ref[e]!, 10);
    expect(Math.max(...theta)).toBeLessThanOrEqual(0.01 - OMEGA_FLOOR);
  });
  it('uniform is θ = −1', () => {
    expect(new Set(initialTheta('uniform', disk.V, 3, disk.F, edges))).toEqual(new Set([-1]));
  });
});

describe('map distortion', () => {
  const g = unitSquareGrid(4);
  const map = (f: (x: number, y: number) => [number, number]) => {
    const U = new Float64Array(g.V.length);
    for (let v = 0; v < g.V.length / 2; v++) U.set(f(g.V[2 * v]!, g.V[2 * v + 1]!), 2 * v);
    return U;
  };
  it('a similarity has σ₁ = σ₂ and conformal = area = 1', () => {
    const c = Math.cos(0.7) * 3;
    const s = Math.sin(0.7) * 3;
    const d = mapDistortion(g.V, 2, map((x, y) => [c * x - s * y + 5, s * x + c * y - 1]), g.F);
    for (let f = 0; f < g.F.length / 3; f++) {
      expect(d.sigma1[f]).toBeCloseTo(3, 12);
      expect(d.sigma2[f]).toBeCloseTo(3, 12);
    }
    expect([d.conformalMax, d.conformalMean, d.areaMax, d.areaMean, d.flipped]).toEqual([expect.closeTo(1, 12), expect.closeTo(1, 12), expect.closeTo(1, 12), expect.closeTo(1, 12), 0]);
  });
  it('a stretch diag(2, 1): conformal 2, area 1 after normalizing by the total area ratio', () => {
    const d = mapDistortion(g.V, 2, map((x, y) => [2 * x, y]), g.F);
    expect(d.conformalMax).toBeCloseTo(2, 12);
    expect(d.conformalMean).toBeCloseTo(2, 12);
    expect(d.areaMean).toBeCloseTo(1, 12);
  });
  it('a tilted plane in 3-D mapped to its projection: σ = (1, cos tilt)', () => {
    const t = 0.5;
    const X = new Float64Array(3 * (g.V.length / 2));
    for (let v = 0; v < g.V.length / 2; v++) X.set([g.V[2 * v]!, g.V[2 * v + 1]!, g.V[2 * v]! * Math.tan(t)], 3 * v);
    // the plane z = x tan t: a unit step in x is 1/cos t long in 3-D and cos t long in the image
    const d = mapDistortion(X, 3, g.V, g.F);
    for (let f = 0; f < g.F.length / 3; f++) {
      expect(d.sigma1[f]).toBeCloseTo(1, 12);
      expect(d.sigma2[f]).toBeCloseTo(Math.cos(t), 12);
    }
  });
  it('a reflection flips every triangle', () => {
    expect(mapDistortion(g.V, 2, map((x, y) => [-x, y]), g.F).flipped).toBe(g.F.length / 3);
  });
});

describe('prepareDomainEmbedding', () => {
  const disk = readObjFile(fileURLToPath(new URL('../meshes/bumpy-disk.obj', import.meta.url)));
  const mesh = { V: disk.V, dim: 3 as const, F: disk.F, source: 'bumpy-disk.obj' };
  it('normalizes units: a polygon scaled by 1e-9 … 1e9 gives the same normalized targets, returned in its own units', () => {
    const star = builtinDomain('star');
    const ref = prepareDomainEmbedding(mesh, star);
    for (const s of [1e-9, 1e-3, 1e6, 1e9]) {
      const scaled = star.map((x) => x * s + 7 * s);
      const p = prepareDomainEmbedding(mesh, scaled);
      for (let k = 0; k < ref.targets.positions.length; k++) expect(p.targets.positions[k]).toBeCloseTo(ref.targets.positions[k]!, 12);
      expect(Array.from(p.cornerVertex!)).toEqual(Array.from(ref.cornerVertex!));
      // a map in normalized units → the domain's units: interior vertices by the affine map,
      // boundary vertices exactly at their targets (corners exactly at the polygon's corners)
      const U = new Float64Array(2 * p.nv).fill(0.125);
      p.targets.vertices.forEach((v, t) => U.set([p.targets.positions[2 * t]!, p.targets.positions[2 * t + 1]!], 2 * v));
      const back = p.toDomainUnits(U);
      Array.from(p.cornerVertex!).forEach((v, k) => expect([back[2 * v], back[2 * v + 1]]).toEqual([scaled[2 * k], scaled[2 * k + 1]]));
      const interior = Array.from({ length: p.nv }, (_, i) => i).find((i) => !p.targets.vertices.includes(i))!;
      expect(back[2 * interior]).toBeCloseTo(0.125 * p.scale + p.origin[0], 12 - Math.log10(s));
    }
  });
  it('unembeddable chords: split by default (new vertices after the input ones), or a typed error naming the triangles and edges', () => {
    const g = unitSquareGrid(3, 'anti');
    const { loop } = diskTopology(g.F, 9);
    const t00 = Array.from(loop).findIndex((v) => g.V[2 * v] === 0 && g.V[2 * v + 1] === 0);
    const corners = Int32Array.from([2, 4, 6].map((s) => loop[(t00 + s) % loop.length]!));
    const m2 = { V: g.V, dim: 2 as const, F: g.F, source: 'g.obj' };
    const tri = prep([0, 0, 1, 0, 0.5, 1]).corners;
    const p = prepareDomainEmbedding(m2, tri, { corners });
    expect(Array.from(p.added)).toEqual([9]);
    expect(p.splitFaces.length).toBe(1);
    expect(p.splitEdges.length).toBe(2);
    expect(p.theta0.length).toBe(edgeList(p.F, p.nv).ne);
    const e = errorOf(() => prepareDomainEmbedding(m2, tri, { corners, flatTriangles: 'error' }));
    expect(e.message).toMatch(new RegExp(`^g\\.obj: triangle\\(s\\) ${p.splitFaces[0]! + 1} have all three vertices on one straight edge.*interior edge\\(s\\) ${p.splitEdges[0]! + 1}–${p.splitEdges[1]! + 1} join two boundary vertices`));
  });
});

describe('UV checker picture', () => {
  it('draws both panels with both checker colours and the polygon outline', () => {
    const g = unitSquareGrid(6);
    const svg = uvCheckerSvg(g.V, 2, g.F, g.V, { polygon: Float64Array.from([0, 0, 1, 0, 1, 1, 0, 1]), cells: 4, title: 't<1>' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path d="M/g)).toHaveLength(4); // light + dark in each panel
    expect(svg).toContain('<polygon points=');
    expect(svg).toContain('<title>t&lt;1&gt;</title>');
    // identity map, 4×4 cells on the unit square: equal light and dark area → equal sub-triangle counts
    const counts = [...svg.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1]!.split('Z').length - 1);
    expect(counts[0]).toBe(counts[1]);
  });
});
