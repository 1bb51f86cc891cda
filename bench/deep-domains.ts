/**
 * Deep, narrow domains: does the bi-level embedding certify them, and does a strengthened
 * constraint set help where the plain method cannot? (docs/benchmarks.md, docs/geometry.md#stall)
 *
 *   npx tsx bench/deep-domains.ts [--max-iter N] [--time-limit S] [--beta2 B] [--domains a,b] [--meshes bumpy,flat]
 *                                 [--methods plain,reflex-neighbours] [--json FILE]
 *
 * Meshes: meshes/bumpy-disk.obj (a 3-D disk surface, 817 vertices) and the same disk flattened
 * (its x, y: a flat jittered polar disk). Domains (built here, counter-clockwise):
 *   comb4-deep   4 teeth 0.3 wide and 3 long over a 0.4 base, gaps 0.3 (six reflex corners
 *                at the roots of 0.3-wide slots: long spikes meeting at pinches)
 *   star7-thin   7 points, outer radius 1, inner 0.15
 *   star9-thin   9 points, outer radius 1, inner 0.12
 *   spiral       a band 0.3 wide around the spiral r = 0.3 + 0.15 φ, φ ∈ [0, 3π] (12 samples)
 * Each (mesh, domain) runs the plain method (the cone rows of the paper) and every strengthened
 * mode (BilevelOptions.strengthen) with the same uniform θ₀ and limits; the table prints per
 * run: Adam steps, stop reason, flipped triangles of the final map, inequality rows, blocked
 * stops, wall time; then one line per (mesh, domain) with "steps stop flips" per method.
 * Wall times depend on the machine; steps, stop reasons and flips do not (as long as --max-iter,
 * not --time-limit, ends a run: default 2000 steps, 120 s). --beta2 sets Adam's β₂ for every run
 * (default 0.999, the loop's): a control for the optimizer rather than the constraint set.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareDomainEmbedding } from '../geometry/domain-embedding.ts';
import { STRENGTHEN_MODES, embedBilevel, prepareBilevel } from '../geometry/embed/index.ts';
import type { BilevelResult, StrengthenMode } from '../geometry/embed/types.ts';
import { EmbeddingQP } from '../geometry/embedding-qp.ts';
import { readObjFile } from '../geometry/obj-read.ts';
import { setWarningHandler } from '../optimizer/qp/registry.ts';

export function combDomain(teeth: number, tooth: number, gap: number, length: number, base: number): Float64Array {
  const W = teeth * tooth + (teeth - 1) * gap;
  const top = base + length;
  const P: number[] = [0, 0, W, 0];
  // right to left along the top: each tooth's right side up, its top, its left side down to the base
  for (let t = teeth - 1; t >= 0; t--) {
    const x1 = t * (tooth + gap) + tooth;
    const x0 = t * (tooth + gap);
    if (t === teeth - 1) P.push(x1, top);
    else P.push(x1, base, x1, top);
    P.push(x0, top);
    if (t > 0) P.push(x0, base);
  }
  return Float64Array.from(P);
}

export function starDomain(points: number, outer: number, inner: number): Float64Array {
  const P: number[] = [];
  for (let i = 0; i < 2 * points; i++) {
    const a = Math.PI / 2 + (Math.PI * i) / points;
    const r = i % 2 === 0 ? outer : inner;
    P.push(r * Math.cos(a), r * Math.sin(a));
  }
  return Float64Array.from(P);
}

/** A band of width w around r = r0 + b φ, φ ∈ [0, turns·2π], sampled at n points. */
export function spiralDomain(r0: number, b: number, turns: number, w: number, n: number): Float64Array {
  const left: number[] = [];
  const right: number[] = [];
  for (let k = 0; k < n; k++) {
    const phi = (turns * 2 * Math.PI * k) / (n - 1);
    const r = r0 + b * phi;
    const x = r * Math.cos(phi);
    const y = r * Math.sin(phi);
    // tangent of the curve and its left normal
    const tx = b * Math.cos(phi) - r * Math.sin(phi);
    const ty = b * Math.sin(phi) + r * Math.cos(phi);
    const tl = Math.hypot(tx, ty);
    const nx = -ty / tl;
    const ny = tx / tl;
    left.push(x + (w / 2) * nx, y + (w / 2) * ny);
    right.push(x - (w / 2) * nx, y - (w / 2) * ny);
  }
  // counter-clockwise: out along the right (outer) side, back along the left (inner) side
  const P: number[] = [...right];
  for (let k = n - 1; k >= 0; k--) P.push(left[2 * k]!, left[2 * k + 1]!);
  return Float64Array.from(P);
}

export const DEEP_DOMAINS: Record<string, () => Float64Array> = {
  'comb4-deep': () => combDomain(4, 0.3, 0.3, 3, 0.4),
  'star7-thin': () => starDomain(7, 1, 0.15),
  'star9-thin': () => starDomain(9, 1, 0.12),
  spiral: () => spiralDomain(0.3, 0.15, 1.5, 0.3, 12),
};

interface Row {
  mesh: string;
  domain: string;
  method: string;
  steps: number;
  stopReason: string;
  flips: number;
  rows: number;
  blockedStops: number;
  maxDual: number;
  seconds: number;
  folds: Pick<NonNullable<BilevelResult['folds']>, 'count' | 'bbox' | 'nearestCorner'> | null;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const maxIter = Number(arg('--max-iter') ?? 2000);
  const timeLimit = Number(arg('--time-limit') ?? 120);
  const beta2 = Number(arg('--beta2') ?? 0.999);
  const domains = (arg('--domains') ?? Object.keys(DEEP_DOMAINS).join(',')).split(',');
  const meshes = (arg('--meshes') ?? 'bumpy,flat').split(',');
  const methods = (arg('--methods') ?? 'plain,reflex-neighbours').split(',').filter((s) => s !== '');
  for (const m of methods) if (m !== 'plain' && !(STRENGTHEN_MODES as readonly string[]).includes(m)) throw new Error(`--methods: unknown method ${m} (plain or ${STRENGTHEN_MODES.join(', ')})`);
  const jsonOut = arg('--json');
  for (const d of domains) if (!DEEP_DOMAINS[d]) throw new Error(`--domains: unknown domain ${d} (known: ${Object.keys(DEEP_DOMAINS).join(', ')})`);
  setWarningHandler(() => {});
  await prepareBilevel();
  const here = dirname(fileURLToPath(import.meta.url));
  const obj = readObjFile(join(here, '..', 'meshes', 'bumpy-disk.obj'));
  const flat = new Float64Array(2 * obj.nv);
  for (let v = 0; v < obj.nv; v++) {
    flat[2 * v] = obj.V[3 * v]!;
    flat[2 * v + 1] = obj.V[3 * v + 1]!;
  }
  const meshOf = (m: string) => (m === 'bumpy' ? { V: obj.V, dim: 3 as const, F: obj.F } : { V: flat, dim: 2 as const, F: obj.F });
  const rows: Row[] = [];
  const line = (cells: (string | number)[]) => console.log(cells.map((c, i) => String(c).padEnd([7, 12, 18, 7, 16, 7, 6, 8, 9][i] ?? 8)).join(' '));
  line(['mesh', 'domain', 'method', 'steps', 'stop', 'flips', 'rows', 'blocked', 'seconds']);
  for (const m of meshes) {
    for (const d of domains) {
      const prep = prepareDomainEmbedding(meshOf(m), DEEP_DOMAINS[d]!(), { weights: 'uniform' });
      for (const method of methods) {
        const t0 = performance.now();
        const qp = EmbeddingQP.fromMesh(prep.F, prep.nv, prep.targets, method === 'plain' ? {} : { strengthen: method as StrengthenMode });
        const r = embedBilevel(qp, { theta0: prep.theta0, maxIter, timeLimit, beta2 });
        const seconds = (performance.now() - t0) / 1000;
        const row: Row = {
          mesh: m,
          domain: d,
          method,
          steps: r.iterations,
          stopReason: r.stopReason,
          flips: r.flips,
          rows: r.constraints,
          blockedStops: r.blockedStops,
          maxDual: r.maxDual,
          seconds,
          folds: r.folds ? { count: r.folds.count, bbox: r.folds.bbox, nearestCorner: r.folds.nearestCorner } : null,
        };
        rows.push(row);
        line([m, d, method, row.steps, row.stopReason, row.flips, row.rows, row.blockedStops, seconds.toFixed(1)]);
      }
    }
  }
  // per (mesh, domain): one column per method, "steps stop flips"
  console.log('');
  const cell = (r: Row | undefined) => (r ? `${r.steps} ${r.stopReason} ${r.flips}` : '-');
  console.log(['mesh/domain'.padEnd(20), ...methods.map((m) => m.padEnd(30))].join(' '));
  for (const m of meshes) {
    for (const d of domains) {
      const mine = rows.filter((r) => r.mesh === m && r.domain === d);
      console.log([`${m}/${d}`.padEnd(20), ...methods.map((x) => cell(mine.find((r) => r.method === x)).padEnd(30))].join(' '));
    }
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ maxIter, timeLimit, beta2, rows }, null, 1) + '\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
