/**
 * The regularized KKT system of the proximal interior-point method and its factorization.
 *
 * Newton system of one iteration (solver.ts derives it; internal scaled data, data.ts):
 *
 *   [ P̃ + ρI + B   Ãᵀ     G̃ᵀ ] [dx]   [r_x]
 *   [ Ã            −δI     0  ] [dy] = [r_y]          (K, size N = n + p + m)
 *   [ G̃             0    −W  ] [dz]   [r_z]
 *
 * with W = diag(δ + s/z) (m, from the eliminated slacks) and B = diag(boxDiag), boxDiag_j =
 * 1/(δ + s_lb/z_lb) + 1/(δ + s_ub/z_ub) over the finite bounds of x_j (bounds are eliminated
 * into the diagonal, so a bound-heavy problem costs nothing extra). K is quasi-definite: the
 * (1,1) block is positive definite (ρ > 0), the (2,2) block negative definite (δ > 0), so an
 * LDLᵀ factorization with any symmetric ordering exists, with n positive and p + m negative
 * pivots. Pivot signs are passed to the factorization; a wrong inertia or a zero pivot is a
 * failure the caller repairs (solver.ts: first a "robust" factorization with a small static
 * regularization refined against K, then larger ρ, δ).
 *
 * Two implementations:
 *  - SparseKkt: the unreduced K above, upper triangle in CSC, factored by SparseLdl
 *    (linalg/ldl.ts). The symbolic analysis (ordering, elimination tree) depends only on the
 *    pattern of P, A, G; it is done once per pattern and cached across iterations AND across
 *    solves (PatternCache, keyed by a hash of the KKT pattern, verified entry by entry). Each
 *    iteration only rewrites the N diagonal values and refactors numerically.
 *  - DenseKkt: the inequality block eliminated, dense (n + p) × (n + p):
 *        [ P̃ + ρI + B + G̃ᵀW⁻¹G̃   Ãᵀ ] [dx]   [r_x + G̃ᵀW⁻¹r_z]
 *        [ Ã                      −δI ] [dy] = [r_y           ],   dz = W⁻¹(G̃ dx − r_z),
 *    factored by DenseLdl (linalg/dense.ts). Cheaper than the unreduced dense K whenever m > 0.
 */
import { ZeroPivotError, LinearAlgebraError } from '../../../errors.ts';
import { DenseLdl } from '../../../linalg/dense.ts';
import { SparseLdl } from '../../../linalg/ldl.ts';
import type { CscMatrix } from '../../../linalg/types.ts';
import type { DenseQpData, SparseQpData } from './data.ts';

/** Static regularization of a "robust" factorization (absolute part, scaled data ~ 1). */
const ROBUST_STATIC_REG = 1e-8;
/** Iterative-refinement steps of a robust factorization (against the exact K). */
const ROBUST_REFINE_STEPS = 10;
/** Iterative-refinement steps of a normal factorization (against the exact K). */
const NORMAL_REFINE_STEPS = 0;

export interface KktSystem {
  readonly kind: 'sparse' | 'dense';
  /** number of rows N of the factored matrix */
  readonly size: number;
  /**
   * Assemble K(ρ, δ, W, boxDiag) and factor it. W: length m (each > 0), boxDiag: length n
   * (≥ 0); neither is modified. `robust`: add a small static regularization and refine
   * solves against the exact K. Returns false when the factorization fails (zero or
   * non-finite pivot, wrong inertia); the previous factorization is then invalid.
   */
  factor(rho: number, delta: number, W: Float64Array, boxDiag: Float64Array, robust: boolean): boolean;
  /**
   * Solve K [dx; dy; dz] = [rx; ry; rz] with the last successful factorization.
   * rx, dx: length n; ry, dy: length p; rz, dz: length m. Inputs not modified; outputs overwritten.
   */
  solve(rx: Float64Array, ry: Float64Array, rz: Float64Array, dx: Float64Array, dy: Float64Array, dz: Float64Array): void;
}

// =============================================================================================
// Pattern cache
// =============================================================================================

/** One cached symbolic analysis: the KKT pattern and its analyzed factorization objects. */
interface PatternEntry {
  readonly colPtr: Int32Array;
  readonly rowIdx: Int32Array;
  normal: SparseLdl | null;
  robust: SparseLdl | null;
}

/**
 * Symbolic analyses per KKT pattern, least recently used first out. Keys: N, nnz and a 32-bit
 * FNV-1a hash of colPtr and rowIdx; a hit is confirmed by comparing the arrays (a hash collision
 * can never reuse a wrong analysis). `analyses` counts SparseLdl.analyze calls (for tests).
 */
export class PatternCache {
  private readonly entries = new Map<string, PatternEntry[]>();
  private readonly order: string[] = [];
  /** number of symbolic analyses performed through this cache */
  analyses = 0;
  /** number of solves that found their pattern already analyzed */
  hits = 0;

  constructor(public maxEntries: number) {}

  static key(colPtr: Int32Array, rowIdx: Int32Array): string {
    let h = 0x811c9dc5;
    for (let i = 0; i < colPtr.length; i++) h = Math.imul(h ^ colPtr[i]!, 0x01000193);
    for (let i = 0; i < rowIdx.length; i++) h = Math.imul(h ^ rowIdx[i]!, 0x01000193);
    return `${colPtr.length - 1}:${rowIdx.length}:${(h >>> 0).toString(16)}`;
  }

  /** The entry of this pattern (created, and possibly evicting the oldest, when absent). */
  lookup(colPtr: Int32Array, rowIdx: Int32Array): PatternEntry {
    const key = PatternCache.key(colPtr, rowIdx);
    const list = this.entries.get(key);
    if (list) {
      for (const e of list) {
        if (sameArray(e.colPtr, colPtr) && sameArray(e.rowIdx, rowIdx)) {
          this.hits++;
          const k = this.order.indexOf(key);
          if (k >= 0) this.order.splice(k, 1);
          this.order.push(key);
          return e;
        }
      }
    }
    const entry: PatternEntry = { colPtr, rowIdx, normal: null, robust: null };
    if (this.maxEntries <= 0) return entry;
    if (list) list.push(entry);
    else this.entries.set(key, [entry]);
    this.order.push(key);
    while (this.order.length > this.maxEntries) {
      const old = this.order.shift()!;
      this.entries.delete(old);
    }
    return entry;
  }

  clear(): void {
    this.entries.clear();
    this.order.length = 0;
  }
}

function sameArray(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// =============================================================================================
// Sparse KKT
// =============================================================================================

export class SparseKkt implements KktSystem {
  readonly kind = 'sparse' as const;
  readonly size: number;
  private readonly n: number;
  private readonly p: number;
  private readonly m: number;
  /** upper triangle of K (pattern + current values) */
  private readonly K: CscMatrix;
  /** position in K.values of each diagonal entry (length N) */
  private readonly diagPos: Int32Array;
  /** P̃_jj (0 where P has no diagonal entry) */
  private readonly pDiag: Float64Array;
  private readonly signs: Int8Array;
  private readonly entry: PatternEntry;
  private readonly cache: PatternCache;
  private current: SparseLdl | null = null;
  private readonly rhs: Float64Array;
  private readonly sol: Float64Array;

  constructor(data: SparseQpData, cache: PatternCache) {
    const { n, p, m } = data;
    this.n = n;
    this.p = p;
    this.m = m;
    const N = n + p + m;
    this.size = N;
    const { Pu, A, G } = data;
    // ---- column counts of the upper triangle of K
    const colPtr = new Int32Array(N + 1);
    for (let j = 0; j < n; j++) {
      let c = 1; // diagonal
      for (let q = Pu.colPtr[j]!; q < Pu.colPtr[j + 1]!; q++) if (Pu.rowIdx[q]! < j) c++;
      colPtr[j + 1] = c;
    }
    for (let q = 0; q < A.colPtr[n]!; q++) colPtr[n + A.rowIdx[q]! + 1]++;
    for (let q = 0; q < G.colPtr[n]!; q++) colPtr[n + p + G.rowIdx[q]! + 1]++;
    for (let k = n; k < N; k++) colPtr[k + 1]++; // diagonal of the constraint block
    for (let k = 0; k < N; k++) colPtr[k + 1] += colPtr[k]!;
    const nnz = colPtr[N]!;
    const rowIdx = new Int32Array(nnz);
    const values = new Float64Array(nnz);
    const diagPos = new Int32Array(N);
    const pDiag = new Float64Array(n);
    // ---- P block: strict upper entries in row order, then the diagonal (rows of Pu sorted)
    for (let j = 0; j < n; j++) {
      let t = colPtr[j]!;
      for (let q = Pu.colPtr[j]!; q < Pu.colPtr[j + 1]!; q++) {
        const i = Pu.rowIdx[q]!;
        if (i < j) {
          rowIdx[t] = i;
          values[t++] = Pu.values[q]!;
        } else pDiag[j] = Pu.values[q]!;
      }
      rowIdx[t] = j;
      diagPos[j] = t;
    }
    // ---- Aᵀ and Gᵀ blocks: column n+i holds row i of A; visiting columns of A in order keeps rows sorted
    const next = colPtr.slice(0, N);
    for (const [M, off] of [
      [A, n],
      [G, n + p],
    ] as const) {
      for (let j = 0; j < n; j++) {
        for (let q = M.colPtr[j]!; q < M.colPtr[j + 1]!; q++) {
          const col = off + M.rowIdx[q]!;
          const t = next[col]!++;
          rowIdx[t] = j;
          values[t] = M.values[q]!;
        }
      }
    }
    for (let k = n; k < N; k++) {
      const t = next[k]!;
      rowIdx[t] = k;
      diagPos[k] = t;
    }
    this.K = { format: 'csc', nrows: N, ncols: N, colPtr, rowIdx, values };
    this.diagPos = diagPos;
    this.pDiag = pDiag;
    const signs = new Int8Array(N);
    for (let k = 0; k < N; k++) signs[k] = k < n ? 1 : -1;
    this.signs = signs;
    this.cache = cache;
    this.entry = cache.lookup(colPtr, rowIdx);
    this.rhs = new Float64Array(N);
    this.sol = new Float64Array(N);
    this.ldl(false); // symbolic analysis now (setup time), or reuse the cached one
  }

  private ldl(robust: boolean): SparseLdl {
    const e = this.entry;
    if (!robust) {
      if (!e.normal) {
        this.cache.analyses++;
        e.normal = SparseLdl.analyze(this.K, { signs: this.signs, refineSteps: NORMAL_REFINE_STEPS });
      }
      return e.normal;
    }
    if (!e.robust) {
      this.cache.analyses++;
      const ordering = e.normal ? e.normal.perm : 'amd';
      e.robust = SparseLdl.analyze(this.K, {
        ordering,
        signs: this.signs,
        staticReg: ROBUST_STATIC_REG,
        refineSteps: ROBUST_REFINE_STEPS,
      });
    }
    return e.robust;
  }

  factor(rho: number, delta: number, W: Float64Array, boxDiag: Float64Array, robust: boolean): boolean {
    const { n, p, m, diagPos } = this;
    const v = this.K.values;
    for (let j = 0; j < n; j++) v[diagPos[j]!] = this.pDiag[j]! + rho + boxDiag[j]!;
    for (let i = 0; i < p; i++) v[diagPos[n + i]!] = -delta;
    for (let k = 0; k < m; k++) v[diagPos[n + p + k]!] = -W[k]!;
    this.current = null;
    for (let t = 0; t < v.length; t++) if (!Number.isFinite(v[t]!)) return false;
    const ldl = this.ldl(robust);
    try {
      ldl.factor(v);
    } catch (e) {
      if (e instanceof ZeroPivotError || e instanceof LinearAlgebraError) return false;
      throw e;
    }
    if (ldl.positivePivots !== n || ldl.negativePivots !== p + m) return false;
    this.current = ldl;
    return true;
  }

  solve(rx: Float64Array, ry: Float64Array, rz: Float64Array, dx: Float64Array, dy: Float64Array, dz: Float64Array): void {
    const { n, p, m, rhs, sol } = this;
    if (!this.current) throw new LinearAlgebraError('KKT solve without a valid factorization');
    rhs.set(rx, 0);
    rhs.set(ry, n);
    rhs.set(rz, n + p);
    this.current.solve(rhs, sol);
    dx.set(sol.subarray(0, n));
    dy.set(sol.subarray(n, n + p));
    dz.set(sol.subarray(n + p, n + p + m));
  }
}

// =============================================================================================
// Dense KKT (inequalities eliminated)
// =============================================================================================

export class DenseKkt implements KktSystem {
  readonly kind = 'dense' as const;
  readonly size: number;
  private readonly data: DenseQpData;
  /** row-major (n+p)², only the lower triangle is written/read */
  private readonly M: Float64Array;
  private readonly signs: Int8Array;
  private readonly winv: Float64Array;
  private current: DenseLdl | null = null;
  private readonly rhs: Float64Array;
  private readonly sol: Float64Array;
  private readonly work: Float64Array;
  /** G̃ᵀ, n × m row-major (rows of Gᵀ are contiguous for the Gᵀ W⁻¹ G products) */
  private readonly GT: Float64Array;
  /** four scaled rows of Gᵀ (work, 4·m) */
  private readonly rowsW: Float64Array;

  constructor(data: DenseQpData) {
    this.data = data;
    const N = data.n + data.p;
    this.size = N;
    this.M = new Float64Array(N * N);
    const signs = new Int8Array(N);
    for (let k = 0; k < N; k++) signs[k] = k < data.n ? 1 : -1;
    this.signs = signs;
    this.winv = new Float64Array(data.m);
    this.rhs = new Float64Array(N);
    this.sol = new Float64Array(N);
    this.work = new Float64Array(data.m);
    const { n, m, G } = data;
    const GT = new Float64Array(n * m);
    for (let k = 0; k < m; k++) for (let j = 0; j < n; j++) GT[j * m + k] = G[k * n + j]!;
    this.GT = GT;
    this.rowsW = new Float64Array(4 * m);
  }

  factor(rho: number, delta: number, W: Float64Array, boxDiag: Float64Array, robust: boolean): boolean {
    const { n, p, m, P, A } = this.data;
    const N = n + p;
    const M = this.M;
    // H = P̃ + diag(ρ + boxDiag), lower triangle
    for (let i = 0; i < n; i++) {
      const off = i * N;
      const poff = i * n;
      for (let j = 0; j <= i; j++) M[off + j] = P[poff + j]!;
      M[off + i] += rho + boxDiag[i]!;
    }
    // H += G̃ᵀ W⁻¹ G̃: H_ij += Σ_k Gᵀ_ik w_k Gᵀ_jk as dot products of rows of Gᵀ (contiguous,
    // length m), four rows i at a time so each loaded row j serves four sums
    const GT = this.GT;
    const winv = this.winv;
    for (let k = 0; k < m; k++) winv[k] = 1 / W[k]!;
    if (m > 0) {
      const t = this.rowsW;
      for (let i0 = 0; i0 < n; i0 += 4) {
        const nb = Math.min(4, n - i0);
        for (let b = 0; b < nb; b++) {
          const src = (i0 + b) * m;
          const dst = b * m;
          for (let k = 0; k < m; k++) t[dst + k] = GT[src + k]! * winv[k]!;
        }
        const iMax = i0 + nb - 1;
        let j = 0;
        if (nb === 4) {
          // 4 × 2 blocks: rows i0..i0+3 against rows j, j+1 of Gᵀ
          for (; j + 1 <= iMax; j += 2) {
            const ga = j * m;
            const gb = ga + m;
            let a0 = 0;
            let a1 = 0;
            let a2 = 0;
            let a3 = 0;
            let b0 = 0;
            let b1 = 0;
            let b2 = 0;
            let b3 = 0;
            for (let k = 0; k < m; k++) {
              const x = GT[ga + k]!;
              const y = GT[gb + k]!;
              const t0 = t[k]!;
              const t1 = t[m + k]!;
              const t2 = t[2 * m + k]!;
              const t3 = t[3 * m + k]!;
              a0 += t0 * x;
              a1 += t1 * x;
              a2 += t2 * x;
              a3 += t3 * x;
              b0 += t0 * y;
              b1 += t1 * y;
              b2 += t2 * y;
              b3 += t3 * y;
            }
            for (let b = 0; b < 4; b++) {
              const row = (i0 + b) * N;
              const sa = b === 0 ? a0 : b === 1 ? a1 : b === 2 ? a2 : a3;
              const sb = b === 0 ? b0 : b === 1 ? b1 : b === 2 ? b2 : b3;
              if (j <= i0 + b) M[row + j] += sa;
              if (j + 1 <= i0 + b) M[row + j + 1] += sb;
            }
          }
        }
        for (; j <= iMax; j++) {
          const gj = j * m;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          if (nb === 4) {
            for (let k = 0; k < m; k++) {
              const g = GT[gj + k]!;
              s0 += t[k]! * g;
              s1 += t[m + k]! * g;
              s2 += t[2 * m + k]! * g;
              s3 += t[3 * m + k]! * g;
            }
          } else {
            for (let k = 0; k < m; k++) {
              const g = GT[gj + k]!;
              s0 += t[k]! * g;
              if (nb > 1) s1 += t[m + k]! * g;
              if (nb > 2) s2 += t[2 * m + k]! * g;
            }
          }
          if (j <= i0) M[i0 * N + j] += s0;
          if (nb > 1 && j <= i0 + 1) M[(i0 + 1) * N + j] += s1;
          if (nb > 2 && j <= i0 + 2) M[(i0 + 2) * N + j] += s2;
          if (nb > 3 && j <= i0 + 3) M[(i0 + 3) * N + j] += s3;
        }
      }
    }
    // [Ã  −δI] rows
    for (let i = 0; i < p; i++) {
      const off = (n + i) * N;
      M.set(A.subarray(i * n, (i + 1) * n), off);
      for (let j = n; j < n + i; j++) M[off + j] = 0;
      M[off + n + i] = -delta;
    }
    this.current = null;
    for (let t = 0; t < M.length; t++) if (!Number.isFinite(M[t]!)) return false;
    let ldl: DenseLdl;
    try {
      ldl = DenseLdl.factor(
        { format: 'dense', nrows: N, ncols: N, data: M },
        robust ? { signs: this.signs, staticReg: ROBUST_STATIC_REG, refineSteps: ROBUST_REFINE_STEPS } : { signs: this.signs, refineSteps: NORMAL_REFINE_STEPS },
      );
    } catch (e) {
      if (e instanceof LinearAlgebraError) return false;
      throw e;
    }
    if (ldl.positivePivots !== n || ldl.negativePivots !== p) return false;
    this.current = ldl;
    return true;
  }

  solve(rx: Float64Array, ry: Float64Array, rz: Float64Array, dx: Float64Array, dy: Float64Array, dz: Float64Array): void {
    const { n, p, m } = this.data;
    if (!this.current) throw new LinearAlgebraError('KKT solve without a valid factorization');
    const { rhs, sol, work, winv } = this;
    // rhs_x = r_x + G̃ᵀ W⁻¹ r_z
    for (let k = 0; k < m; k++) work[k] = winv[k]! * rz[k]!;
    const rxPart = rhs.subarray(0, n);
    rxPart.set(rx);
    if (m > 0) this.data.mulGT(work, rxPart, true);
    rhs.set(ry, n);
    this.current.solve(rhs, sol);
    dx.set(sol.subarray(0, n));
    dy.set(sol.subarray(n, n + p));
    // dz = W⁻¹ (G̃ dx − r_z)
    if (m > 0) {
      this.data.mulG(dx, dz);
      for (let k = 0; k < m; k++) dz[k] = winv[k]! * (dz[k]! - rz[k]!);
    }
  }
}
