/**
 * The page's job code (web/src/job.ts) in Node: the same problems as the command line and the
 * library, settings checked with errors naming the setting, bad files named in the error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initialTheta } from '../geometry/edge-weights.ts';
import { embeddingDomain } from '../geometry/embedding-domain.ts';
import { crossExample } from '../geometry/examples/cross.ts';
import { unitSquareGrid } from '../geometry/examples/grid.ts';
import { normalizedEmbedding, prepareDomainEmbedding } from '../geometry/domain-embedding.ts';
import { builtinDomain } from '../geometry/polygon-domains.ts';
import { FileFormatError, InputError } from '../optimizer/errors.ts';
import { JOB_DEFAULTS, prepareJob, type JobSettings } from '../web/src/job.ts';

const REPO = join(import.meta.dirname, '..');
const text = (p: string) => readFileSync(join(REPO, p), 'utf8');

describe('web job', () => {
  it("the cross example is the command line's problem: same mesh, same targets, default θ₀", () => {
    const job = prepareJob({ kind: 'example', name: 'cross' });
    const c = crossExample(13);
    expect(Array.from(job.domain.F)).toEqual(Array.from(c.mesh.F));
    // the command line normalizes the targets (lower-left corner at 0, larger side 1: the cross is unchanged) and maps the result back
    const norm = normalizedEmbedding({ V: c.mesh.V, dim: 2, F: c.mesh.F }, c.targets);
    const ref = embeddingDomain(c.mesh.F, c.mesh.nv, norm.targets);
    expect(Array.from(job.domain.polygon)).toEqual(Array.from(ref.polygon));
    expect(Array.from(job.domain.loop)).toEqual(Array.from(ref.loop));
    expect(new Set(job.theta0)).toEqual(new Set([-1])); // uniform: θ = −1
    expect(job.qp.m).toBe(8);
  });

  it('weights pick θ₀: cotan on the L example equals prepareDomainEmbedding with cotan', () => {
    const settings: JobSettings = { ...JOB_DEFAULTS, weights: 'cotan' };
    const job = prepareJob({ kind: 'example', name: 'L' }, settings);
    const g = unitSquareGrid(13);
    const prep = prepareDomainEmbedding({ V: g.V, dim: 2, F: g.F }, builtinDomain('L'), { weights: 'cotan' });
    expect(Array.from(job.theta0!)).toEqual(Array.from(prep.theta0));
    const uniform = initialTheta('uniform', g.V, 2, prep.F, job.domain.edges);
    expect(Array.from(job.theta0!)).not.toEqual(Array.from(uniform));
    // the output is in the polygon's units: the L's corners (0,0) … (2,2)
    const U = job.toOutputUnits(job.domain.polygon);
    expect(Math.min(...U)).toBeCloseTo(0, 12);
    expect(Math.max(...U)).toBeCloseTo(2, 12);
  });

  it('a 3-D mesh is a surface (UV OBJ offered); a flat one is not', () => {
    const bumpy = prepareJob({ kind: 'files', mesh: { name: 'bumpy-disk.obj', text: text('meshes/bumpy-disk.obj') }, domain: { name: 'L.svg', text: text('meshes/domains/L.svg') } });
    expect(bumpy.surface).not.toBeNull();
    expect(bumpy.domain.corners.count).toBe(1);
    const flat = prepareJob({ kind: 'files', mesh: { name: 'corner-10.obj', text: text('meshes/corner-10.obj') }, domain: null });
    expect(flat.surface).toBeNull();
    expect(flat.stem).toBe('corner-10');
  });

  it('bad settings name the setting; bad files name the file', () => {
    expect(() => prepareJob({ kind: 'example', name: 'cross' }, { ...JOB_DEFAULTS, reg: -1 })).toThrow(InputError);
    expect(() => prepareJob({ kind: 'example', name: 'cross' }, { ...JOB_DEFAULTS, reg: -1 })).toThrow(/λ_reg.*≥ 0.*-1/);
    expect(() => prepareJob({ kind: 'example', name: 'cross' }, { ...JOB_DEFAULTS, lr: 0 })).toThrow(/learning rate/);
    expect(() => prepareJob({ kind: 'example', name: 'cross' }, { ...JOB_DEFAULTS, maxIter: 1.5 })).toThrow(/max steps/);
    const mesh = { name: 'bumpy-disk.obj', text: text('meshes/bumpy-disk.obj') };
    expect(() => prepareJob({ kind: 'files', mesh, domain: null })).toThrow(FileFormatError);
    expect(() => prepareJob({ kind: 'files', mesh, domain: null })).toThrow(/bumpy-disk\.obj.*no texture coordinates/);
    expect(() => prepareJob({ kind: 'files', mesh, domain: { name: 'L.png', text: '' } })).toThrow(/L\.png.*\.json, \.svg/);
    expect(() => prepareJob({ kind: 'files', mesh, domain: { name: 'two.txt', text: '0 0\n1 0\n' } })).toThrow(/two\.txt/);
    expect(() => prepareJob({ kind: 'files', mesh: { name: 'broken.obj', text: 'v 0 0 0\nf 1 2 x\n' }, domain: null })).toThrow(/broken\.obj/);
  });
});
