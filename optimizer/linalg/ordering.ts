/**
 * The fill-reducing ordering of a sparse symmetric factorization, and the automatic choice between
 * AMD and nested dissection (see docs/solvers.md#orderings).
 *
 *   'amd'      approximate minimum degree (amd.ts): the best general-purpose choice, fast;
 *   'nd'       nested dissection (nested-dissection.ts): less fill and far fewer flops on large
 *              2-D/3-D meshes, slower to compute;
 *   'auto'     AMD below ND_MIN_SIZE rows; above, both orderings are computed and the one whose
 *              PREDICTED factorization work Σ_j (cc_j − 1)² (cc_j = entries of column j of L, from
 *              the elimination tree and the column counts: O(nnz·α), no numeric work) is smaller
 *              wins, ND only when it saves at least a fraction ND_MIN_GAIN;
 *   'natural'  the identity.
 */
import { InputError } from '../errors.ts';
import { amdOrder } from './amd.ts';
import { invertPermutation } from './csc.ts';
import { checkStructure, permutedLower, postorderedOrdering } from './ldl-pattern.ts';
import { columnCounts } from './ldl-symbolic.ts';
import { ndOrder } from './nested-dissection.ts';
import type { CscPattern } from './types.ts';

/** A named fill-reducing ordering (see the module comment). */
export type OrderingMethod = 'amd' | 'nd' | 'auto' | 'natural';

/**
 * 'auto' orders matrices with fewer rows than this by AMD alone. 'auto' computes both orderings
 * (AMD + ND + two predictions: 3–10× AMD's time alone), which the factorizations pay back only
 * when ND saves enough per factorization: mesh KKT at 31 284 rows, ND saves 25% of the flops
 * (~100 ms per factorization) for ~0.7 s more ordering; at 182 442 rows 43% (~0.5 s per
 * factorization) for ~2 s (bench/orderings.ts). Below this size the saving needs too many
 * refactorizations of one pattern to pay.
 */
export const ND_MIN_SIZE = 50000;

/** 'auto' takes ND when its predicted flops are below (1 − ND_MIN_GAIN) × AMD's */
export const ND_MIN_GAIN = 0.1;

/** Predicted size and work of the LDLᵀ factor of a symmetric pattern under an ordering. */
export interface FillPrediction {
  /** nonzeros of L strictly below the diagonal */
  nnzL: number;
  /** Σ_j (cc_j − 1)²: multiply-adds of the factorization, up to lower-order terms */
  flops: number;
}

/** What fillReducingOrdering chose, and the predictions 'auto' compared (null when not computed). */
export interface OrderingInfo {
  chosen: 'amd' | 'nd' | 'natural' | 'given';
  amd: FillPrediction | null;
  nd: FillPrediction | null;
  amdMs: number;
  ndMs: number;
}

/**
 * Predicted nnz(L) and flops of the LDLᵀ of K (its upper triangle, or the lower one when K holds
 * no entry above the diagonal: the rule of SparseLdl) under the ordering perm (perm[k] = row
 * eliminated k-th). Elimination tree + column counts, O(nnz(K)·α).
 */
export function predictFill(K: CscPattern, perm: Int32Array): FillPrediction {
  const n = K.ncols;
  const lowerInput = checkStructure(n, K.colPtr, K.rowIdx, true);
  const pinv0 = invertPermutation(perm, n, 'perm');
  const { pinv, parent } = postorderedOrdering(n, K.colPtr, K.rowIdx, lowerInput, perm, pinv0);
  const { Cp, Ci } = permutedLower(n, K.colPtr, K.rowIdx, lowerInput, pinv);
  const cc = columnCounts(n, Cp, Ci, parent);
  let nnzL = 0;
  let flops = 0;
  for (let j = 0; j < n; j++) {
    const c = cc[j]! - 1;
    nnzL += c;
    flops += c * c;
  }
  return { nnzL, flops };
}

const now = (): number => performance.now();

/**
 * The fill-reducing ordering `method` of the symmetric pattern K (any triangle or full; the graph
 * is that of K + Kᵀ). An Int32Array is returned as given (not checked here). Throws InputError
 * naming `name` for an unknown method. ndMinSize: the size below which 'auto' is AMD (for tests).
 */
export function fillReducingOrdering(
  K: CscPattern,
  method: OrderingMethod | Int32Array,
  info?: OrderingInfo,
  name = 'ordering',
  ndMinSize: number = ND_MIN_SIZE,
): Int32Array {
  const n = K.ncols;
  if (info) {
    info.amd = null;
    info.nd = null;
    info.amdMs = 0;
    info.ndMs = 0;
  }
  if (method instanceof Int32Array) {
    if (info) info.chosen = 'given';
    return method;
  }
  if (method === 'natural') {
    if (info) info.chosen = 'natural';
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return p;
  }
  if (method !== 'amd' && method !== 'nd' && method !== 'auto') {
    throw new InputError(name, "'amd', 'nd', 'auto', 'natural' or an Int32Array permutation", String(method));
  }
  if (method === 'amd' || (method === 'auto' && n < ndMinSize)) {
    const t = now();
    const p = amdOrder(K);
    if (info) {
      info.amdMs = now() - t;
      info.chosen = 'amd';
    }
    return p;
  }
  if (method === 'nd') {
    const t = now();
    const p = ndOrder(K);
    if (info) {
      info.ndMs = now() - t;
      info.chosen = 'nd';
    }
    return p;
  }
  const t0 = now();
  const pa = amdOrder(K);
  const t1 = now();
  const pn = ndOrder(K);
  const t2 = now();
  const fa = predictFill(K, pa);
  const fn = predictFill(K, pn);
  const useNd = fn.flops < (1 - ND_MIN_GAIN) * fa.flops;
  if (info) {
    info.amd = fa;
    info.nd = fn;
    info.amdMs = t1 - t0;
    info.ndMs = t2 - t1;
    info.chosen = useNd ? 'nd' : 'amd';
  }
  return useNd ? pn : pa;
}
