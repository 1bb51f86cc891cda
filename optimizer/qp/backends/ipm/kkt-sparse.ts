/**
 * SparseKkt: the interior-point KKT system (kkt.ts) in sparse form, with the short rows of G̃
 * eliminated by hand; its pattern-dependent part (KktStructure, symbolic analyses) is cached per
 * input pattern across iterations and solves (KktPatternCache). See kkt.ts for the system.
 */
import { LinearAlgebraError } from '../../../errors.ts';
import { cscFromTripletsWithMap } from '../../../linalg/csc.ts';
import { SparseLdl } from '../../../linalg/ldl.ts';
import { factorChecked } from '../../../linalg/linsys.ts';
import { PatternCache } from '../../../linalg/pattern-cache.ts';
import type { CscMatrix } from '../../../linalg/types.ts';
import { maxAbs } from '../../../linalg/vec.ts';
import type { SparseQpData } from './data.ts';
import { checkArguments, NORMAL_REFINE_STEPS, ROBUST_REFINE_STEPS, ROBUST_STATIC_REG, type KktSystem } from './kkt.ts';

/**
 * Rows of G̃ with at most this many nonzeros are eliminated from the sparse KKT (their −W
 * pivots taken first, by hand): row k adds g_a g_b / W_k to the (a, b) entries of the (1,1)
 * block, a clique of its nonzeros. For such short rows the clique is what any elimination
 * order creates anyway (a one-entry row only changes a diagonal entry, like a bound), the
 * factored matrix gets smaller, and the per-column overhead of the LDLᵀ disappears for these
 * rows (e.g. simplex projection: C = −I; chain: rows ±(e_j − e_{j+1})).
 */
export const KKT_ELIMINATE_MAX_ROW_NNZ = 2;
/**
 * Eliminating a row with two or more entries adds (g gᵀ)/W_k to the (1,1) block; once the row is
 * active, W_k → δ (down to 1e-13) and that rank-one term swamps the block, so the pivots after it
 * are differences of huge numbers (cancellation). One-entry rows only grow a diagonal entry and
 * are always safe. SparseKkt therefore falls back to eliminating only the one-entry rows
 * (this limit) for the rest of a solve as soon as a factorization with the longer rows fails.
 */
export const KKT_SAFE_ELIMINATE_MAX_ROW_NNZ = 1;

/**
 * Everything of the sparse KKT that depends only on the sparsity patterns of P̃ (upper
 * triangle), Ã and G̃: which rows of G̃ are eliminated, the pattern of the (reduced) K, where
 * each entry of P̃, Ã, G̃ lands in K.values, the clique positions, and the symbolic analyses.
 * Built once per pattern and cached across solves (KktPatternCache).
 */
export class KktStructure {
  readonly n: number;
  readonly p: number;
  readonly m: number;
  /** rows of G̃ with at most this many nonzeros are eliminated */
  readonly maxElim: number;
  /** order of K: n + p + (number of kept rows) */
  readonly N: number;
  /** pattern of the upper triangle of K (values unused: every solve has its own) */
  readonly K: CscMatrix;
  /** position in K.values of each entry of P̃ᵤ / Ã (CSC entry order) */
  readonly pMap: Int32Array;
  readonly aMap: Int32Array;
  /** each entry of G̃: ≥ 0 position in K.values (kept row), < 0 → position −g−1 in elimVal */
  readonly gMap: Int32Array;
  /** position in K.values of each diagonal entry (length N) */
  readonly diagPos: Int32Array;
  /** rows of G̃ kept in K (K row n + p + t holds row keptRows[t]) and eliminated */
  readonly keptRows: Int32Array;
  readonly elimRows: Int32Array;
  /** eliminated rows in CSR: entries elimPtr[e] .. elimPtr[e+1] (columns ascending) */
  readonly elimPtr: Int32Array;
  readonly elimCol: Int32Array;
  /** r ∈ {1, 2} when every eliminated row has exactly r entries (elimPtr[e] = r·e: the loops
   *  over eliminated rows then skip elimPtr and the inner loop), else 0 */
  readonly elimUniform: number;
  /** clique entries of eliminated row e: cliquePtr[e] .. cliquePtr[e+1]; entry c adds
   *  elimVal[cliqueA[c]]·elimVal[cliqueB[c]] / W at K.values[cliquePos[c]] */
  readonly cliquePtr: Int32Array;
  readonly cliquePos: Int32Array;
  readonly cliqueA: Int32Array;
  readonly cliqueB: Int32Array;
  /** expected pivot signs: +1 for the n primal rows, −1 for the others */
  readonly signs: Int8Array;
  /** symbolic analyses (made on first use) */
  normal: SparseLdl | null = null;
  /** value arrays of the last solve on this structure (reused) */
  work: KktValueArrays | null = null;
  robust: SparseLdl | null = null;

  constructor(n: number, p: number, m: number, Pu: CscMatrix, A: CscMatrix, G: CscMatrix, maxElim: number) {
    this.n = n;
    this.p = p;
    this.m = m;
    this.maxElim = maxElim;
    // ---- classify the rows of G by their number of nonzeros
    const rowNnz = new Int32Array(m);
    const gnz = G.colPtr[n]!;
    for (let q = 0; q < gnz; q++) rowNnz[G.rowIdx[q]!]++;
    let me = 0;
    for (let k = 0; k < m; k++) if (rowNnz[k]! <= maxElim) me++;
    const mk = m - me;
    const keptRows = new Int32Array(mk);
    const elimRows = new Int32Array(me);
    /** slot of row k: ≥ 0 kept position, < 0 → eliminated position −slot−1 */
    const slot = new Int32Array(m);
    for (let k = 0, a = 0, b = 0; k < m; k++) {
      if (rowNnz[k]! <= maxElim) {
        elimRows[b] = k;
        slot[k] = -b - 1;
        b++;
      } else {
        keptRows[a] = k;
        slot[k] = a++;
      }
    }
    const N = n + p + mk;
    this.N = N;
    // eliminated rows as CSR (columns ascending: G is visited column by column)
    const elimPtr = new Int32Array(me + 1);
    for (let e = 0; e < me; e++) elimPtr[e + 1] = elimPtr[e]! + rowNnz[elimRows[e]!]!;
    const elimCol = new Int32Array(elimPtr[me]!);
    const gMap = new Int32Array(gnz);
    const next = elimPtr.slice(0, me);
    for (let j = 0; j < n; j++) {
      for (let q = G.colPtr[j]!; q < G.colPtr[j + 1]!; q++) {
        const sl = slot[G.rowIdx[q]!]!;
        if (sl >= 0) continue;
        const t = next[-sl - 1]!++;
        elimCol[t] = j;
        gMap[q] = -t - 1;
      }
    }
    // ---- triplets of the upper triangle of K: P, diagonal, cliques, A, kept G
    let nClique = 0;
    for (let e = 0; e < me; e++) {
      const r = elimPtr[e + 1]! - elimPtr[e]!;
      nClique += (r * (r + 1)) / 2;
    }
    const pnz = Pu.colPtr[n]!;
    const anz = A.colPtr[n]!;
    const T = pnz + N + nClique + anz + gnz;
    const ti = new Int32Array(T);
    const tj = new Int32Array(T);
    let t = 0;
    for (let j = 0; j < n; j++) {
      for (let q = Pu.colPtr[j]!; q < Pu.colPtr[j + 1]!; q++) {
        ti[t] = Pu.rowIdx[q]!;
        tj[t++] = j;
      }
    }
    const diagT = t;
    for (let k = 0; k < N; k++) {
      ti[t] = k;
      tj[t++] = k;
    }
    const cliqueT = t;
    const cliquePtr = new Int32Array(me + 1);
    const cliqueA = new Int32Array(nClique);
    const cliqueB = new Int32Array(nClique);
    for (let e = 0, c = 0; e < me; e++) {
      for (let a = elimPtr[e]!; a < elimPtr[e + 1]!; a++) {
        for (let b = a; b < elimPtr[e + 1]!; b++) {
          ti[t] = elimCol[a]!; // columns ascending: row ≤ column
          tj[t++] = elimCol[b]!;
          cliqueA[c] = a;
          cliqueB[c++] = b;
        }
      }
      cliquePtr[e + 1] = c;
    }
    const aT = t;
    for (let j = 0; j < n; j++) {
      for (let q = A.colPtr[j]!; q < A.colPtr[j + 1]!; q++) {
        ti[t] = j;
        tj[t++] = n + A.rowIdx[q]!;
      }
    }
    const gTrip = new Int32Array(gnz).fill(-1);
    for (let j = 0; j < n; j++) {
      for (let q = G.colPtr[j]!; q < G.colPtr[j + 1]!; q++) {
        const sl = slot[G.rowIdx[q]!]!;
        if (sl < 0) continue;
        gTrip[q] = t;
        ti[t] = j;
        tj[t++] = n + p + sl;
      }
    }
    const { matrix, map } = cscFromTripletsWithMap(N, N, ti.subarray(0, t), tj.subarray(0, t), new Float64Array(t));
    this.K = matrix;
    this.pMap = map.slice(0, pnz);
    this.diagPos = map.slice(diagT, diagT + N);
    this.cliquePos = map.slice(cliqueT, cliqueT + nClique);
    this.aMap = map.slice(aT, aT + anz);
    for (let q = 0; q < gnz; q++) if (gTrip[q]! >= 0) gMap[q] = map[gTrip[q]!]!;
    this.gMap = gMap;
    this.cliquePtr = cliquePtr;
    this.cliqueA = cliqueA;
    this.cliqueB = cliqueB;
    this.keptRows = keptRows;
    this.elimRows = elimRows;
    this.elimPtr = elimPtr;
    this.elimCol = elimCol;
    let uniform = me > 0 ? elimPtr[1]! : 0;
    for (let e = 0; e < me && uniform > 0; e++) if (elimPtr[e + 1]! - elimPtr[e]! !== uniform) uniform = 0;
    this.elimUniform = uniform <= 2 ? uniform : 0;
    const signs = new Int8Array(N);
    for (let k = 0; k < N; k++) signs[k] = k < n ? 1 : -1;
    this.signs = signs;
  }
}

/**
 * KKT structures (with their symbolic analyses) per input pattern (P̃ᵤ, Ã, G̃) and elimination
 * limit: the generic PatternCache (linalg/pattern-cache.ts) keyed by the sizes and the pattern
 * arrays, least recently used first out. Keys are copied (copyKeys), so a caller that modifies
 * its arrays in place can never reuse a wrong analysis. `analyses` counts SparseLdl.analyze
 * calls, `hits` solves whose pattern was found (for tests).
 */
export class KktPatternCache {
  private readonly cache: PatternCache<KktStructure>;
  /** number of symbolic analyses performed through this cache */
  analyses = 0;

  constructor(maxEntries: number) {
    this.cache = new PatternCache<KktStructure>(maxEntries, true);
  }

  /** number of solves that found their pattern already analyzed */
  get hits(): number {
    return this.cache.hits;
  }

  /** patterns kept (0: none, every lookup builds a new structure) */
  get maxEntries(): number {
    return this.cache.capacity;
  }

  set maxEntries(capacity: number) {
    this.cache.capacity = capacity;
  }

  /** The structure of this pattern (built, and possibly evicting the oldest, when absent). */
  lookup(n: number, p: number, m: number, Pu: CscMatrix, A: CscMatrix, G: CscMatrix, maxElim: number): KktStructure {
    const key = [
      Int32Array.of(n, p, m, maxElim),
      Pu.colPtr.subarray(0, n + 1),
      Pu.rowIdx.subarray(0, Pu.colPtr[n]!),
      A.colPtr.subarray(0, n + 1),
      A.rowIdx.subarray(0, A.colPtr[n]!),
      G.colPtr.subarray(0, n + 1),
      G.rowIdx.subarray(0, G.colPtr[n]!),
    ];
    return this.cache.get(key, () => new KktStructure(n, p, m, Pu, A, G, maxElim));
  }

  clear(): void {
    this.cache.clear();
  }
}

/** The per-solve values on one KktStructure. */
class KktValues {
  /** values of K without ρ, δ, W, boxDiag and cliques (P̃, Ã, kept G̃ entries; 0 elsewhere) */
  readonly base: Float64Array;
  /** current values of K */
  readonly values: Float64Array;
  /** values of the eliminated rows (CSR as st.elimPtr / st.elimCol) */
  readonly elimVal: Float64Array;
  /** g_a g_b of each clique entry */
  readonly cliqueCoef: Float64Array;
  /** W⁻¹ of the eliminated rows, from the last factor */
  readonly winvE: Float64Array;
  readonly rhs: Float64Array;
  readonly sol: Float64Array;

  constructor(
    readonly st: KktStructure,
    data: SparseQpData,
  ) {
    const { Pu, A, G } = data;
    // the arrays are kept on the (cached) structure and reused by the next solve on it
    const ws = st.work ?? (st.work = new KktValueArrays(st));
    const base = ws.base;
    base.fill(0);
    const pv = Pu.values;
    for (let q = 0; q < st.pMap.length; q++) base[st.pMap[q]!] += pv[q]!;
    const av = A.values;
    for (let q = 0; q < st.aMap.length; q++) base[st.aMap[q]!] += av[q]!;
    const elimVal = ws.elimVal;
    const gv = G.values;
    for (let q = 0; q < st.gMap.length; q++) {
      const g = st.gMap[q]!;
      if (g >= 0) base[g] += gv[q]!;
      else elimVal[-g - 1] = gv[q]!;
    }
    const cliqueCoef = ws.cliqueCoef;
    for (let c = 0; c < cliqueCoef.length; c++) cliqueCoef[c] = elimVal[st.cliqueA[c]!]! * elimVal[st.cliqueB[c]!]!;
    this.base = base;
    this.values = ws.values;
    this.elimVal = elimVal;
    this.cliqueCoef = cliqueCoef;
    this.winvE = ws.winvE;
    this.rhs = ws.rhs;
    this.sol = ws.sol;
    this.arrays = ws;
  }

  private readonly arrays: KktValueArrays;

  /** pinv[elimCol[a]] for the factorization `ldl` (cached per factorization object) */
  elimColPermuted(ldl: SparseLdl): Int32Array {
    const w = this.arrays;
    if (w.permOwner !== ldl) {
      const { elimCol } = this.st;
      const pinv = ldl.pinv;
      for (let a = 0; a < elimCol.length; a++) w.elimColP[a] = pinv[elimCol[a]!]!;
      w.permOwner = ldl;
    }
    return w.elimColP;
  }
}

/** Value-sized arrays of one KktStructure, reused across solves (solves are sequential). */
class KktValueArrays {
  readonly base: Float64Array;
  readonly values: Float64Array;
  readonly elimVal: Float64Array;
  readonly cliqueCoef: Float64Array;
  readonly winvE: Float64Array;
  readonly rhs: Float64Array;
  readonly sol: Float64Array;
  /** elimination-order positions of the eliminated rows' columns, valid for permOwner */
  readonly elimColP: Int32Array;
  permOwner: SparseLdl | null = null;
  constructor(st: KktStructure) {
    const nnzK = st.K.colPtr[st.N]!;
    this.base = new Float64Array(nnzK);
    this.values = new Float64Array(nnzK);
    this.elimVal = new Float64Array(st.elimCol.length);
    this.cliqueCoef = new Float64Array(st.cliqueA.length);
    this.winvE = new Float64Array(st.elimRows.length);
    this.rhs = new Float64Array(st.N);
    this.sol = new Float64Array(st.N);
    this.elimColP = new Int32Array(st.elimCol.length);
  }
}

/**
 * Row-length limit of the eliminated rows for G̃: KKT_ELIMINATE_MAX_ROW_NNZ when EVERY row is
 * that short (then K keeps no inequality row at all, the case that pays: chain-like
 * difference constraints), else KKT_SAFE_ELIMINATE_MAX_ROW_NNZ. With a mix of short and long
 * rows the gain is small and the cliques of short rows were seen to derail a hard problem
 * (Maros–Meszaros QPILOTNO, 62 two-entry rows among 274).
 */
function eliminationLimit(G: CscMatrix): number {
  const m = G.nrows;
  const nnz = G.colPtr[G.ncols]!;
  if (m === 0 || nnz > KKT_ELIMINATE_MAX_ROW_NNZ * m) return KKT_SAFE_ELIMINATE_MAX_ROW_NNZ;
  const count = new Int32Array(m);
  for (let q = 0; q < nnz; q++) if (++count[G.rowIdx[q]!]! > KKT_ELIMINATE_MAX_ROW_NNZ) return KKT_SAFE_ELIMINATE_MAX_ROW_NNZ;
  return KKT_ELIMINATE_MAX_ROW_NNZ;
}

/**
 * Clique terms of the eliminated rows: winv_e = 1/W[rows[e]] and v[cliquePos[c]] += coef[c]·winv_e
 * over the clique entries c of row e (cliquePtr; for uniform rows of length r, the r(r+1)/2
 * entries of row e start at c = e·r(r+1)/2). v and winv modified. Returns Σ winv (finiteness).
 */
function addCliques(v: Float64Array, W: Float64Array, rows: Int32Array, cliquePtr: Int32Array, cliquePos: Int32Array, coef: Float64Array, winv: Float64Array, uniform: number): number {
  let check = 0;
  const me = rows.length;
  if (uniform === 1) {
    for (let e = 0; e < me; e++) {
      const wi = 1 / W[rows[e]!]!;
      check += wi;
      winv[e] = wi;
      v[cliquePos[e]!] += coef[e]! * wi;
    }
  } else if (uniform === 2) {
    for (let e = 0, c = 0; e < me; e++, c += 3) {
      const wi = 1 / W[rows[e]!]!;
      check += wi;
      winv[e] = wi;
      v[cliquePos[c]!] += coef[c]! * wi;
      v[cliquePos[c + 1]!] += coef[c + 1]! * wi;
      v[cliquePos[c + 2]!] += coef[c + 2]! * wi;
    }
  } else {
    for (let e = 0; e < me; e++) {
      const wi = 1 / W[rows[e]!]!;
      check += wi;
      winv[e] = wi;
      for (let c = cliquePtr[e]!, end = cliquePtr[e + 1]!; c < end; c++) v[cliquePos[c]!] += coef[c]! * wi;
    }
  }
  return check;
}

/** rhs_x += G_eᵀ W_e⁻¹ r_e: rhs[colP[a]] += val[a]·winv[e]·rz[rows[e]] over the entries a of each eliminated row e (rhs modified) */
function addEliminatedRhs(rhs: Float64Array, rz: Float64Array, rows: Int32Array, ptr: Int32Array, colP: Int32Array, val: Float64Array, winv: Float64Array, uniform: number): void {
  const me = rows.length;
  if (uniform === 1) {
    for (let e = 0; e < me; e++) rhs[colP[e]!] += val[e]! * (winv[e]! * rz[rows[e]!]!);
  } else if (uniform === 2) {
    for (let e = 0, a = 0; e < me; e++, a += 2) {
      const w = winv[e]! * rz[rows[e]!]!;
      rhs[colP[a]!] += val[a]! * w;
      rhs[colP[a + 1]!] += val[a + 1]! * w;
    }
  } else {
    for (let e = 0; e < me; e++) {
      const w = winv[e]! * rz[rows[e]!]!;
      if (w === 0) continue;
      for (let a = ptr[e]!, end = ptr[e + 1]!; a < end; a++) rhs[colP[a]!] += val[a]! * w;
    }
  }
}

/** dz_e = winv_e (G_e dx − r_e) for the eliminated rows, dx read from sol (elimination order); dz modified; returns Σ dz_e */
function eliminatedDuals(sol: Float64Array, rz: Float64Array, rows: Int32Array, ptr: Int32Array, colP: Int32Array, val: Float64Array, winv: Float64Array, uniform: number, dz: Float64Array): number {
  const me = rows.length;
  let sum = 0;
  if (uniform === 1) {
    for (let e = 0; e < me; e++) {
      const k = rows[e]!;
      const v = winv[e]! * (val[e]! * sol[colP[e]!]! - rz[k]!);
      dz[k] = v;
      sum += v;
    }
  } else if (uniform === 2) {
    for (let e = 0, a = 0; e < me; e++, a += 2) {
      const k = rows[e]!;
      const v = winv[e]! * (val[a]! * sol[colP[a]!]! + val[a + 1]! * sol[colP[a + 1]!]! - rz[k]!);
      dz[k] = v;
      sum += v;
    }
  } else {
    for (let e = 0; e < me; e++) {
      let g = 0;
      for (let a = ptr[e]!, end = ptr[e + 1]!; a < end; a++) g += val[a]! * sol[colP[a]!]!;
      const k = rows[e]!;
      const v = winv[e]! * (g - rz[k]!);
      dz[k] = v;
      sum += v;
    }
  }
  return sum;
}

export class SparseKkt implements KktSystem {
  readonly kind = 'sparse' as const;
  private readonly data: SparseQpData;
  private readonly cache: KktPatternCache;
  private cur: KktValues;
  private current: SparseLdl | null = null;

  constructor(data: SparseQpData, cache: KktPatternCache) {
    this.data = data;
    this.cache = cache;
    const { n, p, m, Pu, A, G } = data;
    this.cur = new KktValues(cache.lookup(n, p, m, Pu, A, G, eliminationLimit(G)), data);
    this.ldl(false); // symbolic analysis now (setup time), or reuse the cached one
  }

  get size(): number {
    return this.cur.st.N;
  }

  /** whether a fallback to the safe elimination (one-entry rows only) would change K */
  private canFallBack(): boolean {
    const { elimPtr } = this.cur.st;
    if (this.cur.st.maxElim <= KKT_SAFE_ELIMINATE_MAX_ROW_NNZ) return false;
    for (let e = 0; e + 1 < elimPtr.length; e++) if (elimPtr[e + 1]! - elimPtr[e]! > KKT_SAFE_ELIMINATE_MAX_ROW_NNZ) return true;
    return false;
  }

  private ldl(robust: boolean): SparseLdl {
    const e = this.cur.st;
    if (!robust) {
      if (!e.normal) {
        this.cache.analyses++;
        e.normal = SparseLdl.analyze(e.K, { signs: e.signs, refineSteps: NORMAL_REFINE_STEPS });
      }
      return e.normal;
    }
    if (!e.robust) {
      this.cache.analyses++;
      const ordering = e.normal ? e.normal.perm : 'amd';
      e.robust = SparseLdl.analyze(e.K, {
        ordering,
        signs: e.signs,
        staticReg: ROBUST_STATIC_REG,
        refineSteps: ROBUST_REFINE_STEPS,
      });
    }
    return e.robust;
  }

  factor(rho: number, delta: number, W: Float64Array, boxDiag: Float64Array, robust: boolean): boolean {
    if (this.factorOnce(rho, delta, W, boxDiag, robust)) return true;
    if (!this.canFallBack()) return false;
    // the eliminated multi-entry rows may be the trouble: keep them in K from now on
    const { n, p, m, Pu, A, G } = this.data;
    this.cur = new KktValues(this.cache.lookup(n, p, m, Pu, A, G, KKT_SAFE_ELIMINATE_MAX_ROW_NNZ), this.data);
    return this.factorOnce(rho, delta, W, boxDiag, robust);
  }

  convexityCheck(): boolean {
    const pMax = maxAbs(this.data.Pu.values);
    if (pMax === 0) return true;
    const a = checkArguments(this.data.n, this.data.m, pMax);
    // no fallback to another elimination: the test only needs the inertia of this pattern
    const ok = this.factorOnce(a.rho, a.delta, a.W, a.boxDiag, false);
    this.current = null;
    return ok;
  }

  private factorOnce(rho: number, delta: number, W: Float64Array, boxDiag: Float64Array, robust: boolean): boolean {
    const { st, winvE, cliqueCoef, values: v } = this.cur;
    const { n, p, diagPos, keptRows, elimRows, cliquePtr, cliquePos } = st;
    this.current = null;
    if (!Number.isFinite(rho) || !Number.isFinite(delta)) return false;
    v.set(this.cur.base);
    // the added diagonal terms and W⁻¹ must be finite (K's own entries are)
    let check = 0;
    for (let j = 0; j < n; j++) {
      const a = rho + boxDiag[j]!;
      check += a;
      v[diagPos[j]!] += a;
    }
    for (let i = 0; i < p; i++) v[diagPos[n + i]!] = -delta;
    const off = n + p;
    for (let k = 0; k < keptRows.length; k++) {
      const w = W[keptRows[k]!]!;
      check += w;
      v[diagPos[off + k]!] = -w;
    }
    check += addCliques(v, W, elimRows, cliquePtr, cliquePos, cliqueCoef, winvE, st.elimUniform);
    if (!Number.isFinite(check)) return false;
    const ldl = this.ldl(robust);
    if (!factorChecked(ldl, v, { positive: n, negative: st.N - n }).ok) return false;
    this.current = ldl;
    return true;
  }

  /**
   * Solve with the right-hand side assembled directly in the elimination order of the
   * factorization (SparseLdl.solvePermuted): K row t sits at position pinv[t].
   */
  solve(rx: Float64Array, ry: Float64Array, rz: Float64Array, dx: Float64Array, dy: Float64Array, dz: Float64Array): number {
    const ldl = this.current;
    if (!ldl) throw new LinearAlgebraError('KKT solve without a valid factorization');
    const { st, rhs, sol, elimVal, winvE } = this.cur;
    const { n, p, keptRows, elimRows, elimPtr } = st;
    const pinv = ldl.pinv;
    const elimColP = this.cur.elimColPermuted(ldl);
    // rhs_x = r_x + G_eᵀ W_e⁻¹ r_e
    for (let j = 0; j < n; j++) rhs[pinv[j]!] = rx[j]!;
    addEliminatedRhs(rhs, rz, elimRows, elimPtr, elimColP, elimVal, winvE, st.elimUniform);
    for (let i = 0; i < p; i++) rhs[pinv[n + i]!] = ry[i]!;
    const off = n + p;
    for (let k = 0; k < keptRows.length; k++) rhs[pinv[off + k]!] = rz[keptRows[k]!]!;
    ldl.solvePermuted(rhs, sol);
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const v = sol[pinv[j]!]!;
      dx[j] = v;
      sum += v;
    }
    for (let i = 0; i < p; i++) {
      const v = sol[pinv[n + i]!]!;
      dy[i] = v;
      sum += v;
    }
    for (let k = 0; k < keptRows.length; k++) {
      const v = sol[pinv[off + k]!]!;
      dz[keptRows[k]!] = v;
      sum += v;
    }
    // dz_e = W_e⁻¹ (G_e dx − r_e)
    return sum + eliminatedDuals(sol, rz, elimRows, elimPtr, elimColP, elimVal, winvE, st.elimUniform, dz);
  }
}
