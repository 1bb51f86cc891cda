/**
 * One embedding job of the web page, as plain data in and text out, with no DOM and no Node
 * built-in: the page's Web Worker runs it, and the tests and bench/web.ts run the very same code
 * in Node to compare the page's downloads with the library.
 *
 *   job  = prepareJob(input, settings)       the problem (throws a typed DqpError on bad input)
 *   r    = await embedBilevelAsync(job.qp, jobLoopOptions(job, settings, extra))
 *   out  = jobOutputs(job, r, settings)      { obj, uvObj, svg } as text
 *
 * Inputs:
 *   example 'cross'   the built-in cross (13×13 grid → plus polygon): exactly `dqp embed`
 *   example 'L'       a 13×13 unit-square grid (flat) mapped onto the L domain (builtinDomain 'L')
 *   example 'corner'  the corner grid (cornerExample(10): one reflex corner at (0.35, 0.65))
 *   files             an OBJ (disk topology, flat or 3-D) and either a polygon file (json, svg,
 *                     txt/xy/csv, obj: readPolygon → preparePolygon → prepareDomainEmbedding, in
 *                     normalized units; the OBJ written back is in the polygon's own units) or,
 *                     without a polygon, the mesh's own `vt` at the boundary (as `dqp embed MESH`)
 * Settings default to the CLI's (BILEVEL_DEFAULTS); `weights` picks θ₀ (edge-weights.ts).
 */
import { BILEVEL_DEFAULTS } from '../../geometry/embed/driver.ts';
import type { BilevelOptions, BilevelResult } from '../../geometry/embed/types.ts';
import { normalizedEmbedding, prepareDomainEmbedding } from '../../geometry/domain-embedding.ts';
import { diskTopology } from '../../geometry/disk.ts';
import { WEIGHT_KINDS, type WeightKind } from '../../geometry/edge-weights.ts';
import { embeddingDomain, type EmbeddingDomain } from '../../geometry/embedding-domain.ts';
import { EmbeddingQP } from '../../geometry/embedding-qp.ts';
import { cornerExample } from '../../geometry/examples/corner.ts';
import { crossExample } from '../../geometry/examples/cross.ts';
import { unitSquareGrid } from '../../geometry/examples/grid.ts';
import { readObj } from '../../geometry/obj-parse.ts';
import { writeObj } from '../../geometry/obj-write.ts';
import { builtinDomain } from '../../geometry/polygon-domains.ts';
import { polygonFormatOf, preparePolygon, readPolygon } from '../../geometry/polygon-read.ts';
import { domainSvg } from '../../geometry/svg.ts';
import { vertexTexcoords } from '../../geometry/vt-targets.ts';
import { FileFormatError, InputError } from '../../optimizer/errors.ts';
import { LOSS_TEXT } from '../../optimizer/bilevel/dual-loss.ts';

export const EXAMPLE_NAMES = ['cross', 'L', 'corner'] as const;
export type ExampleName = (typeof EXAMPLE_NAMES)[number];

export interface TextFile {
  readonly name: string;
  readonly text: string;
}

export type JobInput =
  | { readonly kind: 'example'; readonly name: ExampleName }
  | { readonly kind: 'files'; readonly mesh: TextFile; readonly domain: TextFile | null };

export interface JobSettings {
  /** λ_reg ≥ 0 */
  readonly reg: number;
  /** Adam learning rate > 0 */
  readonly lr: number;
  /** inner QP solver (registry name) */
  readonly solver: string;
  /** initial weights θ₀ */
  readonly weights: WeightKind;
  /** maximum Adam steps */
  readonly maxIter: number;
}

/** The command line's defaults (`dqp embed`). */
export const JOB_DEFAULTS: JobSettings = Object.freeze({
  reg: BILEVEL_DEFAULTS.reg,
  lr: BILEVEL_DEFAULTS.lr,
  solver: BILEVEL_DEFAULTS.solver,
  weights: 'uniform',
  maxIter: BILEVEL_DEFAULTS.maxIter,
});

export interface PreparedJob {
  readonly qp: EmbeddingQP;
  readonly domain: EmbeddingDomain;
  /** θ₀ from the chosen weights */
  readonly theta0: Float64Array;
  /** what the run is called in titles and comments */
  readonly source: string;
  /** file-name stem of the downloads */
  readonly stem: string;
  /** the mesh's rest positions (#V by 3) when it is a surface (some z ≠ 0): the UV OBJ's v lines */
  readonly surface: Float64Array | null;
  /** loop units (the map V, #V by 2, normalized) → the targets' own units, boundary exact */
  toOutputUnits(V: Float64Array): Float64Array;
  /** one-line description for the page */
  readonly summary: string;
}

/** Check settings; a bad value is an InputError naming the setting. */
export function checkSettings(s: JobSettings): JobSettings {
  if (!(Number.isFinite(s.reg) && s.reg >= 0)) throw new InputError('λ_reg', 'a number ≥ 0', String(s.reg));
  if (!(Number.isFinite(s.lr) && s.lr > 0)) throw new InputError('learning rate', 'a number > 0', String(s.lr));
  if (!(Number.isInteger(s.maxIter) && s.maxIter >= 0)) throw new InputError('max steps', 'an integer ≥ 0', String(s.maxIter));
  if (!WEIGHT_KINDS.includes(s.weights)) throw new InputError('weights', WEIGHT_KINDS.join(', '), String(s.weights));
  return s;
}

function stemOf(name: string): string {
  const base = name.replace(/^.*[\\/]/, '');
  return base.replace(/\.[^.]*$/, '') || 'embedding';
}

function fromTargets(
  mesh: { V: Float64Array; F: Int32Array; nv: number },
  dim: 2 | 3,
  targets: { vertices: Int32Array; positions: Float64Array; source?: string },
  source: string,
  stem: string,
  settings: JobSettings,
  surface: Float64Array | null,
): PreparedJob {
  // the same normalization as `dqp embed` (units-free loop, output back in the targets' units)
  const prep = normalizedEmbedding({ V: mesh.V, dim, F: mesh.F, source }, targets, settings.weights);
  const domain = embeddingDomain(prep.F, prep.nv, prep.targets, { source });
  const qp = EmbeddingQP.build(domain);
  return {
    qp,
    domain,
    theta0: prep.theta0,
    source,
    stem,
    surface,
    toOutputUnits: (V) => prep.toDomainUnits(V),
    summary: `${source}: ${mesh.nv} vertices, ${mesh.F.length / 3} faces, ${domain.loop.length} boundary vertices, ${domain.corners.count} reflex corners (${qp.m} cone rows)`,
  };
}

function withDomain(
  mesh: { V: Float64Array; dim: 2 | 3; F: Int32Array; source: string },
  polygon: Float64Array,
  stem: string,
  settings: JobSettings,
  surface: boolean,
): PreparedJob {
  const prep = prepareDomainEmbedding(mesh, polygon, { weights: settings.weights });
  const domain = embeddingDomain(prep.F, prep.nv, prep.targets, { source: mesh.source });
  const qp = EmbeddingQP.build(domain);
  const split = prep.added.length > 0 ? `, ${prep.splitFaces.length} flat boundary triangle(s) split` : '';
  return {
    qp,
    domain,
    theta0: prep.theta0,
    source: mesh.source,
    stem,
    surface: surface ? (prep.dim === 3 ? prep.V : null) : null,
    toOutputUnits: (V) => prep.toDomainUnits(V),
    summary: `${mesh.source}: ${prep.nv} vertices, ${prep.F.length / 3} faces${split}, ${domain.loop.length} boundary vertices, ${domain.corners.count} reflex corners (${qp.m} cone rows)`,
  };
}

/** The problem of `input` (see the file comment). Bad input throws a typed DqpError naming the file. */
export function prepareJob(input: JobInput, settings: JobSettings = JOB_DEFAULTS): PreparedJob {
  checkSettings(settings);
  if (input.kind === 'example') {
    if (input.name === 'cross') {
      const c = crossExample(13);
      return fromTargets(c.mesh, 2, c.targets, c.mesh.source ?? 'cross example', 'cross', settings, null);
    }
    if (input.name === 'corner') {
      const c = cornerExample(10);
      return fromTargets(c.mesh, 2, c.targets, c.mesh.source ?? 'corner example', 'corner', settings, null);
    }
    if (input.name === 'L') {
      const g = unitSquareGrid(13);
      return withDomain({ V: g.V, dim: 2, F: g.F, source: 'L example (13×13 grid → L domain)' }, builtinDomain('L'), 'L', settings, false);
    }
    throw new InputError('example', EXAMPLE_NAMES.join(', '), JSON.stringify(String((input as { name: unknown }).name)));
  }
  const obj = readObj(input.mesh.text, input.mesh.name);
  const stem = stemOf(input.mesh.name);
  let isSurface = false;
  for (let i = 0; i < obj.nv; i++) if (obj.V[3 * i + 2] !== 0) isSurface = true;
  if (input.domain) {
    const format = polygonFormatOf(input.domain.name);
    if (!format) throw new FileFormatError(input.domain.name, 'a polygon file ending in .json, .svg, .txt, .xy, .csv or .obj');
    const raw = readPolygon(input.domain.text, input.domain.name, format);
    const polygon = preparePolygon(raw, input.domain.name).corners;
    return withDomain({ V: obj.V, dim: 3, F: obj.F, source: input.mesh.name }, polygon, stem, settings, isSurface);
  }
  if (!obj.FT || !obj.VT) {
    throw new FileFormatError(input.mesh.name, 'no texture coordinates (vt) on its faces to read the boundary targets from; add a domain file (polygon)');
  }
  const loop = diskTopology(obj.F, obj.nv, obj.source).loop;
  const targets = { vertices: loop, positions: vertexTexcoords(obj, loop), source: obj.source };
  return fromTargets({ V: obj.V, F: obj.F, nv: obj.nv }, 3, targets, input.mesh.name, stem, settings, isSurface ? obj.V : null);
}

/** The driver's options for `job` with `settings` (plus callbacks, signal, tf … in `extra`). */
export function jobLoopOptions(job: PreparedJob, settings: JobSettings, extra: BilevelOptions = {}): BilevelOptions {
  return { ...extra, solver: settings.solver, reg: settings.reg, lr: settings.lr, maxIter: settings.maxIter, theta0: job.theta0 };
}

/** bijective (0 flips, every dual < tolerance) or not. */
export function certified(r: BilevelResult): boolean {
  return r.converged && r.flips === 0;
}

export interface JobOutputs {
  /** the map: `v x y 0` in output units, the faces of the (possibly split) mesh */
  readonly obj: string;
  /** surfaces only: the mesh's own v lines, the map as vt, faces f v/vt */
  readonly uvObj: string | null;
  readonly svg: string;
}

/** The downloads of a finished run. The OBJ's comment names the source, the status and the settings. */
export function jobOutputs(job: PreparedJob, r: BilevelResult, settings: JobSettings): JobOutputs {
  const status = certified(r) ? 'bijective' : `not certified (${r.stopReason}, ${r.flips} flipped)`;
  const comment = [
    `dqp (web): ${job.source}`,
    `${status}; ${r.iterations} Adam steps, λ_reg = ${settings.reg}, solver ${settings.solver}, weights ${settings.weights}, loss ${LOSS_TEXT[r.loss]}`,
  ];
  const F = job.domain.F;
  const U = job.toOutputUnits(r.V);
  const obj = writeObj(U, 2, F, { comment: [...comment, 'v: embedded positions (z = 0); faces as in the input'].join('\n') });
  const uvObj = job.surface ? writeObj(job.surface, 3, F, { VT: U, comment: [...comment, 'v: the input surface; vt: the embedding'].join('\n') }) : null;
  const C = job.qp.instance(r.theta).C;
  const svg = domainSvg(job.domain, r.V, { C, rowTol: 1e-9, title: `${job.source}: ${status}, ${r.iterations} steps` });
  return { obj, uvObj, svg };
}
