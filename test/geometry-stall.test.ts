/**
 * The stall of the bi-level embedding: every cone dual below tolerance while the map keeps
 * flipped triangles. Constructed cases that can never be certified (triangles with all three
 * vertices on one straight polygon edge, built WITHOUT prepareDomainEmbedding's splitting) must
 * stop with 'stalled-folded' after stallSteps blocked stops, and `folds` must name the flat
 * triangles, their box and the nearest reflex corner (checked against references computed here).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assignBoundary } from '../geometry/boundary-assign.ts';
import { diskTopology } from '../geometry/disk.ts';
import { flatBoundaryTriangles } from '../geometry/ear-split.ts';
import { embedBilevel, embedBilevelAsync } from '../geometry/embed/driver.ts';
import { locateFolds, pointTriangleDistance } from '../geometry/embed/folds.ts';
import { EmbeddingQP } from '../geometry/embedding-qp.ts';
import { crossExample } from '../geometry/examples/cross.ts';
import { unitSquareGrid } from '../geometry/examples/grid.ts';
import { signedAreas } from '../geometry/validity.ts';
import { prepareBilevel } from '../optimizer/bilevel/tf-runtime.ts';
import { InputError } from '../optimizer/errors.ts';
import { setWarningHandler } from '../optimizer/qp/registry.ts';

beforeAll(async () => {
  await prepareBilevel();
  tf.enableProdMode();
  setWarningHandler(() => {});
});

/**
 * An 'anti' N×N grid whose boundary goes onto `polygon` with the corners at the given loop
 * offsets from grid vertex 0: vertex 0's corner triangle (0, N, 1) then lies on one polygon edge.
 */
function flatCase(N: number, polygon: Float64Array, offsets: number[]) {
  const g = unitSquareGrid(N, 'anti');
  const { loop } = diskTopology(g.F, g.nv);
  const p0 = Array.from(loop).indexOf(0);
  const corners = Int32Array.from(offsets.map((s) => loop[(p0 + s) % loop.length]!));
  const a = assignBoundary(g.V, 2, loop, polygon, { corners });
  const flat = flatBoundaryTriangles(g.F, g.nv, loop, a.cornerLoop);
  const qp = EmbeddingQP.fromMesh(g.F, g.nv, a.targets);
  return { g, qp, flat };
}

/** Distance from p to segment ab, written out independently of folds.ts. */
function distToSegment(p: [number, number], a: [number, number], b: [number, number]): number {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

describe('stall detection', () => {
  it("a rectangle (no cone rows) with a flat corner triangle stops at forward stallSteps − 1 with 'stalled-folded'", () => {
    // no reflex corner: no row, no dual, so the dual test passes at every forward, the loss and
    // its gradient are 0 and θ never moves: the flip count is the same at every forward
    const rect = Float64Array.from([0, 0, 2, 0, 2, 1, 0, 1]);
    const { qp, flat } = flatCase(6, rect, [2, 7, 12, 17]);
    expect(qp.m).toBe(0);
    expect(flat.length).toBeGreaterThan(0);
    for (const stallSteps of [1, 5, 50]) {
      const r = embedBilevel(qp, { stallSteps, maxIter: 1000 });
      expect(r.stopReason).toBe('stalled-folded');
      expect(r.converged).toBe(false);
      expect(r.valid).toBe(false);
      expect(r.iterations).toBe(stallSteps - 1);
      expect(r.blockedStops).toBe(stallSteps);
      expect(r.longestBlockedRun).toBe(stallSteps);
      expect(r.dualRule).toEqual({ iteration: 0, flips: flat.length });
      expect(r.folds?.count).toBe(flat.length);
      expect(Array.from(r.folds!.faces)).toEqual(Array.from(flat));
      expect(r.folds?.nearestCorner).toBeNull(); // a rectangle has no reflex corner
    }
    // the default is 50
    expect(embedBilevel(qp, { maxIter: 1000 }).iterations).toBe(49);
    // Infinity: the old behaviour, blocked stops until the limit
    const never = embedBilevel(qp, { stallSteps: Infinity, maxIter: 60 });
    expect(never.stopReason).toBe('max-iter');
    expect(never.iterations).toBe(60);
    expect(never.blockedStops).toBe(61);
    expect(never.longestBlockedRun).toBe(61);
    expect(never.folds?.count).toBe(flat.length);
  });

  it("an L with flat triangles on its edges: the loop satisfies the reflex corner's cone rows, then stalls; folds located", async () => {
    const L = Float64Array.from([0, 0, 2, 0, 2, 1, 1, 1, 1, 2, 0, 2]);
    const { qp, flat } = flatCase(9, L, [3, 8, 13, 18, 23, 28]);
    expect(qp.domain.corners.count).toBe(1);
    expect(flat.length).toBeGreaterThan(0);
    const r = embedBilevel(qp, { maxIter: 3000 });
    expect(r.stopReason).toBe('stalled-folded');
    expect(r.converged).toBe(false);
    // the cone rows are satisfied (the dual test held) and the folds are exactly the flat ones
    expect(r.dualRule).not.toBeNull();
    expect(r.maxDual).toBeLessThan(1e-4);
    expect(r.longestBlockedRun).toBe(50);
    expect(r.flips).toBe(flat.length);
    const folds = r.folds!;
    expect(folds.count).toBe(flat.length);
    expect(Array.from(folds.faces)).toEqual(Array.from(flat));
    // box: the flat triangles' vertices are boundary vertices, snapped to their targets
    const F = qp.domain.F;
    const pts: [number, number][] = [];
    for (const f of flat) for (let c = 0; c < 3; c++) pts.push([r.V[2 * F[3 * f + c]!]!, r.V[2 * F[3 * f + c]! + 1]!]);
    expect(folds.bbox).toEqual([
      Math.min(...pts.map((p) => p[0])),
      Math.min(...pts.map((p) => p[1])),
      Math.max(...pts.map((p) => p[0])),
      Math.max(...pts.map((p) => p[1])),
    ]);
    // nearest reflex corner: the L's only one, at (1, 1); a flat triangle is a segment, so the
    // distance is the one to the segments of its vertices
    const corner = qp.domain.corners.vertex[0]!;
    expect(folds.nearestCorner?.vertex).toBe(corner);
    const c: [number, number] = [r.V[2 * corner]!, r.V[2 * corner + 1]!];
    expect(c).toEqual([1, 1]);
    let best = Infinity;
    for (let t = 0; t < pts.length; t += 3) {
      for (let e = 0; e < 3; e++) best = Math.min(best, distToSegment(c, pts[t + e]!, pts[t + ((e + 1) % 3)]!));
    }
    expect(folds.nearestCorner!.distance).toBeCloseTo(best, 14);
    // the async entry point stalls at the same forward
    const ra = await embedBilevelAsync(qp, { maxIter: 3000 });
    expect(ra.stopReason).toBe('stalled-folded');
    expect(ra.iterations).toBe(r.iterations);
    expect(Array.from(ra.theta)).toEqual(Array.from(r.theta));
  });

  it('a normal run is unaffected: the cross converges with no blocked stop and no folds', () => {
    const c = crossExample(13);
    const r = embedBilevel(EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets), { stallSteps: 1 });
    // stallSteps 1 would stop at the first blocked stop: there is none on the way to convergence
    expect(r.stopReason).toBe('converged');
    expect(r.blockedStops).toBe(0);
    expect(r.longestBlockedRun).toBe(0);
    expect(r.folds).toBeNull();
  });

  it('a user abort is still reported as interrupted (not as a stall)', () => {
    const c = crossExample(13);
    const ac = new AbortController();
    const r = embedBilevel(EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets), {
      signal: ac.signal,
      onIteration: (rec) => {
        if (rec.iteration === 2) ac.abort();
      },
    });
    expect(r.stopReason).toBe('interrupted');
    expect(r.iterations).toBe(3);
  });

  it('rejects a bad stallSteps, naming it', () => {
    const c = crossExample(13);
    const qp = EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets);
    for (const bad of [0, -1, 2.5, NaN]) {
      expect(() => embedBilevel(qp, { stallSteps: bad })).toThrow(InputError);
      expect(() => embedBilevel(qp, { stallSteps: bad })).toThrow(/stallSteps/);
    }
  });
});

describe('locateFolds', () => {
  it('counts, boxes and measures against a brute-force reference on a hand-made map', () => {
    const c = crossExample(13);
    const qp = EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets);
    const dom = qp.domain;
    // the identity map of the grid is valid for the square but not for the cross's boundary:
    // use the grid itself, then push one interior vertex across its neighbours to fold it
    const V = Float64Array.from(c.mesh.V);
    expect(locateFolds(dom, V)).toBeNull();
    const v = 6 * 13 + 6; // the centre vertex (0.5, 0.5)
    V[2 * v] = 0.5 + 0.2; // over its right neighbours (spacing 1/12)
    const areas = signedAreas(V, dom.F);
    const flipped: number[] = [];
    for (let f = 0; f < areas.length; f++) if (!(dom.orientation * areas[f]! > 0)) flipped.push(f);
    expect(flipped.length).toBeGreaterThan(0);
    const folds = locateFolds(dom, V)!;
    expect(Array.from(folds.faces)).toEqual(flipped);
    const xs: number[] = [];
    const ys: number[] = [];
    for (const f of flipped) for (let k = 0; k < 3; k++) {
      xs.push(V[2 * dom.F[3 * f + k]!]!);
      ys.push(V[2 * dom.F[3 * f + k]! + 1]!);
    }
    expect(folds.bbox).toEqual([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]);
    // reference: every reflex corner against every flipped triangle, by sampling-free formula
    let best = { vertex: -1, distance: Infinity };
    for (let k = 0; k < dom.corners.count; k++) {
      const i = dom.corners.vertex[k]!;
      const p: [number, number] = [V[2 * i]!, V[2 * i + 1]!];
      for (const f of flipped) {
        const t = [0, 1, 2].map((e) => [V[2 * dom.F[3 * f + e]!]!, V[2 * dom.F[3 * f + e]! + 1]!] as [number, number]);
        const d = Math.min(distToSegment(p, t[0]!, t[1]!), distToSegment(p, t[1]!, t[2]!), distToSegment(p, t[2]!, t[0]!));
        if (d < best.distance) best = { vertex: i, distance: d };
      }
    }
    expect(folds.nearestCorner?.vertex).toBe(best.vertex);
    expect(folds.nearestCorner!.distance).toBeCloseTo(best.distance, 14);
  });

  it('pointTriangleDistance: 0 inside either orientation, edge distance outside, segment for a flat one', () => {
    expect(pointTriangleDistance(0.2, 0.2, 0, 0, 1, 0, 0, 1)).toBe(0);
    expect(pointTriangleDistance(0.2, 0.2, 0, 0, 0, 1, 1, 0)).toBe(0); // clockwise
    expect(pointTriangleDistance(2, 0, 0, 0, 1, 0, 0, 1)).toBe(1);
    expect(pointTriangleDistance(-3, -4, 0, 0, 1, 0, 0, 1)).toBe(5);
    // flat: (0,0), (1,0), (2,0); the point (1, 1) is 1 away, a point on it is 0 away
    expect(pointTriangleDistance(1, 1, 0, 0, 1, 0, 2, 0)).toBe(1);
    expect(pointTriangleDistance(1.5, 0, 0, 0, 1, 0, 2, 0)).toBe(0);
  });
});
