import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileFormatError, InputError } from '../optimizer/errors.ts';
import { cscMatVec } from '../optimizer/linalg/csc.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';
import { cornerExample, cornerStudySizes } from '../geometry/examples/corner.ts';
import { CROSS_POLYGON, crossExample } from '../geometry/examples/cross.ts';
import { loadSharedAnt, loadSharedCross, loadSharedCrossVt, sharedMeshDir, sharedMeshRoot } from '../geometry/examples/shared-data.ts';
import { DIAGONAL_SHIFT } from '../geometry/laplacian.ts';
import { embeddingDomain } from '../geometry/embedding-domain.ts';
import type { EmbeddingDomain } from '../geometry/embedding-domain.ts';
import { loadEmbeddingInput } from '../geometry/embedding-input.ts';
import { EmbeddingQP } from '../geometry/embedding-qp.ts';
import { HarmonicSolver } from '../geometry/harmonic.ts';
import { writeObj } from '../geometry/obj-write.ts';
import { domainSvg } from '../geometry/svg.ts';
import type { BoundaryTargets } from '../geometry/types.ts';
import { coneViolations, embeddingReport, interleavedFromSplit, signedAreas } from '../geometry/validity.ts';
import { errorOf } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'dqp-geometry-emb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Jacobi-preconditioned conjugate gradients on L_II (a reference independent of the LDLᵀ). */
function cgHarmonic(dom: EmbeddingDomain, qp: EmbeddingQP, Lv: Float64Array): Float64Array {
  const nv = dom.nv;
  const L: CscMatrix = { ...qp.lap.L, values: Lv };
  const onB = new Uint8Array(nv);
  for (const v of dom.loop) onB[v] = 1;
  const x = new Float64Array(2 * nv);
  for (let t = 0; t < dom.loop.length; t++) {
    x[dom.loop[t]!] = dom.polygon[2 * t]!;
    x[nv + dom.loop[t]!] = dom.polygon[2 * t + 1]!;
  }
  for (let c = 0; c < 2; c++) {
    const u = x.subarray(c * nv, (c + 1) * nv);
    const mask = (v: Float64Array) => {
      for (let i = 0; i < nv; i++) if (onB[i]) v[i] = 0;
    };
    const diag = new Float64Array(nv);
    for (let j = 0; j < nv; j++) for (let p = L.colPtr[j]!; p < L.colPtr[j + 1]!; p++) if (L.rowIdx[p] === j) diag[j] = Lv[p]!;
    const r = cscMatVec(L, u).map((v) => -v);
    mask(r);
    const z = r.map((v, i) => v / diag[i]!);
    const d = z.slice();
    let rz = r.reduce((s, v, i) => s + v * z[i]!, 0);
    const r0 = Math.sqrt(r.reduce((s, v) => s + v * v, 0));
    for (let it = 0; it < 20 * nv && Math.sqrt(r.reduce((s, v) => s + v * v, 0)) > 1e-15 * r0; it++) {
      const Ad = cscMatVec(L, d);
      mask(Ad);
      const alpha = rz / d.reduce((s, v, i) => s + v * Ad[i]!, 0);
      for (let i = 0; i < nv; i++) {
        u[i]! += alpha * d[i]!;
        r[i]! -= alpha * Ad[i]!;
        z[i] = r[i]! / diag[i]!;
      }
      const rzNew = r.reduce((s, v, i) => s + v * z[i]!, 0);
      for (let i = 0; i < nv; i++) d[i] = z[i]! + (rzNew / rz) * d[i]!;
      rz = rzNew;
    }
  }
  return x;
}

/** Build the QP at θ = −1, solve the free harmonic map, check it, and return its counts. */
function freeHarmonic(F: Int32Array, nv: number, targets: BoundaryTargets, prebuilt: EmbeddingQP | null = null) {
  const qp = prebuilt ?? EmbeddingQP.fromMesh(F, nv, targets);
  const dom = qp.domain;
  const inst = qp.instance(qp.initialTheta());
  const x = HarmonicSolver.build(dom, qp.lap).solve(inst.Lv);
  // the solution of the equality-only QP: A x = b exactly, (P x) = 0 at interior rows
  const Ax = cscMatVec(qp.A, x);
  for (let k = 0; k < qp.p; k++) expect(Ax[k]).toBe(qp.b[k]);
  const Px = cscMatVec(inst.P, x);
  const onB = new Uint8Array(nv);
  for (const v of dom.loop) onB[v] = 1;
  let res = 0;
  let scale = 0;
  for (let i = 0; i < nv; i++) {
    scale = Math.max(scale, Math.abs(x[i]!), Math.abs(x[nv + i]!));
    if (!onB[i]) res = Math.max(res, Math.abs(Px[i]!), Math.abs(Px[nv + i]!));
  }
  expect(res).toBeLessThan(1e-12 * scale);
  const V = interleavedFromSplit(x);
  const report = embeddingReport(dom, V, { C: inst.C });
  return { dom, qp, inst, x, V, report };
}

describe('procedural examples', () => {
  it('cross: 13×13 grid, plus-shaped targets, square corners on the reflex corners', () => {
    const { mesh, targets } = crossExample();
    expect(mesh.nv).toBe(169);
    expect(mesh.nf).toBe(288);
    expect(targets.vertices.length).toBe(48);
    const pos = new Map<number, [number, number]>();
    for (let t = 0; t < 48; t++) pos.set(targets.vertices[t]!, [targets.positions[2 * t]!, targets.positions[2 * t + 1]!]);
    expect(pos.get(0)).toEqual([1 / 3, 1 / 3]);
    expect(pos.get(12)).toEqual([1 / 3, 2 / 3]);
    expect(pos.get(168)).toEqual([2 / 3, 2 / 3]);
    expect(pos.get(156)).toEqual([2 / 3, 1 / 3]);
    // every boundary edge maps to a segment of length 1/12 and all 12 polygon corners are hit
    const { loop, polygon } = embeddingDomain(mesh.F, mesh.nv, targets);
    for (let t = 0; t < 48; t++) {
      const u = (t + 1) % 48;
      expect(Math.hypot(polygon[2 * u]! - polygon[2 * t]!, polygon[2 * u + 1]! - polygon[2 * t + 1]!)).toBeCloseTo(1 / 12, 14);
    }
    for (let c = 0; c < 12; c++) {
      let hit = false;
      for (let t = 0; t < loop.length; t++) {
        if (Math.abs(polygon[2 * t]! - CROSS_POLYGON[2 * c]!) < 1e-15 && Math.abs(polygon[2 * t + 1]! - CROSS_POLYGON[2 * c + 1]!) < 1e-15) hit = true;
      }
      expect(hit).toBe(true);
    }
  });

  it('cross: the free harmonic map at θ = −1 violates all 8 cone rows and flips triangles', () => {
    const { mesh, targets } = crossExample();
    const { report, dom } = freeHarmonic(mesh.F, mesh.nv, targets);
    expect(dom.corners.count).toBe(4);
    expect(report.violatedRows).toBe(8);
    expect(report.flipped).toBeGreaterThan(0);
    expect(report.boundaryDeviation).toBe(0);
    expect(report.valid).toBe(false);
  });

  it('corner: polygon (0,0) → (0.35,0.65) → (1,1) → (0,1) with evenly spaced edges; study sizes', () => {
    const N = 11;
    const { mesh, targets } = cornerExample(N);
    const dom = embeddingDomain(mesh.F, mesh.nv, targets);
    expect(dom.area).toBeCloseTo(0.35, 14);
    const lens = new Set<string>();
    for (let t = 0; t < dom.loop.length; t++) {
      const u = (t + 1) % dom.loop.length;
      lens.add(Math.hypot(dom.polygon[2 * u]! - dom.polygon[2 * t]!, dom.polygon[2 * u + 1]! - dom.polygon[2 * t + 1]!).toFixed(12));
    }
    // left/top sides 1/10; the two oblique sides |(0.35, 0.65)|/10 and |(0.65, 0.35)|/10 (equal)
    expect([...lens].sort()).toEqual([(Math.hypot(0.35, 0.65) / 10).toFixed(12), (0.1).toFixed(12)].sort());
    const sizes = cornerStudySizes();
    expect(sizes.length).toBe(31);
    expect(sizes[0]).toBe(3);
    expect(sizes.at(-1)).toBe(112);
    expect(sizes).toContain(44);
    expect(sizes).toContain(89);
    const { report } = freeHarmonic(mesh.F, mesh.nv, targets);
    expect(report.violatedRows).toBe(2);
    expect(report.flipped).toBeGreaterThan(0);
  });

  it('draws an SVG with the flipped triangles filled and the reflex corners marked', () => {
    const { mesh, targets } = crossExample(7);
    const { dom, V, x, inst, report } = freeHarmonic(mesh.F, mesh.nv, targets);
    const svg = domainSvg(dom, V, { C: inst.C, title: 'cross <7>' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('cross &lt;7&gt;');
    expect(svg).toContain(`${report.flipped} flipped`);
    expect(svg.match(/<circle /g)?.length).toBe(4);
    const violatedCorners = new Set(Array.from(coneViolations(inst.C, x)).map((r) => r >> 1)).size;
    expect(violatedCorners).toBeGreaterThan(0);
    expect(svg.match(/fill="#ff9900"/g)?.length ?? 0).toBe(violatedCorners);
    // the flipped path has exactly as many triangles as flips
    const bad = svg.split('\n').find((l) => l.includes('fill="#e0201a"'));
    expect((bad?.match(/Z/g) ?? []).length).toBe(report.flipped);
  });
});


// the shared meshes: skipped when absent, except under DQP_REQUIRE_DATA=1 (CI), where a missing
// folder fails every test that needs it
const requireData = process.env.DQP_REQUIRE_DATA === '1';
const crossDirFound = sharedMeshDir('cross');
const antDirFound = sharedMeshDir('ant');
function required(dir: string | null, name: string): string {
  if (dir) return dir;
  throw new Error(`DQP_REQUIRE_DATA=1 but the shared ${name} mesh was not found under ${sharedMeshRoot()}`);
}
if (!crossDirFound && !requireData) console.warn(`SKIP shared cross tests: ${sharedMeshRoot()}/cross not found`);
if (!antDirFound && !requireData) console.warn(`SKIP shared ant tests: ${sharedMeshRoot()}/ant not found`);

describe.skipIf(!crossDirFound && !requireData)('shared cross (TLC benchmark data)', () => {
  const crossDir = crossDirFound ?? '';
  beforeAll(() => void required(crossDirFound, 'cross'));
  it('4 reflex corners / 8 rows; the free harmonic map violates all 8 and flips 41 triangles (docs/geometry.md#examples)', () => {
    const input = loadSharedCross(crossDir);
    expect(input.nv).toBe(169);
    expect(input.F.length / 3).toBe(288);
    const { dom, report } = freeHarmonic(input.F, input.nv, input.targets);
    expect(dom.corners.count).toBe(4);
    expect(report.violatedRows).toBe(8);
    expect(report.flipped).toBe(41);
  });

  it('vt targets equal result.obj targets, and equal the procedural cross targets', () => {
    const a = loadSharedCross(crossDir);
    const b = loadSharedCrossVt(crossDir);
    expect(Array.from(b.targets.vertices)).toEqual(Array.from(a.targets.vertices));
    const proc = crossExample();
    const procPos = new Map<number, number>();
    proc.targets.vertices.forEach((v, t) => procPos.set(v, t));
    let maxDiff = 0;
    let maxProc = 0;
    for (let t = 0; t < a.targets.vertices.length; t++) {
      for (let c = 0; c < 2; c++) {
        maxDiff = Math.max(maxDiff, Math.abs(a.targets.positions[2 * t + c]! - b.targets.positions[2 * t + c]!));
        const s = procPos.get(a.targets.vertices[t]!)!;
        maxProc = Math.max(maxProc, Math.abs(a.targets.positions[2 * t + c]! - proc.targets.positions[2 * s + c]!));
      }
    }
    expect(maxDiff).toBeLessThan(1e-15);
    expect(maxProc).toBeLessThan(1e-15);
  });

  it('result.obj is a valid embedding: 0 flips, boundary on the target polygon', () => {
    const input = loadSharedCross(crossDir);
    const dom = embeddingDomain(input.F, input.nv, input.targets);
    const R = input.targetMesh!;
    const V = new Float64Array(2 * R.nv);
    for (let i = 0; i < R.nv; i++) {
      V[2 * i] = R.V[3 * i]!;
      V[2 * i + 1] = R.V[3 * i + 1]!;
    }
    const rep = embeddingReport(dom, V);
    expect(rep.flipped).toBe(0);
    expect(rep.boundaryDeviation).toBe(0);
    expect(rep.valid).toBe(true);
  });
});

describe.skipIf(!antDirFound && !requireData)('shared ant (TLC benchmark data)', () => {
  const antDir = antDirFound ?? '';
  beforeAll(() => void required(antDirFound, 'ant'));
  let antCache: { input: ReturnType<typeof loadSharedAnt>; qp: EmbeddingQP } | null = null;
  /** the ant's input and QP, read and built once for the tests below */
  const ant = () => {
    if (!antCache) {
      const input = loadSharedAnt(antDir);
      antCache = { input, qp: EmbeddingQP.fromMesh(input.F, input.nv, input.targets) };
    }
    return antCache;
  };
  it('479 reflex corners / 958 rows; the free harmonic map (LDLᵀ = CG reference) violates rows and flips', () => {
    const { input, qp: antQp } = ant();
    expect(input.nv).toBe(15088);
    expect(input.F.length / 3).toBe(28990);
    const { dom, qp, inst, x, report } = freeHarmonic(input.F, input.nv, input.targets, antQp);
    expect(dom.corners.count).toBe(479);
    expect(qp.m).toBe(958);
    // the result.obj positions are a valid map of this domain
    const V = new Float64Array(2 * input.nv);
    for (let i = 0; i < input.nv; i++) {
      V[2 * i] = input.V[3 * i]!;
      V[2 * i + 1] = input.V[3 * i + 1]!;
    }
    expect(embeddingReport(dom, V).flipped).toBe(0);
    // the counts do not depend on the linear solver
    const xr = cgHarmonic(dom, qp, inst.Lv);
    let dx = 0;
    for (let k = 0; k < x.length; k++) dx = Math.max(dx, Math.abs(x[k]! - xr[k]!));
    expect(dx).toBeLessThan(1e-9);
    expect(coneViolations(inst.C, xr).length).toBe(report.violatedRows);
    const areasRef = signedAreas(interleavedFromSplit(xr), dom.F);
    expect(areasRef.filter((a) => a <= 0).length).toBe(report.flipped);
    // The QP's own initial map (default shift 'boundary': L is 1.01 × the combinatorial
    // Laplacian, its rows sum to 0). The geometry notes (docs/geometry.md#examples) quote the
    // start of the ant as 103 violated rows and 116 flipped faces: the harmonic map of the plain
    // combinatorial Laplacian, with the cone rows built from that same L.
    const rowSum = cscMatVec({ ...qp.lap.L, values: inst.Lv }, new Float64Array(input.nv).fill(1));
    expect(Math.max(...Array.from(rowSum, Math.abs))).toBeLessThan(1e-12);
    const offDiagonal = new Set<number>();
    for (let j = 0; j < qp.lap.L.ncols; j++) {
      for (let p = qp.lap.L.colPtr[j]!; p < qp.lap.L.colPtr[j + 1]!; p++) if (qp.lap.L.rowIdx[p] !== j) offDiagonal.add(inst.Lv[p]!);
    }
    expect([...offDiagonal]).toEqual([-1.01]);
    expect(report.violatedRows).toBe(103);
    expect(report.flipped).toBe(116);
  });

  it("the paper's L (shift 'all': 1e-4 on every diagonal entry) pulls the map towards the origin: 98 violated rows, 112 flips", () => {
    const { input } = ant();
    const qpAll = EmbeddingQP.fromMesh(input.F, input.nv, input.targets, { shift: 'all' });
    const Lv = qpAll.instance(qpAll.initialTheta()).Lv;
    // every row of L sums to the shift
    const rowSum = cscMatVec({ ...qpAll.lap.L, values: Lv }, new Float64Array(input.nv).fill(1));
    for (const r of rowSum) expect(r).toBeCloseTo(DIAGONAL_SHIFT, 12);
    // (freeHarmonic checks the LDLᵀ solve: interior rows of P x vanish)
    const { report } = freeHarmonic(input.F, input.nv, input.targets, qpAll);
    expect(report.violatedRows).toBe(98);
    expect(report.flipped).toBe(112);
  });
});

describe('bad inputs are typed errors naming the file and the problem', () => {
  const { mesh, targets } = crossExample(7);

  it('a boundary vertex without a target', () => {
    const t: BoundaryTargets = { vertices: targets.vertices.slice(1), positions: targets.positions.slice(2), source: 'targets.obj' };
    const e = errorOf(() => embeddingDomain(mesh.F, mesh.nv, t));
    expect(e).toBeInstanceOf(FileFormatError);
    expect(e.message).toMatch(/^targets\.obj: no target for boundary vertex 0; expected a target for every boundary vertex/);
  });

  it('a target for an interior vertex, and a repeated target', () => {
    const t: BoundaryTargets = {
      vertices: Int32Array.from([...targets.vertices, 8]),
      positions: Float64Array.from([...targets.positions, 0.5, 0.5]),
    };
    const e = errorOf(() => embeddingDomain(mesh.F, mesh.nv, t));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/a target for interior vertex 8/);
    const t2: BoundaryTargets = { vertices: Int32Array.from([...targets.vertices, 0]), positions: Float64Array.from([...targets.positions, 0, 0]) };
    expect(errorOf(() => embeddingDomain(mesh.F, mesh.nv, t2)).message).toMatch(/vertex 0 has two targets/);
  });

  it('a self-intersecting target polygon', () => {
    const pos = targets.positions.slice();
    // swap the targets of two boundary vertices far apart: the polygon crosses itself
    const a = 2;
    const b = 10;
    [pos[2 * a], pos[2 * b]] = [pos[2 * b]!, pos[2 * a]!];
    [pos[2 * a + 1], pos[2 * b + 1]] = [pos[2 * b + 1]!, pos[2 * a + 1]!];
    const e = errorOf(() => embeddingDomain(mesh.F, mesh.nv, { vertices: targets.vertices, positions: pos, source: 'bad-targets.obj' }));
    expect(e).toBeInstanceOf(FileFormatError);
    expect(e.message).toMatch(/^bad-targets\.obj: the target polygon is not simple: boundary edges \(\d+ → \d+\) and \(\d+ → \d+\) intersect/);
  });

  it('files: missing, unparsable, non-triangle, non-manifold, not a disk, mismatched vertex counts', () => {
    const good = join(dir, 'grid.obj');
    writeFileSync(good, writeObj(mesh.V, 2, mesh.F));
    // missing file
    const missing = join(dir, 'missing.obj');
    let e = errorOf(() => loadEmbeddingInput({ mesh: missing }));
    expect(e).toBeInstanceOf(FileFormatError);
    expect(e.message).toBe(`${missing}: file not found`);
    // unparsable
    const junk = join(dir, 'junk.obj');
    writeFileSync(junk, 'v 0 0 0\nv 1 0\nvx 3\n');
    expect(errorOf(() => loadEmbeddingInput({ mesh: junk })).message).toBe(`${junk}: line 3: unknown statement "vx"`);
    // a quad
    const quad = join(dir, 'quad.obj');
    writeFileSync(quad, 'v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf 1 2 3 4\n');
    expect(errorOf(() => loadEmbeddingInput({ mesh: quad })).message).toMatch(new RegExp(`^${quad}: line 5: face 0 has 4 vertices; dqp needs triangles`));
    // non-manifold
    const nm = join(dir, 'nonmanifold.obj');
    writeFileSync(nm, 'v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 -1 0\nv 1 1 0\nf 1 2 3\nf 2 1 4\nf 1 2 5\n');
    e = errorOf(() => loadEmbeddingInput({ mesh: nm, targets: 'positions' }));
    expect(e).toBeInstanceOf(FileFormatError);
    expect(e.message).toMatch(new RegExp(`^${nm}: edge \\(0, 1\\) is in 3 faces`));
    // closed (tetrahedron) and two boundary loops (two triangles sharing nothing but a path? use an annulus)
    const tet = join(dir, 'tet.obj');
    writeFileSync(tet, 'v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 3 2\nf 1 2 4\nf 2 3 4\nf 1 4 3\n');
    expect(errorOf(() => loadEmbeddingInput({ mesh: tet, targets: 'positions' })).message).toMatch(new RegExp(`^${tet}: a closed mesh \\(no boundary\\); expected a disk`));
    const ann = join(dir, 'annulus.obj');
    writeFileSync(
      ann,
      'v 0 0 0\nv 3 0 0\nv 3 3 0\nv 0 3 0\nv 1 1 0\nv 2 1 0\nv 2 2 0\nv 1 2 0\n' +
        'f 1 2 6\nf 1 6 5\nf 2 3 7\nf 2 7 6\nf 3 4 8\nf 3 8 7\nf 4 1 5\nf 4 5 8\n',
    );
    expect(errorOf(() => loadEmbeddingInput({ mesh: ann, targets: 'positions' })).message).toMatch(new RegExp(`^${ann}: 2 boundary loops`));
    // mismatched vertex counts between the mesh and the target OBJ
    const fewer = join(dir, 'fewer.obj');
    writeFileSync(fewer, writeObj(Float64Array.from([0, 0, 1, 0, 0, 1]), 2, Int32Array.from([0, 1, 2])));
    e = errorOf(() => loadEmbeddingInput({ mesh: good, targets: fewer }));
    expect(e).toBeInstanceOf(FileFormatError);
    expect(e.message).toBe(`${fewer}: has 3 vertices but the mesh ${good} has 49; targets need the same vertices`);
    // a mesh without vt asked for vt targets
    expect(errorOf(() => loadEmbeddingInput({ mesh: good })).message).toMatch(new RegExp(`^${good}: no texture coordinates \\(vt\\)`));
    // handles out of range
    const handles = join(dir, 'handles.txt');
    writeFileSync(handles, '0\n1\n99\n');
    expect(errorOf(() => loadEmbeddingInput({ mesh: good, targets: 'positions', handles })).message).toBe(
      `${handles}: line 3: vertex id 99 out of range (the mesh has 49 vertices)`,
    );
  });

  it('a round trip through OBJ files reproduces the procedural cross problem', () => {
    const p = join(dir, 'cross-input.obj');
    // vt = targets on the boundary, rest positions inside (as the TLC input.obj)
    const VT = mesh.V.slice();
    for (let t = 0; t < targets.vertices.length; t++) {
      VT[2 * targets.vertices[t]!] = targets.positions[2 * t]!;
      VT[2 * targets.vertices[t]! + 1] = targets.positions[2 * t + 1]!;
    }
    writeFileSync(p, writeObj(mesh.V, 2, mesh.F, { VT, comment: 'cross 7×7' }));
    expect(readFileSync(p, 'utf8').startsWith('# cross 7×7\n')).toBe(true);
    const input = loadEmbeddingInput({ mesh: p });
    const d1 = embeddingDomain(input.F, input.nv, input.targets);
    const d2 = embeddingDomain(mesh.F, mesh.nv, targets);
    expect(d1.loop).toEqual(d2.loop);
    expect(d1.polygon).toEqual(d2.polygon);
    expect(d1.corners.vertex).toEqual(d2.corners.vertex);
  });
});
