/**
 * `dqp embed` and `dqp refine` end to end: the built-in cross in a temporary working directory,
 * and every kind of bad input (exit code ≠ 0, a message naming the file, no output written).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddingQP } from '../geometry/embedding-qp.ts';
import { crossExample } from '../geometry/examples/cross.ts';
import { gridBoundaryClockwise, unitSquareGrid } from '../geometry/examples/grid.ts';
import { readObjFile } from '../geometry/obj-read.ts';
import { writeObj } from '../geometry/obj-write.ts';
import { countFlipped, signedAreas } from '../geometry/validity.ts';
import { dqp } from './cli-run.ts';

const tmpRoot = mkdtempSync(join(tmpdir(), 'dqp-embed-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));

function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

/** An empty working directory. */
function freshDir(): string {
  return mkdtempSync(join(tmpRoot, 'case-'));
}

describe('dqp embed (no arguments)', () => {
  it('embeds the built-in cross and writes outputs/cross.obj and outputs/cross.svg', async () => {
    const cwd = freshDir();
    const r = await dqp(['embed', '--json', '--quiet'], cwd);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = lastJson(r.stdout);
    expect(j.converged).toBe(true);
    expect(j.flips).toBe(0);
    expect(j.vertices).toBe(169);
    expect(j.constraints).toBe(8);
    expect(j.output).toBe(join('outputs', 'cross.obj'));
    expect(j.svg).toBe(join('outputs', 'cross.svg'));
    for (const k of ['iterations', 'maxDual', 'totalMs', 'forwardMsMedian', 'backwardMsMedian']) expect(typeof j[k]).toBe('number');
    expect(j.iterations as number).toBeGreaterThan(10);
    expect(j.maxDual as number).toBeLessThan(1e-4);
    // the OBJ: same faces as the example, boundary on the plus polygon, no flipped triangle, z = 0
    const obj = readObjFile(join(cwd, 'outputs', 'cross.obj'));
    const c = crossExample(13);
    expect(obj.nv).toBe(169);
    expect(Array.from(obj.F)).toEqual(Array.from(c.mesh.F));
    const V2 = new Float64Array(2 * obj.nv);
    for (let v = 0; v < obj.nv; v++) {
      V2[2 * v] = obj.V[3 * v]!;
      V2[2 * v + 1] = obj.V[3 * v + 1]!;
      expect(obj.V[3 * v + 2]).toBe(0);
    }
    const qp = EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets);
    expect(countFlipped(signedAreas(V2, obj.F), qp.domain.orientation)).toBe(0);
    for (let t = 0; t < c.targets.vertices.length; t++) {
      const v = c.targets.vertices[t]!;
      expect(V2[2 * v]).toBe(c.targets.positions[2 * t]);
      expect(V2[2 * v + 1]).toBe(c.targets.positions[2 * t + 1]);
    }
    const svg = readFileSync(join(cwd, 'outputs', 'cross.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('0 flipped');
  });
});

describe('dqp embed (not converged)', () => {
  it('writes the files, reports converged: false and exits with 2', async () => {
    const cwd = freshDir();
    mkdirSync(join(cwd, 'o')); // a folder named by --out must exist
    const r = await dqp(['embed', '--max-iter', '2', '--json', '--quiet', '--out', 'o/map.obj'], cwd);
    expect(r.code).toBe(2);
    const j = lastJson(r.stdout);
    expect(j.converged).toBe(false);
    expect(j.iterations).toBe(2);
    expect(j.flips as number).toBeGreaterThan(0);
    expect(j.svg).toBe(join('o', 'map.svg'));
    expect(readObjFile(join(cwd, 'o', 'map.obj')).nv).toBe(169);
    expect(readFileSync(join(cwd, 'o', 'map.svg'), 'utf8')).toContain('flipped');
  });
});

// ---------------------------------------------------------------------------------------------
// bad input
// ---------------------------------------------------------------------------------------------

/** A 4×4 grid OBJ whose vt are the given boundary targets (interior vt = rest positions). */
function gridObjWithVt(targetOf: (x: number, y: number) => [number, number]): string {
  const N = 4;
  const g = unitSquareGrid(N);
  const onB = new Uint8Array(g.nv);
  for (const v of gridBoundaryClockwise(N)) onB[v] = 1;
  const VT = new Float64Array(2 * g.nv);
  for (let v = 0; v < g.nv; v++) {
    const [u, w] = onB[v] ? targetOf(g.V[2 * v]!, g.V[2 * v + 1]!) : [g.V[2 * v]!, g.V[2 * v + 1]!];
    VT[2 * v] = u;
    VT[2 * v + 1] = w;
  }
  return writeObj(g.V, 2, g.F, { VT });
}

interface BadCase {
  name: string;
  /** files to create in the working directory */
  files: Record<string, string>;
  args: string[];
  /** the file the message must name */
  names: string;
  /** a phrase of the message */
  says: RegExp;
}

const bowTie = (x: number, y: number): [number, number] => {
  // swap the two top corners: the boundary polygon crosses itself
  if (y === 1 && x === 0) return [1, 1];
  if (y === 1 && x === 1) return [0, 1];
  return [x, y];
};

const cases: BadCase[] = [
  { name: 'missing mesh file', files: {}, args: ['embed', 'nothere.obj'], names: 'nothere.obj', says: /not found/ },
  {
    name: 'unparsable OBJ',
    files: { 'bad.obj': 'v 0 0 0\nv 1 0 0\nv 0 abc 0\nf 1 2 3\n' },
    args: ['embed', 'bad.obj'],
    names: 'bad.obj',
    says: /line 3/,
  },
  {
    name: 'non-triangle face',
    files: { 'quad.obj': 'v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvt 0 0\nvt 1 0\nvt 1 1\nvt 0 1\nf 1/1 2/2 3/3 4/4\n' },
    args: ['embed', 'quad.obj'],
    names: 'quad.obj',
    says: /triangle/i,
  },
  {
    name: 'non-disk mesh (closed tetrahedron)',
    files: { 'tet.obj': 'v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nvt 0 0\nf 1/1 3/1 2/1\nf 1/1 2/1 4/1\nf 2/1 3/1 4/1\nf 3/1 1/1 4/1\n' },
    args: ['embed', 'tet.obj'],
    names: 'tet.obj',
    says: /boundary|disk/,
  },
  {
    name: 'non-manifold mesh (two triangles sharing one vertex)',
    files: { 'bowtie-mesh.obj': 'v 0 0 0\nv 1 0 0\nv 0 1 0\nv -1 0 0\nv 0 -1 0\nvt 0 0\nf 1/1 2/1 3/1\nf 1/1 4/1 5/1\n' },
    args: ['embed', 'bowtie-mesh.obj'],
    names: 'bowtie-mesh.obj',
    says: /manifold|disk|boundary/,
  },
  {
    name: 'no vt and no --target',
    files: { 'plain.obj': writeObj(unitSquareGrid(4).V, 2, unitSquareGrid(4).F) },
    args: ['embed', 'plain.obj'],
    names: 'plain.obj',
    says: /--target/,
  },
  {
    name: 'a boundary vertex without a target (no vt on its corners)',
    files: { 'partial.obj': 'v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvt 0 0\nvt 1 0\nvt 1 1\nf 1/1 2/2 3/3\nf 1/1 3/3 4\n' },
    args: ['embed', 'partial.obj'],
    names: 'partial.obj',
    says: /vertex 3/,
  },
  {
    name: 'self-intersecting target polygon',
    files: { 'cross.obj': gridObjWithVt(bowTie) },
    args: ['embed', 'cross.obj'],
    names: 'cross.obj',
    says: /not simple|intersect/,
  },
  {
    name: 'target OBJ with another vertex count',
    files: {
      'mesh.obj': writeObj(unitSquareGrid(4).V, 2, unitSquareGrid(4).F),
      'target.obj': writeObj(unitSquareGrid(5).V, 2, unitSquareGrid(5).F),
    },
    args: ['embed', 'mesh.obj', '--target', 'target.obj'],
    names: 'target.obj',
    says: /25 vertices.*16/,
  },
  {
    name: 'missing target file',
    files: { 'mesh.obj': writeObj(unitSquareGrid(4).V, 2, unitSquareGrid(4).F) },
    args: ['embed', 'mesh.obj', '--target', 'gone.obj'],
    names: 'gone.obj',
    says: /not found/,
  },
];

describe.concurrent('dqp embed: bad input fails before writing anything', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const cwd = freshDir();
    for (const [f, text] of Object.entries(c.files)) writeFileSync(join(cwd, f), text);
    const r = await dqp([...c.args, '--quiet', '--svg', 'pic.svg'], cwd);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(c.names);
    expect(r.stderr).toMatch(c.says);
    expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(existsSync(join(cwd, 'outputs'))).toBe(false);
    expect(existsSync(join(cwd, 'pic.svg'))).toBe(false);
  });
});

describe('dqp refine', () => {
  it('runs the corner study on small grids and writes CSV and SVG', async () => {
    const cwd = freshDir();
    const r = await dqp(['refine', '--max-vertices', '30', '--json', '--quiet', '--csv', 'r.csv', '--svg', 'r.svg'], cwd);
    expect(r.code).toBe(0);
    const rows = lastJson(r.stdout).rows as Record<string, unknown>[];
    expect(rows.map((x) => x.vertices)).toEqual([9, 16, 25]);
    for (const row of rows) {
      expect(row.converged).toBe(true);
      expect(row.flips).toBe(0);
      expect(row.iterations as number).toBeGreaterThan(0);
      for (const k of ['forwardMsMedian', 'backwardMsMedian', 'totalMs']) expect(row[k] as number).toBeGreaterThan(0);
    }
    const csv = readFileSync(join(cwd, 'r.csv'), 'utf8').trim().split('\n');
    expect(csv.length).toBe(4);
    expect(csv[0]).toContain('vertices');
    expect(readFileSync(join(cwd, 'r.svg'), 'utf8')).toContain('<svg');
  });

  it("--grid corners runs the other triangulation (more Adam steps at the same sizes); a bad --grid is rejected", async () => {
    const cwd = freshDir();
    const anti = lastJson((await dqp(['refine', '--max-vertices', '16', '--json', '--quiet'], cwd)).stdout).rows as Record<string, number>[];
    const r = await dqp(['refine', '--max-vertices', '16', '--grid', 'corners', '--json', '--quiet'], cwd);
    expect(r.code).toBe(0);
    const corners = lastJson(r.stdout).rows as Record<string, number>[];
    expect(corners.map((x) => x.vertices)).toEqual([9, 16]);
    // N = 3: 29 vs 49 steps, N = 4: 39 vs 99 (measured)
    for (let i = 0; i < 2; i++) expect(corners[i]!.iterations).toBeGreaterThan(anti[i]!.iterations);
    const bad = await dqp(['refine', '--grid', 'diagonal'], cwd);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('grid');
  });
});
