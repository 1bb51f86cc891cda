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
import { DEEP_DOMAINS } from '../bench/deep-domains.ts';
import { prepareDomainEmbedding } from '../geometry/domain-embedding.ts';
import { readObjFile } from '../geometry/obj-read.ts';
import { solveQP } from '../optimizer/qp/registry.ts';

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
  it('keeps the cone rows and adds n · (x_j − x_i) ≤ 0 for the interior neighbours j of each reflex vertex i', () => {
    const dom = crossDomain();
    const plain = EmbeddingQP.build(dom);
    const strong = EmbeddingQP.build(dom, { strengthen: 'reflex-neighbours' });
    const nv = dom.nv;
    const boundary = new Set(dom.loop);
    // reference list of (corner, neighbour) pairs from the faces
    // interior neighbours of each reflex vertex, minus those next to two reflex vertices
    const nbOf = (i: number) => {
      const nb = new Set<number>();
      for (let f = 0; f < dom.F.length / 3; f++) {
        const t = [dom.F[3 * f]!, dom.F[3 * f + 1]!, dom.F[3 * f + 2]!];
        if (t.includes(i)) for (const v of t) if (v !== i) nb.add(v);
      }
      return nb;
    };
    const sets = Array.from(dom.corners.vertex, nbOf);
    const shared = (j: number) => sets.filter((s) => s.has(j)).length > 1;
    const pairs: [number, number][] = [];
    sets.forEach((nb, k) => {
      for (const j of [...nb].sort((a, b) => a - b)) if (!boundary.has(j) && !shared(j)) pairs.push([k, j]);
    });
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

  it('a vertex next to two reflex vertices gets no wedge row: the deep comb stays feasible at θ₀', () => {
    // the bench's deep comb on the flattened bumpy disk: the two corners at the root of each
    // 0.3-wide slot share interior neighbours, whose two wedges are disjoint
    const obj = readObjFile('meshes/bumpy-disk.obj');
    const flat = new Float64Array(2 * obj.nv);
    for (let v = 0; v < obj.nv; v++) {
      flat[2 * v] = obj.V[3 * v]!;
      flat[2 * v + 1] = obj.V[3 * v + 1]!;
    }
    const prep = prepareDomainEmbedding({ V: flat, dim: 2, F: obj.F }, DEEP_DOMAINS['comb4-deep']!(), { weights: 'uniform' });
    const plain = EmbeddingQP.fromMesh(prep.F, prep.nv, prep.targets);
    const strong = EmbeddingQP.fromMesh(prep.F, prep.nv, prep.targets, { strengthen: 'reflex-neighbours' });
    const dom = strong.domain;
    const count = new Map<number, number>();
    for (const i of dom.corners.vertex) {
      for (let q = strong.lap.L.colPtr[i]!; q < strong.lap.L.colPtr[i + 1]!; q++) {
        const j = strong.lap.L.rowIdx[q]!;
        if (j !== i) count.set(j, (count.get(j) ?? 0) + 1);
      }
    }
    const boundary = new Set(dom.loop);
    const shared = [...count].filter(([j, c]) => c > 1 && !boundary.has(j)).length;
    const single = [...count].filter(([j, c]) => c === 1 && !boundary.has(j)).length;
    expect(shared).toBeGreaterThan(0);
    expect(strong.m).toBe(plain.m + 2 * single);
    const sol = solveQP(strong.instance(prep.theta0).problem, { epsAbs: 1e-9, epsRel: 0 });
    expect(sol.status).toBe('solved');
  });

  it('rejects an unknown mode, naming the option', () => {
    const dom = crossDomain();
    expect(() => EmbeddingQP.build(dom, { strengthen: 'everything' as never })).toThrow(InputError);
    expect(() => EmbeddingQP.build(dom, { strengthen: 'everything' as never })).toThrow(/strengthen/);
  });
});

describe("strengthen: 'boundary-directions'", () => {
  /** Reference rows written out: (j, b, n) per non-reflex boundary vertex, interior neighbour, edge normal. */
  function referenceRows(dom: ReturnType<typeof crossDomain>): { j: number; b: number; n: [number, number] }[] {
    const nb = dom.loop.length;
    const boundary = new Set(dom.loop);
    const out: { j: number; b: number; n: [number, number] }[] = [];
    for (let t = 0; t < nb; t++) {
      const P = (s: number) => [dom.polygon[2 * ((s + nb) % nb)]!, dom.polygon[2 * ((s + nb) % nb) + 1]!] as const;
      const [px, py] = P(t - 1);
      const [bx, by] = P(t);
      const [qx, qy] = P(t + 1);
      const e1 = [bx - px, by - py].map((v) => v / Math.hypot(bx - px, by - py)) as [number, number];
      const e2 = [qx - bx, qy - by].map((v) => v / Math.hypot(qx - bx, qy - by)) as [number, number];
      const cross = e1[0] * e2[1] - e1[1] * e2[0];
      const b = dom.loop[t]!;
      let normals: [number, number][];
      if (Math.abs(cross) < 1e-12 && e1[0] * e2[0] + e1[1] * e2[1] > 0) normals = [[e1[1], -e1[0]]];
      else if (cross > 0) normals = [[e1[1], -e1[0]], [e2[1], -e2[0]]];
      else continue; // reflex
      const nbrs = new Set<number>();
      for (let f = 0; f < dom.F.length / 3; f++) {
        const tri = [dom.F[3 * f]!, dom.F[3 * f + 1]!, dom.F[3 * f + 2]!];
        if (tri.includes(b)) for (const v of tri) if (v !== b && !boundary.has(v)) nbrs.add(v);
      }
      for (const j of [...nbrs].sort((x, y) => x - y)) for (const n of normals) out.push({ j, b, n });
    }
    return out;
  }

  it('adds n · (x_j − x_b) ≤ 0 at every non-reflex boundary vertex b, per interior neighbour j and edge normal n', () => {
    const dom = crossDomain();
    const plain = EmbeddingQP.build(dom);
    const strong = EmbeddingQP.build(dom, { strengthen: 'boundary-directions' });
    const ref = referenceRows(dom);
    expect(strong.m).toBe(plain.m + ref.length);
    const r = rng(5);
    const theta = new Float64Array(plain.ne);
    for (let e = 0; e < theta.length; e++) theta[e] = -2 * r();
    const nv = dom.nv;
    const x = new Float64Array(2 * nv);
    for (let k = 0; k < x.length; k++) x[k] = r();
    const Cs = cscMatVec(strong.instance(theta).C, x);
    const Cp = cscMatVec(plain.instance(theta).C, x);
    for (let row = 0; row < plain.m; row++) expect(Cs[row]).toBe(Cp[row]);
    ref.forEach(({ j, b, n }, s) => {
      expect(Cs[plain.m + s]).toBeCloseTo(n[0] * (x[j]! - x[b]!) + n[1] * (x[nv + j]! - x[nv + b]!), 14);
    });
  });

  it('every valid map satisfies the rows: from the weights the plain method certified, the loop stops at once', () => {
    const c = crossExample(13);
    const plainQp = EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets);
    const plain = embedBilevel(plainQp, { maxIter: 3000 });
    expect(plain.stopReason).toBe('converged');
    const strong = EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets, { strengthen: 'boundary-directions' });
    // the certified map, checked against the rows directly (split layout)
    const nv = c.mesh.nv;
    const x = new Float64Array(2 * nv);
    for (let v = 0; v < nv; v++) {
      x[v] = plain.V[2 * v]!;
      x[nv + v] = plain.V[2 * v + 1]!;
    }
    const Cx = cscMatVec(strong.instance(plain.theta).C, x);
    for (let row = plainQp.m; row < strong.m; row++) expect(Cx[row]).toBeLessThan(0);
    // and the strengthened loop started there finds every dual below tolerance at θ₀
    const again = embedBilevel(strong, { theta0: plain.theta, maxIter: 50 });
    expect(again.stopReason).toBe('converged');
    expect(again.iterations).toBe(0);
  });
});

