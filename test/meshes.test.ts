/**
 * meshes/: the committed example inputs are exactly what meshes/generate.ts writes, and each is
 * what its README line says (a disk, counter-clockwise faces, the built-in example's targets, one
 * polygon per domain in every format).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { diskTopology } from '../geometry/disk.ts';
import { cornerExample } from '../geometry/examples/corner.ts';
import { crossExample } from '../geometry/examples/cross.ts';
import { readObjFile } from '../geometry/obj-read.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const meshes = join(root, 'meshes');
const tmp = mkdtempSync(join(tmpdir(), 'dqp-meshes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

describe('meshes/', () => {
  it('the committed files are byte-identical to what generate.ts writes', () => {
    execFileSync(process.execPath, ['--import', 'tsx', join(meshes, 'generate.ts'), tmp], { cwd: root, stdio: 'pipe' });
    const generated = listFiles(tmp).sort();
    const committed = listFiles(meshes).filter((f) => f !== 'generate.ts' && f !== 'README.md').sort();
    expect(committed).toEqual(generated);
    for (const f of generated) expect(readFileSync(join(meshes, f), 'utf8'), f).toBe(readFileSync(join(tmp, f), 'utf8'));
  });

  it('bumpy-disk.obj is a 3-D disk with counter-clockwise faces in its xy projection', () => {
    const m = readObjFile(join(meshes, 'bumpy-disk.obj'));
    expect([m.nv, m.nf, m.nvt]).toEqual([817, 1536, 0]);
    expect(diskTopology(m.F, m.nv).loop.length).toBe(96);
    let zmin = Infinity;
    let zmax = -Infinity;
    for (let v = 0; v < m.nv; v++) {
      zmin = Math.min(zmin, m.V[3 * v + 2]!);
      zmax = Math.max(zmax, m.V[3 * v + 2]!);
    }
    expect(zmax - zmin).toBeGreaterThan(0.2); // really lifted off the plane
    for (let f = 0; f < m.nf; f++) {
      const [a, b, c] = [m.F[3 * f]!, m.F[3 * f + 1]!, m.F[3 * f + 2]!];
      const area = (m.V[3 * b]! - m.V[3 * a]!) * (m.V[3 * c + 1]! - m.V[3 * a + 1]!) - (m.V[3 * c]! - m.V[3 * a]!) * (m.V[3 * b + 1]! - m.V[3 * a + 1]!);
      expect(area, `face ${f}`).toBeGreaterThan(0);
    }
  });

  it.each([
    ['cross.obj', crossExample(13)],
    ['corner-10.obj', cornerExample(10)],
  ] as const)('%s holds the built-in example: same grid, boundary targets in vt', (file, ex) => {
    const m = readObjFile(join(meshes, file));
    expect(Array.from(m.F)).toEqual(Array.from(ex.mesh.F));
    for (let v = 0; v < m.nv; v++) {
      expect([m.V[3 * v], m.V[3 * v + 1]]).toEqual([ex.mesh.V[2 * v], ex.mesh.V[2 * v + 1]]);
    }
    // faces are written v/vt with the same index, so VT is per vertex
    for (let t = 0; t < ex.targets.vertices.length; t++) {
      const v = ex.targets.vertices[t]!;
      expect([m.VT![2 * v], m.VT![2 * v + 1]]).toEqual([ex.targets.positions[2 * t], ex.targets.positions[2 * t + 1]]);
    }
  });

  it.each(['L', 'star', 'comb', 'cross'])('domains/%s: every format holds the same counter-clockwise simple polygon', (name) => {
    const read = (ext: string) => readFileSync(join(meshes, 'domains', `${name}.${ext}`), 'utf8');
    const lines = (text: string) => text.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    const json = (JSON.parse(read('json')) as { polygon: number[][] }).polygon;
    const txt = lines(read('txt')).map((l) => l.trim().split(/\s+/).map(Number));
    const csv = lines(read('csv')).map((l) => l.split(',').map(Number));
    const obj = lines(read('obj')).filter((l) => l.startsWith('v ')).map((l) => l.split(/\s+/).slice(1, 3).map(Number));
    const loop = lines(read('obj')).find((l) => l.startsWith('l '))!.split(/\s+/).slice(1).map(Number);
    expect(txt).toEqual(json);
    expect(csv).toEqual(json);
    expect(obj).toEqual(json);
    expect(loop).toEqual([...json.map((_, i) => i + 1), 1]);
    // SVG: y axis down; undo the flip and the translation and compare up to 1e-6 (rounded output)
    const pts = /points="([^"]+)"/.exec(read('svg'))![1]!.split(' ').map((p) => p.split(',').map(Number));
    const dx = json[0]![0]! - pts[0]![0]!;
    const sy = json[0]![1]! + pts[0]![1]!;
    pts.forEach(([x, y], i) => {
      expect(x! + dx).toBeCloseTo(json[i]![0]!, 5);
      expect(sy - y!).toBeCloseTo(json[i]![1]!, 5);
    });
    // counter-clockwise (positive shoelace area) and simple (no two non-adjacent edges meet)
    const n = json.length;
    let area = 0;
    for (let i = 0; i < n; i++) {
      const [x0, y0] = json[i]!;
      const [x1, y1] = json[(i + 1) % n]!;
      area += x0! * y1! - x1! * y0!;
    }
    expect(area).toBeGreaterThan(0);
    const cross = (o: number[], a: number[], b: number[]) => (a[0]! - o[0]!) * (b[1]! - o[1]!) - (a[1]! - o[1]!) * (b[0]! - o[0]!);
    for (let i = 0; i < n; i++) {
      for (let j = i + 2; j < n; j++) {
        if (i === 0 && j === n - 1) continue;
        const [p, q, r, s] = [json[i]!, json[(i + 1) % n]!, json[j]!, json[(j + 1) % n]!];
        const proper = cross(p, q, r) * cross(p, q, s) < 0 && cross(r, s, p) * cross(r, s, q) < 0;
        expect(proper, `${name}: edges ${i} and ${j} cross`).toBe(false);
      }
    }
  });
});
