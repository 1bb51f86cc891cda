/**
 * Multilevel vertex separators of undirected graphs, for the nested-dissection ordering
 * (nested-dissection.ts; see docs/solvers.md#orderings).
 *
 * vertexSeparator(g) splits the vertices of a connected graph into parts 0 and 1 and a separator
 * S (label 2) such that no edge joins part 0 to part 1, with |S| small and the parts balanced:
 *   1. coarsening: heavy-edge matching (vertices visited in a seeded random order, each matched
 *      to the unmatched neighbour joined by the heaviest edge, as long as the merged weight
 *      stays below a cap) contracts the graph level by level (vertex weights = merged vertices,
 *      edge weights = merged edges) down to COARSEST_SIZE vertices, or until matching stalls;
 *   2. initial bisection of the coarsest graph by greedy graph growing: from a seed vertex, part 0
 *      grows by the boundary vertex whose move lowers the edge cut most, until it holds half the
 *      weight; several seeds, each followed by refinement, the smallest cut kept;
 *   3. uncoarsening: the bisection is projected to each finer level and refined there by
 *      Fiduccia–Mattheyses passes (boundary vertices moved by decreasing gain, bucket order by a
 *      heap, each vertex once per pass, negative moves allowed, the best balanced prefix kept);
 *   4. the edge separator (cut edges) becomes a vertex separator: a minimum vertex cover of the
 *      bipartite graph of the cut edges (maximum matching by augmenting paths within a work
 *      budget, then König's construction), then separator vertices that touch only one part
 *      join that part.
 * Written for dqp from the published algorithm descriptions (George 1973; Karypis & Kumar 1998;
 * Fiduccia & Mattheyses 1982). Everything is deterministic for a given seed.
 */

/** Undirected weighted graph in adjacency-list (CSR) form: both directions stored, no self loops. */
export interface WeightedGraph {
  n: number;
  xadj: Int32Array;
  adj: Int32Array;
  /** weight of the edge adj[p] (same length as adj) */
  ewgt: Int32Array;
  /** vertex weights (length n) */
  vwgt: Int32Array;
}

/** coarsening stops at this many vertices */
const COARSEST_SIZE = 120;
/** coarsening stops when a level removes less than this fraction of the vertices */
const MIN_REDUCTION = 0.08;
/** greedy-growing trials on the coarsest graph */
const INITIAL_TRIES = 3;
/** a part may hold at most this fraction of the total vertex weight (plus one vertex) */
const BALANCE = 0.55;
/** Fiduccia–Mattheyses passes per level (a pass that does not improve ends the refinement) */
const FM_PASSES = 4;

/** Max-heap of (key, vertex) pairs with lazy deletion (the caller checks validity on pop). */
class MaxHeap {
  keys: Int32Array;
  vals: Int32Array;
  size = 0;
  constructor(cap: number) {
    this.keys = new Int32Array(Math.max(16, cap));
    this.vals = new Int32Array(Math.max(16, cap));
  }
  clear(): void {
    this.size = 0;
  }
  push(key: number, v: number): void {
    if (this.size === this.keys.length) {
      const k2 = new Int32Array(2 * this.size);
      k2.set(this.keys);
      this.keys = k2;
      const v2 = new Int32Array(2 * this.size);
      v2.set(this.vals);
      this.vals = v2;
    }
    const keys = this.keys;
    const vals = this.vals;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p]! >= key) break;
      keys[i] = keys[p]!;
      vals[i] = vals[p]!;
      i = p;
    }
    keys[i] = key;
    vals[i] = v;
  }
  topKey(): number {
    return this.keys[0]!;
  }
  topVal(): number {
    return this.vals[0]!;
  }
  pop(): void {
    const keys = this.keys;
    const vals = this.vals;
    const n = --this.size;
    if (n === 0) return;
    const key = keys[n]!;
    const v = vals[n]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && keys[c + 1]! > keys[c]!) c++;
      if (keys[c]! <= key) break;
      keys[i] = keys[c]!;
      vals[i] = vals[c]!;
      i = c;
    }
    keys[i] = key;
    vals[i] = v;
  }
}

/** One level of heavy-edge matching and contraction; null when the graph shrinks too little. */
function coarsen(g: WeightedGraph, rand: () => number, maxVw: number): { coarse: WeightedGraph; cmap: Int32Array } | null {
  const { n, xadj, adj, ewgt, vwgt } = g;
  const match = new Int32Array(n).fill(-1);
  // visiting order: a seeded random rotation of the natural order (cache friendly)
  const shift = Math.floor(rand() * n);
  let nc = 0;
  for (let k = 0; k < n; k++) {
    const u = k + shift < n ? k + shift : k + shift - n;
    if (match[u] !== -1) continue;
    let best = u;
    let bw = -1;
    const wu = vwgt[u]!;
    for (let p = xadj[u]!, end = xadj[u + 1]!; p < end; p++) {
      const v = adj[p]!;
      if (match[v] === -1 && ewgt[p]! > bw && wu + vwgt[v]! <= maxVw) {
        best = v;
        bw = ewgt[p]!;
      }
    }
    match[u] = best;
    match[best] = u;
    nc++;
  }
  if (nc > (1 - MIN_REDUCTION) * n) return null;
  const cmap = new Int32Array(n);
  let c = 0;
  for (let u = 0; u < n; u++) {
    const v = match[u]!;
    if (v < u) continue;
    cmap[u] = c;
    cmap[v] = c;
    c++;
  }
  const cx = new Int32Array(nc + 1);
  const cadj = new Int32Array(adj.length);
  const cew = new Int32Array(adj.length);
  const cvw = new Int32Array(nc);
  const pos = new Int32Array(nc).fill(-1);
  let e = 0;
  for (let u = 0; u < n; u++) {
    const v = match[u]!;
    if (v < u) continue;
    const cu = cmap[u]!;
    const start = e;
    cx[cu] = start;
    cvw[cu] = vwgt[u]! + (v !== u ? vwgt[v]! : 0);
    for (let r = 0; r < 2; r++) {
      const x = r === 0 ? u : v;
      if (r === 1 && v === u) break;
      for (let p = xadj[x]!, end = xadj[x + 1]!; p < end; p++) {
        const cw = cmap[adj[p]!]!;
        if (cw === cu) continue;
        const q = pos[cw]!;
        if (q >= 0) cew[q]! += ewgt[p]!;
        else {
          pos[cw] = e;
          cadj[e] = cw;
          cew[e] = ewgt[p]!;
          e++;
        }
      }
    }
    for (let q = start; q < e; q++) pos[cadj[q]!] = -1;
  }
  cx[nc] = e;
  return { coarse: { n: nc, xadj: cx, adj: cadj.subarray(0, e), ewgt: cew.subarray(0, e), vwgt: cvw }, cmap };
}

/** State of a two-way partition: labels, part weights, internal/external degrees, edge cut. */
interface Bisection {
  where: Uint8Array;
  pw: Float64Array;
  /** edge weight to the own part / to the other part */
  id: Int32Array;
  ed: Int32Array;
  cut: number;
}

function bisectionState(g: WeightedGraph, where: Uint8Array): Bisection {
  const { n, xadj, adj, ewgt, vwgt } = g;
  const id = new Int32Array(n);
  const ed = new Int32Array(n);
  const pw = new Float64Array(2);
  let cut = 0;
  for (let u = 0; u < n; u++) {
    const wu = where[u]!;
    pw[wu]! += vwgt[u]!;
    let a = 0;
    let b = 0;
    for (let p = xadj[u]!, end = xadj[u + 1]!; p < end; p++) {
      if (where[adj[p]!] === wu) a += ewgt[p]!;
      else b += ewgt[p]!;
    }
    id[u] = a;
    ed[u] = b;
    cut += b;
  }
  return { where, pw, id, ed, cut: cut / 2 };
}

/** Move u to the other part, updating degrees, weights and the cut. */
function moveVertex(g: WeightedGraph, s: Bisection, u: number): void {
  const { xadj, adj, ewgt, vwgt } = g;
  const { where, id, ed, pw } = s;
  const from = where[u]!;
  const to = 1 - from;
  where[u] = to;
  pw[from]! -= vwgt[u]!;
  pw[to]! += vwgt[u]!;
  s.cut -= ed[u]! - id[u]!;
  const t = id[u]!;
  id[u] = ed[u]!;
  ed[u] = t;
  for (let p = xadj[u]!, end = xadj[u + 1]!; p < end; p++) {
    const v = adj[p]!;
    const w = ewgt[p]!;
    if (where[v] === to) {
      id[v]! += w;
      ed[v]! -= w;
    } else {
      id[v]! -= w;
      ed[v]! += w;
    }
  }
}

/**
 * Fiduccia–Mattheyses refinement of the edge cut under the balance limit maxW (per part):
 * passes over the boundary, each vertex moved at most once per pass, the best prefix kept.
 */
function refine(g: WeightedGraph, s: Bisection, maxW: number, work: RefineWork): void {
  const { n, xadj, adj, vwgt } = g;
  const { where, id, ed, pw } = s;
  const { heaps, locked, moved, inList } = work;
  // candidate list: the boundary, extended by the neighbours of moved vertices
  let bnd = work.bnd;
  let nb = 0;
  for (let u = 0; u < n; u++) {
    if (ed[u]! > 0) {
      bnd[nb++] = u;
      inList[u] = 1;
    }
  }
  const stallLimit = Math.max(30, Math.min(300, n >> 5));
  const excess = (): number => Math.max(0, pw[0]! - maxW) + Math.max(0, pw[1]! - maxW);
  for (let pass = 0; pass < FM_PASSES; pass++) {
    heaps[0].clear();
    heaps[1].clear();
    // compact the candidate list to the current boundary
    let q = 0;
    for (let k = 0; k < nb; k++) {
      const u = bnd[k]!;
      if (ed[u]! > 0) {
        bnd[q++] = u;
        heaps[where[u]!]!.push(ed[u]! - id[u]!, u);
      } else inList[u] = 0;
    }
    nb = q;
    const startCut = s.cut;
    const startExcess = excess();
    let bestCut = startCut;
    let bestExcess = startExcess;
    let bestLen = 0;
    let len = 0;
    for (;;) {
      // pop stale entries: a valid entry is unlocked, on the heap's side, with its current gain
      for (let side = 0; side < 2; side++) {
        const h = heaps[side]!;
        while (h.size > 0) {
          const v = h.topVal();
          if (locked[v] === 0 && where[v] === side && ed[v]! - id[v]! === h.topKey()) break;
          h.pop();
        }
      }
      const h0 = heaps[0];
      const h1 = heaps[1];
      let from = -1;
      // an overweight part must lose weight; otherwise the better gain that keeps balance
      if (pw[0]! > maxW) from = h0.size > 0 ? 0 : -1;
      else if (pw[1]! > maxW) from = h1.size > 0 ? 1 : -1;
      else {
        const ok0 = h0.size > 0 && pw[1]! + vwgt[h0.topVal()]! <= maxW;
        const ok1 = h1.size > 0 && pw[0]! + vwgt[h1.topVal()]! <= maxW;
        if (ok0 && ok1) from = h0.topKey() > h1.topKey() || (h0.topKey() === h1.topKey() && pw[0]! >= pw[1]!) ? 0 : 1;
        else if (ok0) from = 0;
        else if (ok1) from = 1;
      }
      if (from < 0) break;
      const u = heaps[from]!.topVal();
      heaps[from]!.pop();
      locked[u] = 1;
      moveVertex(g, s, u);
      moved[len++] = u;
      for (let p = xadj[u]!, end = xadj[u + 1]!; p < end; p++) {
        const v = adj[p]!;
        if (ed[v]! > 0) {
          if (inList[v] === 0) {
            inList[v] = 1;
            if (nb === bnd.length) {
              const b2 = new Int32Array(2 * nb);
              b2.set(bnd);
              bnd = work.bnd = b2;
            }
            bnd[nb++] = v;
          }
          if (locked[v] === 0) heaps[where[v]!]!.push(ed[v]! - id[v]!, v);
        }
      }
      const ex = excess();
      if (ex < bestExcess || (ex === bestExcess && s.cut < bestCut)) {
        bestCut = s.cut;
        bestExcess = ex;
        bestLen = len;
      } else if (len - bestLen > stallLimit) break;
    }
    for (let k = len - 1; k >= bestLen; k--) moveVertex(g, s, moved[k]!);
    for (let k = 0; k < len; k++) locked[moved[k]!] = 0;
    if (!(bestCut < startCut || bestExcess < startExcess)) break;
  }
  for (let k = 0; k < nb; k++) inList[bnd[k]!] = 0;
}

/** Work arrays of refine, sized for the finest graph and shared by all levels. */
interface RefineWork {
  heaps: [MaxHeap, MaxHeap];
  locked: Uint8Array;
  inList: Uint8Array;
  moved: Int32Array;
  bnd: Int32Array;
}

/** Greedy graph growing from seed: part 0 grows by the best-gain boundary vertex to half the weight. */
function growBisection(g: WeightedGraph, seed: number, total: number, heap: MaxHeap): Uint8Array {
  const { n, xadj, adj, ewgt, vwgt } = g;
  const where = new Uint8Array(n).fill(1);
  const gain = new Int32Array(n);
  for (let u = 0; u < n; u++) {
    let s = 0;
    for (let p = xadj[u]!, end = xadj[u + 1]!; p < end; p++) s += ewgt[p]!;
    gain[u] = -s;
  }
  heap.clear();
  let w0 = 0;
  let scan = 0;
  heap.push(gain[seed]!, seed);
  while (w0 < total / 2) {
    let u = -1;
    while (heap.size > 0) {
      const v = heap.topVal();
      const k = heap.topKey();
      heap.pop();
      if (where[v] === 1 && gain[v] === k) {
        u = v;
        break;
      }
    }
    if (u < 0) {
      // the grown region is a whole component: continue from the next vertex still in part 1
      while (scan < n && where[scan] === 0) scan++;
      if (scan >= n) break;
      u = scan;
    }
    where[u] = 0;
    w0 += vwgt[u]!;
    for (let p = xadj[u]!, end = xadj[u + 1]!; p < end; p++) {
      const v = adj[p]!;
      if (where[v] === 1) {
        gain[v]! += 2 * ewgt[p]!;
        heap.push(gain[v]!, v);
      }
    }
  }
  return where;
}

/** Edge bisection of g (multilevel). Returns the part of every vertex (0/1). */
export function edgeBisection(g: WeightedGraph, rand: () => number): Uint8Array {
  let total = 0;
  for (let u = 0; u < g.n; u++) total += g.vwgt[u]!;
  // coarsen
  const levels: { g: WeightedGraph; cmap: Int32Array }[] = [];
  let cur = g;
  const maxVw = Math.max(1, Math.ceil((1.5 * total) / COARSEST_SIZE));
  while (cur.n > COARSEST_SIZE) {
    const c = coarsen(cur, rand, maxVw);
    if (c === null) break;
    levels.push({ g: cur, cmap: c.cmap });
    cur = c.coarse;
  }
  const heaps: [MaxHeap, MaxHeap] = [new MaxHeap(1024), new MaxHeap(1024)];
  const work: RefineWork = { heaps, locked: new Uint8Array(g.n), inList: new Uint8Array(g.n), moved: new Int32Array(g.n), bnd: new Int32Array(1024) };
  // initial bisection of the coarsest graph: best of several grown bisections
  let maxVwCur = 0;
  for (let u = 0; u < cur.n; u++) maxVwCur = Math.max(maxVwCur, cur.vwgt[u]!);
  let maxW = Math.max(BALANCE * total, total / 2 + maxVwCur);
  let best: Bisection | null = null;
  const tries = Math.min(INITIAL_TRIES, cur.n);
  for (let t = 0; t < tries; t++) {
    const seed = Math.floor(rand() * cur.n);
    const s = bisectionState(cur, growBisection(cur, seed, total, heaps[0]));
    refine(cur, s, maxW, work);
    const ex = Math.max(0, s.pw[0]! - maxW, s.pw[1]! - maxW);
    const bex = best === null ? Infinity : Math.max(0, best.pw[0]! - maxW, best.pw[1]! - maxW);
    if (best === null || ex < bex || (ex === bex && s.cut < best.cut)) best = s;
  }
  let where = best!.where;
  // uncoarsen and refine
  for (let l = levels.length - 1; l >= 0; l--) {
    const { g: fine, cmap } = levels[l]!;
    const w = new Uint8Array(fine.n);
    for (let u = 0; u < fine.n; u++) w[u] = where[cmap[u]!]!;
    where = w;
    maxVwCur = 0;
    for (let u = 0; u < fine.n; u++) maxVwCur = Math.max(maxVwCur, fine.vwgt[u]!);
    maxW = Math.max(BALANCE * total, total / 2 + maxVwCur);
    const s = bisectionState(fine, where);
    refine(fine, s, maxW, work);
  }
  return where;
}

/**
 * Vertex separator of a graph with unit vertex weights (the ewgt/vwgt of g are used by the edge
 * bisection only). Returns labels: 0, 1 (the parts) or 2 (separator); no edge joins 0 and 1.
 */
export function vertexSeparator(g: WeightedGraph, rand: () => number): Uint8Array {
  const { n, xadj, adj } = g;
  const where = edgeBisection(g, rand);
  // boundary vertices of each part; left = the heavier part's boundary
  let w0 = 0;
  for (let u = 0; u < n; u++) if (where[u] === 0) w0++;
  const left = w0 >= n - w0 ? 0 : 1;
  const idx = new Int32Array(n).fill(-1);
  const L: number[] = [];
  const R: number[] = [];
  for (let u = 0; u < n; u++) {
    for (let p = xadj[u]!, end = xadj[u + 1]!; p < end; p++) {
      if (where[adj[p]!] !== where[u]) {
        if (where[u] === left) {
          idx[u] = L.length;
          L.push(u);
        } else {
          idx[u] = R.length;
          R.push(u);
        }
        break;
      }
    }
  }
  // maximum matching of the bipartite cut graph: greedy, then augmenting paths (iterative DFS)
  const nl = L.length;
  const nr = R.length;
  const mateL = new Int32Array(nl).fill(-1);
  const mateR = new Int32Array(nr).fill(-1);
  for (let a = 0; a < nl; a++) {
    const u = L[a]!;
    for (let p = xadj[u]!, end = xadj[u + 1]!; p < end; p++) {
      const v = adj[p]!;
      if (where[v] !== left && mateR[idx[v]!] === -1) {
        mateL[a] = idx[v]!;
        mateR[idx[v]!] = a;
        break;
      }
    }
  }
  // augmenting paths within a work budget of a few passes over the graph: on expander-like
  // graphs the cut graph is most of the graph and the augmentations would be quadratic. The
  // König construction below yields a vertex cover for any matching (a minimum one for a
  // maximum matching), so stopping early only makes the separator larger.
  let budget = 2 * adj.length + 1024;
  const visitR = new Int32Array(nr).fill(-1);
  const stackA = new Int32Array(nl + 1);
  const stackP = new Int32Array(nl + 1);
  const via = new Int32Array(nl + 1); // right vertex used to reach stack level k
  for (let a0 = 0; a0 < nl && budget > 0; a0++) {
    if (mateL[a0] !== -1) continue;
    let top = 0;
    stackA[0] = a0;
    stackP[0] = xadj[L[a0]!]!;
    let found = -1;
    while (top >= 0 && found < 0) {
      const a = stackA[top]!;
      const u = L[a]!;
      const end = xadj[u + 1]!;
      let advanced = false;
      while (stackP[top]! < end) {
        budget--;
        const v = adj[stackP[top]!++]!;
        if (where[v] === left) continue;
        const b = idx[v]!;
        if (visitR[b] === a0) continue;
        visitR[b] = a0;
        if (mateR[b] === -1) {
          found = b;
          via[top + 1] = b;
          break;
        }
        via[top + 1] = b;
        top++;
        stackA[top] = mateR[b]!;
        stackP[top] = xadj[L[mateR[b]!]!]!;
        advanced = true;
        break;
      }
      if (found >= 0) break;
      if (!advanced) top--;
    }
    if (found >= 0) {
      // flip the path: level k's left vertex takes the right vertex via[k+1]
      for (let k = top; k >= 0; k--) {
        const a = stackA[k]!;
        const b = via[k + 1]!;
        mateL[a] = b;
        mateR[b] = a;
      }
    }
  }
  // König: Z = vertices reachable from unmatched left vertices by alternating paths;
  // minimum cover = (L \ Z) ∪ (R ∩ Z)
  const zL = new Uint8Array(nl);
  const zR = new Uint8Array(nr);
  const queue = new Int32Array(nl);
  let qh = 0;
  let qt = 0;
  for (let a = 0; a < nl; a++) {
    if (mateL[a] === -1) {
      zL[a] = 1;
      queue[qt++] = a;
    }
  }
  while (qh < qt) {
    const u = L[queue[qh++]!]!;
    for (let p = xadj[u]!, end = xadj[u + 1]!; p < end; p++) {
      const v = adj[p]!;
      if (where[v] === left) continue;
      const b = idx[v]!;
      if (zR[b] === 1) continue;
      zR[b] = 1;
      const a2 = mateR[b]!;
      if (a2 >= 0 && zL[a2] === 0) {
        zL[a2] = 1;
        queue[qt++] = a2;
      }
    }
  }
  const label = new Uint8Array(n);
  for (let u = 0; u < n; u++) label[u] = where[u]!;
  for (let a = 0; a < nl; a++) if (zL[a] === 0) label[L[a]!] = 2;
  for (let b = 0; b < nr; b++) if (zR[b] === 1) label[R[b]!] = 2;
  // a separator vertex adjacent to one part only may join it
  const sizes = [0, 0];
  for (let u = 0; u < n; u++) if (label[u]! < 2) sizes[label[u]!]!++;
  for (let u = 0; u < n; u++) {
    if (label[u] !== 2) continue;
    let has0 = false;
    let has1 = false;
    for (let p = xadj[u]!, end = xadj[u + 1]!; p < end; p++) {
      const l = label[adj[p]!]!;
      if (l === 0) has0 = true;
      else if (l === 1) has1 = true;
    }
    if (has0 && has1) continue;
    const to = has0 ? 0 : has1 ? 1 : sizes[0]! <= sizes[1]! ? 0 : 1;
    label[u] = to;
    sizes[to]!++;
  }
  return label;
}
