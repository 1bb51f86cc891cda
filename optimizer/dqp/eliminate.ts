/**
 * Elimination of variables FIXED or TIED by short active rows before K_J is factored.
 *
 * Let B = [A; C_J] (p + k rows, ORIGINAL units). Two kinds of rows of B are used to eliminate a
 * variable each (the "eliminating" rows E):
 *   - a row with exactly one nonzero value a·z_v = rhs (active bounds ∓e_iᵀ, such rows of C or A):
 *     it FIXES z_v;
 *   - a row with exactly two nonzero values of equal magnitude, b(z_u ± z_v) = rhs (difference
 *     constraints such as the cyclic chain's ‖z_j − z_{j+1}‖∞ ≤ 1): it TIES z_v to z_u.
 * As a graph on the variables plus a "ground" node (one-entry rows join their variable to the
 * ground, two-entry rows join their two variables), the eliminating rows are chosen to form a
 * FOREST (a row that would close a cycle stays an ordinary row). Each tree is rooted at the
 * ground when it contains it (all its variables are fixed) and at a variable otherwise (the
 * tree's variables are ±1 multiples of the root plus constants); every non-root variable is
 * eliminated by the row joining it to its parent. Hence
 *
 *   z = Z w + β(g_E),   Z: n × n_R with one entry ±1 per row (0 for fixed variables),
 *
 * w the root variables (and the variables in no eliminating row), and with T the other rows,
 * K_J x = g is equivalent to (null-space method on the rows E, which have full row rank)
 *
 *   K_R [w; y_T] = [Zᵀ(g_z − P β); g_T − B_T β],     K_R = [ZᵀPZ  (B_T Z)ᵀ; B_T Z  0]
 *
 * followed by the duals of the eliminating rows, leaf to root: for a non-root variable v with
 * eliminating row r(v),
 *
 *   b_{r(v),v} y_{r(v)} = g_v − (P z)_v − Σ_{r∈T} b_rv y_r − Σ_{children c of v} b_{r(c),v} y_{r(c)}.
 *
 * det K_J = ±det(B_E restricted to the eliminated variables)² det K_R and inertia(K_J) =
 * inertia(K_R) + (|E|, |E|): K_J is nonsingular iff K_R is, and only K_R (n − |E| + |T|
 * unknowns) is factored. Every multiplier is ±1 or 1/a, so the substitution adds no growth. On
 * the simplex projection (z ≥ 0 as rows −e_iᵀ, most active) K_R is tiny; on the cyclic chain the
 * active difference rows collapse each run of tied points into one unknown.
 *
 * When the elimination does not apply — no such row, or K_R found singular — the caller factors
 * the full K_J as before, so degenerate points get the same least-squares treatment either way.
 */
import { sortRange } from '../linalg/vec.ts';
import type { Matrix } from '../linalg/types.ts';
import { LinearAlgebraError } from '../errors.ts';
import {
  assembleKkt,
  factorReducedKkt,
  finishDenseKkt,
  finishSparseKkt,
  resolveMethod,
  type BRows,
  type FactorDiagnosis,
  type KktFactorCache,
  type KktSolveResult,
  type KktSolver,
  type ReducedKkt,
} from './reduced-kkt.ts';
import type { KktSolverKind, LinearSolverChoice } from './types.ts';

/** Which variables are eliminated, by which rows, and the numbering of what remains. */
export interface Elimination {
  /** variables n and rows p + k of the full K_J */
  readonly n: number;
  readonly rows: number;
  /**
   * the eliminated variables, parents before children (breadth first from the roots): variable,
   * its eliminating row of B, its parent variable (−1: the ground, a one-entry row), the row's
   * coefficients of the variable and of the parent (ORIGINAL units; 0 for the ground)
   */
  readonly elimVar: Int32Array;
  readonly elimRow: Int32Array;
  readonly elimPar: Int32Array;
  readonly coefVar: Float64Array;
  readonly coefPar: Float64Array;
  /** variable → index of its unknown in K_R (its root), −1 when fixed */
  readonly red: Int32Array;
  /** variable → ±1 (z_v = alpha_v w_red(v) + β_v), 0 when fixed */
  readonly alpha: Float64Array;
  /** unknowns w of K_R: their root variable, ascending */
  readonly roots: Int32Array;
  /** any two-entry (tying) row: K_R merges variables (else it is a plain selection) */
  readonly tied: boolean;
  /** rows of B kept in K_R (T), ascending, and row of B → index in T or −1 */
  readonly rowSel: Int32Array;
  readonly rowMap: Int32Array;
  /** variable → position in elimVar, or −1 */
  readonly elimIndex: Int32Array;
  /** B_T by eliminated variable i: rows cplRow (of B) / cplVal (ORIGINAL units) in [cplPtr[i], cplPtr[i+1]) */
  readonly cplPtr: Int32Array;
  readonly cplRow: Int32Array;
  readonly cplVal: Float64Array;
  /**
   * column of P of eliminated variable i: entries [pfStart[i], pfEnd[i]) of pfVal, rows pfRow[e]
   * (CSC P: its rowIdx, shared — patterns are not modified — and a COPY of its values, so the
   * solver does not depend on the caller's value arrays) or, pfRow null (dense P), row
   * e − pfStart[i] of a compact copy of those rows
   */
  readonly pfStart: Int32Array;
  readonly pfEnd: Int32Array;
  readonly pfRow: Int32Array | null;
  readonly pfVal: Float64Array;
}

/** union–find root with path halving */
function findRoot(parent: Int32Array, x: number): number {
  while (parent[x] !== x) {
    parent[x] = parent[parent[x]!]!;
    x = parent[x]!;
  }
  return x;
}

/**
 * Choose the eliminating rows of B (see the file comment) and number what remains.
 *   P  n×n (its columns of eliminated variables are copied)
 *   B  rows of D_B B (scaled by D; the original value of an entry of row r is value / D[n + r])
 *   D  length n + p + k (D[n + r] = scale of row r)
 * Returns null when no row qualifies.
 */
export function findEliminable(P: Matrix, B: BRows, D: Float64Array): Elimination | null {
  const n = P.ncols;
  const { rowPtr, colIdx, values } = B;
  const rB = rowPtr.length - 1;
  const ground = n;
  const uf = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) uf[i] = i;
  // accepted rows as graph edges: endpoints a (variable), b (variable or ground)
  const edgeA = new Int32Array(rB);
  const edgeB = new Int32Array(rB);
  const edgeVa = new Float64Array(rB);
  const edgeVb = new Float64Array(rB);
  const edgeRow = new Int32Array(rB);
  const accepted = new Uint8Array(rB);
  let ne = 0;
  let tied = false;
  // two passes: one-entry rows first (they fix), then equal-magnitude two-entry rows (they tie)
  for (let pass = 0; pass < 2; pass++) {
    for (let r = 0; r < rB; r++) {
      let a = -1;
      let b = -1;
      let va = 0;
      let vb = 0;
      let count = 0;
      for (let e = rowPtr[r]!, end = rowPtr[r + 1]!; e < end; e++) {
        const v = values[e]!;
        if (v === 0) continue;
        count++;
        if (count === 1) {
          a = colIdx[e]!;
          va = v;
        } else if (count === 2) {
          b = colIdx[e]!;
          vb = v;
        } else break;
      }
      if (pass === 0 ? count !== 1 : count !== 2 || Math.abs(va) !== Math.abs(vb)) continue;
      if (pass === 0) b = ground;
      const ra = findRoot(uf, a);
      const rb = findRoot(uf, b);
      if (ra === rb) continue; // would close a cycle: stays an ordinary row
      // keep the ground as a root of its set
      if (ra === ground) uf[rb] = ra;
      else uf[ra] = rb;
      const s = 1 / D[n + r]!;
      edgeA[ne] = a;
      edgeB[ne] = b;
      edgeVa[ne] = va * s;
      edgeVb[ne] = pass === 0 ? 0 : vb * s;
      edgeRow[ne] = r;
      accepted[r] = 1;
      if (pass === 1) tied = true;
      ne++;
    }
  }
  if (ne === 0) return null;

  // adjacency of the forest (ground = node n)
  const adjPtr = new Int32Array(n + 2);
  for (let e = 0; e < ne; e++) {
    adjPtr[edgeA[e]! + 1]++;
    adjPtr[edgeB[e]! + 1]++;
  }
  for (let i = 0; i <= n; i++) adjPtr[i + 1] += adjPtr[i]!;
  const adj = new Int32Array(2 * ne);
  const adjFill = adjPtr.slice(0, n + 1);
  for (let e = 0; e < ne; e++) {
    adj[adjFill[edgeA[e]!]!++] = e;
    adj[adjFill[edgeB[e]!]!++] = e;
  }
  // breadth-first from the ground, then from every unvisited variable (a root)
  const red = new Int32Array(n).fill(-1);
  const alpha = new Float64Array(n);
  const elimIndex = new Int32Array(n).fill(-1);
  const elimVar = new Int32Array(ne);
  const elimRow = new Int32Array(ne);
  const elimPar = new Int32Array(ne);
  const coefVar = new Float64Array(ne);
  const coefPar = new Float64Array(ne);
  const visited = new Uint8Array(n + 1);
  const queue = new Int32Array(n + 1);
  const rootsBuf = new Int32Array(n);
  let nRoots = 0;
  let ni = 0;
  // breadth first from the ground (node n), then from every unvisited variable v = 0, 1, … (a root)
  for (let start = -1; start < n; start++) {
    const root = start < 0 ? ground : start;
    if (visited[root]) continue;
    if (root !== ground) {
      red[root] = nRoots;
      alpha[root] = 1;
      rootsBuf[nRoots++] = root;
    }
    let head = 0;
    let tail = 0;
    queue[tail++] = root;
    visited[root] = 1;
    while (head < tail) {
      const u = queue[head++]!;
      for (let q = adjPtr[u]!, end = adjPtr[u + 1]!; q < end; q++) {
        const e = adj[q]!;
        const fromA = edgeA[e] === u;
        const c = fromA ? edgeB[e]! : edgeA[e]!;
        if (visited[c]) continue;
        visited[c] = 1;
        // c is the child, eliminated by row e: b_c z_c + b_u z_u = rhs
        const bc = fromA ? edgeVb[e]! : edgeVa[e]!;
        const bu = fromA ? edgeVa[e]! : edgeVb[e]!;
        elimVar[ni] = c;
        elimRow[ni] = edgeRow[e]!;
        elimIndex[c] = ni;
        if (u === ground) {
          elimPar[ni] = -1;
          coefVar[ni] = bc;
          coefPar[ni] = 0;
          red[c] = -1;
          alpha[c] = 0;
        } else {
          elimPar[ni] = u;
          coefVar[ni] = bc;
          coefPar[ni] = bu;
          red[c] = red[u]!;
          alpha[c] = (-bu * alpha[u]!) / bc;
        }
        ni++;
        queue[tail++] = c;
      }
    }
  }
  const roots = rootsBuf.slice(0, nRoots);

  const rowMap = new Int32Array(rB).fill(-1);
  const rowSel = new Int32Array(rB - ne);
  let tr = 0;
  for (let r = 0; r < rB; r++) {
    if (accepted[r]) continue;
    rowMap[r] = tr;
    rowSel[tr++] = r;
  }
  // B_T by eliminated variable (original units)
  const cplPtr = new Int32Array(ne + 1);
  for (let s = 0; s < tr; s++) {
    const r = rowSel[s]!;
    for (let e = rowPtr[r]!, end = rowPtr[r + 1]!; e < end; e++) {
      const i = elimIndex[colIdx[e]!]!;
      if (i >= 0 && values[e] !== 0) cplPtr[i + 1]++;
    }
  }
  for (let i = 0; i < ne; i++) cplPtr[i + 1] += cplPtr[i]!;
  const cplRow = new Int32Array(cplPtr[ne]!);
  const cplVal = new Float64Array(cplPtr[ne]!);
  const cFill = cplPtr.slice(0, ne);
  for (let s = 0; s < tr; s++) {
    const r = rowSel[s]!;
    const inv = 1 / D[n + r]!;
    for (let e = rowPtr[r]!, end = rowPtr[r + 1]!; e < end; e++) {
      const i = elimIndex[colIdx[e]!]!;
      if (i >= 0 && values[e] !== 0) {
        const o = cFill[i]!++;
        cplRow[o] = r;
        cplVal[o] = values[e]! * inv;
      }
    }
  }
  // columns of P of the eliminated variables (dense P: the whole row, P symmetric)
  const pfStart = new Int32Array(ne);
  const pfEnd = new Int32Array(ne);
  let pfRow: Int32Array | null;
  let pfVal: Float64Array;
  if (P.format === 'csc') {
    pfRow = P.rowIdx;
    pfVal = P.values.slice();
    const cp = P.colPtr;
    for (let i = 0; i < ne; i++) {
      const v = elimVar[i]!;
      pfStart[i] = cp[v]!;
      pfEnd[i] = cp[v + 1]!;
    }
  } else {
    pfRow = null;
    pfVal = new Float64Array(ne * n);
    for (let i = 0; i < ne; i++) {
      const v = elimVar[i]!;
      pfStart[i] = i * n;
      pfEnd[i] = i * n + n;
      pfVal.set(P.data.subarray(v * n, v * n + n), i * n);
    }
  }
  return { n, rows: rB, elimVar, elimRow, elimPar, coefVar, coefPar, red, alpha, roots, tied, rowSel, rowMap, elimIndex, cplPtr, cplRow, cplVal, pfStart, pfEnd, pfRow, pfVal };
}

/**
 * K̃_R = D_R K_R D_R / s for a TYING elimination (K_R = [ZᵀPZ (B_T Z)ᵀ; B_T Z 0], entries of the
 * merged variables summed). Without ties use assembleKkt with the plain selection instead.
 *   P, B  as in assembleKkt;  el  the elimination;  DR  length n_R + |T|;  form  as in assembleKkt
 */
export function assembleTiedKkt(P: Matrix, B: BRows, el: Elimination, DR: Float64Array, form: 'sparse' | 'dense'): ReducedKkt {
  const n = P.ncols;
  const { red, alpha, roots, rowSel } = el;
  const nR = roots.length;
  const tR = rowSel.length;
  const N = nR + tR;
  const { rowPtr: bPtr, colIdx: bCol, values: bVal } = B;
  // members of each unknown (variables with red[v] = j)
  const memPtr = new Int32Array(nR + 1);
  for (let v = 0; v < n; v++) if (red[v]! >= 0) memPtr[red[v]! + 1]++;
  for (let j = 0; j < nR; j++) memPtr[j + 1] += memPtr[j]!;
  const mem = new Int32Array(memPtr[nR]!);
  const mFill = memPtr.slice(0, nR);
  for (let v = 0; v < n; v++) if (red[v]! >= 0) mem[mFill[red[v]!]!++] = v;

  if (form === 'dense') {
    const data = new Float64Array(N * N);
    for (let j = 0; j < nR; j++) {
      for (let q = memPtr[j]!; q < memPtr[j + 1]!; q++) {
        const v = mem[q]!;
        const av = alpha[v]!;
        if (P.format === 'csc') {
          for (let e = P.colPtr[v]!; e < P.colPtr[v + 1]!; e++) {
            const u = P.rowIdx[e]!;
            const i = red[u]!;
            if (i >= 0) data[i * N + j] += alpha[u]! * av * P.values[e]!;
          }
        } else {
          for (let u = 0; u < n; u++) {
            const i = red[u]!;
            if (i >= 0) data[i * N + j] += alpha[u]! * av * P.data[u * n + v]!;
          }
        }
      }
    }
    for (let t = 0; t < tR; t++) {
      const r = rowSel[t]!;
      const row = nR + t;
      for (let e = bPtr[r]!; e < bPtr[r + 1]!; e++) {
        const v = bCol[e]!;
        const i = red[v]!;
        if (i < 0) continue;
        const val = bVal[e]! * alpha[v]!;
        data[row * N + i] += val;
        data[i * N + row] += val;
      }
    }
    return finishDenseKkt(data, nR, tR, 0, DR);
  }

  // sparse upper triangle, column by column: accumulate into acc[] with a marker, sort the rows.
  // Merging only removes entries: nnz ≤ nnz(P) + nnz(B) + N (+ the diagonals).
  const mark = new Int32Array(N).fill(-1);
  const acc = new Float64Array(N);
  const cap = (P.format === 'csc' ? P.colPtr[n]! : n * n) + bPtr[bPtr.length - 1]! + N;
  const rowIdx = new Int32Array(cap);
  const vals = new Float64Array(cap);
  const colPtr = new Int32Array(N + 1);
  let o = 0;
  /** register row i in column j on its first touch: acc[i] = 0, i appended to rowIdx */
  const touch = (i: number, j: number): void => {
    if (mark[i] !== j) {
      mark[i] = j;
      acc[i] = 0;
      rowIdx[o++] = i;
    }
  };
  for (let j = 0; j < N; j++) {
    if (j < nR) {
      for (let q = memPtr[j]!; q < memPtr[j + 1]!; q++) {
        const v = mem[q]!;
        const av = alpha[v]!;
        if (P.format === 'csc') {
          const { colPtr: pp, rowIdx: pi, values: pv } = P;
          for (let e = pp[v]!, end = pp[v + 1]!; e < end; e++) {
            const u = pi[e]!;
            const i = red[u]!;
            if (i < 0 || i > j) continue;
            touch(i, j);
            acc[i] += alpha[u]! * av * pv[e]!;
          }
        } else {
          const pd = P.data;
          for (let u = 0; u < n; u++) {
            const i = red[u]!;
            if (i < 0 || i > j) continue;
            touch(i, j);
            acc[i] += alpha[u]! * av * pd[u * n + v]!;
          }
        }
      }
    } else {
      const r = rowSel[j - nR]!;
      for (let e = bPtr[r]!, end = bPtr[r + 1]!; e < end; e++) {
        const v = bCol[e]!;
        const i = red[v]!;
        if (i < 0) continue;
        touch(i, j);
        acc[i] += bVal[e]! * alpha[v]!;
      }
    }
    touch(j, j); // the diagonal is always stored
    const a = colPtr[j]!;
    if (o - a > 1) sortRange(rowIdx, a, o);
    for (let e = a; e < o; e++) vals[e] = acc[rowIdx[e]!]!;
    colPtr[j + 1] = o;
  }
  return finishSparseKkt(colPtr, rowIdx.slice(0, o), vals.slice(0, o), nR, tR, 0, DR);
}

/** A solver for the empty K_R (every variable fixed, no other row). */
const EMPTY_SOLVER: KktSolver = {
  kind: 'dense-ldl',
  N: 0,
  singular: false,
  solve: () => ({ x: new Float64Array(0), leastSquares: false }),
};

/**
 * K_J⁻¹ g by the elimination of the file comment: O(n + nnz of the eliminated columns of P and B)
 * around one solve with the factored K_R. When the K_R solve reports least squares (its
 * refinement did not converge), that right-hand side is solved with the full K_J instead
 * (`fallback`, built on first use).
 */
export class EliminatedKktSolver implements KktSolver {
  readonly kind: KktSolverKind;
  readonly N: number;
  readonly singular = false;
  private full: KktSolver | null = null;

  constructor(
    private readonly el: Elimination,
    private readonly inner: KktSolver,
    private readonly fallback: () => KktSolver,
  ) {
    this.kind = inner.kind;
    this.N = el.n + el.rows;
  }

  /** number of eliminated variables */
  get eliminated(): number {
    return this.el.elimVar.length;
  }

  solve(g: Float64Array): KktSolveResult {
    const { n, elimVar, elimRow, elimPar, coefVar, coefPar, red, alpha, roots, rowSel, rowMap, cplPtr, cplRow, cplVal, pfStart, pfEnd, pfRow, pfVal } = this.el;
    const nR = roots.length;
    const tR = rowSel.length;
    const ne = elimVar.length;
    const x = new Float64Array(this.N);
    // β: the eliminated variables with w = 0, parents first (β = 0 on the roots)
    const beta = new Float64Array(n);
    for (let i = 0; i < ne; i++) {
      const u = elimPar[i]!;
      beta[elimVar[i]!] = (g[n + elimRow[i]!]! - (u >= 0 ? coefPar[i]! * beta[u]! : 0)) / coefVar[i]!;
    }
    // h = g_z − P β (β vanishes off the eliminated variables), then rhs = [Zᵀ h; g_T − B_T β]
    const h = g.slice(0, n);
    for (let i = 0; i < ne; i++) {
      const b = beta[elimVar[i]!]!;
      if (b === 0) continue;
      const e0 = pfStart[i]!;
      const e1 = pfEnd[i]!;
      if (pfRow) for (let e = e0; e < e1; e++) h[pfRow[e]!] -= pfVal[e]! * b;
      else for (let e = e0; e < e1; e++) h[e - e0] -= pfVal[e]! * b;
    }
    const rhs = new Float64Array(nR + tR);
    for (let v = 0; v < n; v++) {
      const j = red[v]!;
      if (j >= 0) rhs[j] += alpha[v]! * h[v]!;
    }
    for (let t = 0; t < tR; t++) rhs[nR + t] = g[n + rowSel[t]!]!;
    for (let i = 0; i < ne; i++) {
      const b = beta[elimVar[i]!]!;
      if (b === 0) continue;
      for (let e = cplPtr[i]!, end = cplPtr[i + 1]!; e < end; e++) rhs[nR + rowMap[cplRow[e]!]!] -= cplVal[e]! * b;
    }
    const sub = nR + tR > 0 ? this.inner.solve(rhs) : { x: rhs, leastSquares: false };
    if (sub.leastSquares) {
      this.full ??= this.fallback();
      return this.full.solve(g);
    }
    const y = sub.x;
    // z = Z w + β, y_T
    for (let v = 0; v < n; v++) {
      const j = red[v]!;
      x[v] = (j >= 0 ? alpha[v]! * y[j]! : 0) + beta[v]!;
    }
    for (let t = 0; t < tR; t++) x[n + rowSel[t]!] = y[nR + t]!;
    // duals of the eliminating rows, children first: acc_v = g_v − (P z)_v − (B_Tᵀ y_T)_v − Σ children
    const acc = h; // reuse: only the eliminated entries are read
    for (let i = 0; i < ne; i++) {
      const v = elimVar[i]!;
      let s = g[v]!;
      const e0 = pfStart[i]!;
      const e1 = pfEnd[i]!;
      if (pfRow) for (let e = e0; e < e1; e++) s -= pfVal[e]! * x[pfRow[e]!]!;
      else for (let e = e0; e < e1; e++) s -= pfVal[e]! * x[e - e0]!;
      for (let e = cplPtr[i]!, end = cplPtr[i + 1]!; e < end; e++) s -= cplVal[e]! * x[n + cplRow[e]!]!;
      acc[v] = s;
    }
    for (let i = ne - 1; i >= 0; i--) {
      const yr = acc[elimVar[i]!]! / coefVar[i]!;
      x[n + elimRow[i]!] = yr;
      const u = elimPar[i]!;
      if (u >= 0) acc[u] -= coefPar[i]! * yr; // read only when u is itself eliminated (processed later)
    }
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i]!)) throw new LinearAlgebraError('reduced KKT solve produced a non-finite value (the system is too ill-conditioned)');
    }
    return { x, leastSquares: false };
  }
}

export interface EliminationOptions {
  /** the user's choice; 'lstsq' never reaches here */
  readonly choice: Exclude<LinearSolverChoice, 'lstsq'>;
  readonly singularTol: number;
  readonly cache: KktFactorCache;
}

/**
 * Factor K_J through the elimination of its fixed and tied variables.
 *   P         n×n problem matrix
 *   B, D      rows of D_B [A; C_J] and D (assembleBRows, scalingVector)
 *   fallback  builds the solver of the full K_J (used for right-hand sides K_R cannot solve)
 * Returns null when no variable can be eliminated or K_R is singular (then factor K_J itself).
 */
export function factorEliminated(
  P: Matrix,
  B: BRows,
  D: Float64Array,
  opts: EliminationOptions,
  fallback: () => KktSolver,
): { readonly diag: FactorDiagnosis; readonly eliminated: number } | null {
  const n = P.ncols;
  const el = findEliminable(P, B, D);
  if (!el) return null;
  const nR = el.roots.length;
  const tR = el.rowSel.length;
  let inner: KktSolver;
  if (nR + tR === 0) inner = EMPTY_SOLVER;
  else {
    const method = resolveMethod(opts.choice, P.format, nR + tR);
    const form = method === 'sparse-ldl' ? 'sparse' : 'dense';
    const DR = new Float64Array(nR + tR).fill(1);
    for (let t = 0; t < tR; t++) DR[nR + t] = D[n + el.rowSel[t]!]!;
    const KR = el.tied
      ? assembleTiedKkt(P, B, el, DR, form)
      : assembleKkt(P, B, { varMap: el.red, vars: el.roots, rowSel: el.rowSel }, DR, tR, 0, form);
    const diag = factorReducedKkt(KR, { method, singularTol: opts.singularTol, cache: opts.cache, denseRetry: opts.choice === 'auto' });
    if (diag.singularReason !== null) return null;
    inner = diag.solver;
  }
  return { diag: { solver: new EliminatedKktSolver(el, inner, fallback), singularReason: null }, eliminated: el.elimVar.length };
}
