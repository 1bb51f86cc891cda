/**
 * Nested-dissection (ND) fill-reducing ordering of a symmetric sparsity pattern, for mesh-like
 * matrices (see docs/solvers.md#orderings).
 *
 * George's nested dissection: find a small vertex separator S of the graph of A (graph-partition.ts:
 * multilevel edge bisection refined by Fiduccia–Mattheyses, turned into a vertex separator by a
 * minimum vertex cover), number the two parts first and S last, and recurse into the parts. No
 * fill can join the two parts, so on a 2-D mesh with n vertices nnz(L) = O(n log n) and the flops
 * O(n^1.5), against the larger fronts minimum-degree orderings leave at the top of the tree.
 * Details:
 *   - the graph is the pattern of A + Aᵀ without the diagonal (any triangle or the full matrix);
 *   - dense rows (degree > max(16, min(10√n, 10 × the average degree)), ND_DENSE_FACTOR) are
 *     removed first and numbered last, in increasing degree;
 *   - a subgraph with several connected components is split into them; components of at most
 *     `leafSize` vertices are ordered together as one leaf;
 *   - a leaf (≤ leafSize vertices), or a subgraph whose separator is poor (a part empty or the
 *     separator larger than half the subgraph), is ordered on its own graph by an exact
 *     minimum degree on bit sets (≤ 256 vertices) or by AMD (amd.ts);
 *   - the vertices of a subgraph are kept in a contiguous range of the output, which is
 *     rearranged in place ([part 0 | part 1 | separator]), so the recursion needs no copies
 *     beyond the subgraph's adjacency lists.
 * Cost O(nnz·log n) (each level of the dissection touches every edge a constant number of times
 * through the coarsening). Deterministic: all randomness comes from a seeded generator.
 */
import { DimensionError, InputError } from '../errors.ts';
import { mulberry32 } from '../util/random.ts';
import { amdOrder } from './amd.ts';
import { vertexSeparator, type WeightedGraph } from './graph-partition.ts';
import type { CscPattern } from './types.ts';

export interface NdOptions {
  /** subgraphs of at most this many vertices are ordered by minimum degree (default ND_LEAF_SIZE) */
  leafSize?: number;
  /** rows with more off-diagonal entries than this are dense and numbered last (default: see ND_DENSE_FACTOR) */
  dense?: number;
  /** seed of the matching order and initial bisections (default 1) */
  seed?: number;
}

/** Statistics of an ndOrder run (for benchmarks and tests). */
export interface NdInfo {
  /** rows treated as dense */
  dense: number;
  /** separators found (internal nodes of the dissection tree) */
  separators: number;
  /** vertices of the first separator found (the top level for a connected graph), ascending */
  topSeparator: Int32Array;
  /** leaves ordered by minimum degree / AMD */
  leaves: number;
}

/**
 * default dense-row rule of ndOrder: degree > max(16, min(10√n, ND_DENSE_FACTOR × average degree)).
 * Stricter than AMD's 10√n: one long row inside the graph ruins every separator it crosses (the
 * patch rows of the mesh KKT, ~600–3000 entries where the mesh has degree 7: 1.65 G flops with
 * them in the graph against 1.03 G with them last, AMD 1.82 G, at 182 442 rows), while AMD is
 * not helped by removing them.
 */
export const ND_DENSE_FACTOR = 10;

/** default leaf size: below it minimum degree orders the subgraph (measured on the mesh KKTs, bench/orderings.ts) */
export const ND_LEAF_SIZE = 128;

/**
 * ND ordering of the symmetric pattern of A + Aᵀ (n × n), ignoring the diagonal and values.
 * Returns perm (length n): perm[k] = original index eliminated k-th. Throws DimensionError for
 * a non-square A, InputError for a row index out of range or a bad option.
 */
export function ndOrder(A: CscPattern, options: NdOptions = {}, info?: NdInfo): Int32Array {
  const n = A.ncols;
  if (A.nrows !== n) throw new DimensionError('A', 'a square matrix', `${A.nrows}×${A.ncols}`);
  const leafSize = options.leafSize ?? ND_LEAF_SIZE;
  if (!(Number.isInteger(leafSize) && leafSize >= 1)) throw new InputError('options.leafSize', 'an integer ≥ 1', String(leafSize));
  if (options.dense !== undefined && !(options.dense >= 0)) throw new InputError('options.dense', 'a number ≥ 0 (or Infinity)', String(options.dense));
  const rand = mulberry32(options.seed ?? 1);
  if (info) {
    info.dense = 0;
    info.separators = 0;
    info.topSeparator = new Int32Array(0);
    info.leaves = 0;
  }
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  if (n <= 1) return perm;

  // ---- adjacency of A + Aᵀ without the diagonal, deduplicated ----
  const { colPtr, rowIdx } = A;
  const deg = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    for (let p = colPtr[j]!, end = colPtr[j + 1]!; p < end; p++) {
      const i = rowIdx[p]!;
      if (!(i >= 0 && i < n)) throw new InputError(`A.rowIdx[${p}]`, `a row index in [0, ${n})`, String(i));
      if (i !== j) {
        deg[i]!++;
        deg[j]!++;
      }
    }
  }
  const xadj = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) xadj[i + 1] = xadj[i]! + deg[i]!;
  const adj = new Int32Array(xadj[n]!);
  {
    const fill = xadj.slice(0, n);
    for (let j = 0; j < n; j++) {
      for (let p = colPtr[j]!, end = colPtr[j + 1]!; p < end; p++) {
        const i = rowIdx[p]!;
        if (i !== j) {
          adj[fill[i]!++] = j;
          adj[fill[j]!++] = i;
        }
      }
    }
    // dedupe in place (lists keep their start; deg = the new length)
    const mark = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) {
      let q = xadj[i]!;
      for (let p = xadj[i]!, end = xadj[i + 1]!; p < end; p++) {
        const j = adj[p]!;
        if (mark[j] !== i) {
          mark[j] = i;
          adj[q++] = j;
        }
      }
      deg[i] = q - xadj[i]!;
    }
  }

  // ---- dense rows: numbered last, in increasing degree ----
  let dense = options.dense;
  if (dense === undefined) {
    let total = 0;
    for (let i = 0; i < n; i++) total += deg[i]!;
    dense = Math.max(16, Math.min(10 * Math.sqrt(n), ND_DENSE_FACTOR * (total / n)));
  }
  dense = Math.min(n - 2, dense);
  const isDense = new Uint8Array(n);
  const denseList: number[] = [];
  for (let i = 0; i < n; i++) {
    if (deg[i]! > dense) {
      isDense[i] = 1;
      denseList.push(i);
    }
  }
  denseList.sort((a, b) => deg[a]! - deg[b]! || a - b);
  const nSparse = n - denseList.length;
  {
    let k = 0;
    for (let i = 0; i < n; i++) if (isDense[i] === 0) perm[k++] = i;
    for (const i of denseList) perm[k++] = i;
  }
  if (info) info.dense = denseList.length;

  // ---- recursive dissection over ranges of perm ----
  const local = new Int32Array(n).fill(-1);
  const stackLo: number[] = [0];
  const stackHi: number[] = [nSparse];
  let top = true;
  while (stackLo.length > 0) {
    const lo = stackLo.pop()!;
    const hi = stackHi.pop()!;
    const m = hi - lo;
    if (m <= 1) continue;
    const g = subgraph(perm, lo, hi, xadj, adj, deg, isDense, local);
    // components
    const comp = components(g);
    if (comp.count > 1) {
      const split = splitComponents(perm, lo, hi, comp, leafSize);
      if (split.small > 1) orderLeaf(perm, lo, lo + split.small, xadj, adj, deg, isDense, local, info);
      for (const [a, b] of split.ranges) {
        stackLo.push(a);
        stackHi.push(b);
      }
      continue;
    }
    if (m <= leafSize) {
      orderLeaf(perm, lo, hi, xadj, adj, deg, isDense, local, info, g);
      continue;
    }
    const label = vertexSeparator(g, rand);
    let c0 = 0;
    let c1 = 0;
    for (let u = 0; u < m; u++) {
      if (label[u] === 0) c0++;
      else if (label[u] === 1) c1++;
    }
    const cs = m - c0 - c1;
    if (c0 === 0 || c1 === 0 || cs > m / 2) {
      orderLeaf(perm, lo, hi, xadj, adj, deg, isDense, local, info, g);
      continue;
    }
    // rearrange [part 0 | part 1 | separator]
    const verts = perm.slice(lo, hi);
    let k0 = lo;
    let k1 = lo + c0;
    let k2 = lo + c0 + c1;
    for (let u = 0; u < m; u++) {
      const l = label[u]!;
      if (l === 0) perm[k0++] = verts[u]!;
      else if (l === 1) perm[k1++] = verts[u]!;
      else perm[k2++] = verts[u]!;
    }
    if (info) {
      info.separators++;
      if (top) {
        info.topSeparator = perm.slice(lo + c0 + c1, hi).sort();
        top = false;
      }
    }
    stackLo.push(lo, lo + c0);
    stackHi.push(lo + c0, lo + c0 + c1);
  }
  return perm;
}

/** The subgraph induced by perm[lo..hi) (local numbering = position − lo), unit weights. */
function subgraph(
  perm: Int32Array,
  lo: number,
  hi: number,
  xadj: Int32Array,
  adj: Int32Array,
  deg: Int32Array,
  isDense: Uint8Array,
  local: Int32Array,
): WeightedGraph {
  const m = hi - lo;
  for (let k = 0; k < m; k++) local[perm[lo + k]!] = k;
  let cap = 0;
  for (let k = lo; k < hi; k++) cap += deg[perm[k]!]!;
  const gx = new Int32Array(m + 1);
  const gadj = new Int32Array(cap);
  let e = 0;
  for (let k = 0; k < m; k++) {
    const v = perm[lo + k]!;
    for (let p = xadj[v]!, end = xadj[v]! + deg[v]!; p < end; p++) {
      const w = adj[p]!;
      if (isDense[w] === 0) {
        const lw = local[w]!;
        if (lw >= 0) gadj[e++] = lw;
      }
    }
    gx[k + 1] = e;
  }
  for (let k = 0; k < m; k++) local[perm[lo + k]!] = -1;
  const ga = gadj.subarray(0, e);
  return { n: m, xadj: gx, adj: ga, ewgt: ones(e), vwgt: ones(m) };
}

let onesBuffer = new Int32Array(0);
/** A read-only view of `len` ones (unit weights of the subgraphs), shared between calls. */
function ones(len: number): Int32Array {
  if (onesBuffer.length < len) onesBuffer = new Int32Array(Math.max(len, 2 * onesBuffer.length)).fill(1);
  return onesBuffer.subarray(0, len);
}

/** Connected components: comp[u] = component id (in order of the smallest vertex), count. */
function components(g: WeightedGraph): { comp: Int32Array; count: number; size: Int32Array } {
  const { n, xadj, adj } = g;
  const comp = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  const sizes: number[] = [];
  let count = 0;
  for (let s = 0; s < n; s++) {
    if (comp[s] !== -1) continue;
    let qh = 0;
    let qt = 0;
    queue[qt++] = s;
    comp[s] = count;
    while (qh < qt) {
      const u = queue[qh++]!;
      for (let p = xadj[u]!, end = xadj[u + 1]!; p < end; p++) {
        const v = adj[p]!;
        if (comp[v] === -1) {
          comp[v] = count;
          queue[qt++] = v;
        }
      }
    }
    sizes.push(qt);
    count++;
  }
  return { comp, count, size: Int32Array.from(sizes) };
}

/**
 * Rearrange perm[lo..hi) by components: first all small components (≤ leafSize, one leaf of
 * `small` vertices), then each large component in its own range (returned).
 */
function splitComponents(
  perm: Int32Array,
  lo: number,
  hi: number,
  c: { comp: Int32Array; count: number; size: Int32Array },
  leafSize: number,
): { small: number; ranges: [number, number][] } {
  const start = new Int32Array(c.count);
  let small = 0;
  for (let i = 0; i < c.count; i++) if (c.size[i]! <= leafSize) small += c.size[i]!;
  let sPos = 0;
  let bPos = small;
  const ranges: [number, number][] = [];
  for (let i = 0; i < c.count; i++) {
    if (c.size[i]! <= leafSize) {
      start[i] = sPos;
      sPos += c.size[i]!;
    } else {
      start[i] = bPos;
      ranges.push([lo + bPos, lo + bPos + c.size[i]!]);
      bPos += c.size[i]!;
    }
  }
  const verts = perm.slice(lo, hi);
  for (let u = 0; u < verts.length; u++) perm[lo + start[c.comp[u]!]!++] = verts[u]!;
  return { small, ranges };
}

/** Order perm[lo..hi) by minimum degree (small) or AMD of its induced subgraph. */
function orderLeaf(
  perm: Int32Array,
  lo: number,
  hi: number,
  xadj: Int32Array,
  adj: Int32Array,
  deg: Int32Array,
  isDense: Uint8Array,
  local: Int32Array,
  info: NdInfo | undefined,
  g?: WeightedGraph,
): void {
  const m = hi - lo;
  if (info) info.leaves++;
  if (m <= 1) return;
  const sg = g ?? subgraph(perm, lo, hi, xadj, adj, deg, isDense, local);
  // small leaves: exact minimum degree on bit sets (AMD costs a few µs per vertex whatever the
  // graph size, as much as the whole dissection above the leaves); larger ones (a component
  // list or a failed bisection): AMD, the adjacency lists being a full-pattern CSC matrix
  const order =
    m <= BITSET_MD_MAX
      ? bitsetMinimumDegree(sg)
      : amdOrder({ format: 'csc', nrows: m, ncols: m, colPtr: sg.xadj, rowIdx: sg.adj }, { dense: Infinity });
  const verts = perm.slice(lo, hi);
  for (let k = 0; k < m; k++) perm[lo + k] = verts[order[k]!]!;
}

/** leaves up to this size are ordered by bitsetMinimumDegree */
const BITSET_MD_MAX = 256;

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/**
 * Exact minimum-degree ordering of a small graph by simulating the elimination on adjacency bit
 * sets (m words of ⌈m/32⌉ bits): the pivot is the uneliminated vertex of least current degree
 * (lowest index on ties); its neighbours become a clique. O(m² · m/32).
 */
function bitsetMinimumDegree(g: WeightedGraph): Int32Array {
  const m = g.n;
  const W = (m + 31) >>> 5;
  const A = new Int32Array(m * W);
  const d = new Int32Array(m);
  for (let u = 0; u < m; u++) {
    for (let p = g.xadj[u]!, end = g.xadj[u + 1]!; p < end; p++) {
      const v = g.adj[p]!;
      A[u * W + (v >>> 5)]! |= 1 << (v & 31);
    }
  }
  for (let u = 0; u < m; u++) {
    let c = 0;
    for (let w = 0; w < W; w++) c += popcount(A[u * W + w]!);
    d[u] = c;
  }
  const done = new Uint8Array(m);
  const order = new Int32Array(m);
  const nb = new Int32Array(W);
  for (let k = 0; k < m; k++) {
    let p = -1;
    let best = 0x7fffffff;
    for (let u = 0; u < m; u++) {
      if (done[u] === 0 && d[u]! < best) {
        best = d[u]!;
        p = u;
      }
    }
    order[k] = p;
    done[p] = 1;
    // neighbours of p (the adjacency sets only ever hold uneliminated vertices)
    for (let w = 0; w < W; w++) nb[w] = A[p * W + w]!;
    const pw = p >>> 5;
    const pb = ~(1 << (p & 31));
    for (let w = 0; w < W; w++) {
      let bits = nb[w]!;
      while (bits !== 0) {
        const t = bits & -bits;
        bits ^= t;
        const u = (w << 5) + (31 - Math.clz32(t));
        const base = u * W;
        let c = 0;
        for (let x = 0; x < W; x++) {
          let a = A[base + x]! | nb[x]!;
          if (x === pw) a &= pb;
          if (x === u >>> 5) a &= ~(1 << (u & 31));
          A[base + x] = a;
          c += popcount(a);
        }
        d[u] = c;
      }
    }
  }
  return order;
}
