/**
 * Sparse LDLᵀ factorization of a symmetric (possibly indefinite, quasi-definite) matrix K,
 *     P K Pᵀ + R = L D Lᵀ,
 * with P a fill-reducing permutation (ordering.ts: AMD or ND, then postordered along the elimination
 * tree), L unit lower triangular, D diagonal and R a diagonal regularization (zero unless
 * requested). No numerical pivoting: this is meant for quasi-definite matrices (e.g. KKT systems
 * [P+ρI  Aᵀ; A  −δI]) and for KKT matrices made quasi-definite by regularization, where the
 * expected sign of every pivot is known.
 *
 * K is given in CSC as the full symmetric matrix or its upper triangle (entries below the diagonal
 * are ignored); a matrix with entries below but none above the diagonal is read as a lower
 * triangle.
 *
 * Phases (the symbolic work is done once per sparsity pattern):
 *   analyze(K)   ordering; permuted lower triangle C = tril(P K Pᵀ) with a value map (so a refactor
 *                is a scatter); elimination tree, postorder, column counts of L (Gilbert–Ng–Peyton);
 *                the numeric method (LdlOptions.method; 'auto' by the multiply-adds per entry of L,
 *                SIMPLICIAL_MAX_FLOPS_PER_ENTRY) and its structure: supernodes (relaxed) and their
 *                row structures, or the row patterns of L; all storage allocated once.
 *   factor(v)    numeric LDLᵀ, repeatable with new values on the same pattern without symbolic work:
 *                supernodal  MULTIFRONTAL: for each supernode in postorder, a dense frontal matrix
 *                            is assembled from C and the children's update matrices (extend-add),
 *                            its k pivot columns are factored densely (pivot by pivot, with the
 *                            regularization rules below, by panels of 32 columns with register-
 *                            blocked rank updates) and the Schur complement is passed to the
 *                            parent;
 *                simplicial  UP-LOOKING, row by row over the precomputed row patterns of L (a
 *                            sparse triangular solve per row), L stored column by column: no
 *                            fronts, so no per-supernode overhead when L is very sparse (a
 *                            diagonal with a few dense rows, bands: the ipm's KKT systems of
 *                            bound-heavy QPs, simplex and chain projections).
 *                Both give the same L and D up to rounding (same ordering and pivot rules).
 *   solve(b)     x = K⁻¹ b: permute, L solve, D solve, Lᵀ solve, unpermute; when the factorization
 *                was regularized, iterative refinement against the UNREGULARIZED K.
 *
 * Regularization (signs[i] ∈ {+1, −1} = expected sign of the pivot of ORIGINAL row i):
 *   static   d_i ← d_i + signs[i]·δ before elimination (δ = staticReg);
 *   dynamic  a computed pivot d with signs[i]·d < eps (or d = 0) is replaced by signs[i]·delta
 *            (without signs: a pivot with |d| < eps is replaced by sign(d)·delta, + for d = 0).
 * Without dynamic regularization an exactly zero (or non-finite) pivot throws ZeroPivotError.
 * The inertia of the factored (regularized) matrix is returned as positivePivots / negativePivots;
 * for a quasi-definite KKT with n primal and m dual rows it is (n, m). The pivots are counted as
 * they are computed, so reading the inertia costs nothing (SparseLdl implements LinearSystem,
 * see linsys.ts).
 *
 * Modules: this class (options, analysis driver, numeric factorizations, solve and refinement);
 * ldl-pattern.ts (structural check, postordered ordering, permuted lower pattern and value map);
 * ldl-symbolic.ts (elimination tree, column counts, supernodes, simplicial row structure);
 * ldl-front.ts (front layout and dense front kernels of the multifrontal method); ldl-solve.ts
 * (triangular solves, residual and norm for the refinement).
 */
import { DimensionError, InputError, ZeroPivotError } from '../errors.ts';
import { checkRegularization } from './check.ts';
import { invertPermutation } from './csc.ts';
import { frontLayout, leftUpdate1, pairUpdate, schur1, schurF } from './ldl-front.ts';
import { checkStructure, columnOf, permutedLower, postorderedOrdering } from './ldl-pattern.ts';
import { simplicialSolveInPlace, supernodalSolveInPlace, symmetricNormInf, symmetricResidual } from './ldl-solve.ts';
import { columnCounts, simplicialStructure, supernodes } from './ldl-symbolic.ts';
import { fillReducingOrdering, type OrderingMethod } from './ordering.ts';
import type { LinearSystem, LinearSystemOptions } from './linsys.ts';
import type { CscMatrix } from './types.ts';

/** SparseLdl's options: the regularization settings of every LinearSystem, plus the sparse ones. */
export interface LdlOptions extends LinearSystemOptions {
  /**
   * fill-reducing ordering (ordering.ts, docs/solvers.md#orderings): 'auto' (default: AMD, or
   * nested dissection for large matrices where it predicts fewer flops), 'amd', 'nd', 'natural',
   * or an explicit permutation perm[k] = original index k-th
   */
  ordering?: OrderingMethod | Int32Array;
  /**
   * relaxed supernode amalgamation (default true): merge small supernodes with their parent when
   * few explicit zeros are added; faster dense kernels, same solution. false = exact structure.
   */
  relaxedSupernodes?: boolean;
  /**
   * numeric method: 'supernodal' (multifrontal, dense kernels on the fronts), 'simplicial'
   * (up-looking, column by column, no fronts) or 'auto' (default): simplicial when the
   * factorization is so sparse that fronts would be tiny, i.e. when the multiply-adds per entry
   * of L, Σ_j (cc_j − 1)² / nnz(L), stay below SIMPLICIAL_MAX_FLOPS_PER_ENTRY (diagonal plus a
   * few dense rows, banded matrices, the KKT systems of bound-heavy QPs).
   */
  method?: 'auto' | 'supernodal' | 'simplicial';
}

/**
 * 'auto' picks the simplicial method below this many multiply-adds per stored entry of L
 * (Σ_j (cc_j − 1)² / nnz(L); cc_j = entries of column j of L with the diagonal). For such sparse
 * factors the per-front overhead of the multifrontal method (front assembly, extend-add, stack
 * copies) costs more than its dense kernels save. Measured on the ipm's KKT systems (simplex
 * projection: arrow matrix, ratio 1; chain: banded, ratio ≈ 3; Maros–Meszaros).
 */
export const SIMPLICIAL_MAX_FLOPS_PER_ENTRY = 40;

/**
 * The orderings LdlOptions.ordering accepts by name (keep in step with its type), for the flags
 * that pass a name through (`dqp bench ldl --ordering`).
 */
export const LDL_ORDERINGS: readonly string[] = ['amd', 'nd', 'auto', 'natural'];

/** Timings (ms) of the phases of analyze / the last factor, for benchmarks. */
export interface LdlTimings {
  orderMs: number;
  symbolicMs: number;
  factorMs: number;
}

const now = (): number => performance.now();

/**
 * Pivot columns per panel of the blocked front factorization (numeric()). Measured on the
 * 300 × 300 mesh KKT (fronts up to 725 rows): panels of 32 cut the factor time by ~10% against
 * unblocked left-looking fronts (cache reuse); a packed 4 × 4 register-tiled SYRK for the
 * trailing update measured no faster than the column-pair kernel (pairUpdate, ~3.8 GFlop/s
 * both), so the kernel stayed.
 */
const PANEL = 32;

export class SparseLdl implements LinearSystem {
  /** order of K */
  readonly n: number;
  /** nonzeros strictly below the diagonal of L (exact structural count, without amalgamation zeros) */
  readonly nnzL: number;
  /** entries stored for the strictly lower part of L (nnzL + zeros added by supernode amalgamation) */
  readonly storedL: number;
  /** number of supernodes (n for the simplicial method: one column each) */
  readonly supernodeCount: number;
  /** the numeric method in use (LdlOptions.method resolved) */
  readonly method: 'supernodal' | 'simplicial';
  /** perm[k] = original row/column eliminated k-th (the fill-reducing order, postordered) */
  readonly perm: Int32Array;
  /** pinv[i] = position of original row i in the elimination order */
  readonly pinv: Int32Array;
  /** pivots of D (after regularization) that are > 0, of the last factor() */
  get positivePivots(): number {
    return this.nPos;
  }
  /** pivots of D (after regularization) that are < 0, of the last factor() */
  get negativePivots(): number {
    return this.nNeg;
  }
  /** pivots replaced by dynamic regularization in the last factor() */
  get regularizedPivots(): number {
    return this.nReg;
  }
  private nPos = 0;
  private nNeg = 0;
  private nReg = 0;
  /** phase timings in ms (order/symbolic from analyze, factor from the last factor) */
  readonly timings: LdlTimings = { orderMs: 0, symbolicMs: 0, factorMs: 0 };

  // ---- pattern of K and of C = tril(P K Pᵀ) ----
  private readonly nnzK: number;
  private readonly kColPtr: Int32Array;
  private readonly kRowIdx: Int32Array;
  private initialValues: Float64Array | null = null;
  /** destination of K's entry p: ≥ 0 → Cx[dst]; ≤ −2 → Cd[−dst−2]; −1 → ignored (triangle not read) */
  private readonly dst: Int32Array;
  /** strictly lower part of C: column j holds rows i > j (unsorted) */
  private readonly Cp: Int32Array;
  private readonly Ci: Int32Array;
  private readonly Cx: Float64Array;
  /** diagonal of C (user values, unregularized) */
  private readonly Cd: Float64Array;
  /** static regularization per permuted row: signs[perm[k]]·δ (null when none) */
  private readonly staticShift: Float64Array | null;
  /** signs in permuted order (null when none) */
  private readonly psigns: Int8Array | null;
  private readonly dynEps: number;
  private readonly dynDelta: number;
  private readonly dynamic: boolean;
  private readonly refineOption: number | undefined;

  // ---- supernodal structure ----
  private readonly snFirst: Int32Array;
  private readonly snRowPtr: Int32Array;
  private readonly snRows: Int32Array;
  /** offset of supernode s's m × k column-major block in Lx */
  private readonly snLPtr: Float64Array;
  /** first child and next sibling in the supernodal tree (children in increasing order) */
  private readonly snChild: Int32Array;
  private readonly snSibling: Int32Array;

  // ---- factor ----
  private readonly Lx: Float64Array;
  private readonly D: Float64Array;
  private readonly Dinv: Float64Array;
  private factored = false;
  private regularized = false;
  /** ‖K‖∞ (max absolute row sum of the unregularized K), for the refinement stopping test */
  private normK = 0;
  /** whether normK is up to date with the last factor() (computed lazily by the refinement) */
  private normKValid = false;

  // ---- work ----
  private readonly front: Float64Array;
  /** the second front buffer (small fronts only) and each supernode's buffer (see frontLayout) */
  private readonly front2: Float64Array;
  private readonly snBuf: Uint8Array;
  private readonly stack: Float64Array;
  private readonly stackOff: Float64Array;
  private readonly relpos: Int32Array;
  private readonly rel: Int32Array;
  private readonly w1: Float64Array;
  private readonly w2: Float64Array;
  private readonly w3: Float64Array;
  private readonly w4: Float64Array;

  // ---- simplicial method (empty arrays for the supernodal one) ----
  /** columns of L: rows sLi[sLp[j] .. sLp[j+1]) ascending, values in Lx at the same positions */
  private readonly sLp: Int32Array;
  private readonly sLi: Int32Array;
  /** row patterns of L (columns ascending) and the positions of their entries in Lx */
  private readonly sRowPtr: Int32Array;
  private readonly sRowCol: Int32Array;
  private readonly sRowPos: Int32Array;
  /** strictly lower entries of C by rows (row k: columns sRj[sRp[k] .. sRp[k+1]), values Cx[sRpos[·]]) */
  private readonly sRp: Int32Array;
  private readonly sRj: Int32Array;
  private readonly sRpos: Int32Array;

  private constructor(K: CscMatrix, options: LdlOptions) {
    const n = K.ncols;
    if (K.nrows !== n) throw new DimensionError('K', 'a square matrix', `${K.nrows}×${K.ncols}`);
    this.n = n;
    const colPtr = K.colPtr;
    const rowIdx = K.rowIdx;
    if (colPtr.length !== n + 1) throw new DimensionError('K.colPtr', `length ${n + 1}`, `length ${colPtr.length}`);
    const nnzK = colPtr[n]!;
    if (rowIdx.length < nnzK) throw new DimensionError('K.rowIdx', `length ≥ ${nnzK}`, `length ${rowIdx.length}`);
    this.nnzK = nnzK;
    this.kColPtr = colPtr;
    this.kRowIdx = rowIdx;

    // ---- options ----
    const { staticReg, dynamicReg: dyn, refineSteps } = checkRegularization(n, options);
    const signs = options.signs ?? null;
    this.dynamic = dyn !== null;
    this.dynEps = dyn?.eps ?? 0;
    this.dynDelta = dyn?.delta ?? 0;
    this.refineOption = refineSteps;

    // ---- structural check: every row/column must have an entry unless regularized ----
    const tStart = now();
    const lowerInput = checkStructure(n, colPtr, rowIdx, this.dynamic || staticReg > 0);

    // ---- fill-reducing ordering ----
    const t0 = now();
    const perm0 = fillReducingOrdering(K, options.ordering ?? 'auto');
    const pinv0 = invertPermutation(perm0, n, 'ordering');
    this.timings.orderMs = now() - t0;

    // ---- elimination tree of P0 K P0ᵀ, postorder, final permutation ----
    const { perm, pinv, parent } = postorderedOrdering(n, colPtr, rowIdx, lowerInput, perm0, pinv0);
    this.perm = perm;
    this.pinv = pinv;

    // ---- C = tril(P K Pᵀ) (strictly lower lists + diagonal) with the value map ----
    const { Cp, Ci, dst } = permutedLower(n, colPtr, rowIdx, lowerInput, pinv);
    this.Cp = Cp;
    this.Ci = Ci;
    this.dst = dst;
    this.Cx = new Float64Array(Ci.length);
    this.Cd = new Float64Array(n);
    if (signs !== null) {
      const ps = new Int8Array(n);
      for (let k = 0; k < n; k++) ps[k] = signs[perm[k]!]!;
      this.psigns = ps;
      if (staticReg > 0) {
        const sh = new Float64Array(n);
        for (let k = 0; k < n; k++) sh[k] = ps[k]! * staticReg;
        this.staticShift = sh;
      } else this.staticShift = null;
    } else {
      this.psigns = null;
      this.staticShift = null;
    }

    // ---- column counts, supernodes ----
    const cc = columnCounts(n, Cp, Ci, parent);
    let nnzL = 0;
    for (let j = 0; j < n; j++) nnzL += cc[j]! - 1;
    this.nnzL = nnzL;
    const method = options.method ?? 'auto';
    if (method !== 'auto' && method !== 'supernodal' && method !== 'simplicial') {
      throw new InputError('method', "'auto', 'supernodal' or 'simplicial'", String(method));
    }
    let flops = 0;
    for (let j = 0; j < n; j++) flops += (cc[j]! - 1) * (cc[j]! - 1);
    const simplicial = method === 'simplicial' || (method === 'auto' && flops < SIMPLICIAL_MAX_FLOPS_PER_ENTRY * nnzL);
    this.method = simplicial ? 'simplicial' : 'supernodal';
    this.D = new Float64Array(n);
    this.Dinv = new Float64Array(n);
    this.w1 = new Float64Array(n);
    this.w2 = new Float64Array(n);
    this.w3 = new Float64Array(n);
    this.w4 = new Float64Array(n);
    const none = new Int32Array(0);
    if (simplicial) {
      const st = simplicialStructure(n, Cp, Ci, parent, cc);
      this.sLp = st.Lp;
      this.sLi = st.Li;
      this.sRowPtr = st.rowPtr;
      this.sRowCol = st.rowCol;
      this.sRowPos = st.rowPos;
      this.sRp = st.Rp;
      this.sRj = st.Rj;
      this.sRpos = st.Rpos;
      this.supernodeCount = n;
      this.storedL = nnzL;
      this.snFirst = none;
      this.snRowPtr = none;
      this.snRows = none;
      this.snLPtr = new Float64Array(0);
      this.snChild = none;
      this.snSibling = none;
      this.stackOff = new Float64Array(0);
      this.Lx = new Float64Array(nnzL);
      this.front = new Float64Array(0);
      this.front2 = this.front;
      this.snBuf = new Uint8Array(0);
      this.stack = new Float64Array(0);
      this.relpos = none;
      this.rel = none;

      this.timings.symbolicMs = now() - tStart - this.timings.orderMs;
      return;
    }
    this.sLp = none;
    this.sLi = none;
    this.sRowPtr = none;
    this.sRowCol = none;
    this.sRowPos = none;
    this.sRp = none;
    this.sRj = none;
    this.sRpos = none;
    const relax = options.relaxedSupernodes ?? true;
    const sn = supernodes(n, Cp, Ci, parent, cc, relax ? { maxCols: 32, maxZeros: 24 } : null);
    const ns = sn.count;
    this.supernodeCount = ns;
    this.storedL = nnzL + sn.extraZeros;
    this.snFirst = sn.first;
    this.snRowPtr = sn.rowPtr;
    this.snRows = sn.rows;
    const { snLPtr, snChild, snSibling, stackOff, buf, maxFront, maxFront2, maxM, maxStack } = frontLayout(sn);
    this.snLPtr = snLPtr;
    this.snChild = snChild;
    this.snSibling = snSibling;
    this.stackOff = stackOff;
    this.Lx = new Float64Array(snLPtr[ns]!);
    this.front = new Float64Array(maxFront);
    this.front2 = new Float64Array(maxFront2);
    this.snBuf = buf;
    this.stack = new Float64Array(maxStack);
    this.relpos = new Int32Array(n);
    this.rel = new Int32Array(maxM);
    this.timings.symbolicMs = now() - tStart - this.timings.orderMs;
  }

  /**
   * Symbolic analysis of symmetric K (n × n): full matrix or upper triangle (entries below the
   * diagonal are ignored); a matrix with entries below but none above the diagonal is read as a
   * lower triangle. K is not modified; its pattern arrays are referenced (not copied), so
   * they must not change while this object is used. Throws DimensionError (non-square),
   * StructurallySingularError (a row/column without entries and no regularization configured),
   * InputError (bad options or row indices).
   */
  static analyze(K: CscMatrix, options: LdlOptions = {}): SparseLdl {
    const ldl = new SparseLdl(K, options);
    ldl.initialValues = K.values;
    return ldl;
  }

  /**
   * Numeric factorization with `values` on the pattern of the K given to analyze (same length and
   * order as K.values; default: K.values). `values` is not modified (it is scattered into an
   * internal copy, which the refinement uses as the unregularized K).
   * Throws InputError (NaN/Inf), DimensionError (length), ZeroPivotError (an exactly zero or
   * non-finite pivot without dynamic regularization; names the ORIGINAL column).
   */
  factor(values?: Float64Array): this {
    const t0 = now();
    this.factored = false;
    const v = values ?? this.initialValues;
    if (v === null) throw new InputError('values', 'a Float64Array', 'nothing');
    const nnzK = this.nnzK;
    if (v.length !== nnzK) throw new DimensionError('values', `length ${nnzK} (= nnz of K)`, `length ${v.length}`);
    const { dst, Cx, Cd } = this;
    Cx.fill(0);
    Cd.fill(0);
    for (let p = 0; p < nnzK; p++) {
      const x = v[p]!;
      const t = dst[p]!;
      if (x - x !== 0) {
        if (t === -1) continue; // ignored entry (triangle not read)
        throw new InputError('values', 'finite numbers', `${x} at entry ${p} (row ${this.kRowIdx[p]}, column ${columnOf(this.kColPtr, p)})`);
      }
      if (t >= 0) Cx[t] += x;
      else if (t <= -2) Cd[-t - 2] += x;
    }
    this.normKValid = false;
    if (this.method === 'simplicial') this.numericSimplicial();
    else this.numeric();
    this.timings.factorMs = now() - t0;
    return this;
  }

  /** pivot rule: returns the pivot to use (regularized) or throws */
  private pivot(k: number, d: number): number {
    if (this.dynamic) {
      const ps = this.psigns;
      const s = ps !== null ? ps[k]! : d >= 0 ? 1 : -1;
      // an exact zero is never kept as a pivot (it would count as negative and make Dinv infinite), also when eps = 0
      if (!(s * d >= this.dynEps) || d === 0) {
        this.nReg++;
        return s * this.dynDelta;
      }
      return d;
    }
    if (d === 0 || !Number.isFinite(d)) throw new ZeroPivotError(this.perm[k]!, d);
    return d;
  }

  /**
   * Pivot q of the front F (column q fully updated): apply the pivot rule, record D, count the
   * sign, scale the column below the diagonal by 1/d (column q then holds L(:, q)).
   */
  private finishPivot(F: Float64Array, m: number, q: number, f: number): void {
    const cq = q * m;
    const d = this.pivot(f + q, F[cq + q]!);
    if (d > 0) this.nPos++;
    else this.nNeg++;
    this.D[f + q] = d;
    const inv = 1 / d;
    this.Dinv[f + q] = inv;
    F[cq + q] = d;
    for (let i = q + 1; i < m; i++) F[cq + i] *= inv;
  }

  /**
   * Numeric multifrontal LDLᵀ of C + diag(staticShift). For each supernode s (postorder): the
   * front F (m × m, column-major, lower triangle; rows/columns = the row structure of s) is
   * assembled from C and the children's update matrices (extend-add), its k pivot columns are
   * factored densely by panels of PANEL columns (left-looking inside a panel; after each panel
   * every later column, including the trailing (m−k)² block, gets the panel's rank update:
   * schurF, four columns per pass), the k columns go to Lx and the lower triangle of the
   * trailing block onto the update stack, unless the parent is supernode s + 1, which reads it
   * from this front directly (two front buffers, see frontLayout). (Factoring in small reused front
   * buffers measured faster than factoring in place in Lx: cache locality.)
   */
  private numeric(): void {
    const { Cp, Ci, Cx, Cd, staticShift, snFirst, snRowPtr, snRows, snLPtr, snChild, snSibling, stackOff, Lx, D, front: F0, front2: F1, snBuf, stack: S, relpos, rel } =
      this;
    const ns = this.supernodeCount;
    this.nReg = 0;
    this.nPos = 0;
    this.nNeg = 0;
    for (let s = 0; s < ns; s++) {
      const f = snFirst[s]!;
      const k = snFirst[s + 1]! - f;
      const r0 = snRowPtr[s]!;
      const m = snRowPtr[s + 1]! - r0;
      // this front's buffer; when s − 1 is a direct child, the other one still holds its front
      const F = snBuf[s] === 0 ? F0 : F1;
      const Fprev = snBuf[s] === 0 ? F1 : F0;
      // relative positions of the rows of s, zero the lower triangle of the front (plain loops:
      // most fronts are tiny, where native fill/set/subarray calls cost more than the work)
      for (let i = 0; i < m; i++) relpos[snRows[r0 + i]!] = i;
      for (let j = 0; j < m; j++) for (let t = j * m + j, end = j * m + m; t < end; t++) F[t] = 0;
      // assemble the original entries of columns f .. f+k-1
      for (let q = 0; q < k; q++) {
        const j = f + q;
        const cq = q * m;
        F[cq + q] = Cd[j]! + (staticShift !== null ? staticShift[j]! : 0);
        for (let p = Cp[j]!, end = Cp[j + 1]!; p < end; p++) F[cq + relpos[Ci[p]!]!] += Cx[p]!;
      }
      // extend-add the update matrices of the children: from the stack (u × u, lower triangle,
      // entry (ii, jj) at stackOff[c] + jj·u + ii), or for the direct child c = s − 1 (no stack
      // offset) from its front, still in the other buffer (entry at (kc + jj)·mc + kc + ii)
      for (let c = snChild[s]!; c !== -1; c = snSibling[c]!) {
        const kc = snFirst[c + 1]! - snFirst[c]!;
        const pc = snRowPtr[c]! + kc;
        const u = snRowPtr[c + 1]! - pc;
        const direct = stackOff[c]! < 0;
        const src0 = direct ? Fprev : S;
        const ld = direct ? kc + u : u;
        const off = direct ? kc * ld + kc : stackOff[c]!;
        if (u === 1) {
          const rr = relpos[snRows[pc]!]!;
          F[rr * m + rr] += src0[off]!;
          continue;
        }
        for (let t = 0; t < u; t++) rel[t] = relpos[snRows[pc + t]!]!;
        for (let jj = 0; jj < u; jj++) {
          const colF = rel[jj]! * m;
          const src = off + jj * ld;
          for (let ii = jj; ii < u; ii++) F[colF + rel[ii]!] += src0[src + ii]!;
        }
      }
      // dense partial LDLᵀ of the k pivot columns, by panels of at most PANEL columns: each
      // panel is factored left-looking (two pivots at a time), then the columns after it (the
      // later panels and the Schur block) get its rank-nb update, two columns per pass
      for (let p0 = 0; p0 < k; p0 += PANEL) {
        const p1 = p0 + PANEL < k ? p0 + PANEL : k;
        let q = p0;
        for (; q + 1 < p1; q += 2) {
          pairUpdate(F, m, q, p0, q, D, f);
          this.finishPivot(F, m, q, f);
          const cq = q * m;
          const cq1 = cq + m;
          const t = F[cq + q + 1]! * D[f + q]!;
          if (t !== 0) for (let i = q + 1; i < m; i++) F[cq1 + i] -= t * F[cq + i]!;
          this.finishPivot(F, m, q + 1, f);
        }
        if (q < p1) {
          if (q > p0) leftUpdate1(F, m, q, p0, D, f);
          this.finishPivot(F, m, q, f);
        }
        if (m > p1) {
          if (p1 - p0 === 1) schur1(F, m, p0, D[f + p0]!);
          else schurF(F, m, p0, p1, D, f);
        }
      }
      // store the k columns of L
      const base = snLPtr[s]!;
      const km = k * m;
      if (km < 256) for (let t = 0; t < km; t++) Lx[base + t] = F[t]!;
      else Lx.set(F.subarray(0, km), base);
      // pop the children, push this update matrix (unless the parent is s + 1, which reads it
      // from F): the lower triangle of the trailing (m−k) × (m−k) block of F, leading dimension u
      const so = stackOff[s]!;
      if (m > k && so >= 0) {
        const u = m - k;
        for (let jj = 0; jj < u; jj++) {
          const from = (k + jj) * m + k;
          const to = so + jj * u;
          for (let ii = jj; ii < u; ii++) S[to + ii] = F[from + ii]!;
        }
      }
    }
    this.regularized = this.nReg > 0 || staticShift !== null;
    this.factored = true;
  }

  /**
   * Numeric up-looking (row by row) LDLᵀ of C + diag(staticShift), simplicial storage: row k of
   * L solves L(0:k, 0:k) D l = C(0:k, k) over its precomputed pattern (columns j ascending):
   * y = C(·, k) scattered, then for each j: L_kj = y_j / d_j, y_i −= L_ij y_j for the entries
   * i < k already in column j, d_k −= L_kj y_j. y is zero again after each row. Work
   * Σ_j (cc_j − 1)² with no per-column overhead beyond a few loads.
   */
  private numericSimplicial(): void {
    const { Cx, Cd, staticShift, Lx, D, Dinv, sLp, sLi, sRowPtr, sRowCol, sRowPos, sRp, sRj, sRpos } = this;
    const y = this.w1; // zero outside the current row's pattern (solve() leaves data in it)
    const n = this.n;
    y.fill(0);
    this.nReg = 0;
    // the pivot rule (pivot()) inlined for the common case: no dynamic regularization, the
    // pivot is used as computed unless it is exactly zero or not finite
    const dynamic = this.dynamic;
    let nPos = 0;
    for (let k = 0; k < n; k++) {
      for (let q = sRp[k]!, end = sRp[k + 1]!; q < end; q++) y[sRj[q]!] = Cx[sRpos[q]!]!;
      let d = Cd[k]! + (staticShift !== null ? staticShift[k]! : 0);
      for (let t = sRowPtr[k]!, tend = sRowPtr[k + 1]!; t < tend; t++) {
        const j = sRowCol[t]!;
        const pos = sRowPos[t]!;
        const yj = y[j]!;
        y[j] = 0;
        if (yj !== 0) for (let p = sLp[j]!; p < pos; p++) y[sLi[p]!] -= Lx[p]! * yj;
        const l = yj * Dinv[j]!;
        Lx[pos] = l;
        d -= l * yj;
      }
      if (dynamic || d === 0 || d - d !== 0) d = this.pivot(k, d);
      if (d > 0) nPos++;
      D[k] = d;
      Dinv[k] = 1 / d;
    }
    this.nPos = nPos;
    this.nNeg = n - nPos;
    this.regularized = this.nReg > 0 || staticShift !== null;
    this.factored = true;
  }
  /** x ← (L D Lᵀ)⁻¹ x in permuted numbering (x modified) */
  private ldltSolveInPlace(x: Float64Array): void {
    if (this.method === 'simplicial') simplicialSolveInPlace(this.n, this.sLp, this.sLi, this.Lx, this.Dinv, x);
    else supernodalSolveInPlace(this.n, this.supernodeCount, this.snFirst, this.snRowPtr, this.snRows, this.snLPtr, this.Lx, this.Dinv, x);
  }

  /** r ← b − C_sym x (unregularized, permuted numbering); returns ‖r‖∞ */
  private residualPermuted(b: Float64Array, x: Float64Array, r: Float64Array): number {
    return symmetricResidual(this.n, this.Cp, this.Ci, this.Cx, this.Cd, b, x, r);
  }

  /**
   * x = K⁻¹ rhs. rhs: length n, not modified. out: length n, overwritten and returned (allocated
   * if omitted; may alias rhs). When the factorization was regularized (or refineSteps > 0 was
   * given), iterative refinement against the unregularized K: r = rhs − K x, x += K̃⁻¹ r, at most
   * refineSteps times (default 3 when regularized, else 0), stopping early when ‖r‖∞ stops
   * decreasing or reaches the rounding level ‖r‖∞ ≤ ε (‖K‖∞ ‖x‖∞ + ‖rhs‖∞).
   */
  solve(rhs: Float64Array, out?: Float64Array): Float64Array {
    const n = this.n;
    if (!this.factored) throw new InputError('SparseLdl', 'a successful factor() before solve()', 'no factorization');
    if (rhs.length !== n) throw new DimensionError('rhs', `length ${n}`, `length ${rhs.length}`);
    if (out === undefined) out = new Float64Array(n);
    else if (out.length !== n) throw new DimensionError('out', `length ${n}`, `length ${out.length}`);
    const { perm, w1: b, w2: x } = this;
    for (let k = 0; k < n; k++) b[k] = rhs[perm[k]!]!;
    this.solvePermutedChecked(b, x);
    for (let k = 0; k < n; k++) out[perm[k]!] = x[k]!;
    return out;
  }

  /**
   * solve() in the elimination order, without the two permutations (for callers that assemble
   * the right-hand side directly in that order): bP[k] = rhs[perm[k]] (length n, not modified),
   * xP[k] = x[perm[k]] (length n, overwritten; must not alias bP). Same refinement as solve().
   */
  solvePermuted(bP: Float64Array, xP: Float64Array): void {
    const n = this.n;
    if (!this.factored) throw new InputError('SparseLdl', 'a successful factor() before solve()', 'no factorization');
    if (bP.length !== n) throw new DimensionError('bP', `length ${n}`, `length ${bP.length}`);
    if (xP.length !== n) throw new DimensionError('xP', `length ${n}`, `length ${xP.length}`);
    if (bP === xP) throw new InputError('xP', 'an array other than bP', 'the same array');
    this.solvePermutedChecked(bP, xP);
  }

  private solvePermutedChecked(b: Float64Array, x: Float64Array): void {
    const n = this.n;
    x.set(b);
    this.ldltSolveInPlace(x);
    const steps = this.refineOption ?? (this.regularized ? 3 : 0);
    if (steps > 0) {
      const r = this.w3;
      const xn = this.w4;
      let bnorm = 0;
      for (let k = 0; k < n; k++) bnorm = Math.max(bnorm, Math.abs(b[k]!));
      if (!this.normKValid) {
        this.normK = symmetricNormInf(n, this.Cp, this.Ci, this.Cx, this.Cd, r);
        this.normKValid = true;
      }
      let rnorm = this.residualPermuted(b, x, r);
      for (let s = 0; s < steps; s++) {
        // stop at the rounding level: backward error ‖r‖ / (‖K‖‖x‖ + ‖b‖) ≤ ε
        let xnorm = 0;
        for (let k = 0; k < n; k++) xnorm = Math.max(xnorm, Math.abs(x[k]!));
        if (!(rnorm > Number.EPSILON * (this.normK * xnorm + bnorm))) break;
        this.ldltSolveInPlace(r);
        for (let k = 0; k < n; k++) xn[k] = x[k]! + r[k]!;
        const rn = this.residualPermuted(b, xn, r);
        if (!(rn < rnorm)) break;
        x.set(xn);
        rnorm = rn;
      }
    }
  }


  /** the diagonal D of the factorization, in elimination order (a copy) */
  diagonal(): Float64Array {
    return this.D.slice();
  }
}
