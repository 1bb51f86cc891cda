/**
 * Numbers of the geometry examples at initialization (θ = −1), for the report and the docs:
 * reflex corners / rows, and the free harmonic map's violated rows and flipped triangles.
 *
 *   npx tsx geometry/examples/init-report.ts [--svg DIR]      (from any folder)
 *
 * Shared meshes are read from ../shared/data/meshes next to the repository root (or
 * $DQP_SHARED_MESHES) and skipped when absent. With --svg, one
 * picture per example is written to DIR (triangles, flips in red, reflex corners).
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../report/outputs.ts';
import { formatTable } from '../../report/table.ts';
import { embeddingDomain } from '../embedding-domain.ts';
import { EmbeddingQP } from '../embedding-qp.ts';
import { HarmonicSolver } from '../harmonic.ts';
import { domainSvg } from '../svg.ts';
import type { BoundaryTargets } from '../types.ts';
import { embeddingReport, interleavedFromSplit } from '../validity.ts';
import { cornerExample } from './corner.ts';
import { crossExample } from './cross.ts';
import { loadSharedAnt, loadSharedCross, sharedMeshDir, sharedMeshRoot } from './shared-data.ts';

const svgIdx = process.argv.indexOf('--svg');
const svgDir = svgIdx >= 0 ? process.argv[svgIdx + 1] : undefined;

interface Case {
  name: string;
  load: () => { F: Int32Array; nv: number; targets: BoundaryTargets };
}
const cases: Case[] = [
  { name: 'cross (procedural 13×13)', load: () => { const c = crossExample(); return { F: c.mesh.F, nv: c.mesh.nv, targets: c.targets }; } },
];
const crossDir = sharedMeshDir('cross');
if (crossDir) cases.push({ name: 'cross (shared TLC data)', load: () => loadSharedCross(crossDir) });
else process.stderr.write(`skip shared cross: ${join(sharedMeshRoot(), 'cross')} not found\n`);
const antDir = sharedMeshDir('ant');
if (antDir) cases.push({ name: 'ant (shared TLC data)', load: () => loadSharedAnt(antDir) });
else process.stderr.write(`skip ant: ${join(sharedMeshRoot(), 'ant')} not found\n`);
for (const N of [10, 44, 89]) cases.push({ name: `corner N = ${N}`, load: () => { const c = cornerExample(N); return { F: c.mesh.F, nv: c.mesh.nv, targets: c.targets }; } });

const rows: (string | number)[][] = [];
for (const c of cases) {
  const t0 = performance.now();
  const { F, nv, targets } = c.load();
  const t1 = performance.now();
  const dom = embeddingDomain(F, nv, targets);
  const qp = EmbeddingQP.build(dom);
  const inst = qp.instance(qp.initialTheta());
  const t2 = performance.now();
  const hs = HarmonicSolver.build(dom, qp.lap);
  const x = hs.solve(inst.Lv);
  const t3 = performance.now();
  const V = interleavedFromSplit(x);
  const rep = embeddingReport(dom, V, { C: inst.C });
  rows.push([c.name, nv, F.length / 3, dom.loop.length, dom.corners.count, qp.m, rep.violatedRows ?? -1, rep.flipped, t1 - t0, t2 - t1, t3 - t2]);
  if (svgDir) {
    const file = join(svgDir, `${c.name.replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '')}.svg`);
    writeFileAtomic(file, domainSvg(dom, V, { C: inst.C, title: `${c.name}: free harmonic map at θ = −1` }));
  }
}
process.stdout.write(
  `${formatTable(['example', '#V', '#F', '#B', 'reflex', 'rows', 'violated', 'flipped', 'load ms', 'build ms', 'harmonic ms'], rows)}\n`,
);
