/**
 * The strengthened constraint set (strengthen: 'reflex-neighbours'): the paper's cone rows kept
 * unchanged, plus two wedge rows per interior neighbour of every reflex vertex,
 * n · (x_j − x_i) ≤ 0, whose coefficients do not depend on θ. Checked against the definition
 * written out here, the chain rule against the plain family, the loop on the cross.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { embedBilevel } from '../geometry/embed/driver.ts';
import { embeddingDomain } from '../geometry/embedding-domain.ts';
import { EmbeddingQP } from '../geometry/embedding-qp.ts';
import { crossExample } from '../geometry/examples/cross.ts';
import { prepareBilevel } from '../optimizer/bilevel/tf-runtime.ts';
import { InputError } from '../optimizer/errors.ts';
import { cscMatVec } from '../optimizer/linalg/csc.ts';
import { setWarningHandler } from '../optimizer/qp/registry.ts';
import { rng } from './helpers.ts';

beforeAll(async () => {
  await prepareBilevel();
  tf.enableProdMode();
  setWarningHandler(() => {});
});

function crossDomain() {
  const c = crossExample(13);
  return embeddingDomain(c.mesh.F, c.mesh.nv, c.targets);
}

describe("strengthen: 'reflex-neighbours'", () => {
  it('keeps the cone rows and adds n · (x_j − x_i) ≤ 0 for every interior neighbour j of each reflex vertex i', () => {
    const dom = crossDomain();
    const plain = EmbeddingQP.build(dom);
    const strong = EmbeddingQP.build(dom, { strengthen: 'reflex-neighbours' });
    const nv = dom.nv;
    const boundary = new Set(dom.loop);
    // reference list of (corner, neighbour) pairs from the faces
    const pairs: [number, number][] = [];
    for (let k = 0; k < dom.corners.count; k++) {
      const i = dom.corners.vertex[k]!;
      const nb = new Set<number>();
      for (let f = 0; f < dom.F.length / 3; f++) {
        const t = [dom.F[3 * f]!, dom.F[3 * f + 1]!, dom.F[3 * f + 2]!];
        if (t.includes(i)) for (const v of t) if (v !== i && !boundary.has(v)) nb.add(v);
      }
      for (const j of [...nb].sort((a, b) => a - b)) pairs.push([k, j]);
    }
    expect(pairs.length).toBeGreaterThan(0);
    expect(strong.m).toBe(plain.m + 2 * pairs.length);
    const r = rng(7);
    const theta = new Float64Array(plain.ne);
    for (let e = 0; e < theta.length; e++) theta[e] = -2 * r();
    const x = new Float64Array(2 * nv);
    for (let k = 0; k < x.length; k++) x[k] = r();
    const Cp = cscMatVec(plain.instance(theta).C, x);
    const Cs = cscMatVec(strong.instance(theta).C, x);
    // the cone rows are the same numbers
    for (let row = 0; row < plain.m; row++) expect(Cs[row]).toBe(Cp[row]);
    // the wedge rows, in corner order then neighbour order, nL then nR
    const { nL, nR } = dom.corners;
    pairs.forEach(([k, j], s) => {
      const i = dom.corners.vertex[k]!;
      const dx = x[j]! - x[i]!;
      const dy = x[nv + j]! - x[nv + i]!;
      expect(Cs[plain.m + 2 * s]).toBeCloseTo(nL[2 * k]! * dx + nL[2 * k + 1]! * dy, 14);
      expect(Cs[plain.m + 2 * s + 1]).toBeCloseTo(nR[2 * k]! * dx + nR[2 * k + 1]! * dy, 14);
    });
    // the wedge rows do not depend on θ
    const theta2 = theta.map((t) => t - 1);
    const Cs2 = cscMatVec(strong.instance(theta2).C, x);
    for (let row = plain.m; row < strong.m; row++) expect(Cs2[row]).toBe(Cs[row]);
    // d stays 0 (rows are homogeneous in x)
    expect(Array.from(strong.instance(theta).problem.d!)).toEqual(new Array(strong.m).fill(0));
  });

  it('chain rule: gradients on the wedge entries contribute nothing, the cone entries as in the plain family', () => {
    const dom = crossDomain();
    const plain = EmbeddingQP.build(dom);
    const strong = EmbeddingQP.build(dom, { strengthen: 'reflex-neighbours' });
    const r = rng(11);
    const theta = new Float64Array(plain.ne);
    for (let e = 0; e < theta.length; e++) theta[e] = -2 * r();
    // gC on the strengthened pattern; the plain gC is its restriction to rows < plain.m
    const Cs = strong.cone.C;
    const gS = new Float64Array(Cs.rowIdx.length);
    for (let p = 0; p < gS.length; p++) gS[p] = r() - 0.5;
    const Cp = plain.cone.C;
    const gP = new Float64Array(Cp.rowIdx.length);
    for (let c = 0; c < Cp.ncols; c++) {
      let q = Cs.colPtr[c]!;
      for (let p = Cp.colPtr[c]!; p < Cp.colPtr[c + 1]!; p++, q++) {
        expect(Cs.rowIdx[q]).toBe(Cp.rowIdx[p]); // cone rows come first in every column
        gP[p] = gS[q]!;
      }
      for (; q < Cs.colPtr[c + 1]!; q++) expect(Cs.rowIdx[q]).toBeGreaterThanOrEqual(plain.m);
    }
    const a = strong.pullback(theta, null, gS);
    const b = plain.pullback(theta, null, gP);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('the loop on the cross still converges to a certified map; the wedge rows hold in it', () => {
    const c = crossExample(13);
    const qp = EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets, { strengthen: 'reflex-neighbours' });
    const r = embedBilevel(qp, { maxIter: 3000 });
    expect(r.stopReason).toBe('converged');
    expect(r.flips).toBe(0);
    expect(r.violatedRows).toBe(0);
  });

  it('rejects an unknown mode, naming the option', () => {
    const dom = crossDomain();
    expect(() => EmbeddingQP.build(dom, { strengthen: 'everything' as never })).toThrow(InputError);
    expect(() => EmbeddingQP.build(dom, { strengthen: 'everything' as never })).toThrow(/strengthen/);
  });
});
