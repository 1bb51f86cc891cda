/**
 * Symbolic analysis for the sparse LDLᵀ factorization (internal to ldl.ts, exported for tests).
 *
 * All functions take the pattern of a symmetric n × n matrix C in one of two layouts:
 *   "upper lists":  column k lists rows i < k   (strictly upper triangle, any order within a column)
 *   "lower lists":  column j lists rows i > j   (strictly lower triangle, any order within a column)
 * The diagonal is implicit (always assumed present).
 *
 * References for the algorithms (formulas only): Liu, "The role of elimination trees in sparse
 * factorization" (1990); Gilbert, Ng & Peyton, "An efficient algorithm to compute row and column
 * counts for sparse Cholesky factorization" (1994); Davis, "Direct Methods for Sparse Linear
 * Systems" (2006), ch. 4; Ashcraft & Grimes (1989) and Liu, Ng & Peyton (1993) for supernodes.
 */
import { sortRange } from './vec.ts';

/**
 * Elimination tree of C from its strictly upper lists (colPtr, rowIdx: column k holds rows i < k).
 * Returns parent (length n): parent[j] = min{ i > j : L_ij ≠ 0 }, −1 for a root. O(nnz·α) with
 * path compression through `ancestor`.
 */
export function eliminationTree(n: number, colPtr: Int32Array, rowIdx: Int32Array): Int32Array {
  const parent = new Int32Array(n);
  const ancestor = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    parent[k] = -1;
    ancestor[k] = -1;
    for (let p = colPtr[k]!, end = colPtr[k + 1]!; p < end; p++) {
      let i = rowIdx[p]!;
      while (i !== -1 && i < k) {
        const a = ancestor[i]!;
        ancestor[i] = k;
        if (a === -1) {
          parent[i] = k;
          break;
        }
        i = a;
      }
    }
  }
  return parent;
}

/**
 * Postorder of a forest given by parent (children visited in increasing label order).
 * Returns post (length n): post[k] = node visited k-th; every subtree is a contiguous range.
 */
export function postorder(n: number, parent: Int32Array): Int32Array {
  const head = new Int32Array(n).fill(-1);
  const next = new Int32Array(n);
  // children lists in increasing order: insert in decreasing order at the head
  for (let j = n - 1; j >= 0; j--) {
    const p = parent[j]!;
    if (p !== -1) {
      next[j] = head[p]!;
      head[p] = j;
    }
  }
  const post = new Int32Array(n);
  const stack = new Int32Array(n);
  let k = 0;
  for (let root = 0; root < n; root++) {
    if (parent[root] !== -1) continue;
    let top = 0;
    stack[0] = root;
    while (top >= 0) {
      const p = stack[top]!;
      const c = head[p]!;
      if (c === -1) {
        top--;
        post[k++] = p;
      } else {
        head[p] = next[c]!;
        stack[++top] = c;
      }
    }
  }
  return post;
}

/**
 * Column counts of L (INCLUDING the diagonal) by the Gilbert–Ng–Peyton algorithm, for a matrix
 * whose labels are already a postorder of its elimination tree (every subtree = a label range
 * ending at its root). Input: strictly lower lists (colPtr, rowIdx: column j holds rows i > j) and
 * parent. O(nnz·α).
 *
 * Idea: row i of L is the row subtree T_i (the union of the etree paths from each j with C_ij ≠ 0
 * up to i). cc[j] = #{ i : j ∈ T_i }. Summing, over the subtree of j, +1 at each leaf of each row
 * subtree, −1 at the LCA of consecutive leaves of the same row subtree, and −1 at each non-root
 * node's parent (each node of the etree is itself in its row subtree once) gives cc[j].
 */
export function columnCounts(n: number, colPtr: Int32Array, rowIdx: Int32Array, parent: Int32Array): Int32Array {
  const first = new Int32Array(n).fill(-1);
  const delta = new Int32Array(n);
  const maxfirst = new Int32Array(n).fill(-1);
  const prevleaf = new Int32Array(n).fill(-1);
  const ancestor = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    ancestor[k] = k;
    for (let j = k; j !== -1 && first[j] === -1; j = parent[j]!) first[j] = k;
  }
  for (let j = 0; j < n; j++) {
    if (first[j] === j) delta[j] = 1; // leaf of the etree
  }
  for (let j = 0; j < n; j++) {
    const pj = parent[j]!;
    if (pj !== -1) delta[pj]!--;
    const fj = first[j]!;
    for (let p = colPtr[j]!, end = colPtr[j + 1]!; p < end; p++) {
      const i = rowIdx[p]!;
      if (fj <= maxfirst[i]!) continue; // j is not a leaf of row subtree i
      maxfirst[i] = fj;
      const jprev = prevleaf[i]!;
      prevleaf[i] = j;
      delta[j]!++;
      if (jprev !== -1) {
        // q = least common ancestor of jprev and j = root of jprev's set
        let q = jprev;
        while (ancestor[q] !== q) q = ancestor[q]!;
        for (let s = jprev; s !== q; ) {
          const a = ancestor[s]!;
          ancestor[s] = q;
          s = a;
        }
        delta[q]!--;
      }
    }
    if (pj !== -1) ancestor[j] = pj;
  }
  for (let j = 0; j < n; j++) {
    const pj = parent[j]!;
    if (pj !== -1) delta[pj]! += delta[j]!;
  }
  return delta;
}

/** Supernodal partition and row structures (labels postordered). */
export interface Supernodes {
  /** number of supernodes */
  count: number;
  /** length count+1: supernode s has columns first[s] .. first[s+1]-1 */
  first: Int32Array;
  /** length n: supernode of each column */
  of: Int32Array;
  /** length count: parent supernode, −1 for a root */
  parent: Int32Array;
  /** length count+1: rows of supernode s are rows[rowPtr[s] .. rowPtr[s+1]) */
  rowPtr: Int32Array;
  /** row structures: the k columns of s first, then the rows below, ascending */
  rows: Int32Array;
  /** explicit zeros added by relaxed amalgamation (strictly lower part) */
  extraZeros: number;
}

/**
 * Supernodes: maximal chains j, j+1, … with parent[j] = j+1 and cc[j] = cc[j+1] + 1 (so the
 * columns share one row structure), optionally relaxed: a supernode is merged into the supernode
 * of its parent column when the merge adds at most `relax`-many zero rows per column pattern
 * (small supernodes only). Input: strictly lower lists, parent, cc (with diagonal), labels
 * postordered. Row structures are computed by merging each supernode's own entries with its
 * children's structures.
 */
export function supernodes(
  n: number,
  colPtr: Int32Array,
  rowIdx: Int32Array,
  parent: Int32Array,
  cc: Int32Array,
  relax: { maxCols: number; maxZeros: number } | null,
): Supernodes {
  // fundamental supernodes (the children condition is not needed for a multifrontal method)
  const startOf = new Int32Array(n + 1);
  let count = 0;
  for (let j = 0; j < n; j++) {
    if (j === 0 || !(parent[j - 1] === j && cc[j - 1] === cc[j]! + 1)) startOf[count++] = j;
  }
  startOf[count] = n;
  let first = startOf.slice(0, count + 1);
  let extraZeros = 0;

  if (relax !== null && count > 1) {
    // relaxed amalgamation: merge supernode c into s = supernode of parent(last col of c) when
    // c ends right before s starts (contiguous), both are small, and the zeros added are few.
    // Pattern of a merged node: cols of c ∪ s, rows = struct(s) ∪ cols(c). Column counts of the
    // merged columns of c become cc[first(s)] + (#cols of s) + (cols of c after it).
    const nsn = count;
    const snOf = new Int32Array(n);
    for (let s = 0; s < nsn; s++) for (let j = first[s]!; j < first[s + 1]!; j++) snOf[j] = s;
    // greedy, bottom-up: track current merged blocks in a union (start, zeros)
    const start = first.slice(0, nsn); // start column of the (possibly merged) block ending at s
    const zeros = new Float64Array(nsn); // zeros already in the block
    const alive = new Uint8Array(nsn).fill(1);
    const ccTop = new Int32Array(nsn); // cc of the first column of the block if it were exact
    for (let s = 0; s < nsn; s++) ccTop[s] = cc[first[s]!]!;
    for (let s = 0; s < nsn; s++) {
      const last = first[s + 1]! - 1;
      const pcol = parent[last]!;
      if (pcol === -1) continue;
      const t = snOf[pcol]!;
      if (t !== s + 1 || pcol !== first[t]!) continue; // only a contiguous child → parent merge
      const kc = last + 1 - start[s]!;
      const kt = first[t + 1]! - first[t]!;
      if (kc + kt > relax.maxCols) continue;
      // rows of the merged block: kc + (struct of t, i.e. cc[first t] incl. its own cols)
      const mMerged = kc + ccTop[t]!;
      // stored entries (lower trapezoid) of merged vs separate
      const storedMerged = trapezoid(mMerged, kc + kt);
      const storedSep = trapezoid(ccTop[s]!, kc) + trapezoid(ccTop[t]!, kt);
      const z = zeros[s]! + zeros[t]! + (storedMerged - storedSep);
      if (z > relax.maxZeros && z > 0.1 * storedMerged) continue;
      // merge s into t
      alive[s] = 0;
      start[t] = start[s]!;
      zeros[t] = z;
      ccTop[t] = mMerged;
    }
    const merged: number[] = [];
    for (let s = 0; s < nsn; s++) if (alive[s]) merged.push(start[s]!);
    merged.push(n);
    first = Int32Array.from(merged);
    count = merged.length - 1;
  }

  const of = new Int32Array(n);
  for (let s = 0; s < count; s++) for (let j = first[s]!; j < first[s + 1]!; j++) of[j] = s;
  const sparent = new Int32Array(count);
  for (let s = 0; s < count; s++) {
    const p = parent[first[s + 1]! - 1]!;
    sparent[s] = p === -1 ? -1 : of[p]!;
  }
  // children lists
  const chHead = new Int32Array(count).fill(-1);
  const chNext = new Int32Array(count);
  for (let s = count - 1; s >= 0; s--) {
    const p = sparent[s]!;
    if (p !== -1) {
      chNext[s] = chHead[p]!;
      chHead[p] = s;
    }
  }
  // row structures by merging: rows(s) = cols(s) ∪ {C entries of cols(s) below} ∪ {children rows below}.
  // The columns of a supernode lie on one etree path ending at its last column l, so
  // |rows(s)| = k + cc[l] − 1 exactly (struct(j) \ {j} ⊆ struct(parent(j))).
  const rowPtr = new Int32Array(count + 1);
  for (let s = 0; s < count; s++) {
    const k = first[s + 1]! - first[s]!;
    rowPtr[s + 1] = rowPtr[s]! + k + cc[first[s + 1]! - 1]! - 1;
  }
  const rows = new Int32Array(rowPtr[count]!);
  fillRowStructures(count, first, rowPtr, rows, colPtr, rowIdx, chHead, chNext, new Int32Array(n).fill(-1));
  let exactStrict = 0;
  for (let j = 0; j < n; j++) exactStrict += cc[j]! - 1;
  let stored = 0;
  for (let s = 0; s < count; s++) {
    const k = first[s + 1]! - first[s]!;
    const m = rowPtr[s + 1]! - rowPtr[s]!;
    stored += trapezoid(m, k);
  }
  extraZeros = stored - exactStrict;
  return { count, first, of, parent: sparent, rowPtr, rows, extraZeros };
}

/** strictly-lower entries of an m × k column block whose top k × k part is lower triangular */
function trapezoid(m: number, k: number): number {
  return k * m - (k * (k + 1)) / 2;
}

/** the row structures of the supernodes (see `supernodes`); `mark` (length n, all −1) is work */
function fillRowStructures(
  count: number,
  first: Int32Array,
  rowPtr: Int32Array,
  rows: Int32Array,
  colPtr: Int32Array,
  rowIdx: Int32Array,
  chHead: Int32Array,
  chNext: Int32Array,
  mark: Int32Array,
): void {
  for (let s = 0; s < count; s++) {
    const f = first[s]!;
    const l = first[s + 1]! - 1;
    let nz = rowPtr[s]!;
    const end = rowPtr[s + 1]!;
    for (let j = f; j <= l; j++) {
      rows[nz++] = j;
      mark[j] = s;
    }
    const tail = nz;
    for (let j = f; j <= l; j++) {
      for (let p = colPtr[j]!, pend = colPtr[j + 1]!; p < pend; p++) {
        const i = rowIdx[p]!;
        if (mark[i] !== s) {
          mark[i] = s;
          rows[nz++] = i;
        }
      }
    }
    for (let c = chHead[s]!; c !== -1; c = chNext[c]!) {
      const kc = first[c + 1]! - first[c]!;
      for (let p = rowPtr[c]! + kc, pend = rowPtr[c + 1]!; p < pend; p++) {
        const i = rows[p]!;
        if (mark[i] !== s) {
          mark[i] = s;
          rows[nz++] = i;
        }
      }
    }
    if (nz !== end) throw new Error(`ldl symbolic: supernode ${s} has ${nz - rowPtr[s]!} rows, expected ${end - rowPtr[s]!}`);
    sortRange(rows, tail, end);
  }
}

/** Column-by-column (simplicial) structure of L for the up-looking numeric LDLᵀ. */
export interface SimplicialStructure {
  /** length n+1: column j of L (strictly below the diagonal) is Li/Lx[Lp[j] .. Lp[j+1]) */
  Lp: Int32Array;
  /** length nnz(L): row indices, ascending within each column */
  Li: Int32Array;
  /** length n+1: the pattern of row k of L (columns j < k) is rowCol[rowPtr[k] .. rowPtr[k+1]) */
  rowPtr: Int32Array;
  /** length nnz(L): columns of each row pattern, ascending (a topological order of the etree) */
  rowCol: Int32Array;
  /** length nnz(L): position in Li/Lx of the entry (k, rowCol[t]) */
  rowPos: Int32Array;
  /** the strictly lower entries of C by rows: row k holds columns Rj[Rp[k] .. Rp[k+1]) < k, whose values are Cx[Rpos[..]] */
  Rp: Int32Array;
  Rj: Int32Array;
  Rpos: Int32Array;
}

/**
 * Structure of L for a simplicial (column by column, no supernodes) up-looking factorization.
 * Input: strictly lower lists of C (colPtr, rowIdx: column j holds rows i > j), parent (the
 * elimination tree, labels postordered so parent[j] > j) and the column counts cc (with the
 * diagonal). Row k of L is the row subtree of k: the union of the etree paths from each j with
 * C_kj ≠ 0 up to k (Liu 1990); its columns are listed ascending, which is a topological order
 * (a descendant has a smaller label than its ancestors). Columns of L are filled row by row, so
 * their row indices come out ascending.
 */
export function simplicialStructure(n: number, colPtr: Int32Array, rowIdx: Int32Array, parent: Int32Array, cc: Int32Array): SimplicialStructure {
  // C by rows (transpose of the strictly lower lists), keeping the value positions
  const nnzC = colPtr[n]!;
  const Rp = new Int32Array(n + 1);
  for (let p = 0; p < nnzC; p++) Rp[rowIdx[p]! + 1]!++;
  for (let k = 0; k < n; k++) Rp[k + 1]! += Rp[k]!;
  const Rj = new Int32Array(nnzC);
  const Rpos = new Int32Array(nnzC);
  const nextR = Rp.slice(0, n);
  for (let j = 0; j < n; j++) {
    for (let p = colPtr[j]!, end = colPtr[j + 1]!; p < end; p++) {
      const t = nextR[rowIdx[p]!]!++;
      Rj[t] = j;
      Rpos[t] = p;
    }
  }
  const Lp = new Int32Array(n + 1);
  for (let j = 0; j < n; j++) Lp[j + 1] = Lp[j]! + cc[j]! - 1;
  const nnzL = Lp[n]!;
  const Li = new Int32Array(nnzL);
  const rowPtr = new Int32Array(n + 1);
  const rowCol = new Int32Array(nnzL);
  const rowPos = new Int32Array(nnzL);
  const mark = new Int32Array(n).fill(-1);
  const nextL = Lp.slice(0, n);
  let t = 0;
  for (let k = 0; k < n; k++) {
    mark[k] = k;
    const start = t;
    for (let q = Rp[k]!, end = Rp[k + 1]!; q < end; q++) {
      for (let i = Rj[q]!; mark[i] !== k; i = parent[i]!) {
        if (t >= nnzL || i < 0) throw new Error(`ldl symbolic: row ${k} of L exceeds the column counts`);
        mark[i] = k;
        rowCol[t++] = i;
      }
    }
    sortRange(rowCol, start, t);
    for (let s = start; s < t; s++) {
      const p = nextL[rowCol[s]!]!++;
      Li[p] = k;
      rowPos[s] = p;
    }
    rowPtr[k + 1] = t;
  }
  if (t !== nnzL) throw new Error(`ldl symbolic: ${t} entries in the rows of L, expected ${nnzL}`);
  return { Lp, Li, rowPtr, rowCol, rowPos, Rp, Rj, Rpos };
}
