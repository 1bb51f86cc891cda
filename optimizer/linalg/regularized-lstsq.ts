/**
 * RegularizedLstsq: minimum-norm least squares of a singular symmetric K whose null space is
 * invariant under a signature S (KKT matrices), preconditioned by a factorization of the
 * quasi-definite K + δS, through two passes of rangeRestrictedKrylov.
 */
import { InputError, LinearAlgebraError } from '../errors.ts';
import { checkLength } from './check.ts';
import { rangeRestrictedKrylov } from './range-krylov.ts';
import { norm2 } from './vec.ts';

export interface RegularizedLstsqOptions {
  /** δ > 0 of M = K + δS (the factorization behind solveM must be of this M) */
  delta: number;
  /** iteration limit of each Krylov pass (default min(150, max(30, ⌊1.5·10⁷ / n⌋)): memory ≈ (limit + 2)·n doubles) */
  maxIter?: number;
  /** a pass stops after this many iterations without halving its best score (default 20) */
  window?: number;
}

export interface RegularizedLstsqResult {
  /** length n: the solution (see RegularizedLstsq) */
  readonly x: Float64Array;
  /** applications of B = M⁻¹K, over both passes */
  readonly applications: number;
  /** both passes met their tolerance (otherwise the best iterates are returned) */
  readonly converged: boolean;
  /** ‖g − K x‖₂ and ‖K(g − K x)‖₂, recomputed from x */
  readonly residual: number;
  readonly normalResidual: number;
  /** ‖r₁‖₂ / ‖g‖₂ of pass 1: the fraction of g outside range(K) (0 when pass 1 was skipped) */
  readonly nullFraction: number;
}

/** relative least-squares tolerance ‖K r‖ ≤ τ‖K‖‖r‖ of both passes */
export const REGULARIZED_LS_TOL = 1e-10;
/** absolute tolerance of pass 1: ‖K r₁‖ ≤ τ ‖K‖ ‖g‖ also stops */
export const REGULARIZED_ABS_TOL = 1e-13;

/**
 * Minimum-norm least-squares solutions x = K⁺g of a symmetric, possibly singular n × n K whose
 * null space N is invariant under a signature S = diag(s), s_i = ±1 (SN = N) — the case of the
 * KKT matrix [P Bᵀ; B 0] of a convex QP (P ⪰ 0), S = diag(I, −I): N = (null P ∩ null B) ×
 * null Bᵀ. Inputs, all kept by reference:
 *   applyK(x, y)   y ← K x (x length n, not modified)
 *   solveM(b)      ≈ M⁻¹ b for M = K + δS (e.g. an LDLᵀ of the quasi-definite M) in a NEW array
 *                  (modified by the caller); b not modified. With δ at the unit scale of K
 *                  (max |K_ij| ≈ 1).
 *                  Every use is refined against M itself (up to 6 steps), so a factorization that
 *                  met a few tiny pivots still acts as the exact M⁻¹ — provided the refinement
 *                  contracts well (refinementRate() ≲ 1e-2; the growth of an LDLᵀ of M is
 *                  ~‖K‖/δ, so δ must not be too small for the matrix: the caller picks δ).
 *   signs          s (length n), normK  ‖K‖∞ (a scale for the tolerances)
 *
 * Facts used (exact arithmetic): for v ∈ N, M v = δ S v ∈ N, so M⁻¹ maps N to N (as S/δ) and the
 * orthogonal complement range(K) to itself. Hence B = M⁻¹K has null(B) = null(Bᵀ) = N and
 * range(B) = range(K): B is range-symmetric, its eigenvalues on range(K) are λ/(λ + δ) for the
 * eigenvalues λ of S K there (Re λ ≥ 0), i.e. clustered at 1 when δ is below the smallest
 * nonzero |λ|, and K x = g has the same least-squares solutions as B x = M⁻¹g.
 *
 * Two passes of rangeRestrictedKrylov on B:
 *   1. B u = g → r₁ = g − B u ≈ g_N, the component of g in N (the least-squares residual of
 *      K x = g); skipped when the caller knows K is nonsingular (g_N = 0).
 *   2. B x = M⁻¹ h with h = g − r₁ ≈ g_R ∈ range(K): x ∈ range(B) = range(K) solves K x = g_R,
 *      so x = K⁺g, the MINIMUM-NORM least-squares solution.
 * Why two passes: a solve with M amplifies the N-component of its right-hand side by 1/δ;
 * applying M⁻¹ to g itself would put ‖g_N‖/δ in the iterates, and rounding of that size in the
 * range. Pass 1 only applies M⁻¹ after K (K v has an N-component at rounding level), so r₁ is
 * accurate, and h carries only a rounding-level N-component, which pass 2 (again K first)
 * never amplifies twice.
 *
 * Stopping (K r computed exactly: the rounding noise that B leaves in N is annihilated by K):
 *   pass 1, r = g − B u:  ‖K r‖ ≤ τ ‖K‖ min(‖r‖, ‖g‖) + τ_abs ‖K‖ ‖g‖
 *   pass 2, r = h − K x:  ‖K r‖ ≤ τ ‖K‖ min(‖r‖, ‖h‖) + 64 ε ‖K‖ (‖K‖ ‖x‖ + ‖h‖)
 * (τ = REGULARIZED_LS_TOL, τ_abs = REGULARIZED_ABS_TOL), else after `window` iterations without
 * progress or `maxIter`, with the best iterate (converged = false).
 *
 * Accuracy: about ε‖K‖/δ relative to ‖x‖ (times the growth of the factorization), plus the usual
 * least-squares conditioning (ε κ² for inconsistent g). What counts as null: the least-squares
 * test accepts a residual r whose ‖K r‖ is below τ‖K‖‖r‖, so eigen-components of K with
 * |λ| ≲ τ‖K‖ = 1e-10‖K‖ that the Krylov passes have not resolved are treated as null (the dense
 * complete orthogonal decomposition of the dQP layer cuts at 1e-12 instead). When K has a gap
 * between its null space and the rest of its spectrum (most KKT matrices at degenerate points:
 * dependent rows, free variables) the result is K⁺g to ~1e-7..1e-11 (Maros–Meszaros K_J, N ≈
 * 900–2500, against the dense decomposition); when eigenvalues spread continuously through
 * 1e-12..1e-8 (ill-conditioned K) the two regularizations differ and so do the answers.
 */
export class RegularizedLstsq {
  readonly n: number;
  private readonly delta: number;
  private readonly maxIter: number;
  private readonly window: number;
  /** B = M⁻¹K applications and M solves, over the object's life (for reports) */
  applications = 0;
  solves = 0;

  constructor(
    n: number,
    private readonly applyK: (x: Float64Array, y: Float64Array) => void,
    private readonly solveM: (b: Float64Array) => Float64Array,
    private readonly signs: Int8Array,
    private readonly normK: number,
    opts: RegularizedLstsqOptions,
  ) {
    if (!Number.isInteger(n) || n < 0) throw new InputError('n', 'a non-negative integer', String(n));
    checkLength('signs', signs, n, 'n');
    if (!(opts.delta > 0 && Number.isFinite(opts.delta))) throw new InputError('delta', 'a finite number > 0', String(opts.delta));
    if (!(normK >= 0 && Number.isFinite(normK))) throw new InputError('normK', 'a finite number ≥ 0', String(normK));
    this.n = n;
    this.delta = opts.delta;
    this.maxIter = opts.maxIter ?? Math.min(150, Math.max(30, Math.floor(1.5e7 / Math.max(1, n))));
    this.window = opts.window ?? 20;
  }

  /** x ≈ M⁻¹ b, refined against M = K + δS (at most 6 steps, while the residual halves). */
  private solveRefined(b: Float64Array): Float64Array {
    const n = this.n;
    const { delta, signs } = this;
    let x = this.solveM(b);
    this.solves++;
    checkLength('solveM(b)', x, n, 'n');
    const r = new Float64Array(n);
    const residual = (v: Float64Array): number => {
      this.applyK(v, r);
      let m = 0;
      for (let i = 0; i < n; i++) {
        const t = b[i]! - r[i]! - delta * signs[i]! * v[i]!;
        r[i] = t;
        m = Math.max(m, Math.abs(t));
      }
      return m;
    };
    let bn = 0;
    for (let i = 0; i < n; i++) bn = Math.max(bn, Math.abs(b[i]!));
    const normM = this.normK + delta;
    let res = residual(x);
    if (!Number.isFinite(res)) throw new LinearAlgebraError('the regularized factorization produced a non-finite solution');
    for (let step = 0; step < 6; step++) {
      let xn = 0;
      for (let i = 0; i < n; i++) xn = Math.max(xn, Math.abs(x[i]!));
      if (res <= 4 * Number.EPSILON * (normM * xn + bn)) break;
      const dx = this.solveM(r);
      this.solves++;
      const next = new Float64Array(n);
      for (let i = 0; i < n; i++) next[i] = x[i]! + dx[i]!;
      const rn = residual(next);
      if (!(rn < 0.5 * res)) {
        if (rn < res) x = next;
        break;
      }
      x = next;
      res = rn;
    }
    return x;
  }

  /**
   * How well the refinement against M converges with this factorization: for a fixed generic b,
   * ‖r₂‖∞ / ‖r₁‖∞ where r₁, r₂ are the residuals b − M x after the plain solve and after one
   * refinement step; 0 when r₂ is at the rounding level 64ε(‖M‖∞‖x‖∞ + ‖b‖∞) (nothing left to
   * refine). Above ~1e-2 the factorization is too inaccurate for this δ (the growth of an LDLᵀ of
   * M is up to ~‖K‖/δ): use a larger δ.
   */
  refinementRate(): number {
    const n = this.n;
    if (n === 0) return 0;
    const b = new Float64Array(n);
    let h = 0x5bd1e995;
    for (let i = 0; i < n; i++) {
      h = (Math.imul(h, 1664525) + 1013904223) >>> 0;
      b[i] = (h & 0x10000 ? 1 : -1) * (1 + (h >>> 20) / 4096);
    }
    let bn = 0;
    for (let i = 0; i < n; i++) bn = Math.max(bn, Math.abs(b[i]!));
    const normM = this.normK + this.delta;
    const r = new Float64Array(n);
    const resid = (x: Float64Array): number => {
      this.applyK(x, r);
      let m = 0;
      for (let i = 0; i < n; i++) {
        r[i] = b[i]! - r[i]! - this.delta * this.signs[i]! * x[i]!;
        m = Math.max(m, Math.abs(r[i]!));
      }
      return m;
    };
    const floor = (x: Float64Array): number => {
      let xn = 0;
      for (let i = 0; i < n; i++) xn = Math.max(xn, Math.abs(x[i]!));
      return 64 * Number.EPSILON * (normM * xn + bn);
    };
    const x = this.solveM(b);
    const r1 = resid(x);
    if (!Number.isFinite(r1)) return Infinity;
    if (r1 <= floor(x)) return 0;
    const dx = this.solveM(r);
    for (let i = 0; i < n; i++) x[i] += dx[i]!;
    const r2 = resid(x);
    if (!Number.isFinite(r2)) return Infinity;
    return r2 <= floor(x) ? 0 : r2 / r1;
  }

  /** y ← B x = M⁻¹ K x */
  private applyB = (x: Float64Array, y: Float64Array): void => {
    const kx = new Float64Array(this.n);
    this.applyK(x, kx);
    y.set(this.solveRefined(kx));
    this.applications++;
  };

  /**
   * Pass 1 alone: the component of g (length n, not modified) outside range(K).
   * Returns r₁ ≈ g_N (length n), its relative size ‖r₁‖/‖g‖ and whether the pass converged.
   * A probe with a generic g tells whether K is singular: K nonsingular ⇔ g_N = 0.
   */
  nullComponent(g: Float64Array): { r: Float64Array; fraction: number; converged: boolean; applications: number } {
    const n = this.n;
    checkLength('g', g, n, 'n');
    const gn = norm2(g);
    if (gn === 0) return { r: new Float64Array(n), fraction: 0, converged: true, applications: 0 };
    const kr = new Float64Array(n);
    const normK = this.normK;
    const out = rangeRestrictedKrylov(this.applyB, g, {
      maxIter: this.maxIter,
      window: this.window,
      check: (_u, r) => {
        this.applyK(r, kr);
        const s = norm2(kr);
        return { stop: s <= REGULARIZED_LS_TOL * normK * Math.min(norm2(r), gn) + REGULARIZED_ABS_TOL * normK * gn, score: s };
      },
    });
    const converged = out.stop === 'converged' || out.stop === 'zero' || out.stop === 'breakdown';
    return { r: out.r, fraction: norm2(out.r) / gn, converged, applications: out.applications };
  }

  /**
   * The minimum-norm least-squares solution of K x = g (g length n, not modified).
   * consistent: the caller knows g ∈ range(K) (e.g. K nonsingular): pass 1 is skipped.
   */
  solve(g: Float64Array, consistent = false): RegularizedLstsqResult {
    const n = this.n;
    checkLength('g', g, n, 'n');
    for (let i = 0; i < n; i++) if (!Number.isFinite(g[i]!)) throw new InputError(`g[${i}]`, 'a finite number', String(g[i]));
    const a0 = this.applications;
    let h = g;
    let converged = true;
    let nullFraction = 0;
    if (!consistent) {
      const p1 = this.nullComponent(g);
      converged = p1.converged;
      nullFraction = p1.fraction;
      h = new Float64Array(n);
      for (let i = 0; i < n; i++) h[i] = g[i]! - p1.r[i]!;
    }
    const hn = norm2(h);
    let x: Float64Array = new Float64Array(n);
    if (hn > 0) {
      const c = this.solveRefined(h);
      const normK = this.normK;
      const kx = new Float64Array(n);
      const r = new Float64Array(n);
      const out = rangeRestrictedKrylov(this.applyB, c, {
        maxIter: this.maxIter,
        window: this.window,
        check: (u) => {
          this.applyK(u, kx);
          for (let i = 0; i < n; i++) r[i] = h[i]! - kx[i]!;
          this.applyK(r, kx);
          const s = norm2(kx);
          const tol = REGULARIZED_LS_TOL * normK * Math.min(norm2(r), hn) + 64 * Number.EPSILON * normK * (normK * norm2(u) + hn);
          return { stop: s <= tol, score: s };
        },
      });
      x = out.u;
      converged &&= out.stop === 'converged' || out.stop === 'zero' || out.stop === 'breakdown';
    }
    for (let i = 0; i < n; i++) if (!Number.isFinite(x[i]!)) throw new LinearAlgebraError('regularized least squares produced a non-finite value');
    const kx = new Float64Array(n);
    this.applyK(x, kx);
    const r = new Float64Array(n);
    for (let i = 0; i < n; i++) r[i] = g[i]! - kx[i]!;
    this.applyK(r, kx);
    return { x, applications: this.applications - a0, converged, residual: norm2(r), normalResidual: norm2(kx), nullFraction };
  }
}
