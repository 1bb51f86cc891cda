/**
 * The inner QP of the bi-level embedding and its chain rule θ → (P values, C values).
 *
 *   qp   = EmbeddingQP.fromMesh(F, nv, targets)       checks + patterns, once per mesh
 *        = EmbeddingQP.build(embeddingDomain(F, nv, targets))
 *   inst = qp.instance(θ)                              QPProblem for this θ (values only)
 *   gθ   = qp.pullback(θ, gP, gC)                      dQP gradients on P, C → gradient on θ
 *   { value, gradTheta } = qp.regularizer(θ, hat0, λ)  λ‖L̂ − L̂₀‖∞ and its subgradient
 *
 * The QP (x = [v_x; v_y], n = 2#V):
 *   minimize    ½ xᵀ P x,               P = blockdiag(L + S, L + S)   (q = 0)
 *   subject to  A x = b                 A = B: pins every boundary vertex to its target
 *               C x ≤ 0                 C = −N blockdiag(L + S', L + S') (cone-constraints.ts), d = 0
 *                                       (+ constant rows with a strengthened set)
 * L is the weighted graph Laplacian (rows sum to 0, laplacian.ts) and S the diagonal shift that
 * makes P positive definite (docs/geometry.md#diagonal-shift), by `shift`:
 *   'boundary' (default)  S = 1e-4 on the pinned boundary vertices only, S' = 0. The interior
 *                         rows of the optimality conditions are L x = 0 exactly, so the QP's map
 *                         is the harmonic map and the cone rows measure its true flux (the
 *                         premise of the bijectivity theorem); the shift on pinned rows only
 *                         moves their equality multipliers.
 *   'all'                 S = S' = 1e-4 I (the paper's L): every vertex is pulled towards the
 *                         origin, a screened map whose screening length is ~100 edges, so on
 *                         meshes wider than that, vanishing duals no longer imply a bijective map.
 * A (2#B by n): row t picks x of loop[t], row #B + t picks y of loop[t]; b = [poly_x; poly_y]
 *   (loop order of the domain). A and b do not depend on θ.
 * P (n by n) CSC with BOTH triangles: column c < #V is column c of L, column #V + c is
 *   column c of L shifted down by #V. Hence P.values = [Lv, Lv] (length 2 nnz(L)), plus the
 *   boundary shift on the boundary diagonals with shift 'boundary'.
 *
 * Chain rule (all O(nnz)):
 *   gL[k]  = gP[k] + gP[nnz(L) + k] + Σ_{p: lPos[p] = k} coef[p] gC[p]
 *   gθ     = laplacianPullback(gL)      (laplacian.ts)
 * Every instance shares the index arrays of the patterns; values are fresh arrays.
 */
import { DimensionError, InputError } from '../optimizer/errors.ts';
import type { CscMatrix } from '../optimizer/linalg/types.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import { conePattern, conePullback, coneValues } from './cone-constraints.ts';
import type { ConePattern, StrengthenMode } from './cone-constraints.ts';
import { embeddingDomain } from './embedding-domain.ts';
import type { EmbeddingDomain, EmbeddingDomainOptions } from './embedding-domain.ts';
import { DIAGONAL_SHIFT, THETA_INIT, laplacianPattern, laplacianPullback, laplacianValues } from './laplacian.ts';
import type { LaplacianPattern } from './laplacian.ts';
import { laplacianRegularizer, normalizedValues } from './regularizer.ts';
import type { BoundaryTargets } from './types.ts';

/** EmbeddingQP.fromMesh options: the domain's, and the constraint set. */
export interface EmbeddingQPOptions extends EmbeddingDomainOptions {
  /**
   * 'none' (default): the paper's 2 cone rows per reflex corner; 'reflex-neighbours': also 2
   * wedge rows per interior neighbour of each reflex vertex; 'boundary-directions': also a row
   * per (non-reflex boundary vertex, interior neighbour, edge normal) that every valid map
   * satisfies (cone-constraints.ts)
   */
  readonly strengthen?: StrengthenMode;
  /**
   * κ ≥ 0 (default 0, the paper's d = 0): the cone rows of reflex corner k ask for
   * n_r · (Lx)_i ≥ κ·h_k instead of ≥ 0, h_k the mean length of the two polygon edges at the
   * corner (target units). All duals 0 then means the flux lies inside the wedge by a margin, not
   * on its boundary, where the map of a fine mesh can still fold (docs/geometry.md#step-count)
   */
  readonly coneMargin?: number;
  /**
   * Where the 1e-4 diagonal shift that makes P positive definite goes: 'boundary' (default) on
   * the pinned boundary vertices only, so the map is exactly harmonic; 'all' on every vertex (the
   * paper's L, a screened map on large meshes). See the file comment.
   */
  readonly shift?: LaplacianShift;
}

/** Where EmbeddingQP puts the diagonal shift (see the file comment). */
export type LaplacianShift = 'boundary' | 'all';
export const LAPLACIAN_SHIFTS: readonly LaplacianShift[] = ['boundary', 'all'];

/** One θ's QP: the problem plus the intermediate values the caller may want. */
export interface EmbeddingQPInstance {
  readonly problem: QPProblem;
  /** values of P (= [Lv, Lv], plus the boundary shift with shift 'boundary') */
  readonly P: CscMatrix;
  /** values of C */
  readonly C: CscMatrix;
  /** values of L (1e-4 on its diagonal with shift 'all', none with 'boundary'), length nnz(L) */
  readonly Lv: Float64Array;
}

export class EmbeddingQP {
  /** 2#V variables */
  readonly n: number;
  /** 2#B equality rows */
  readonly p: number;
  /** inequality rows: 2K cone rows (+ the wedge rows when strengthened) */
  readonly m: number;
  /** #E parameters */
  readonly ne: number;
  /** positions in L's values of the boundary vertices' diagonal entries (shift 'boundary') */
  private readonly boundaryDiag: Int32Array;

  private constructor(
    readonly domain: EmbeddingDomain,
    readonly lap: LaplacianPattern,
    readonly cone: ConePattern,
    /** P's pattern (values: zero template) */
    readonly Ppattern: CscMatrix,
    readonly A: CscMatrix,
    readonly b: Float64Array,
    /** right-hand side of C x ≤ d: 0, or −κ·h on the cone rows with a margin (shared by every instance) */
    readonly d: Float64Array,
    /** where the diagonal shift goes (EmbeddingQPOptions.shift) */
    readonly shift: LaplacianShift,
  ) {
    this.n = 2 * domain.nv;
    this.p = A.nrows;
    this.m = cone.m;
    this.ne = lap.ne;
    this.boundaryDiag = Int32Array.from(domain.loop, (v) => lap.diag[v]!);
  }

  /**
   * Everything from the raw inputs: embeddingDomain(F, nv, targets, options) (topology, target
   * and polygon checks, reflex corners) and then build(domain).
   */
  static fromMesh(F: Int32Array, nv: number, targets: BoundaryTargets, options: EmbeddingQPOptions = {}): EmbeddingQP {
    return EmbeddingQP.build(embeddingDomain(F, nv, targets, options), { strengthen: options.strengthen, coneMargin: options.coneMargin, shift: options.shift });
  }

  /**
   * options.strengthen: the constraint set (cone-constraints.ts); default 'none', the paper's rows.
   * options.coneMargin: κ of the cone rows' margin (EmbeddingQPOptions); default 0
   * options.shift: where the diagonal shift goes (EmbeddingQPOptions); default 'boundary'
   */
  static build(
    domain: EmbeddingDomain,
    options: { readonly strengthen?: StrengthenMode; readonly coneMargin?: number; readonly shift?: LaplacianShift } = {},
  ): EmbeddingQP {
    const kappa = options.coneMargin ?? 0;
    if (!(typeof kappa === 'number' && kappa >= 0 && Number.isFinite(kappa))) throw new InputError('coneMargin', 'a finite number ≥ 0', String(kappa));
    const shift = options.shift ?? 'boundary';
    if (!LAPLACIAN_SHIFTS.includes(shift)) throw new InputError('shift', LAPLACIAN_SHIFTS.map((k) => `'${k}'`).join(' or '), JSON.stringify(String(shift)));
    const nv = domain.nv;
    const lap = laplacianPattern(domain.edges);
    const cone = conePattern(lap, domain.corners, { strengthen: options.strengthen, loop: domain.loop, polygon: domain.polygon });
    const nnzL = lap.L.values.length;
    const colPtr = new Int32Array(2 * nv + 1);
    const rowIdx = new Int32Array(2 * nnzL);
    for (let j = 0; j <= nv; j++) colPtr[j] = lap.L.colPtr[j]!;
    for (let j = 1; j <= nv; j++) colPtr[nv + j] = nnzL + lap.L.colPtr[j]!;
    for (let k = 0; k < nnzL; k++) {
      rowIdx[k] = lap.L.rowIdx[k]!;
      rowIdx[nnzL + k] = lap.L.rowIdx[k]! + nv;
    }
    const Ppattern: CscMatrix = { format: 'csc', nrows: 2 * nv, ncols: 2 * nv, colPtr, rowIdx, values: new Float64Array(2 * nnzL) };
    // A = B: column loop[t] holds row t, column nv + loop[t] holds row nb + t
    const nb = domain.loop.length;
    const rowOf = new Int32Array(2 * nv).fill(-1);
    for (let t = 0; t < nb; t++) {
      rowOf[domain.loop[t]!] = t;
      rowOf[nv + domain.loop[t]!] = nb + t;
    }
    const aPtr = new Int32Array(2 * nv + 1);
    const aRow = new Int32Array(2 * nb);
    let q = 0;
    for (let j = 0; j < 2 * nv; j++) {
      aPtr[j] = q;
      if (rowOf[j] !== -1) aRow[q++] = rowOf[j]!;
    }
    aPtr[2 * nv] = q;
    const A: CscMatrix = { format: 'csc', nrows: 2 * nb, ncols: 2 * nv, colPtr: aPtr, rowIdx: aRow, values: new Float64Array(2 * nb).fill(1) };
    const b = new Float64Array(2 * nb);
    for (let t = 0; t < nb; t++) {
      b[t] = domain.polygon[2 * t]!;
      b[nb + t] = domain.polygon[2 * t + 1]!;
    }
    // d: −κ·h_k on the two cone rows of reflex corner k (h_k = mean of its two polygon edges), 0 elsewhere
    const d = new Float64Array(cone.m);
    if (kappa > 0) {
      const poly = domain.polygon;
      for (let k = 0; k < domain.corners.count; k++) {
        const t = domain.corners.loopIndex[k]!;
        const tp = (t - 1 + nb) % nb;
        const tn = (t + 1) % nb;
        const h = 0.5 * (Math.hypot(poly[2 * tp]! - poly[2 * t]!, poly[2 * tp + 1]! - poly[2 * t + 1]!) + Math.hypot(poly[2 * tn]! - poly[2 * t]!, poly[2 * tn + 1]! - poly[2 * t + 1]!));
        d[2 * k] = -kappa * h;
        d[2 * k + 1] = -kappa * h;
      }
    }
    return new EmbeddingQP(domain, lap, cone, Ppattern, A, b, d, shift);
  }

  /** θ at initialization: −1 on every edge. */
  initialTheta(): Float64Array {
    return new Float64Array(this.ne).fill(THETA_INIT);
  }

  /** L values for θ: with the 1e-4 shift on every diagonal entry (shift 'all') or none ('boundary'). */
  lValues(theta: Float64Array): Float64Array {
    return laplacianValues(this.lap, theta, undefined, this.shift === 'all' ? DIAGONAL_SHIFT : 0);
  }

  /**
   * P values [Lv, Lv] from L values (lValues), plus 1e-4 on the boundary vertices' diagonal
   * entries with shift 'boundary'; `out` (2 nnz(L)) overwritten and returned.
   */
  pValues(Lv: Float64Array, out = new Float64Array(2 * Lv.length)): Float64Array {
    out.set(Lv, 0);
    out.set(Lv, Lv.length);
    if (this.shift === 'boundary') {
      for (let t = 0; t < this.boundaryDiag.length; t++) {
        const p = this.boundaryDiag[t]!;
        out[p] += DIAGONAL_SHIFT;
        out[Lv.length + p] += DIAGONAL_SHIFT;
      }
    }
    return out;
  }

  /** The QP for parameters θ (#E, not modified). Fresh value arrays; shared index arrays. */
  instance(theta: Float64Array): EmbeddingQPInstance {
    const Lv = this.lValues(theta);
    const P: CscMatrix = { ...this.Ppattern, values: this.pValues(Lv) };
    const C: CscMatrix = { ...this.cone.C, values: coneValues(this.cone, Lv) };
    const problem: QPProblem = {
      P,
      q: new Float64Array(this.n),
      A: this.A,
      b: this.b,
      C,
      d: this.d.slice(),
    };
    return { problem, P, C, Lv };
  }

  /**
   * Gradient w.r.t. θ of a scalar whose gradients w.r.t. the stored values of P and C are gP
   * (2 nnz(L), or null = 0) and gC (nnz(C), or null = 0). Inputs not modified; `out` (#E)
   * overwritten and returned.
   */
  pullback(theta: Float64Array, gP: Float64Array | null, gC: Float64Array | null, out: Float64Array = new Float64Array(this.ne)): Float64Array {
    const nnzL = this.lap.L.values.length;
    const gL = new Float64Array(nnzL);
    if (gP) {
      if (gP.length !== 2 * nnzL) throw new DimensionError('gP', `length ${2 * nnzL} (nnz of P)`, `length ${gP.length}`);
      for (let k = 0; k < nnzL; k++) gL[k] = gP[k]! + gP[nnzL + k]!;
    }
    if (gC) conePullback(this.cone, gC, gL);
    return laplacianPullback(this.lap, theta, gL, out);
  }

  /** L̂ = P values / ‖P values‖₂ for θ. */
  normalizedLaplacian(theta: Float64Array): Float64Array {
    return normalizedValues(this.pValues(this.lValues(theta)));
  }

  /** λ‖L̂(θ) − L̂₀‖∞ and a subgradient w.r.t. θ (regularizer.ts). */
  regularizer(theta: Float64Array, hat0: Float64Array, lambda: number): { value: number; gradTheta: Float64Array } {
    const v = this.pValues(this.lValues(theta));
    const { value, grad } = laplacianRegularizer(v, hat0, lambda);
    return { value, gradTheta: this.pullback(theta, grad, null) };
  }
}
