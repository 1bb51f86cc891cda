/**
 * `dqp embed MESH --domain D` as a user runs it (child processes): every polygon format, units,
 * --uv output, explicit corners, flat boundary triangles, and every bad polygon / bad --corners
 * case as a typed error before any work (exit 1, nothing written).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { polarDisk } from '../geometry/examples/polar-disk.ts';
import { unitSquareGrid } from '../geometry/examples/grid.ts';
import { diskTopology } from '../geometry/disk.ts';
import { readObj } from '../geometry/obj-read.ts';
import { writeObj } from '../geometry/obj-write.ts';
import { dqp, repo } from './cli-run.ts';

let dir: string;
const L = [[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]];
const disk = polarDisk(6, { seed: 7 }); // 127 vertices, 36 on the boundary, 3-D
const flatDisk = polarDisk(6, { seed: 7, lift: false });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dqp-domain-'));
  writeFileSync(join(dir, 'disk.obj'), writeObj(disk.V, 3, disk.F));
  writeFileSync(join(dir, 'flat.obj'), writeObj(flatDisk.V, 3, flatDisk.F));
  writeFileSync(join(dir, 'L.json'), JSON.stringify({ polygon: L }));
  writeFileSync(join(dir, 'L.txt'), `# an L\n${L.map(([x, y]) => `${x} ${y}`).join('\n')}\n`);
  writeFileSync(join(dir, 'L.svg'), `<svg><path d="M0 0 L2 0 L2 -1 L1 -1 L1 -2 L0 -2 Z"/></svg>`); // drawn y down
  for (const s of [1e-6, 1e6]) writeFileSync(join(dir, `L-${s}.txt`), L.map(([x, y]) => `${x! * s} ${y! * s}`).join('\n'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Distance of (x, y) to the closed polygon P (#K by 2 rows). */
function distanceToPolygon(x: number, y: number, P: number[][]): number {
  let best = Infinity;
  for (let k = 0; k < P.length; k++) {
    const [ax, ay] = P[k]!;
    const [bx, by] = P[(k + 1) % P.length]!;
    const t = Math.max(0, Math.min(1, ((x - ax!) * (bx! - ax!) + (y - ay!) * (by! - ay!)) / ((bx! - ax!) ** 2 + (by! - ay!) ** 2)));
    best = Math.min(best, Math.hypot(x - ax! - t * (bx! - ax!), y - ay! - t * (by! - ay!)));
  }
  return best;
}

interface EmbedJson {
  converged: boolean;
  iterations: number;
  flips: number;
  stopReason: string;
  cornerVertices: number[];
  addedVertices: number[];
  flatTriangles: number[];
  splitEdges: number[][];
  distortion: { conformalMean: number; conformalMax: number; areaMax: number; areaMean: number };
  units: { origin: number[]; scale: number };
  domain: { corners: number; reversed: boolean } | null;
}

async function embed(args: string[]): Promise<{ code: number; json: EmbedJson; stderr: string }> {
  const r = await dqp(['embed', ...args, '--json', '--quiet'], dir);
  const lines = r.stdout.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  return { code: r.code, json: JSON.parse(lines[0]!) as EmbedJson, stderr: r.stderr };
}

/** The certificate, checked on the written OBJ itself: boundary on the polygon, corners taken. */
function checkMap(file: string, polygon: number[][], size: number, json: EmbedJson): void {
  const out = readObj(readFileSync(join(dir, file), 'utf8'));
  const { loop } = diskTopology(out.F, out.nv);
  for (const v of loop) expect(distanceToPolygon(out.V[3 * v]!, out.V[3 * v + 1]!, polygon)).toBeLessThanOrEqual(1e-9 * size);
  expect(json.cornerVertices).toHaveLength(polygon.length);
  json.cornerVertices.forEach((v, k) => {
    expect(Math.abs(out.V[3 * (v - 1)]! - polygon[k]![0]!)).toBeLessThanOrEqual(1e-9 * size);
    expect(Math.abs(out.V[3 * (v - 1) + 1]! - polygon[k]![1]!)).toBeLessThanOrEqual(1e-9 * size);
  });
  // no flipped triangle in the written map (counter-clockwise polygon, faces follow the loop)
  for (let f = 0; f < out.nf; f++) {
    const [a, b, c] = [out.F[3 * f]!, out.F[3 * f + 1]!, out.F[3 * f + 2]!];
    const area = (out.V[3 * b]! - out.V[3 * a]!) * (out.V[3 * c + 1]! - out.V[3 * a + 1]!) - (out.V[3 * c]! - out.V[3 * a]!) * (out.V[3 * b + 1]! - out.V[3 * a + 1]!);
    expect(area, `face ${f + 1}`).toBeGreaterThan(0);
  }
}

describe('dqp embed --domain', () => {
  it.each(['L.json', 'L.txt', 'L.svg'])('a 3-D disk into the L given as %s: certified, boundary on the polygon, every corner taken', async (file) => {
    const { code, json } = await embed(['disk.obj', '--domain', file, '--out', `out-${file}.obj`]);
    expect(code).toBe(0);
    expect([json.converged, json.stopReason, json.flips]).toEqual([true, 'converged', 0]);
    // L.svg is drawn y down (its path goes to negative y, up on the screen): read back upright, the same L
    checkMap(`out-${file}.obj`, L, 2, json);
  });

  it('units: the same L at 1e-6 and 1e6 takes the same steps and is certified in its own units', async () => {
    const base = await embed(['disk.obj', '--domain', 'L.txt', '--out', 'u1.obj']);
    for (const s of [1e-6, 1e6]) {
      const { code, json } = await embed(['disk.obj', '--domain', `L-${s}.txt`, '--out', `u${s}.obj`]);
      expect(code).toBe(0);
      expect(json.flips).toBe(0);
      expect(Math.abs(json.iterations - base.json.iterations)).toBeLessThanOrEqual(Math.ceil(0.1 * base.json.iterations));
      expect(json.units.scale).toBeCloseTo(2 * s, 12 - Math.log10(s));
      checkMap(`u${s}.obj`, L.map(([x, y]) => [x! * s, y! * s]), 2 * s, json);
    }
  });

  it('--uv writes the input v lines unchanged, the map as vt, faces v/vt, and a UV-checker picture', async () => {
    const { code } = await embed(['disk.obj', '--domain', 'star', '--uv', '--out', 'uv.obj']);
    expect(code).toBe(0);
    const vLines = (t: string) => t.split('\n').filter((l) => l.startsWith('v '));
    const text = readFileSync(join(dir, 'uv.obj'), 'utf8');
    expect(vLines(text)).toEqual(vLines(readFileSync(join(dir, 'disk.obj'), 'utf8')));
    const out = readObj(text);
    expect(out.nvt).toBe(out.nv);
    expect(text).toMatch(/^f (\d+)\/\1 (\d+)\/\2 (\d+)\/\3$/m);
    expect(readFileSync(join(dir, 'uv-checker.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('--weights cotan starts from the mesh geometry and is reported', async () => {
    const { code, json } = await embed(['disk.obj', '--domain', 'L.json', '--weights', 'cotan', '--out', 'cot.obj']);
    expect(code).toBe(0);
    expect(json.flips).toBe(0);
    expect(json.distortion.conformalMean).toBeGreaterThanOrEqual(1);
    expect(json.distortion.areaMean).toBeCloseTo(1, 10); // area-weighted mean of σ₁σ₂/ratio is 1 for a valid map
  });

  it('explicit --corners are used as given (1-based OBJ numbers)', async () => {
    // six boundary vertices spread around the 36-vertex boundary, in loop order
    const { loop } = diskTopology(flatDisk.F, flatDisk.V.length / 3);
    const corners = [0, 6, 12, 18, 24, 30].map((t) => loop[t]! + 1);
    const { code, json } = await embed(['flat.obj', '--domain', 'L.json', '--corners', corners.join(','), '--out', 'c.obj']);
    expect(code).toBe(0);
    expect(json.cornerVertices).toEqual(corners);
    checkMap('c.obj', L, 2, json);
  });

  it('a triangle flat on one polygon edge: its chord is split (a new vertex after the input ones), or named with --flat-triangles error', async () => {
    const g = unitSquareGrid(3, 'anti');
    writeFileSync(join(dir, 'g.obj'), writeObj(g.V, 2, g.F));
    const { loop } = diskTopology(g.F, 9);
    const t00 = Array.from(loop).findIndex((v) => g.V[2 * v] === 0 && g.V[2 * v + 1] === 0);
    const corners = [2, 4, 6].map((s) => loop[(t00 + s) % loop.length]! + 1).join(',');
    writeFileSync(join(dir, 'tri.json'), JSON.stringify([[0, 0], [1, 0], [0.5, 1]]));
    const split = await embed(['g.obj', '--domain', 'tri.json', '--corners', corners, '--out', 'g-out.obj']);
    expect(split.code).toBe(0);
    expect(split.json.addedVertices).toEqual([10]);
    expect(split.json.flatTriangles).toHaveLength(1);
    expect(split.json.splitEdges).toHaveLength(1);
    expect(split.json.flips).toBe(0);
    const r = await dqp(['embed', 'g.obj', '--domain', 'tri.json', '--corners', corners, '--flat-triangles', 'error', '--out', 'g-err.obj'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`g\\.obj: triangle\\(s\\) ${split.json.flatTriangles[0]} have all three vertices on one straight edge.*edge\\(s\\) ${split.json.splitEdges[0]!.join('–')} join`));
    expect(existsSync(join(dir, 'g-err.obj'))).toBe(false);
  });
});

describe('dqp embed --domain: bad input is a typed error before any work, nothing written', () => {
  const cases: [string, string, string[], RegExp][] = [
    ['self-intersecting', 'bow.json', ['--domain', 'bow.json'], /bow\.json: the edge from corner \d+ to \d+ meets the edge from corner \d+ to \d+/],
    ['repeated corners', 'rep.txt', ['--domain', 'rep.txt'], /rep\.txt: corners 2 and 3 are the same point/],
    ['too few corners', 'two.json', ['--domain', 'two.json'], /at least 3 corners, found 2/],
    ['zero area', 'line.txt', ['--domain', 'line.txt'], /all corners lie on one line/],
    ['a curve in an SVG path', 'curve.svg', ['--domain', 'curve.svg'], /curve\.svg: <path>: the command "Q" draws a curve/],
    ['an unknown built-in name', '', ['--domain', 'hexagon'], /--domain: expected a polygon file .* or a built-in name \(square, L, cross, star, comb\)/],
    ['a missing file', '', ['--domain', 'nope.json'], /--domain nope\.json: no such file/],
    ['--corners: a bad token', '', ['--domain', 'L', '--corners', '1,x,3'], /--corners: expected a comma-separated list of vertex numbers.*found "x"/],
    ['--corners: wrong count', '', ['--domain', 'L', '--corners', '1,2,3'], /--corners: expected 6 boundary vertex numbers.*found 3/],
    ['--corners: an interior vertex', '', ['--domain', 'square', '--corners', '1,2,3,4'], /--corners: .*vertex 1 \(entry 1\) is an interior vertex/],
    ['--corners without --domain', '', ['--corners', '1,2,3'], /--corners: expected a --domain polygon/],
    ['--domain with --target', '', ['--domain', 'L', '--target', 'disk.obj'], /either --domain or --target/],
  ];
  beforeAll(() => {
    writeFileSync(join(dir, 'bow.json'), JSON.stringify([[0, 0], [2, 2], [2, 0], [0, 3]]));
    writeFileSync(join(dir, 'rep.txt'), '0 0\n1 0\n1 0\n0 1\n');
    writeFileSync(join(dir, 'two.json'), '[[0,0],[1,1]]');
    writeFileSync(join(dir, 'line.txt'), '0 0\n1 1\n2 2\n');
    writeFileSync(join(dir, 'curve.svg'), '<svg><path d="M0 0 L 1 0 Q 2 2 0 1 Z"/></svg>');
  });
  it.each(cases)('%s', async (_name, _file, args, msg) => {
    const before = new Set(readdirSync(dir));
    const r = await dqp(['embed', 'disk.obj', ...args, '--out', 'bad.obj', '--json'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const err = JSON.parse(r.stdout.trim()) as { error: { type: string; message: string; exitCode: number } };
    expect(err.error.exitCode).toBe(1);
    expect(err.error.message).toMatch(msg);
    expect(new Set(readdirSync(dir))).toEqual(before);
  });

  it('too few boundary vertices for the corners: says how many are needed', async () => {
    const tiny = unitSquareGrid(2); // 4 boundary vertices
    writeFileSync(join(dir, 'tiny.obj'), writeObj(tiny.V, 2, tiny.F));
    const r = await dqp(['embed', 'tiny.obj', '--domain', 'star', '--out', 'tiny-out.obj'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tiny\.obj: the mesh boundary has 4 vertices, the polygon 10 corners.*at least 10 boundary vertices are needed/);
  });
});

describe('dqp embed: when the certificate cannot come', () => {
  it('a map that can never be certified ends with exit 2, saying where the folds are', async () => {
    // a 3×3 grid whose corner (0, 0) is sent onto the line through its two boundary neighbours:
    // the corner triangle is flat in every map (all three vertices pinned on one line). The
    // polygon is convex: no cone rows, every dual 0 at once; the final map is not valid.
    // (The stall after --stall-steps blocked steps is tested on the library: geometry-stall.test.ts.)
    const g = unitSquareGrid(3, 'anti');
    const VT = Float64Array.from(g.V);
    const v00 = Array.from({ length: 9 }, (_, v) => v).find((v) => g.V[2 * v] === 0 && g.V[2 * v + 1] === 0)!;
    VT.set([0.25, 0.25], 2 * v00);
    writeFileSync(join(dir, 'flat-vt.obj'), writeObj(g.V, 2, g.F, { VT }));
    const r = await dqp(['embed', 'flat-vt.obj', '--stall-steps', '5', '--out', 'stall.obj', '--json', '--quiet'], dir);
    expect(r.code).toBe(2);
    const json = JSON.parse(r.stdout) as { stopReason: string; converged: boolean; folds: { count: number; faces: number[]; bbox: number[] } | null };
    expect(['duals-vanished-folded', 'stalled-folded']).toContain(json.stopReason);
    expect(json.converged).toBe(false);
    const flatFace = Array.from({ length: g.F.length / 3 }, (_, f) => f).find((f) => [0, 1, 2].some((c) => g.F[3 * f + c] === v00))!;
    expect(json.folds!.faces).toContain(flatFace + 1);
    const [x0, y0, x1, y1] = json.folds!.bbox; // in the targets' units
    expect(x0! <= 0.25 && 0.25 <= x1! && y0! <= 0.25 && 0.25 <= y1!).toBe(true);
    expect(existsSync(join(dir, 'stall.obj'))).toBe(true); // the files are written (exit 2)
  });

  it.each([['0'], ['-3'], ['1.5'], ['x']])('--stall-steps %s is refused naming the flag', async (v) => {
    const r = await dqp(['embed', '--stall-steps', v, '--out', 'x.obj'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/InputError: --stall-steps: expected a positive integer ≤ 10000000, found /);
  });
});

describe('meshes/ examples work as documented', () => {
  it('the committed bumpy disk into the comb given as SVG is certified', async () => {
    const r = await dqp(['embed', join(repo, 'meshes', 'bumpy-disk.obj'), '--domain', join(repo, 'meshes', 'domains', 'comb.svg'), '--out', 'comb.obj', '--json', '--quiet'], dir);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as EmbedJson;
    expect([json.converged, json.flips, json.domain?.corners]).toEqual([true, 0, 12]);
  });
});
