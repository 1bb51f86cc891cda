import { describe, expect, it } from 'vitest';
import { cscMatVec, cscToDense } from '../optimizer/linalg/csc.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';
import { crossExample } from '../geometry/examples/cross.ts';
import { cornerExample } from '../geometry/examples/corner.ts';
import { embeddingDomain } from '../geometry/embedding-domain.ts';
import type { EmbeddingDomain } from '../geometry/embedding-domain.ts';
import { EmbeddingQP } from '../geometry/embedding-qp.ts';
import { laplacianPattern, laplacianValues } from '../geometry/laplacian.ts';
import { reflexCorners } from '../geometry/reflex-corners.ts';
import { normalizedValues } from '../geometry/regularizer.ts';
import { rng } from './helpers.ts';
import { loadSolvers, solveQP } from '../optimizer/qp/registry.ts';

/**
 * Gradient check by central differences: fd_e = (f(θ + h e_e) − f(θ − h e_e)) / 2h for every
 * coordinate e of θ (not modified); returns max_e |fd_e − grad_e| and max_e |grad_e|.
 */
function centralDifferences(f: (t: Float64Array) => number, theta: Float64Array, grad: Float64Array, h: number): { maxErr: number; maxG: number } {
  let maxErr = 0;
  let maxG = 0;
  for (let e = 0; e < theta.length; e++) {
    const tp = theta.slice();
    const tm = theta.slice();
    tp[e]! += h;
    tm[e]! -= h;
    const fd = (f(tp) - f(tm)) / (2 * h);
    maxErr = Math.max(maxErr, Math.abs(fd - grad[e]!));
    maxG = Math.max(maxG, Math.abs(grad[e]!));
  }
  return { maxErr, maxG };
}

function crossDomain(N = 13): EmbeddingDomain {
  const c = crossExample(N);
  return embeddingDomain(c.mesh.F, c.mesh.nv, c.targets);
}

function checkCsc(M: CscMatrix): void {
  expect(M.colPtr.length).toBe(M.ncols + 1);
  expect(M.colPtr[M.ncols]).toBe(M.rowIdx.length);
  expect(M.values.length).toBe(M.rowIdx.length);
  for (let j = 0; j < M.ncols; j++) {
    for (let p = M.colPtr[j]!; p < M.colPtr[j + 1]!; p++) {
      expect(M.rowIdx[p]!).toBeGreaterThanOrEqual(0);
      expect(M.rowIdx[p]!).toBeLessThan(M.nrows);
      if (p > M.colPtr[j]!) expect(M.rowIdx[p]!).toBeGreaterThan(M.rowIdx[p - 1]!);
    }
  }
}

describe('parameterized Laplacian', () => {
  it('matches a dense Laplacian built entry by entry from the edges', () => {
    const dom = crossDomain(7);
    const lap = laplacianPattern(dom.edges);
    checkCsc(lap.L);
    const r = rng(1);
    const theta = new Float64Array(lap.ne);
    for (let e = 0; e < lap.ne; e++) theta[e] = r() < 0.2 ? r() : -2 * r();
    const Lv = laplacianValues(lap, theta);
    const D = cscToDense({ ...lap.L, values: Lv });
    const nv = dom.nv;
    const ref = new Float64Array(nv * nv);
    for (let e = 0; e < lap.ne; e++) {
      const i = dom.edges.E[2 * e]!;
      const j = dom.edges.E[2 * e + 1]!;
      const w = Math.min(theta[e]!, 0) - 0.01;
      ref[i * nv + j] = w;
      ref[j * nv + i] = w;
      ref[i * nv + i] += Math.abs(w);
      ref[j * nv + j] += Math.abs(w);
    }
    for (let i = 0; i < nv; i++) ref[i * nv + i] += 1e-4;
    for (let k = 0; k < nv * nv; k++) expect(D.data[k]).toBeCloseTo(ref[k]!, 14);
    expect(() => laplacianValues(lap, new Float64Array(lap.ne + 1))).toThrow(/theta: expected length/);
  });

  it("P = blockdiag(L + S, L + S) with both triangles, S = 1e-4 on the boundary ('boundary', default) or everywhere in L ('all'); A pins the boundary to the polygon", () => {
    const dom = crossDomain(7);
    const nv = dom.nv;
    const onB = new Uint8Array(nv);
    for (const v of dom.loop) onB[v] = 1;
    const r = rng(5);
    const theta = Float64Array.from({ length: dom.edges.ne }, () => (r() < 0.2 ? r() : -2 * r()));
    for (const shift of ['boundary', 'all'] as const) {
      const qp = EmbeddingQP.build(dom, shift === 'all' ? { shift } : {});
      expect(qp.shift).toBe(shift);
      const inst = qp.instance(theta);
      checkCsc(inst.P);
      checkCsc(inst.C);
      const P = cscToDense(inst.P);
      const L = cscToDense({ ...qp.lap.L, values: inst.Lv });
      // L: the weighted graph Laplacian (rows sum to 0), plus 1e-4 I with 'all'
      const plain = cscToDense({ ...qp.lap.L, values: laplacianValues(qp.lap, theta, undefined, 0) });
      for (let i = 0; i < nv; i++) {
        for (let j = 0; j < nv; j++) expect(L.data[i * nv + j]).toBeCloseTo(plain.data[i * nv + j]! + (i === j && shift === 'all' ? 1e-4 : 0), 13);
      }
      for (let i = 0; i < 2 * nv; i++) {
        for (let j = 0; j < 2 * nv; j++) {
          const same = Math.floor(i / nv) === Math.floor(j / nv);
          const S = i === j && shift === 'boundary' && onB[i % nv] ? 1e-4 : 0;
          expect(P.data[i * 2 * nv + j]).toBe(same ? L.data[(i % nv) * nv + (j % nv)]! + S : 0);
        }
      }
      // P is positive definite: the constant vector, L's null vector, has xᵀPx = 1e-4 · #(shifted rows)
      const ones = new Float64Array(2 * nv).fill(1);
      const P1 = cscMatVec(inst.P, ones);
      expect(P1.reduce((a, b) => a + b, 0)).toBeCloseTo(2e-4 * (shift === 'all' ? nv : dom.loop.length), 12);
    }
    const qp = EmbeddingQP.build(dom);
    // A x = b picks the loop vertices' coordinates
    const x = new Float64Array(2 * nv);
    for (let i = 0; i < 2 * nv; i++) x[i] = i + 0.5;
    const Ax = cscMatVec(qp.A, x);
    const nb = dom.loop.length;
    for (let t = 0; t < nb; t++) {
      expect(Ax[t]).toBe(dom.loop[t]! + 0.5);
      expect(Ax[nb + t]).toBe(nv + dom.loop[t]! + 0.5);
      expect(qp.b[t]).toBe(dom.polygon[2 * t]);
      expect(qp.b[nb + t]).toBe(dom.polygon[2 * t + 1]);
    }
  });

  it.each(['boundary', 'all'] as const)('C x = −n · (Lx)_i at each reflex corner, with N having two entries per row (shift %s)', (shift) => {
    const dom = crossDomain(13);
    const qp = EmbeddingQP.build(dom, { shift });
    const r = rng(2);
    const theta = new Float64Array(qp.ne);
    for (let e = 0; e < qp.ne; e++) theta[e] = -2 * r();
    const inst = qp.instance(theta);
    const nv = dom.nv;
    const x = new Float64Array(2 * nv);
    for (let k = 0; k < x.length; k++) x[k] = r();
    // (Lx) with L = blockdiag(L, L) of the instance's L values: with 'boundary' the plain
    // Laplacian (the flux Σ_j |w_ij| (x_i − x_j) of the theorem), with 'all' including 1e-4 x_i
    const Lpair: CscMatrix = { ...qp.Ppattern, values: new Float64Array(qp.Ppattern.values.length) };
    Lpair.values.set(inst.Lv, 0);
    Lpair.values.set(inst.Lv, inst.Lv.length);
    const Px = cscMatVec(Lpair, x);
    const Cx = cscMatVec(inst.C, x);
    const { corners } = dom;
    expect(qp.cone.N.colPtr[2 * nv]).toBe(4 * corners.count);
    const NPx = cscMatVec(qp.cone.N, Px);
    for (let k = 0; k < corners.count; k++) {
      const i = corners.vertex[k]!;
      const lx = Px[i]!;
      const ly = Px[nv + i]!;
      expect(Cx[2 * k]).toBeCloseTo(-(corners.nL[2 * k]! * lx + corners.nL[2 * k + 1]! * ly), 13);
      expect(Cx[2 * k + 1]).toBeCloseTo(-(corners.nR[2 * k]! * lx + corners.nR[2 * k + 1]! * ly), 13);
      expect(Cx[2 * k]).toBeCloseTo(-NPx[2 * k]!, 13);
      expect(Cx[2 * k + 1]).toBeCloseTo(-NPx[2 * k + 1]!, 13);
    }
  });
});

describe('diagonal shift (docs/geometry.md#diagonal-shift)', () => {
  /** the cross QP for θ, its polygon translated by (tx, ty), solved tightly by `solver` */
  function solveCross(shift: 'boundary' | 'all', theta: Float64Array, tx: number, ty: number, solver: string): Float64Array {
    const c = crossExample(13);
    const positions = c.targets.positions.slice();
    for (let k = 0; k < positions.length; k += 2) {
      positions[k] += tx;
      positions[k + 1] += ty;
    }
    const qp = EmbeddingQP.build(embeddingDomain(c.mesh.F, c.mesh.nv, { ...c.targets, positions }), { shift });
    const sol = solveQP(qp.instance(theta).problem, { solver, epsAbs: 1e-11, epsRel: 0 });
    expect(sol.status).toBe('solved');
    return sol.z;
  }
  it("with 'boundary' the map does not depend on where the origin is (and the strictly convex solvers accept P); with 'all' it does", async () => {
    await loadSolvers(['ipm', 'dualas']);
    const r = rng(9);
    const { nv, edges } = crossDomain(13);
    const theta = Float64Array.from({ length: edges.ne }, () => -0.2 - 1.8 * r());
    const gap = (shift: 'boundary' | 'all', solver: string) => {
      const z0 = solveCross(shift, theta, 0, 0, solver);
      const z1 = solveCross(shift, theta, 30, -20, solver);
      let d = 0;
      for (let i = 0; i < nv; i++) d = Math.max(d, Math.abs(z1[i]! - 30 - z0[i]!), Math.abs(z1[nv + i]! + 20 - z0[nv + i]!));
      return { d, z0 };
    };
    const ipm = gap('boundary', 'ipm');
    expect(ipm.d).toBeLessThan(1e-7);
    // dualas (dual active set, needs P positive definite) gives the same map
    const das = gap('boundary', 'dualas');
    expect(das.d).toBeLessThan(1e-7);
    let dz = 0;
    for (let k = 0; k < 2 * nv; k++) dz = Math.max(dz, Math.abs(das.z0[k]! - ipm.z0[k]!));
    expect(dz).toBeLessThan(1e-7);
    // the paper's L pulls every vertex towards the origin: a translated polygon moves the map
    expect(gap('all', 'ipm').d).toBeGreaterThan(1e-4);
  });
});

describe('reflex corners', () => {
  it('finds the one reflex corner of an L shape with its outward edge normals', () => {
    // counter-clockwise L: (0,0) (2,0) (2,1) (1,1) (1,2) (0,2); reflex at (1,1)
    const poly = Float64Array.from([0, 0, 2, 0, 2, 1, 1, 1, 1, 2, 0, 2]);
    const loop = Int32Array.from([10, 11, 12, 13, 14, 15]);
    const c = reflexCorners(loop, poly);
    expect(c.count).toBe(1);
    expect(c.vertex[0]).toBe(13);
    expect(c.prev[0]).toBe(12);
    expect(c.next[0]).toBe(14);
    expect(c.turn[0]).toBeCloseTo(-Math.PI / 2, 14);
    // edge (2,1)→(1,1) bounds the bottom bar from above: outward normal (0, 1);
    // edge (1,1)→(1,2) bounds the vertical bar on the right: outward normal (1, 0)
    expect(c.nL[0]).toBeCloseTo(0, 15);
    expect(c.nL[1]).toBeCloseTo(1, 15);
    expect(c.nR[0]).toBeCloseTo(1, 15);
    expect(c.nR[1]).toBeCloseTo(0, 15);
    // scaling does not change the classification (unit vectors)
    const tiny = poly.map((v) => v * 1e-6);
    expect(reflexCorners(loop, tiny).count).toBe(1);
  });

  it('applies the turn tolerance: a corner bent clockwise by 5e-5 rad is flat, by 2e-4 rad reflex', () => {
    for (const [bend, expected] of [
      [5e-5, 0],
      [2e-4, 1],
    ] as const) {
      // a square with a vertex in the middle of the bottom edge, pushed inward so the loop turns clockwise by `bend`
      const h = 0.5 * Math.tan(bend / 2);
      const poly = Float64Array.from([0, 0, 0.5, h, 1, 0, 1, 1, 0, 1]);
      const c = reflexCorners(Int32Array.from([0, 1, 2, 3, 4]), poly);
      expect(c.count).toBe(expected);
    }
  });

  it('cross: 4 reflex corners / 8 rows at the images of the square corners; corner: 1 / 2', () => {
    const N = 13;
    const dom = crossDomain(N);
    expect(dom.corners.count).toBe(4);
    const squareCorners = new Set([0, N - 1, (N - 1) * N, N * N - 1]);
    for (let k = 0; k < 4; k++) expect(squareCorners.has(dom.corners.vertex[k]!)).toBe(true);
    expect(EmbeddingQP.build(dom).m).toBe(8);
    for (const n of [3, 10, 25]) {
      const c = cornerExample(n);
      const d = embeddingDomain(c.mesh.F, c.mesh.nv, c.targets);
      expect(d.corners.count).toBe(1);
      expect(d.corners.vertex[0]).toBe((n - 1) * n);
      expect(d.area).toBeCloseTo(0.35, 14);
    }
  });
});

describe('chain rule θ → (P values, C values)', () => {
  const cornerDomain = (N: number) => {
    const c = cornerExample(N);
    return embeddingDomain(c.mesh.F, c.mesh.nv, c.targets);
  };
  it.each([
    ['cross 13×13 (axis-aligned normals)', () => crossDomain(13)],
    ['corner 9×9 (oblique normals)', () => cornerDomain(9)],
  ])('matches central finite differences, and is 0 where θ > 0: %s', (_name, make) => {
    const dom = make();
    const qp = EmbeddingQP.build(dom);
    const r = rng(3);
    const theta = new Float64Array(qp.ne);
    for (let e = 0; e < qp.ne; e++) theta[e] = r() < 0.15 ? 0.05 + r() : -0.05 - 2 * r();
    const base = qp.instance(theta);
    const gP = new Float64Array(base.P.values.length);
    const gC = new Float64Array(base.C.values.length);
    for (let k = 0; k < gP.length; k++) gP[k] = r() - 0.5;
    for (let k = 0; k < gC.length; k++) gC[k] = r() - 0.5;
    const f = (t: Float64Array) => {
      const inst = qp.instance(t);
      let s = 0;
      for (let k = 0; k < gP.length; k++) s += gP[k]! * inst.P.values[k]!;
      for (let k = 0; k < gC.length; k++) s += gC[k]! * inst.C.values[k]!;
      return s;
    };
    const g = qp.pullback(theta, gP, gC);
    const { maxErr, maxG } = centralDifferences(f, theta, g, 1e-6);
    for (let e = 0; e < qp.ne; e++) if (theta[e]! > 0) expect(g[e]).toBe(0);
    expect(maxG).toBeGreaterThan(0.1);
    expect(maxErr).toBeLessThan(1e-7 * maxG);
    // gradient of P alone and of C alone add up
    const gp = qp.pullback(theta, gP, null);
    const gc = qp.pullback(theta, null, gC);
    for (let e = 0; e < qp.ne; e++) expect(gp[e]! + gc[e]!).toBeCloseTo(g[e]!, 12);
  });

  it('regularizer λ‖L̂ − L̂₀‖∞: value from its definition, subgradient vs finite differences', () => {
    const dom = crossDomain(7);
    const qp = EmbeddingQP.build(dom);
    const hat0 = qp.normalizedLaplacian(qp.initialTheta());
    expect(qp.regularizer(qp.initialTheta(), hat0, 10).value).toBe(0);
    const r = rng(4);
    const theta = new Float64Array(qp.ne);
    for (let e = 0; e < qp.ne; e++) theta[e] = -1 + 0.8 * (r() - 0.5);
    const lambda = 10;
    const { value, gradTheta } = qp.regularizer(theta, hat0, lambda);
    const v = qp.instance(theta).P.values;
    const hat = normalizedValues(v);
    let ref = 0;
    for (let k = 0; k < v.length; k++) ref = Math.max(ref, Math.abs(hat[k]! - hat0[k]!));
    expect(value).toBeCloseTo(lambda * ref, 14);
    const { maxErr, maxG } = centralDifferences((t) => qp.regularizer(t, hat0, lambda).value, theta, gradTheta, 1e-7);
    expect(maxG).toBeGreaterThan(1e-3);
    expect(maxErr).toBeLessThan(1e-5 * maxG);
  });
});
