/**
 * Fill-reducing orderings of symmetric quasi-definite saddle-point (KKT) matrices
 *
 *   K = [ P   Bᵀ ]      n "primal" rows (P: n×n) first, then the r constraint rows of B,
 *       [ B   0  ]      only the upper triangle U stored (CSC, diagonal always stored),
 *
 * that keep the pivots of an LDLᵀ without pivoting away from zero: AMD alone happily eliminates a
 * constraint row (zero diagonal) before its variables. kktOrdering holds each constraint row back
 * until its variables are placed (see there); definiteVariables finds the variables with
 * P_vv ≠ 0; matchRowsByMagnitude pairs rows with distinct variables.
 */
import { fillReducingOrdering, type OrderingMethod } from './ordering.ts';
import type { CscMatrix } from './types.ts';

/**
 * default threshold of definiteVariables: a diagonal entry of the unit-scale K (max |K_ij| = 1)
 * this small counts as zero (the level at which a static regularization 1e-14 decides a pivot)
 */
export const DEFINITE_DIAGONAL_TOL = 100 * 1e-14;

/**
 * Fill-reducing ordering of K̃ that keeps the LDLᵀ pivots away from zero.
 *
 * Base order (`base`: 'amd', 'nd' or 'auto', the fill-reducing orderings of ordering.ts; default
 * 'auto': AMD, or nested dissection on large mesh-like graphs where it predicts fewer flops):
 * mode 'matched', that ordering of K̃; mode 'all', that ordering of the VARIABLE graph
 * pattern(P + BᵀB) (n nodes: two variables are adjacent when P couples them or a row of B
 * contains both; rows with more than max(16, 10√n) entries are left out of the graph, like AMD's
 * dense rows) — the graph the elimination of K̃ acts on once each row is placed after its
 * variables, and a smaller one than K̃ (N nodes); when that graph would be much larger than K̃
 * (long rows), that ordering of K̃. Whatever the base order, the rules below place every row
 * after its variables.
 *
 * Then each node is held back until it is READY and placed right after the node that made it
 * ready:
 *   - a variable with P_vv ≠ 0 ("definite") is always ready;
 *   - a constraint row, mode 'all': once all its definite variables are placed; mode 'matched':
 *     once its MATCHED variable is placed (matchRowsByMagnitude: distinct definite variables,
 *     each row preferring an entry within a factor 2 of its largest; unmatched rows as in
 *     'all'); a row without
 *     definite variables: once one of its variables is placed. With the variable-graph base
 *     order rows are placed as soon as they are ready; with the AMD order of K̃ a row AMD puts
 *     later keeps its place;
 *   - a variable with P_vv = 0 is ready once one of its rows is placed.
 * Rows with more than max(16, 10√n) variables never become ready. Nodes that never become ready
 * (long rows, structurally singular K̃) end the order, in base order.
 *
 * 'all' bounds the pivots (below) at the price of fill: a row waiting for all its variables
 * collects their neighbourhoods (random sparse family, n = 4600: nnz(L) 7.7M against 3.9M).
 * 'matched' (the default) eliminates each row right after one variable — a 2×2-like pivot —
 * with about the fill of AMD; its matched entry being among the row's largest keeps the updates
 * b_u / b_v of the row's other variables ≤ 2 in magnitude (mesh KKT: pivots in [8e-5, 2] where
 * the first-free-variable choice gave [1e-13, 8e11]). factorReducedKkt falls back to 'all'
 * when a 'matched' factorization has pivots at the regularization level.
 *
 * Why: AMD alone happily eliminates a constraint row (zero diagonal, few neighbours) before its
 * variables; its pivot is then the regularization −δ, the L entries are B/δ and the
 * factorization loses most digits. Deferring a row until after only ONE of its variables v
 * avoids the zero pivot but not the instability: its other variables u then receive updates
 * with factors b_u / b_v, and on rows with entries of different magnitudes (the cone rows of the
 * geometry QP) pivots of 1e-13 next to 1e11 appear. With every row after all its definite
 * variables, a leading block that contains row c contains them all, so for P positive definite
 * the variable pivots are Schur complements of P on the null space of the rows placed so far
 * (positive, bounded below) and the row pivots those of negative definite −B P⁻¹ Bᵀ-type
 * matrices: a tiny pivot means (nearly) dependent rows. A variable with P_vv = 0 (an LP-like
 * column) would have a zero pivot before its rows; after one of them, its pivot is
 * −b²/(row pivot) > 0. The elimination-tree postorder that SparseLdl applies keeps descendants
 * before ancestors, so these precedences survive it.
 *   U         upper triangle of K̃ (N×N), the n primal rows first, diagonal stored (not modified)
 *   n         number of primal rows
 *   definite  optional precomputed definiteVariables(U, n)
 *   mode      'matched' (default) or 'all'
 *   base      the base ordering: 'auto' (default), 'amd' or 'nd'
 * Returns perm (length N): perm[k] = node eliminated k-th. Cost: the base ordering + O(nnz(U) +
 * Σ_short rows |c|²).
 */
export function kktOrdering(
  U: CscMatrix,
  n: number,
  definite: Uint8Array = definiteVariables(U, n),
  mode: KktOrderingMode = 'matched',
  base: Exclude<OrderingMethod, 'natural'> = 'auto',
): Int32Array {
  const N = U.ncols;
  const r = N - n;
  if (r <= 0 || n === 0) return fillReducingOrdering(U, base, undefined, 'base');
  const { colPtr, rowIdx } = U;
  // constraint rows are columns n..N−1 of U: their variables are the entries with row index < n.
  // need[t]: how many more placements row t waits for
  const need = new Int32Array(r);
  const rowLen = new Int32Array(r);
  const rowHasDefinite = new Uint8Array(r);
  const varPtr = new Int32Array(n + 1);
  for (let t = 0; t < r; t++) {
    let def = 0;
    let any = 0;
    for (let e = colPtr[n + t]!, end = colPtr[n + t + 1]!; e < end; e++) {
      const v = rowIdx[e]!;
      if (v < n) {
        any++;
        if (definite[v]) def++;
        varPtr[v + 1]++;
      }
    }
    need[t] = def > 0 ? def : any > 0 ? 1 : 0;
    rowLen[t] = any;
    rowHasDefinite[t] = def > 0 ? 1 : 0;
  }
  for (let v = 0; v < n; v++) varPtr[v + 1] += varPtr[v]!;
  // the base order: 'matched' of K̃; 'all' of the variable graph (or of K̃ when too big)
  const longRow = Math.max(16, 10 * Math.sqrt(n));
  const G = mode === 'all' ? variableGraph(U, n, rowLen, longRow, 4 * colPtr[N]! + 2 * N) : null;
  const baseOrder = fillReducingOrdering(G ?? U, base, undefined, 'base');
  const rowsByReadiness = G !== null;
  // 'matched': a row with a matched variable waits for that variable only
  let match: Int32Array | null = null;
  if (mode === 'matched') {
    const pos = new Int32Array(N);
    for (let k = 0; k < N; k++) pos[baseOrder[k]!] = k;
    match = matchRowsByMagnitude(U, n, definite, pos);
    for (let t = 0; t < r; t++) if (match[t]! >= 0) need[t] = 1;
  }
  // long rows (more than longRow variables) are never moved forward: they end the order. Placed
  // after one (or all) of their variables they would be eliminated early and couple everything
  // they touch (BOYD2: nine rows of 4000–11000 entries made nnz(L) 30M ('matched') and 41M
  // ('all') where AMD of K̃ needs 70K)
  for (let t = 0; t < r; t++) {
    if (rowLen[t]! > longRow) {
      need[t] = LONG_ROW_HOLD;
      if (match) match[t] = -1;
    }
  }
  // varRows: the rows of each variable (in base order of the rows when rows have a base position)
  const varRows = new Int32Array(varPtr[n]!);
  const fill = varPtr.slice(0, n);
  const addRow = (c: number): void => {
    for (let e = colPtr[c]!, end = colPtr[c + 1]!; e < end; e++) {
      const v = rowIdx[e]!;
      if (v < n) varRows[fill[v]!++] = c - n;
    }
  };
  if (rowsByReadiness) for (let c = n; c < N; c++) addRow(c);
  else for (let k = 0; k < N; k++) if (baseOrder[k]! >= n) addRow(baseOrder[k]!);

  // state: 0 not reached, 1 held (reached, not ready), 2 placed (or queued)
  const state = new Uint8Array(N);
  const activated = new Uint8Array(n); // zero-diagonal variable: one of its rows is placed
  const order = new Int32Array(N);
  const queue = new Int32Array(N);
  let o = 0;
  for (let k = 0; k < baseOrder.length; k++) {
    const x0 = baseOrder[k]!;
    if (state[x0] !== 0) continue;
    const isReady = x0 < n ? definite[x0] === 1 || activated[x0] === 1 : need[x0 - n] === 0;
    if (!isReady) {
      state[x0] = 1;
      continue;
    }
    // place x0, then (breadth first) every node its placement makes ready that may go now
    let head = 0;
    let tail = 0;
    queue[tail++] = x0;
    state[x0] = 2;
    while (head < tail) {
      const x = queue[head++]!;
      order[o++] = x;
      if (x < n) {
        const def = definite[x] === 1;
        for (let e = varPtr[x]!, end = varPtr[x + 1]!; e < end; e++) {
          const t = varRows[e]!;
          if (need[t] === 0) continue;
          // a row waits for its matched variable, or its definite variables, or (none) any one
          const mt = match ? match[t]! : -1;
          if (mt >= 0 ? mt === x : def || rowHasDefinite[t] === 0) need[t]!--;
          const st = state[n + t]!;
          if (need[t] === 0 && (st === 1 || (st === 0 && rowsByReadiness))) {
            state[n + t] = 2;
            queue[tail++] = n + t;
          }
        }
      } else {
        for (let e = colPtr[x]!, end = colPtr[x + 1]!; e < end; e++) {
          const v = rowIdx[e]!;
          if (v >= n || definite[v] === 1 || activated[v] === 1) continue;
          activated[v] = 1;
          if (state[v] === 1) {
            state[v] = 2;
            queue[tail++] = v;
          }
        }
      }
    }
  }
  // never placed (held, or rows without a base position that never became ready): base order
  for (let k = 0; k < baseOrder.length; k++) {
    const x = baseOrder[k]!;
    if (state[x] === 1) order[o++] = x;
  }
  if (rowsByReadiness) for (let c = n; c < N; c++) if (state[c] !== 2) order[o++] = c;
  return order;
}

/** `need` of a long row in kktOrdering: never ready (it ends the order) */
const LONG_ROW_HOLD = 1 << 30;

/** How kktOrdering decides when a constraint row may be eliminated (see there). */
export type KktOrderingMode = 'matched' | 'all';

/**
 * A matching of the constraint rows of K̃ to distinct definite variables (P_vv ≠ 0). Each row
 * prefers, among its entries within a factor MATCH_MAGNITUDE of its largest, the variable
 * eliminated first in `pos` (little fill, and updates b_u / b_v of the row's other variables
 * bounded by 1/MATCH_MAGNITUDE), then its other entries by decreasing magnitude. Greedy in the
 * order of the rows in `pos`, then augmenting paths (Kuhn) for the rows left over.
 *   U  upper triangle of K̃; n primal rows; definite  definiteVariables(U, n)
 *   pos  position of every node in the base order (length N)
 * Returns match[t] = variable of row t, or −1.
 */
export function matchRowsByMagnitude(U: CscMatrix, n: number, definite: Uint8Array, pos: Int32Array): Int32Array {
  const N = U.ncols;
  const r = N - n;
  const { colPtr, rowIdx, values } = U;
  // candidates of each row: its definite variables with a nonzero entry, in preference order
  const cPtr = new Int32Array(r + 1);
  for (let t = 0; t < r; t++) {
    let c = 0;
    for (let e = colPtr[n + t]!, end = colPtr[n + t + 1]!; e < end; e++) {
      const v = rowIdx[e]!;
      if (v < n && definite[v] === 1 && values[e] !== 0) c++;
    }
    cPtr[t + 1] = cPtr[t]! + c;
  }
  const cand = new Int32Array(cPtr[r]!);
  const key = new Float64Array(cPtr[r]!);
  for (let t = 0; t < r; t++) {
    const lo = cPtr[t]!;
    let o = lo;
    let mx = 0;
    for (let e = colPtr[n + t]!, end = colPtr[n + t + 1]!; e < end; e++) {
      const v = rowIdx[e]!;
      if (v < n && definite[v] === 1 && values[e] !== 0) {
        cand[o] = v;
        key[o++] = Math.abs(values[e]!);
        mx = Math.max(mx, Math.abs(values[e]!));
      }
    }
    // sort key: large entries first by position (key < N), the others by decreasing magnitude
    for (let i = lo; i < o; i++) key[i] = key[i]! >= MATCH_MAGNITUDE * mx ? pos[cand[i]!]! : N + 1 + (1 - key[i]! / mx);
    sortByKey(cand, key, lo, o);
  }
  const match = new Int32Array(r).fill(-1);
  const owner = new Int32Array(n).fill(-1);
  const rowOrder = new Int32Array(r);
  let q = 0;
  {
    // rows in base order
    const byPos = new Int32Array(N).fill(-1);
    for (let t = 0; t < r; t++) byPos[pos[n + t]!] = t;
    for (let k = 0; k < N; k++) if (byPos[k]! >= 0) rowOrder[q++] = byPos[k]!;
  }
  for (let s = 0; s < r; s++) {
    const t = rowOrder[s]!;
    for (let e = cPtr[t]!, end = cPtr[t + 1]!; e < end; e++) {
      const v = cand[e]!;
      if (owner[v] === -1) {
        owner[v] = t;
        match[t] = v;
        break;
      }
    }
  }
  // augmenting paths (iterative DFS) for the rows left unmatched
  const visited = new Int32Array(n).fill(-1);
  const stackRow = new Int32Array(r);
  const stackEdge = new Int32Array(r);
  const viaVar = new Int32Array(r);
  for (let s = 0; s < r; s++) {
    const root = rowOrder[s]!;
    if (match[root] !== -1 || cPtr[root + 1] === cPtr[root]) continue;
    let top = 0;
    stackRow[0] = root;
    stackEdge[0] = cPtr[root]!;
    let found = -1;
    while (top >= 0 && found < 0) {
      const t = stackRow[top]!;
      if (stackEdge[top]! >= cPtr[t + 1]!) {
        top--;
        continue;
      }
      const v = cand[stackEdge[top]!++]!;
      if (visited[v] === root) continue;
      visited[v] = root;
      viaVar[top] = v;
      const o = owner[v]!;
      if (o === -1) found = top;
      else {
        top++;
        stackRow[top] = o;
        stackEdge[top] = cPtr[o]!;
      }
    }
    if (found < 0) continue;
    for (let i = found; i >= 0; i--) {
      const t = stackRow[i]!;
      const v = viaVar[i]!;
      match[t] = v;
      owner[v] = t;
    }
  }
  return match;
}

/** a row's matched entry is chosen among those with |b| ≥ MATCH_MAGNITUDE · max |b| when possible */
export const MATCH_MAGNITUDE = 0.5;

/** Sort a[lo, hi) by increasing key[lo, hi) (both permuted; insertion sort for short ranges). */
function sortByKey(a: Int32Array, key: Float64Array, lo: number, hi: number): void {
  const len = hi - lo;
  if (len <= 1) return;
  if (len <= 32) {
    for (let i = lo + 1; i < hi; i++) {
      const kv = key[i]!;
      const av = a[i]!;
      let j = i - 1;
      while (j >= lo && key[j]! > kv) {
        key[j + 1] = key[j]!;
        a[j + 1] = a[j]!;
        j--;
      }
      key[j + 1] = kv;
      a[j + 1] = av;
    }
    return;
  }
  const idx = Array.from({ length: len }, (_, i) => lo + i);
  idx.sort((x, y) => key[x]! - key[y]! || a[x]! - a[y]!);
  const av = idx.map((i) => a[i]!);
  const kv = idx.map((i) => key[i]!);
  for (let i = 0; i < len; i++) {
    a[lo + i] = av[i]!;
    key[lo + i] = kv[i]!;
  }
}

/**
 * Pattern of P + BᵀB restricted to the variables (strictly upper triangle, rows of a column
 * not sorted: what amdOrder reads), as an n×n CSC (values zero), from the upper triangle U of
 * K̃; rows with more than `longRow` variables are left out. Returns null when the pattern could
 * hold more than `budget` entries.
 */
function variableGraph(U: CscMatrix, n: number, rowLen: Int32Array, longRow: number, budget: number): CscMatrix | null {
  const N = U.ncols;
  const { colPtr, rowIdx } = U;
  // upper bound of the size: P entries twice + Σ over short rows of |c|²
  let bound = 0;
  for (let j = 0; j < n; j++) bound += 2 * (colPtr[j + 1]! - colPtr[j]!);
  for (let t = 0; t < rowLen.length; t++) if (rowLen[t]! <= longRow) bound += rowLen[t]! * rowLen[t]!;
  if (bound > budget) return null;
  // adjacency of P (both directions) and the short rows of each variable
  const pPtr = new Int32Array(n + 1);
  for (let j = 0; j < n; j++) {
    for (let e = colPtr[j]!, end = colPtr[j + 1]!; e < end; e++) {
      const i = rowIdx[e]!;
      if (i < j) {
        pPtr[i + 1]++;
        pPtr[j + 1]++;
      }
    }
  }
  const rPtr = new Int32Array(n + 1);
  for (let c = n; c < N; c++) {
    if (rowLen[c - n]! > longRow) continue;
    for (let e = colPtr[c]!, end = colPtr[c + 1]!; e < end; e++) if (rowIdx[e]! < n) rPtr[rowIdx[e]! + 1]++;
  }
  for (let v = 0; v < n; v++) {
    pPtr[v + 1] += pPtr[v]!;
    rPtr[v + 1] += rPtr[v]!;
  }
  const pAdj = new Int32Array(pPtr[n]!);
  const pFill = pPtr.slice(0, n);
  for (let j = 0; j < n; j++) {
    for (let e = colPtr[j]!, end = colPtr[j + 1]!; e < end; e++) {
      const i = rowIdx[e]!;
      if (i < j) {
        pAdj[pFill[i]!++] = j;
        pAdj[pFill[j]!++] = i;
      }
    }
  }
  const vRows = new Int32Array(rPtr[n]!);
  const rFill = rPtr.slice(0, n);
  for (let c = n; c < N; c++) {
    if (rowLen[c - n]! > longRow) continue;
    for (let e = colPtr[c]!, end = colPtr[c + 1]!; e < end; e++) if (rowIdx[e]! < n) vRows[rFill[rowIdx[e]!]!++] = c;
  }
  // union per variable, two passes (count, fill) with a marker
  const mark = new Int32Array(n).fill(-1);
  const gPtr = new Int32Array(n + 1);
  const visit = (v: number, out: Int32Array | null, o: number): number => {
    mark[v] = v;
    for (let e = pPtr[v]!, end = pPtr[v + 1]!; e < end; e++) {
      const w = pAdj[e]!;
      if (w < v && mark[w] !== v) {
        mark[w] = v;
        if (out) out[o] = w;
        o++;
      }
    }
    for (let e = rPtr[v]!, end = rPtr[v + 1]!; e < end; e++) {
      const c = vRows[e]!;
      for (let g = colPtr[c]!, gend = colPtr[c + 1]!; g < gend; g++) {
        const w = rowIdx[g]!;
        if (w < v && mark[w] !== v) {
          mark[w] = v;
          if (out) out[o] = w;
          o++;
        }
      }
    }
    return o;
  };
  for (let v = 0; v < n; v++) gPtr[v + 1] = visit(v, null, gPtr[v]!);
  const gIdx = new Int32Array(gPtr[n]!);
  mark.fill(-1);
  for (let v = 0; v < n; v++) visit(v, gIdx, gPtr[v]!);
  return { format: 'csc', nrows: n, ncols: n, colPtr: gPtr, rowIdx: gIdx, values: new Float64Array(gIdx.length) };
}

/**
 * Variables whose diagonal entry of K̃ (= P̃_vv, unit scale) exceeds `tol` in magnitude.
 *   U    upper triangle of K̃ with the diagonal stored; n primal rows
 *   tol  default DEFINITE_DIAGONAL_TOL
 * Returns a 0/1 mask of length n.
 */
export function definiteVariables(U: CscMatrix, n: number, tol: number = DEFINITE_DIAGONAL_TOL): Uint8Array {
  const out = new Uint8Array(n);
  const { colPtr, rowIdx, values } = U;
  for (let v = 0; v < n; v++) {
    const end = colPtr[v + 1]!;
    // the diagonal is the last entry of an upper-triangle column (rows sorted)
    for (let e = end - 1; e >= colPtr[v]!; e--) {
      const i = rowIdx[e]!;
      if (i === v) {
        if (Math.abs(values[e]!) > tol) out[v] = 1;
        break;
      }
      if (i < v) break;
    }
  }
  return out;
}
