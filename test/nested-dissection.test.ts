import { describe, expect, it } from 'vitest';
import { buildMeshKkt } from '../bench/mesh-kkt.ts';
import { DimensionError, InputError } from '../optimizer/errors.ts';
import { amdOrder } from '../optimizer/linalg/amd.ts';
import { cscFromTriplets, cscSymUpperMatVec } from '../optimizer/linalg/csc.ts';
import { vertexSeparator, type WeightedGraph } from '../optimizer/linalg/graph-partition.ts';
import { definiteVariables, kktOrdering } from '../optimizer/linalg/kkt-ordering.ts';
import { SparseLdl } from '../optimizer/linalg/ldl.ts';
import { ndOrder, type NdInfo } from '../optimizer/linalg/nested-dissection.ts';
import { fillReducingOrdering, ND_MIN_SIZE, predictFill, type OrderingInfo } from '../optimizer/linalg/ordering.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';
import { mulberry32 } from '../optimizer/util/random.ts';
import { rng } from './helpers.ts';

/** Upper triangle (with diagonal) of the pattern given by an edge list. */
function fromEdges(n: number, edges: [number, number][]): CscMatrix {
  const r: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < n; i++) {
    r.push(i);
    c.push(i);
  }
  for (const [a, b] of edges) {
    r.push(Math.min(a, b));
    c.push(Math.max(a, b));
  }
  return cscFromTriplets(n, n, r, c, new Array(r.length).fill(1));
}

/** Edges of a k×k grid (5-point stencil, plus the (i,j)–(i+1,j+1) diagonals when `triangles`). */
function gridEdges(k: number, triangles = false, offset = 0): [number, number][] {
  const e: [number, number][] = [];
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const a = offset + i * k + j;
      if (j + 1 < k) e.push([a, a + 1]);
      if (i + 1 < k) e.push([a, a + k]);
      if (triangles && i + 1 < k && j + 1 < k) e.push([a, a + k + 1]);
    }
  }
  return e;
}

function isPermutation(p: Int32Array, n: number): boolean {
  if (p.length !== n) return false;
  const seen = new Uint8Array(n);
  for (const v of p) {
    if (!(v >= 0 && v < n) || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
}

/** Brute-force symbolic elimination: nnz(L) strictly below the diagonal and Σ (cc_j − 1)². */
function bruteFill(n: number, edges: [number, number][], perm: Int32Array): { nnzL: number; flops: number } {
  const pos = new Int32Array(n);
  for (let k = 0; k < n; k++) pos[perm[k]!] = k;
  const adj: Set<number>[] = Array.from({ length: n }, () => new Set());
  for (const [a, b] of edges) {
    if (a === b) continue;
    adj[pos[a]!]!.add(pos[b]!);
    adj[pos[b]!]!.add(pos[a]!);
  }
  let nnzL = 0;
  let flops = 0;
  for (let k = 0; k < n; k++) {
    const later = [...adj[k]!].filter((x) => x > k);
    nnzL += later.length;
    flops += later.length * later.length;
    for (const a of later) for (const b of later) if (a !== b) adj[a]!.add(b);
  }
  return { nnzL, flops };
}

describe('predictFill', () => {
  it('matches a brute-force symbolic elimination on random graphs under AMD, ND and random orders', () => {
    const rand = rng(7);
    for (let t = 0; t < 6; t++) {
      const n = 30 + Math.floor(rand() * 60);
      const edges: [number, number][] = [];
      for (let e = 0; e < 2 * n; e++) edges.push([Math.floor(rand() * n), Math.floor(rand() * n)]);
      const K = fromEdges(n, edges);
      const shuffled = Int32Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      for (const perm of [amdOrder(K), ndOrder(K, { leafSize: 8 }), shuffled]) {
        expect(predictFill(K, perm)).toEqual(bruteFill(n, edges, perm));
      }
    }
  });
});

describe('ndOrder', () => {
  it('returns a permutation on random graphs, for every leaf size', () => {
    const rand = rng(3);
    for (const n of [2, 17, 200, 1500]) {
      const edges: [number, number][] = [];
      for (let e = 0; e < 3 * n; e++) edges.push([Math.floor(rand() * n), Math.floor(rand() * n)]);
      const K = fromEdges(n, edges);
      for (const leafSize of [1, 4, 64]) expect(isPermutation(ndOrder(K, { leafSize }), n)).toBe(true);
    }
  });

  it('on a k×k grid the top separator is about one grid line and splits the grid in two balanced parts', () => {
    for (const k of [20, 45]) {
      const n = k * k;
      const edges = gridEdges(k);
      const info = {} as NdInfo;
      const perm = ndOrder(fromEdges(n, edges), { leafSize: 16 }, info);
      expect(isPermutation(perm, n)).toBe(true);
      const sep = info.topSeparator;
      expect(sep.length).toBeGreaterThan(0);
      expect(sep.length).toBeLessThanOrEqual(Math.ceil(1.5 * k));
      // BFS on the grid without the separator: ≥ 2 components, the two largest each ≥ 30% of n
      const removed = new Uint8Array(n);
      for (const s of sep) removed[s] = 1;
      const adj: number[][] = Array.from({ length: n }, () => []);
      for (const [a, b] of edges) {
        adj[a]!.push(b);
        adj[b]!.push(a);
      }
      const comp = new Int32Array(n).fill(-1);
      const sizes: number[] = [];
      for (let s = 0; s < n; s++) {
        if (removed[s] || comp[s]! >= 0) continue;
        const queue = [s];
        comp[s] = sizes.length;
        for (let h = 0; h < queue.length; h++) {
          for (const v of adj[queue[h]!]!) {
            if (!removed[v] && comp[v]! < 0) {
              comp[v] = sizes.length;
              queue.push(v);
            }
          }
        }
        sizes.push(queue.length);
      }
      sizes.sort((a, b) => b - a);
      expect(sizes.length).toBeGreaterThanOrEqual(2);
      expect(sizes[1]!).toBeGreaterThanOrEqual(0.3 * n);
      // the separator is numbered last
      expect([...perm.slice(n - sep.length)].sort((a, b) => a - b)).toEqual([...sep]);
    }
  });

  it('fills a large triangulated 2-D grid less than AMD (structural counts)', () => {
    const k = 200;
    const K = fromEdges(k * k, gridEdges(k, true));
    const fa = predictFill(K, amdOrder(K));
    const fn = predictFill(K, ndOrder(K));
    expect(fn.nnzL).toBeLessThan(fa.nnzL);
    expect(fn.flops).toBeLessThan(0.9 * fa.flops);
  });

  it('is deterministic, and the seed is an option', () => {
    const K = fromEdges(900, gridEdges(30, true));
    const a = ndOrder(K, { leafSize: 20 });
    expect(ndOrder(K, { leafSize: 20 })).toEqual(a);
    expect(ndOrder(K, { leafSize: 20, seed: 1 })).toEqual(a);
    expect(isPermutation(ndOrder(K, { leafSize: 20, seed: 99 }), 900)).toBe(true);
  });

  it('handles degenerate graphs: empty, one node, no edges, a path, a star, a dense row, disconnected parts', () => {
    expect(ndOrder(fromEdges(0, []))).toEqual(new Int32Array(0));
    expect(ndOrder(fromEdges(1, []))).toEqual(Int32Array.of(0));
    expect(isPermutation(ndOrder(fromEdges(50, [])), 50)).toBe(true);
    // a path: separators of one vertex; a column of L then holds at most the nearest
    // separators on either side: ≤ 2 entries
    const pathEdges: [number, number][] = Array.from({ length: 499 }, (_, i) => [i, i + 1] as [number, number]);
    const path = fromEdges(500, pathEdges);
    const pp = ndOrder(path, { leafSize: 4 });
    expect(isPermutation(pp, 500)).toBe(true);
    expect(predictFill(path, pp).nnzL).toBeLessThanOrEqual(2 * 499);
    expect(predictFill(path, pp).nnzL).toBeGreaterThanOrEqual(499);
    // a star: the centre is dense (degree n − 1), numbered last, no fill
    const star = fromEdges(300, Array.from({ length: 299 }, (_, i) => [0, i + 1] as [number, number]));
    const sp = ndOrder(star);
    expect(sp[299]).toBe(0);
    expect(predictFill(star, sp).nnzL).toBe(299);
    // a grid with one dense row: the dense row comes last
    const gEdges = gridEdges(30);
    for (let j = 0; j < 900; j++) gEdges.push([900, j]);
    const dp = ndOrder(fromEdges(901, gEdges), { leafSize: 16 }, {} as NdInfo);
    expect(isPermutation(dp, 901)).toBe(true);
    expect(dp[900]).toBe(900);
    // two grids and isolated vertices: no fill across components
    const twoEdges = [...gridEdges(25), ...gridEdges(25, false, 625)];
    const two = fromEdges(1260, twoEdges);
    const tp = ndOrder(two, { leafSize: 16 });
    expect(isPermutation(tp, 1260)).toBe(true);
    const one = predictFill(fromEdges(625, gridEdges(25)), ndOrder(fromEdges(625, gridEdges(25)), { leafSize: 16 }));
    expect(predictFill(two, tp).nnzL).toBeLessThanOrEqual(2 * one.nnzL + 200);
  });

  it('orders a tree without fill (small graphs: minimum degree eliminates leaves first)', () => {
    const rand = rng(5);
    for (const n of [60, 128, 250]) {
      const edges: [number, number][] = [];
      for (let i = 1; i < n; i++) edges.push([i, Math.floor(rand() * i)]);
      const K = fromEdges(n, edges);
      // one leaf: no separator (a separator in a tree would fill)
      expect(predictFill(K, ndOrder(K, { dense: Infinity, leafSize: n })).nnzL).toBe(n - 1);
    }
  });

  it('reads the upper, the lower or the full triangle alike, and rejects bad input', () => {
    const edges = gridEdges(15, true);
    const U = fromEdges(225, edges);
    // the lower triangle of the same pattern, and the full symmetric pattern
    const lower = cscFromTriplets(
      225,
      225,
      [...Array.from({ length: 225 }, (_, i) => i), ...edges.map(([a, b]) => Math.max(a, b))],
      [...Array.from({ length: 225 }, (_, i) => i), ...edges.map(([a, b]) => Math.min(a, b))],
      new Array(225 + edges.length).fill(1),
    );
    const full = cscFromTriplets(
      225,
      225,
      [...Array.from({ length: 225 }, (_, i) => i), ...edges.flatMap(([a, b]) => [a, b])],
      [...Array.from({ length: 225 }, (_, i) => i), ...edges.flatMap(([a, b]) => [b, a])],
      new Array(225 + 2 * edges.length).fill(1),
    );
    expect(ndOrder(lower)).toEqual(ndOrder(U));
    expect(ndOrder(full)).toEqual(ndOrder(U));
    expect(() => ndOrder({ format: 'csc', nrows: 2, ncols: 3, colPtr: new Int32Array(4), rowIdx: new Int32Array(0) })).toThrow(DimensionError);
    expect(() => ndOrder(U, { leafSize: 0 })).toThrow(InputError);
    expect(() => ndOrder({ format: 'csc', nrows: 2, ncols: 2, colPtr: Int32Array.of(0, 1, 2), rowIdx: Int32Array.of(0, 5) })).toThrow(InputError);
  });
});

describe('vertexSeparator', () => {
  it('leaves no edge between the two parts (random graphs)', () => {
    const rand = rng(11);
    for (let t = 0; t < 5; t++) {
      const n = 300 + t * 200;
      const lists: number[][] = Array.from({ length: n }, () => []);
      for (let i = 1; i < n; i++) {
        const j = Math.floor(rand() * i); // a random tree: connected
        lists[i]!.push(j);
        lists[j]!.push(i);
      }
      for (let e = 0; e < n; e++) {
        const a = Math.floor(rand() * n);
        const b = Math.floor(rand() * n);
        if (a !== b && !lists[a]!.includes(b)) {
          lists[a]!.push(b);
          lists[b]!.push(a);
        }
      }
      const xadj = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) xadj[i + 1] = xadj[i]! + lists[i]!.length;
      const adj = Int32Array.from(lists.flat());
      const g: WeightedGraph = { n, xadj, adj, ewgt: new Int32Array(adj.length).fill(1), vwgt: new Int32Array(n).fill(1) };
      const label = vertexSeparator(g, mulberry32(t + 1));
      for (let u = 0; u < n; u++) {
        for (let p = xadj[u]!; p < xadj[u + 1]!; p++) {
          const v = adj[p]!;
          if (label[u]! < 2 && label[v]! < 2) expect(label[u]).toBe(label[v]);
        }
      }
      const c0 = label.filter((l) => l === 0).length;
      const c1 = label.filter((l) => l === 1).length;
      expect(c0).toBeGreaterThan(0);
      expect(c1).toBeGreaterThan(0);
    }
  });
});

describe('orderings in SparseLdl and kktOrdering', () => {
  it("'nd' and 'auto' solve a mesh KKT to the residual of 'amd'", () => {
    const { K, signs } = buildMeshKkt({ gridSize: 40 });
    const n = K.ncols;
    const b = new Float64Array(n);
    for (let i = 0; i < n; i++) b[i] = Math.sin(i);
    const residual = (ordering: 'amd' | 'nd' | 'auto'): number => {
      const ldl = SparseLdl.analyze(K, { ordering, signs, staticReg: 1e-8, dynamicReg: { eps: 1e-12, delta: 1e-7 } });
      ldl.factor();
      const x = ldl.solve(b);
      const r = cscSymUpperMatVec(K, x);
      let m = 0;
      for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(r[i]! - b[i]!));
      expect(ldl.positivePivots).toBe(signs.filter((s) => s > 0).length);
      return m;
    };
    const ra = residual('amd');
    expect(ra).toBeLessThan(1e-8);
    expect(residual('nd')).toBeLessThan(Math.max(10 * ra, 1e-10));
    expect(residual('auto')).toBeLessThan(Math.max(10 * ra, 1e-10));
    expect(() => SparseLdl.analyze(K, { ordering: 'metis' as 'nd' })).toThrow(InputError);
  });

  it("'auto' keeps AMD below ND_MIN_SIZE and picks the ordering with fewer predicted flops above", () => {
    const small = fromEdges(400, gridEdges(20, true));
    const info = {} as OrderingInfo;
    expect(fillReducingOrdering(small, 'auto', info)).toEqual(amdOrder(small));
    expect(info.chosen).toBe('amd');
    expect(info.nd).toBeNull();
    // above the threshold (lowered here to keep the test fast): a triangulated 200×200 grid (a
    // mesh: ND saves flops) and a 5-point 150×150 one (AMD does better)
    expect(ND_MIN_SIZE).toBeGreaterThan(400);
    for (const [k, triangles] of [
      [200, true],
      [150, false],
    ] as const) {
      const big = fromEdges(k * k, gridEdges(k, triangles));
      expect(k * k).toBeLessThan(ND_MIN_SIZE);
      expect(fillReducingOrdering(big, 'auto', info)).toEqual(amdOrder(big)); // default threshold
      const p = fillReducingOrdering(big, 'auto', info, 'ordering', 10000);
      const fa = predictFill(big, amdOrder(big));
      const fn = predictFill(big, ndOrder(big));
      expect(info.amd).toEqual(fa);
      expect(info.nd).toEqual(fn);
      const better = fn.flops < 0.9 * fa.flops ? 'nd' : 'amd';
      expect(info.chosen).toBe(better);
      expect(predictFill(big, p)).toEqual(better === 'nd' ? fn : fa);
      expect(better).toBe(triangles ? 'nd' : 'amd');
    }
  });

  it('kktOrdering with an ND base still places every constraint row after its definite variables', () => {
    const { K } = buildMeshKkt({ gridSize: 30 });
    const n = 2 * 30 * 30;
    const def = definiteVariables(K, n);
    for (const mode of ['all', 'matched'] as const) {
      const perm = kktOrdering(K, n, def, mode, 'nd');
      expect(isPermutation(perm, K.ncols)).toBe(true);
      if (mode !== 'all') continue;
      const pos = new Int32Array(K.ncols);
      for (let k = 0; k < perm.length; k++) pos[perm[k]!] = k;
      const longRow = Math.max(16, 10 * Math.sqrt(n));
      for (let c = n; c < K.ncols; c++) {
        const vars: number[] = [];
        for (let p = K.colPtr[c]!; p < K.colPtr[c + 1]!; p++) if (K.rowIdx[p]! < n) vars.push(K.rowIdx[p]!);
        if (vars.length > longRow) continue;
        for (const v of vars) if (def[v]) expect(pos[c]!).toBeGreaterThan(pos[v]!);
      }
    }
  });
});
