/**
 * Factorization of the scaled reduced KKT matrix K̃ (reduced-kkt.ts) and the decision whether
 * K_J is singular: factorReducedKkt is the whole decision tree (try a factorization → check it →
 * fall back), each branch a named step below it. The solvers it hands out are in kkt-solvers.ts.
 */
import type { Matrix } from '../linalg/types.ts';
import { estimateInverseNorm1 } from '../linalg/condition.ts';
import { DenseLu } from '../linalg/dense.ts';
import { definiteVariables, kktOrdering } from '../linalg/kkt-ordering.ts';
import { createLinearSystem, factorChecked, hasInertia, type LinearSystem } from '../linalg/linsys.ts';
import type { RegularizedLstsq } from '../linalg/lsq.ts';
import { norm2 } from '../linalg/vec.ts';
import { LinearAlgebraError } from '../errors.ts';
import { toDenseKkt, withUpper, type ReducedKkt } from './kkt-assembly.ts';
import type { KktFactorCache, SharedLdl } from './kkt-cache.ts';
import {
  leastSquaresInner,
  LSTSQ_DENSE_LIMIT,
  minresInner,
  regularizedAnalysis,
  regularizedLstsq,
  RegularizedKktSolver,
  ScaledKktSolver,
  type InnerSolve,
  type KktSolver,
} from './kkt-solvers.ts';

/**
 * static regularization of the sparse LDLᵀ, at unit matrix scale: only a safety net against an
 * exactly zero pivot (the ordering of kktOrdering keeps the pivots away from δ), small enough
 * that refinement converges for condition numbers far beyond 1/singularTol
 */
export const SPARSE_STATIC_REG = 1e-14;
/**
 * a K̃ whose LDLᵀ was in trouble is declared singular when a generic probe vector has more than
 * this fraction of its norm outside range(K̃) (RegularizedLstsq.nullComponent); otherwise it is
 * nonsingular (if also its estimated condition number is below 1/singularTol) and solved with
 * the regularized factorization ('regularized-ldl')
 */
export const NULL_PROBE_TOL = 1e-6;
/**
 * 'auto' uses the dense path for CSC inputs up to this N (measured: the supernodal sparse LDLᵀ
 * is already faster at N ≈ 75 on sparse problems, and 10–70× faster at N = 150–450)
 */
export const AUTO_DENSE_LIMIT = 64;

/**
 * The sparse path estimates the condition number only when min|d_i| / max|d_i| of the LDLᵀ
 * pivots is below this (or a pivot was regularized).
 */
export const PIVOT_SPREAD_CHECK = 1e-8;

/** a sparse LDLᵀ pivot (of the unit-scale K̃) this small was decided by the static shift δ */
export const TINY_PIVOT = 100 * SPARSE_STATIC_REG;

function pivotSpread(d: Float64Array): number {
  let mn = Infinity;
  let mx = 0;
  for (let i = 0; i < d.length; i++) {
    const a = Math.abs(d[i]!);
    if (a < mn) mn = a;
    if (a > mx) mx = a;
  }
  return d.length === 0 || mx === 0 ? 1 : mn / mx;
}

export interface FactorOptions {
  /** resolved choice */
  readonly method: 'sparse-ldl' | 'dense' | 'lstsq';
  /** condition-number threshold 1/singularTol */
  readonly singularTol: number;
  readonly cache: KktFactorCache;
  /**
   * 'sparse-ldl' only: when the sparse factorization fails or its pivots are suspicious and
   * N ≤ DENSE_RETRY_LIMIT, use the dense path instead (set for linearSolver 'auto'); default false
   */
  readonly denseRetry?: boolean;
}

/**
 * a kktOrdering analysis with nnz(L) above FILL_CHECK_MIN and FILL_CHECK_RATIO times that of AMD
 * on K̃ (+ δS) is not factored (see factorReducedKkt). Measured: BOYD2 30M vs 70K; CONT-201
 * 15.5M / 18.9M vs 3.6M ('matched' / 'all', both then failing with ~57K tiny pivots: 3.8 s); on
 * CONT-200 'all' (5.8M vs 3.5M, ratio 1.7) factors fine and is kept.
 */
export const FILL_CHECK_MIN = 2_000_000;
export const FILL_CHECK_RATIO = 4;

/** largest N for which 'auto' retries a troubled sparse LDLᵀ with the dense path */
export const DENSE_RETRY_LIMIT = 300;

/**
 * Why a sparse LDLᵀ of K̃ (n primal, m constraint rows) is not usable, or '' when it is:
 *  - inertia other than (n, m): K̃ singular (or the ordering met a zero pivot);
 *  - a pivot with |d| ≤ TINY_PIVOT (decided by the static shift δ) or replaced by the dynamic
 *    regularization: K̃ singular, or a structure an LDLᵀ without pivoting cannot handle in this
 *    order (zero diagonal entries of P, cancellation). An estimate of ‖K̃⁻¹‖ cannot decide this
 *    case: the inverse of the regularized factors is capped near 1/δ, only 100× above the
 *    singularity threshold, and Hager's lower bound falls short of it.
 */
function factorTrouble(ldl: LinearSystem, n: number, m: number): string {
  if (!hasInertia(ldl, { positive: n, negative: m })) return `inertia (${ldl.positivePivots}, ${ldl.negativePivots}) instead of (${n}, ${m})`;
  const d = ldl.diagonal();
  let dMin = Infinity;
  for (let i = 0; i < d.length; i++) dMin = Math.min(dMin, Math.abs(d[i]!));
  if (ldl.regularizedPivots > 0 || dMin <= TINY_PIVOT) {
    return `pivot ${dMin.toExponential(1)} at the regularization level${ldl.regularizedPivots > 0 ? ` (${ldl.regularizedPivots} regularized)` : ''}`;
  }
  return '';
}

/** Why K_J was declared singular (for warnings), or null. */
export interface FactorDiagnosis {
  readonly solver: KktSolver;
  readonly singularReason: string | null;
}

/**
 * K̃ declared singular: every solve is a minimum-norm least-squares one (leastSquaresInner).
 *   reason  why (for the warning), null when decided by the caller (|J| + p > n, or the user's
 *           linearSolver 'lstsq')
 */
function lstsqSolver(K: ReducedKkt, reason: string | null, rcond: number, cache: KktFactorCache | null): FactorDiagnosis {
  const { kind, inner } = leastSquaresInner(K, rcond, cache);
  return { solver: new ScaledKktSolver(kind, true, K, inner, false, rcond, cache), singularReason: reason };
}

/** A fixed generic probe vector: ±(1 + i/N) with pseudo-random signs (a linear congruential sequence). */
function probeVector(N: number): Float64Array {
  const v = new Float64Array(N);
  let h = 0x1f2e3d4c;
  for (let i = 0; i < N; i++) {
    h = (Math.imul(h, 1664525) + 1013904223) >>> 0;
    v[i] = (h & 0x8000 ? 1 : -1) * (1 + i / Math.max(1, N));
  }
  return v;
}

/**
 * A K̃ whose sparse LDLᵀ was in trouble (`reason`) and N > LSTSQ_DENSE_LIMIT: decide with the
 * regularized factorization whether it is really singular. A generic probe vector with a
 * component outside range(K̃) (more than NULL_PROBE_TOL of its norm), or a condition number
 * above 1/singularTol (a one-solve bound, then Hager's estimate when that is not conclusive),
 * means singular ('lstsq-sparse', every solve least squares);
 * otherwise K̃ is nonsingular and solved with the regularized factorization ('regularized-ldl':
 * the orderings of kktOrdering can fail on a nonsingular K̃, e.g. CONT-101, where pivots at
 * the 1e-14 level appear although a random right-hand side is consistent to 1e-11).
 * Used by factorReducedKkt; exported for tests. K̃ in either form (not modified).
 */
export function probedSolver(K: ReducedKkt, reason: string, opts: FactorOptions): FactorDiagnosis {
  const Ks = withUpper(K);
  let lsq: RegularizedLstsq;
  try {
    lsq = regularizedLstsq(Ks, opts.cache);
  } catch (e) {
    if (!(e instanceof LinearAlgebraError)) throw e;
    return { solver: new ScaledKktSolver('lstsq-minres', true, K, minresInner(K), false, opts.singularTol, opts.cache), singularReason: `${reason}; ${e.message}` };
  }
  const probe = lsq.nullComponent(probeVector(K.N));
  if (!probe.converged || probe.fraction > NULL_PROBE_TOL) {
    const why = probe.converged ? `${probe.fraction.toExponential(1)} of a probe vector is outside the range` : 'the range of K_J could not be resolved';
    return { solver: new RegularizedKktSolver('lstsq-sparse', true, Ks, lsq), singularReason: `${reason}; ${why}` };
  }
  const solver = new RegularizedKktSolver('regularized-ldl', false, Ks, lsq);
  // the condition number against 1/singularTol: one solve with a random vector v gives the lower
  // bound ‖K̃⁻¹v‖/‖v‖ of ‖K̃⁻¹‖₂, rarely more than ~√N below it; with a margin of 10√N below the
  // threshold K̃ is accepted, otherwise Hager's estimate decides (about 8 more solves)
  const v = probeVector(K.N);
  const once = lsq.solve(v, true).x;
  const bound = (norm2(once) / norm2(v)) * K.normInf;
  if (!(bound * 10 * Math.sqrt(K.N) <= 1 / opts.singularTol)) {
    const est = estimateInverseNorm1((x) => lsq.solve(x, true).x, K.N, true);
    const cond = Math.max(est * K.normInf, bound);
    if (!(cond <= 1 / opts.singularTol)) {
      return { solver: new RegularizedKktSolver('lstsq-sparse', true, Ks, lsq), singularReason: `${reason}; estimated condition number ${cond.toExponential(1)}` };
    }
  }
  return { solver, singularReason: null };
}

/**
 * Factor K̃ (assembled in the form `method` needs: 'sparse-ldl' ↔ upper, else dense) and decide
 * whether it is singular. |J| + p > n (structurally singular) is decided by the caller, which
 * passes method 'lstsq'.
 */
/**
 * Factor K̃ (assembled in the form `method` needs: 'sparse-ldl' ↔ upper, else dense) and decide
 * whether it is singular. The decision tree, in order:
 *
 *   1. least squares decided by the caller (|J| + p > n: structurally singular, or the user's
 *      linearSolver 'lstsq') → lstsqSolver, no factorization tried;
 *   2. method 'sparse-ldl': sparseLdlWithKktOrdering (constraint-aware orderings 'matched', then
 *      'all'). When no ordering gives usable pivots:
 *        2a. linearSolver 'auto' and N ≤ DENSE_RETRY_LIMIT → go on with the dense path (4) on
 *            the same matrix in dense form;
 *        2b. N ≤ LSTSQ_DENSE_LIMIT → singular: dense least squares (lstsqSolver);
 *        2c. larger → probedSolver: a regularized factorization decides whether K̃ is really
 *            singular (a pivot in trouble is no proof);
 *   3. the sparse LDLᵀ is usable; when its pivots spread over more than PIVOT_SPREAD_CHECK:
 *        3a. 'auto' and N ≤ DENSE_RETRY_LIMIT → the dense path (4) instead;
 *        3b. otherwise estimate cond₁(K̃): above 1/singularTol K̃ is singular by definition →
 *            least squares (lstsqSolver);
 *      else → the sparse LDLᵀ ('sparse-ldl');
 *   4. dense path (method 'dense', or a retry from 2a / 3a):
 *        4a. denseLdlInNaturalOrder: right inertia, no tiny pivot, cond ≤ 1/singularTol → 'dense-ldl';
 *        4b. denseLuWithPivoting: rcond > singularTol → 'dense-lu';
 *        4c. otherwise singular → least squares (lstsqSolver).
 */
export function factorReducedKkt(K: ReducedKkt, opts: FactorOptions): FactorDiagnosis {
  const { cache } = opts;
  const maxCond = 1 / opts.singularTol;
  const denseRetry = opts.denseRetry === true && K.N <= DENSE_RETRY_LIMIT;

  // 1. least squares decided by the caller
  if (opts.method === 'lstsq') return lstsqSolver(K, null, opts.singularTol, cache);

  let Kd = K; // the matrix the dense path (4) factors
  if (opts.method === 'sparse-ldl') {
    // 2. sparse LDLᵀ with the constraint-aware orderings
    const sparse = sparseLdlWithKktOrdering(K, cache);
    if (!sparse.ok) {
      if (!denseRetry) {
        // 2b / 2c. small: dense least squares; large: probe for singularity
        return K.N <= LSTSQ_DENSE_LIMIT ? lstsqSolver(K, sparse.trouble, opts.singularTol, cache) : probedSolver(K, sparse.trouble, opts);
      }
      // 2a. retry with the dense path (below)
    } else {
      // 3. usable pivots: check the conditioning only when they spread widely
      if (!(pivotSpread(sparse.ldl.diagonal()) < PIVOT_SPREAD_CHECK)) {
        return { solver: new ScaledKktSolver('sparse-ldl', false, K, sparse.inner, true, opts.singularTol, cache), singularReason: null };
      }
      if (!denseRetry) {
        // 3b. condition estimate (~8 solves)
        const cond = estimateInverseNorm1(sparse.inner, K.N, true) * K.normInf;
        if (!(cond <= maxCond)) return lstsqSolver(K, `estimated condition number ${cond.toExponential(1)}`, opts.singularTol, cache);
        return { solver: new ScaledKktSolver('sparse-ldl', false, K, sparse.inner, true, opts.singularTol, cache), singularReason: null };
      }
      // 3a. retry with the dense path (below)
    }
    Kd = toDenseKkt(K);
  }

  // 4a. dense LDLᵀ in the natural order
  const ldl = denseLdlInNaturalOrder(Kd, cache, maxCond);
  if (ldl.inner) return { solver: new ScaledKktSolver('dense-ldl', false, Kd, ldl.inner, true, opts.singularTol, cache), singularReason: null };
  // 4b. dense LU with partial pivoting
  const lu = denseLuWithPivoting(Kd, cache, opts.singularTol);
  if (lu.inner) return { solver: new ScaledKktSolver('dense-lu', false, Kd, lu.inner, true, opts.singularTol, cache), singularReason: null };
  // 4c. singular
  return lstsqSolver(Kd, `LU rcond ${lu.rcond.toExponential(1)} (LDLᵀ: ${ldl.reason})`, opts.singularTol, cache);
}

/** Outcome of sparseLdlWithKktOrdering. */
type SparseOutcome =
  | { readonly ok: true; readonly ldl: LinearSystem; readonly inner: InnerSolve }
  | { readonly ok: false; readonly trouble: string };

/**
 * Step 2 of factorReducedKkt: the sparse LDLᵀ of K̃ (upper form) with pivot signs, the static
 * regularization SPARSE_STATIC_REG and the kktOrdering of mode 'matched' (less fill) first; when
 * its factorization is in trouble (factorTrouble), mode 'all' (every row after all its definite
 * variables: more fill, pivots bounded for P ≻ 0). Analyses are shared through the cache; an
 * analysis that failed before on this pattern is skipped, and one with far more fill than AMD
 * of K̃ (FILL_CHECK_*) is not factored. Returns the usable factorization, or why there is none.
 */
function sparseLdlWithKktOrdering(K: ReducedKkt, cache: KktFactorCache): SparseOutcome {
  const { n, p, k } = K;
  const U = K.upper!;
  const mask = definiteVariables(U, n, TINY_PIVOT);
  let trouble = '';
  const owner = {};
  for (const mode of ['matched', 'all'] as const) {
    const key = new Uint8Array(n + 1);
    key.set(mask);
    key[n] = mode === 'matched' ? 1 : 2;
    const sh: SharedLdl = cache.sparseLdl(K, key, () =>
      createLinearSystem(
        U,
        { signs: K.signs, staticReg: SPARSE_STATIC_REG, dynamicReg: { eps: SPARSE_STATIC_REG * 0.01, delta: 1e-8 }, refineSteps: 0 },
        { ordering: kktOrdering(U, n, mask, mode) },
      ),
    );
    // a cached 'matched' analysis that failed before on this pattern: go to 'all' directly
    if (mode === 'matched' && sh.troubled) continue;
    // an ordering with far more fill than AMD of K̃ (measured symbolically, before any numeric
    // work) is not tried: BOYD2 got nnz(L) = 30M from kktOrdering against 70K from AMD, and
    // 67 s of factorizations that failed anyway; the regularized path (AMD) takes over
    if (sh.ldl.nnzL > FILL_CHECK_MIN) {
      const amdNnz = regularizedAnalysis(K, cache, 0).ldl.nnzL;
      if (sh.ldl.nnzL > FILL_CHECK_RATIO * amdNnz) {
        sh.troubled = true;
        trouble = `the constraint-aware ordering fills ${sh.ldl.nnzL} entries of L against ${amdNnz} for AMD`;
        continue;
      }
    }
    cache.factorizations++;
    let f: LinearSystem;
    try {
      f = sh.acquire(owner, U.values);
    } catch (e) {
      if (!(e instanceof LinearAlgebraError)) throw e;
      sh.troubled = true;
      trouble = `sparse LDLᵀ failed (${e.message})`;
      continue;
    }
    trouble = factorTrouble(f, n, p + k);
    sh.troubled = trouble !== '';
    if (trouble === '') return { ok: true, ldl: f, inner: (rhs) => sh.acquire(owner, U.values).solve(rhs) };
  }
  return { ok: false, trouble };
}

/**
 * Step 4a of factorReducedKkt: DenseLdl of the dense K̃ in the natural order (a Cholesky of P̃,
 * then the negative definite Schur complement), no regularization. Usable when the inertia is
 * (n, p + k), no pivot was regularized (|d| ≤ 1e-13) and cond₁ ≤ maxCond; else the reason.
 */
function denseLdlInNaturalOrder(K: ReducedKkt, cache: KktFactorCache, maxCond: number): { inner: InnerSolve | null; reason: string } {
  const { N, n, p, k } = K;
  cache.factorizations++;
  const ldl = createLinearSystem(K.dense!, { signs: K.signs, dynamicReg: { eps: 1e-13, delta: 1 }, refineSteps: 0 });
  const outcome = factorChecked(ldl);
  if (!outcome.ok) return { inner: null, reason: outcome.message };
  if (ldl.regularizedPivots === 0 && hasInertia(ldl, { positive: n, negative: p + k })) {
    const inner: InnerSolve = (rhs) => ldl.solve(rhs);
    const est = estimateInverseNorm1(inner, N);
    if (est * K.normInf <= maxCond) return { inner, reason: '' };
    return { inner: null, reason: `estimated condition number ${(est * K.normInf).toExponential(1)}` };
  }
  return { inner: null, reason: `pivot signs (${ldl.positivePivots}, ${ldl.negativePivots}, ${ldl.regularizedPivots} tiny) instead of (${n}, ${p + k})` };
}

/** Step 4b of factorReducedKkt: DenseLu with partial pivoting; usable when rcond > singularTol. */
function denseLuWithPivoting(K: ReducedKkt, cache: KktFactorCache, singularTol: number): { inner: InnerSolve | null; rcond: number } {
  cache.factorizations++;
  const lu = DenseLu.factor(K.dense!);
  const rcond = lu.singular ? 0 : lu.rcondEstimate();
  if (lu.singular || !(rcond > singularTol)) return { inner: null, rcond };
  return { inner: (rhs) => lu.solve(rhs), rcond };
}

/** Resolve LinearSolverChoice 'auto' for a problem with P of format `pFormat` and size N. */
export function resolveMethod(choice: 'auto' | 'sparse-ldl' | 'dense' | 'lstsq', pFormat: Matrix['format'], N: number): 'sparse-ldl' | 'dense' | 'lstsq' {
  if (choice !== 'auto') return choice;
  if (pFormat === 'dense' || N <= AUTO_DENSE_LIMIT) return 'dense';
  return 'sparse-ldl';
}
