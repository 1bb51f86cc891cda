/**
 * Solvers of the scaled reduced KKT system K̃ (reduced-kkt.ts): a factored K̃ refined against
 * itself (ScaledKktSolver), the regularized Krylov solver for a K̃ whose LDLᵀ met trouble
 * (RegularizedKktSolver), and the least-squares solvers of a singular K̃ (dense complete
 * orthogonal decomposition, regularized sparse least squares, MINRES). Every solver works in the
 * ORIGINAL units: g ↦ K_J⁻¹ g = D K̃⁻¹ (D g) / s. Which one a K_J gets is decided by
 * factorReducedKkt (kkt-factor.ts).
 */
import { cscSymUpperMatVec } from '../linalg/csc.ts';
import { allFinite, maxAbs } from '../linalg/vec.ts';
import { createLinearSystem } from '../linalg/linsys.ts';
import { DenseCod, RegularizedLstsq, symmetricMinres } from '../linalg/lsq.ts';
import { LinearAlgebraError } from '../errors.ts';
import { kktDense, kktMatVec, withUpper, type ReducedKkt } from './kkt-assembly.ts';
import { KktFactorCache, type SharedLdl } from './kkt-cache.ts';
import type { KktSolverKind } from './types.ts';

/** refined relative residual above which a solve is redone in the least-squares sense */
export const SOLVE_RESIDUAL_TOL = 1e-9;
/**
 * largest N solved by the dense least-squares path (a complete orthogonal decomposition of K̃,
 * O(N³), factored once per K_J); above it, the regularized sparse path (RegularizedLstsq on an
 * LDLᵀ of K̃ + δS). Measured on Maros–Meszaros K_J: the COD takes 0.7 s at N ≈ 950 and 13 s at
 * N ≈ 2400, the sparse path 10–200 ms on the same systems; at N = 300 the COD is ~20 ms.
 */
export const LSTSQ_DENSE_LIMIT = 300;
/**
 * δ of the quasi-definite M = K̃ + δS (S = diag(signs)) behind the sparse least-squares path, at
 * unit scale (max |K̃_ij| = 1), tried in order (see regularizedLstsq). The accuracy of that path
 * is about ε/δ relative (1e-8 for the first); smaller δ met wrong-sign pivots on Maros–Meszaros
 * K_J (δ = 1e-10: hundreds, from rounding in the Schur complements), larger δ slows the Krylov
 * passes (eigenvalues λ/(λ + δ)).
 */
export const LSQ_DELTAS: readonly number[] = [1e-8, 1e-6, 1e-4];
/** a regularized factorization is used when one refinement step against M reduces the residual at least this much */
export const LSQ_MAX_REFINEMENT_RATE = 1e-2;

/** at most this many refinement steps per solve */
export const MAX_REFINE_STEPS = 5;

/** Result of one solve with K_J. */
export interface KktSolveResult {
  /** length N, K_J⁻¹ g (or the minimum-norm least-squares solution) */
  readonly x: Float64Array;
  /** this solve used least squares */
  readonly leastSquares: boolean;
}

/**
 * A factored K_J. `solve` works in the ORIGINAL units (the D, s scaling is applied inside).
 * The backward pass only needs this interface (the linear solver is injected).
 */
export interface KktSolver {
  readonly kind: KktSolverKind;
  readonly N: number;
  /** K_J was found singular at factorization: every solve is least squares */
  readonly singular: boolean;
  /** g: length N, not modified */
  solve(g: Float64Array): KktSolveResult;
}

/** Into the units of the scaled K̃: g̃_i = g_i · D_i (g, D length N, not modified). */
function scaledRhs(g: Float64Array, D: Float64Array): Float64Array {
  const gt = new Float64Array(D.length);
  for (let i = 0; i < D.length; i++) gt[i] = g[i]! * D[i]!;
  return gt;
}

/**
 * Back to the original units: out_i = x_i · D_i / scale (x solves the scaled K̃; D, x length N).
 * Throws LinearAlgebraError on a non-finite entry.
 */
function unscaledSolution(x: Float64Array, D: Float64Array, scale: number): Float64Array {
  const out = new Float64Array(D.length);
  const inv = 1 / scale;
  for (let i = 0; i < D.length; i++) out[i] = x[i]! * D[i]! * inv;
  if (!allFinite(out)) throw new LinearAlgebraError('reduced KKT solve produced a non-finite value (the system is too ill-conditioned)');
  return out;
}

/** solve on the unit-scale K̃ */
export type InnerSolve = (rhs: Float64Array) => Float64Array;

/**
 * The regularized least-squares machinery for K̃ (sparse form): an LDLᵀ of the quasi-definite
 * M = K̃ + δS, shared through the cache like the other LDLᵀ, for the first δ of LSQ_DELTAS whose
 * factorization refines well (RegularizedLstsq.refinementRate ≤ LSQ_MAX_REFINEMENT_RATE; the
 * growth of the LDLᵀ is ~‖K̃‖/δ, so a small δ can be too small for a given K̃). AMD ordering:
 * any ordering factors a quasi-definite matrix, and AMD gave 2–10× less fill than kktOrdering with
 * the same accuracy on Maros–Meszaros K_J, and did not break down on CONT-101 where kktOrdering
 * did. A dynamic regularization replaces the rare pivot that rounding pushes below δ/10 (the
 * refinement inside RegularizedLstsq corrects for it). Throws LinearAlgebraError when no
 * factorization is usable.
 */
export function regularizedLstsq(K: ReducedKkt, cache: KktFactorCache | null): RegularizedLstsq {
  const U = K.upper!;
  const c = cache ?? new KktFactorCache(0);
  const applyK = (x: Float64Array, y: Float64Array): void => {
    cscSymUpperMatVec(U, x, y);
  };
  let last: RegularizedLstsq | null = null;
  for (let level = 0; level < LSQ_DELTAS.length; level++) {
    const delta = LSQ_DELTAS[level]!;
    const shared = regularizedAnalysis(K, c, level);
    c.factorizations++;
    const owner = {};
    let d: Float64Array;
    try {
      d = shared.acquire(owner, U.values).diagonal();
    } catch (e) {
      if (!(e instanceof LinearAlgebraError)) throw e;
      continue;
    }
    if (!allFinite(d)) continue;
    const lsq = new RegularizedLstsq(K.N, applyK, (b) => shared.acquire(owner, U.values).solve(b), K.signs, K.normInf, { delta });
    last = lsq;
    if (lsq.refinementRate() <= LSQ_MAX_REFINEMENT_RATE) return lsq;
  }
  if (last) return last;
  throw new LinearAlgebraError('no regularized LDLᵀ of the reduced KKT matrix could be computed');
}

/** analyses made for one K̃ object (the fill check and the regularized path share them even without a cache) */
const analysisMemo = new WeakMap<ReducedKkt, Map<number, SharedLdl>>();

/** The (cached) symbolic analysis of K̃ + δS for δ = LSQ_DELTAS[level], AMD order; K̃ sparse form. */
export function regularizedAnalysis(K: ReducedKkt, cache: KktFactorCache, level: number): SharedLdl {
  let memo = analysisMemo.get(K);
  const hit = memo?.get(level);
  if (hit) return hit;
  const delta = LSQ_DELTAS[level]!;
  const key = new Uint8Array(K.n + 1);
  key[K.n] = 3 + level; // analysis kind: regularized with this δ, AMD (the mask does not enter)
  const shared = cache.sparseLdl(K, key, () =>
    createLinearSystem(K.upper!, { signs: K.signs, staticReg: delta, dynamicReg: { eps: 0.1 * delta, delta }, refineSteps: 0 }, { ordering: 'amd' }),
  );
  if (!memo) analysisMemo.set(K, (memo = new Map()));
  memo.set(level, shared);
  return shared;
}

/** MINRES (minimum-length variant) on K̃: the last resort when no factorization works. */
export function minresInner(K: ReducedKkt): InnerSolve {
  const apply = (x: Float64Array, y: Float64Array): void => {
    kktMatVec(K, x, y);
  };
  return (rhs) => symmetricMinres(apply, K.N, rhs, { tol: 1e-12, maxIter: 20 * K.N }).x;
}

/**
 * Minimum-norm least squares with K̃ (unit scale) and the kind that names it: for N ≤
 * LSTSQ_DENSE_LIMIT the dense complete orthogonal decomposition (rank cutoff `rcond` relative to
 * the largest pivot of the pivoted QR, factored on the first solve and kept — it used to be
 * recomputed for every right-hand side), else RegularizedLstsq (two passes; its LDLᵀ is computed
 * here), or MINRES when no regularized factorization can be computed.
 */
export function leastSquaresInner(K: ReducedKkt, rcond: number, cache: KktFactorCache | null): { kind: KktSolverKind; inner: InnerSolve } {
  if (K.N <= LSTSQ_DENSE_LIMIT) {
    if (K.N === 0) return { kind: 'lstsq-dense', inner: () => new Float64Array(0) };
    // factored on the first solve (none may come: the duals can be the solver's), then kept
    let cod: DenseCod | null = null;
    return { kind: 'lstsq-dense', inner: (rhs) => (cod ??= DenseCod.factor(kktDense(K), Math.max(rcond, K.N * Number.EPSILON))).solve(rhs) };
  }
  const Ks = withUpper(K);
  try {
    const lsq = regularizedLstsq(Ks, cache);
    return { kind: 'lstsq-sparse', inner: (rhs) => lsq.solve(rhs).x };
  } catch (e) {
    if (!(e instanceof LinearAlgebraError)) throw e;
    return { kind: 'lstsq-minres', inner: minresInner(K) };
  }
}

/**
 * Solves with K̃ through `inner` (a factorization of K̃ or of a tiny regularization of it), then
 * iterative refinement against K̃ itself: x += inner(g − K̃x) while the residual is above
 * round-off level and keeps halving (at most MAX_REFINE_STEPS), keeping the best iterate. A final
 * residual above SOLVE_RESIDUAL_TOL sends that solve to least squares.
 */
export class ScaledKktSolver implements KktSolver {
  readonly N: number;
  private lsq: InnerSolve | null = null;
  constructor(
    readonly kind: KktSolverKind,
    readonly singular: boolean,
    private readonly K: ReducedKkt,
    private readonly inner: InnerSolve,
    private readonly refine: boolean,
    private readonly rcond: number,
    private readonly cache: KktFactorCache | null = null,
  ) {
    this.N = K.N;
  }

  solve(g: Float64Array): KktSolveResult {
    const { D, scale } = this.K;
    const gt = scaledRhs(g, D);
    let x = this.inner(gt);
    let leastSquares = this.singular;
    if (this.refine) {
      const refined = this.refineSolution(gt, x);
      if (refined) x = refined;
      else {
        this.lsq ??= leastSquaresInner(this.K, this.rcond, this.cache).inner;
        x = this.lsq(gt);
        leastSquares = true;
      }
    }
    return { x: unscaledSolution(x, D, scale), leastSquares };
  }

  /** Refined x (may be the input, modified), or null when the residual stays too large. */
  private refineSolution(g: Float64Array, x: Float64Array): Float64Array | null {
    const N = this.N;
    if (!allFinite(x)) return null;
    const r = new Float64Array(N);
    const gNorm = maxAbs(g);
    const residual = (v: Float64Array): number => {
      kktMatVec(this.K, v, r);
      let res = 0;
      for (let i = 0; i < N; i++) {
        r[i] = g[i]! - r[i]!;
        res = Math.max(res, Math.abs(r[i]!));
      }
      return res;
    };
    let best = x;
    let bestRes = residual(x);
    for (let step = 0; step < MAX_REFINE_STEPS; step++) {
      if (bestRes <= 4 * Number.EPSILON * (this.K.normInf * maxAbs(best) + gNorm)) break;
      const dx = this.inner(r);
      const next = new Float64Array(N);
      for (let i = 0; i < N; i++) next[i] = best[i]! + dx[i]!;
      if (!allFinite(next)) break;
      const res = residual(next);
      if (!(res < 0.5 * bestRes)) {
        if (res < bestRes) {
          best = next;
          bestRes = res;
        }
        break;
      }
      best = next;
      bestRes = res;
    }
    return bestRes <= SOLVE_RESIDUAL_TOL * (this.K.normInf * maxAbs(best) + gNorm) ? best : null;
  }
}

/**
 * Solves with K̃ through RegularizedLstsq (the LDLᵀ of K̃ + δS preconditioning a Krylov method).
 * Singular K̃ ('lstsq-sparse'): the minimum-norm least-squares solution, leastSquares = true.
 * Nonsingular K̃ ('regularized-ldl'): the range pass alone (K̃ x = g̃ is consistent); a solve whose
 * residual misses SOLVE_RESIDUAL_TOL is redone as least squares and reported.
 */
export class RegularizedKktSolver implements KktSolver {
  readonly N: number;
  constructor(
    readonly kind: KktSolverKind,
    readonly singular: boolean,
    private readonly K: ReducedKkt,
    private readonly lsq: RegularizedLstsq,
  ) {
    this.N = K.N;
  }

  solve(g: Float64Array): KktSolveResult {
    const { N, D, scale } = this.K;
    const gt = scaledRhs(g, D);
    let leastSquares = this.singular;
    let x: Float64Array;
    if (this.singular) x = this.lsq.solve(gt).x;
    else {
      x = this.lsq.solve(gt, true).x;
      const r = new Float64Array(N);
      kktMatVec(this.K, x, r);
      let res = 0;
      for (let i = 0; i < N; i++) res = Math.max(res, Math.abs(gt[i]! - r[i]!));
      if (!(res <= SOLVE_RESIDUAL_TOL * (this.K.normInf * maxAbs(x) + maxAbs(gt)))) {
        x = this.lsq.solve(gt).x;
        leastSquares = true;
      }
    }
    return { x: unscaledSolution(x, D, scale), leastSquares };
  }
}
