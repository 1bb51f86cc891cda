import { describe, expect, it } from 'vitest';
import { FileFormatError, InputError } from '../optimizer/errors.ts';
import { boundaryLoops } from '../geometry/boundary.ts';
import { diskTopology } from '../geometry/disk.ts';
import { edgeId, edgeList } from '../geometry/edges.ts';
import { gridBoundaryClockwise, unitSquareGrid } from '../geometry/examples/grid.ts';
import { findSelfIntersection, segmentsIntersect, signedArea } from '../geometry/polygon.ts';
import { errorOf, rng } from './helpers.ts';

/** A periodic m×n grid on the torus, 2mn triangles. */
function torus(m: number, n: number): Int32Array {
  const F: number[] = [];
  const id = (a: number, b: number) => (a % m) * n + (b % n);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < n; b++) F.push(id(a, b), id(a + 1, b), id(a + 1, b + 1), id(a, b), id(a + 1, b + 1), id(a, b + 1));
  }
  return Int32Array.from(F);
}

describe('edgeList', () => {
  it('lists each undirected edge once, sorted, with a working (i, j) → id map', () => {
    const g = unitSquareGrid(5);
    const edges = edgeList(g.F, g.nv);
    // brute force: the set of face edges
    const set = new Set<string>();
    for (let f = 0; f < g.nf; f++) {
      for (let k = 0; k < 3; k++) {
        const a = g.F[3 * f + k]!;
        const b = g.F[3 * f + ((k + 1) % 3)]!;
        set.add(`${Math.min(a, b)},${Math.max(a, b)}`);
      }
    }
    const expected = [...set].map((s) => s.split(',').map(Number) as [number, number]).sort((p, q) => p[0] - q[0] || p[1] - q[1]);
    expect(edges.ne).toBe(expected.length);
    expect(Array.from(edges.E)).toEqual(expected.flat());
    for (let e = 0; e < edges.ne; e++) {
      expect(edgeId(edges, edges.E[2 * e]!, edges.E[2 * e + 1]!)).toBe(e);
      expect(edgeId(edges, edges.E[2 * e + 1]!, edges.E[2 * e]!)).toBe(e);
    }
    expect(edgeId(edges, 0, 24)).toBe(-1);
    // adjacency lists sorted
    for (let i = 0; i < g.nv; i++) {
      for (let k = edges.adjPtr[i]! + 1; k < edges.adjPtr[i + 1]!; k++) expect(edges.adjNbr[k]!).toBeGreaterThan(edges.adjNbr[k - 1]!);
    }
  });
});

describe('diskTopology', () => {
  it('finds the grid boundary counter-clockwise (the face orientation)', () => {
    const N = 6;
    const g = unitSquareGrid(N);
    const { edges, loop } = diskTopology(g.F, g.nv);
    expect(g.nv - edges.ne + g.nf).toBe(1);
    expect(loop.length).toBe(4 * (N - 1));
    const poly = new Float64Array(2 * loop.length);
    for (let t = 0; t < loop.length; t++) {
      poly[2 * t] = g.V[2 * loop[t]!]!;
      poly[2 * t + 1] = g.V[2 * loop[t]! + 1]!;
    }
    expect(signedArea(poly)).toBeCloseTo(1, 14);
    // consecutive loop vertices are boundary edges in face direction: the clockwise walk reversed
    const cw = Array.from(gridBoundaryClockwise(N));
    const start = cw.indexOf(loop[0]!);
    for (let t = 0; t < loop.length; t++) expect(loop[t]).toBe(cw[(start - t + cw.length) % cw.length]);
  });

  it('corner cells are cut through the square corner: no corner vertex with a single triangle', () => {
    for (const N of [3, 4, 7]) {
      const g = unitSquareGrid(N);
      for (const c of [0, N - 1, (N - 1) * N, N * N - 1]) {
        let faces = 0;
        for (let h = 0; h < g.F.length; h++) if (g.F[h] === c) faces++;
        expect(faces).toBe(2);
      }
    }
  });

  it("split 'anti' cuts every cell by v10–v01: positive triangles, two at (1, 0) and (0, 1), one at (0, 0) and (1, 1)", () => {
    for (const N of [3, 5, 8]) {
      const g = unitSquareGrid(N, 'anti');
      expect(g.nf).toBe(2 * (N - 1) ** 2);
      for (let f = 0; f < g.nf; f++) {
        const [i, j, k] = [g.F[3 * f]!, g.F[3 * f + 1]!, g.F[3 * f + 2]!];
        const area = (g.V[2 * j]! - g.V[2 * i]!) * (g.V[2 * k + 1]! - g.V[2 * i + 1]!) - (g.V[2 * k]! - g.V[2 * i]!) * (g.V[2 * j + 1]! - g.V[2 * i + 1]!);
        expect(area).toBeGreaterThan(0);
      }
      const facesAt = (c: number) => g.F.filter((v) => v === c).length;
      expect(facesAt((N - 1) * N)).toBe(2); // (1, 0)
      expect(facesAt(N - 1)).toBe(2); // (0, 1)
      expect(facesAt(0)).toBe(1);
      expect(facesAt(N * N - 1)).toBe(1);
      // every cell's diagonal joins v10 = (a+1, b) and v01 = (a, b+1)
      const { edges } = diskTopology(g.F, g.nv);
      expect(edges.ne).toBe(2 * N * (N - 1) + (N - 1) ** 2);
    }
    expect(() => unitSquareGrid(4, 'diagonal' as never)).toThrow(InputError);
  });

  it('rejects a non-manifold edge, naming the faces', () => {
    const F = Int32Array.from([0, 1, 2, 1, 0, 3, 0, 1, 4]);
    const e = errorOf(() => diskTopology(F, 5));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/edge \(0, 1\) is in 3 faces \(0, 1, 2\)/);
    expect(e.message).toMatch(/manifold/);
  });

  it('rejects inconsistent orientation', () => {
    const e = errorOf(() => diskTopology(Int32Array.from([0, 1, 2, 0, 1, 3]), 4));
    expect(e.message).toMatch(/faces 0 and 1 both traverse edge \(0, 1\) as \(0 → 1\)/);
  });

  it('rejects two fans touching at a vertex', () => {
    const e = errorOf(() => diskTopology(Int32Array.from([0, 1, 2, 0, 3, 4]), 5));
    expect(e.message).toMatch(/vertex 0 has two outgoing boundary edges/);
  });

  it('rejects two boundary loops (an annulus), a closed mesh, and handles (V − E + F ≠ 1)', () => {
    const g = unitSquareGrid(4);
    // remove the two triangles of the centre cell (1, 1)
    const keep: number[] = [];
    const centre = new Set([1 * 4 + 1, 2 * 4 + 1, 1 * 4 + 2, 2 * 4 + 2]);
    for (let f = 0; f < g.nf; f++) {
      const tri = [g.F[3 * f]!, g.F[3 * f + 1]!, g.F[3 * f + 2]!];
      if (!tri.every((v) => centre.has(v))) keep.push(...tri);
    }
    expect(errorOf(() => diskTopology(Int32Array.from(keep), 16)).message).toMatch(/2 boundary loops \(of 12, 4 vertices/);
    const tet = Int32Array.from([0, 2, 1, 0, 1, 3, 1, 2, 3, 0, 3, 2]);
    expect(errorOf(() => diskTopology(tet, 4)).message).toMatch(/closed mesh \(no boundary\)/);
    const T = torus(4, 4).slice(3); // one face removed: a single boundary loop, V − E + F = −1
    const e = errorOf(() => diskTopology(T, 16));
    expect(e.message).toMatch(/V − E \+ F = 16 − 48 \+ 31 = -1/);
  });

  it('rejects unused vertices, several components and degenerate faces', () => {
    expect(errorOf(() => diskTopology(Int32Array.from([0, 1, 2]), 4)).message).toMatch(/vertex 3 is in no face/);
    expect(errorOf(() => diskTopology(Int32Array.from([0, 1, 2, 3, 4, 5]), 6)).message).toMatch(/2 connected components/);
    expect(errorOf(() => diskTopology(Int32Array.from([0, 1, 1, 0, 2, 1]), 3)).message).toMatch(/face 0 is \(0, 1, 1\)/);
  });

  it('names the file when one is given', () => {
    const tet = Int32Array.from([0, 2, 1, 0, 1, 3, 1, 2, 3, 0, 3, 2]);
    const e = errorOf(() => diskTopology(tet, 4, 'closed.obj'));
    expect(e).toBeInstanceOf(FileFormatError);
    expect((e as FileFormatError).file).toBe('closed.obj');
    expect(e.message).toMatch(/^closed\.obj: a closed mesh/);
  });

  it('boundaryLoops returns every loop of an annulus in face direction', () => {
    const F = Int32Array.from([
      // square ring around the hole 4-5-6-7 (outer 0-1-2-3), counter-clockwise faces
      0, 1, 5, 0, 5, 4, 1, 2, 6, 1, 6, 5, 2, 3, 7, 2, 7, 6, 3, 0, 4, 3, 4, 7,
    ]);
    const loops = boundaryLoops(F, edgeList(F, 8));
    expect(loops.map((l) => Array.from(l))).toEqual([
      [0, 1, 2, 3],
      [4, 7, 6, 5],
    ]);
  });
});

describe('polygon simplicity', () => {
  it('classifies hand-made polygons', () => {
    const sq = Float64Array.from([0, 0, 1, 0, 1, 1, 0, 1]);
    expect(findSelfIntersection(sq)).toBeNull();
    expect(signedArea(sq)).toBe(1);
    expect(findSelfIntersection(Float64Array.from([0, 0, 1, 1, 1, 0, 0, 1]))).toEqual({ a: 0, b: 2 }); // bow tie
    expect(findSelfIntersection(Float64Array.from([0, 0, 1, 0, 1, 0, 0, 1]))).toEqual({ a: 1, b: 1 }); // repeated vertex
    expect(findSelfIntersection(Float64Array.from([0, 0, 2, 0, 1, 0, 1, 1]))).toEqual({ a: 0, b: 1 }); // doubles back
    // a vertex touching a non-adjacent edge
    expect(findSelfIntersection(Float64Array.from([0, 0, 4, 0, 4, 4, 2, 0.0, 0, 4]))).not.toBeNull();
  });

  it('agrees with the all-pairs test on random polygons', () => {
    const r = rng(11);
    let simple = 0;
    for (let trial = 0; trial < 300; trial++) {
      const n = 4 + Math.floor(r() * 12);
      const P = new Float64Array(2 * n);
      // star-shaped (often simple) or random (often not)
      const star = r() < 0.5;
      for (let k = 0; k < n; k++) {
        const ang = star ? (2 * Math.PI * (k + 0.3 * r())) / n : r() * 2 * Math.PI;
        const rad = 0.5 + r();
        P[2 * k] = Math.round(rad * Math.cos(ang) * 8) / 8;
        P[2 * k + 1] = Math.round(rad * Math.sin(ang) * 8) / 8;
      }
      let brute = false;
      for (let a = 0; a < n && !brute; a++) {
        const a1 = (a + 1) % n;
        if (P[2 * a] === P[2 * a1] && P[2 * a + 1] === P[2 * a1 + 1]) brute = true;
        for (let b = a + 1; b < n && !brute; b++) {
          const b1 = (b + 1) % n;
          const adjacent = b === a1 || a === b1;
          if (adjacent) {
            // adjacent edges may share only their common vertex: overlap iff collinear and doubling back
            const [p, q, s] = b === a1 ? [a, a1, b1] : [b, a, a1];
            const cross = (P[2 * q]! - P[2 * p]!) * (P[2 * s + 1]! - P[2 * p + 1]!) - (P[2 * q + 1]! - P[2 * p + 1]!) * (P[2 * s]! - P[2 * p]!);
            const dot = (P[2 * p]! - P[2 * q]!) * (P[2 * s]! - P[2 * q]!) + (P[2 * p + 1]! - P[2 * q + 1]!) * (P[2 * s + 1]! - P[2 * q + 1]!);
            if (cross === 0 && dot > 0) brute = true;
          } else if (segmentsIntersect(P[2 * a]!, P[2 * a + 1]!, P[2 * a1]!, P[2 * a1 + 1]!, P[2 * b]!, P[2 * b + 1]!, P[2 * b1]!, P[2 * b1 + 1]!)) {
            brute = true;
          }
        }
      }
      expect(findSelfIntersection(P) !== null).toBe(brute);
      if (!brute) simple++;
    }
    expect(simple).toBeGreaterThan(30);
    expect(simple).toBeLessThan(270);
  });
});
