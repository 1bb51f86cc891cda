/**
 * K_J solved through the factorization of a nearby K_{J₀} (a bordered system), so that an active
 * set that changed by a few rows costs a few solves instead of a new factorization (and a new
 * symbolic analysis). Used by the predicted active-set solve (predicted-solve.ts).
 *
 * With J = (J₀ \ drop) ∪ add, K_J w = g is equivalent to the bordered system
 *
 *   [ K₀  U ] [x]   [g₀]        K₀ = K_{J₀} (factored), one column of U per changed row:
 *   [ Uᵀ  0 ] [y] = [h ]          added row j:   u = (c_j, 0, 0)  (c_j the row in z-space), y_j = μ_j, h_j = g_{μ_j}
 *                                  dropped row t: u = e_{n+p+t}    (forces μ_t = 0; y absorbs row t's equation), h = 0
 *
 * where g₀ carries g's z and λ parts and the entries of the kept rows (0 at dropped rows). With
 * W = K₀⁻¹U (one solve per changed row, kept across the rounds of one forward) and the small
 * dense M = UᵀW (LU with partial pivoting):
 *
 *   x₀ = K₀⁻¹ g₀,   y = M⁻¹ (Uᵀx₀ − h),   x = x₀ − W y,
 *
 * and w is read off x (z, λ, μ of the kept rows) and y (μ of the added rows). Eliminating the
 * dropped rows' (μ_t, y_t) pairs turns the system back into K_J exactly, so M is nonsingular iff
 * K_J is (given K₀). Every solve is checked against K_J itself (an explicit product with P, A and
 * the rows of J) and refined at most twice; a solve that stays inaccurate reports leastSquares.
 */
import { LinearAlgebraError } from '../errors.ts';
import { DenseLu } from '../linalg/dense-lu.ts';
import { matTVec, matVec } from '../linalg/matrix.ts';
import { allFinite } from '../linalg/vec.ts';
import type { Matrix } from '../linalg/types.ts';
import type { InequalityRows } from '../qp/inequality-rows.ts';
import { rowCompressed, type RowCompressed } from './kkt-assembly.ts';
import type { KktSolver, KktSolveResult } from './kkt-solvers.ts';

/** relative residual ‖g − K_J w‖∞ / (‖g‖∞ + ‖K_J w‖∞) accepted without refinement */
const BORDER_RESIDUAL_TOL = 1e-12;
/** a solve whose relative residual stays above this is reported as leastSquares (not trusted) */
const BORDER_FAIL_TOL = 1e-9;
/** M counts as singular below this reciprocal condition estimate */
const BORDER_RCOND = 1e-13;

/** Sparse access to the inequality rows in z-space (rows of C, ±e_i of bounds). */
export class InequalityRowAccess {
  private cRows: RowCompressed | null = null;
  constructor(
    readonly rows: InequalityRows,
    readonly C: Matrix | null,
    readonly memo: { C?: RowCompressed },
  ) {}

  private compressed(): RowCompressed {
    if (!this.cRows) {
      this.cRows = this.memo.C ?? rowCompressed(this.C!);
      this.memo.C = this.cRows;
    }
    return this.cRows;
  }

  /** c_j · z */
  dot(j: number, z: Float64Array): number {
    if (this.rows.isCRow(j)) {
      const R = this.compressed();
      let s = 0;
      for (let e = R.rowPtr[j]!; e < R.rowPtr[j + 1]!; e++) s += R.values[e]! * z[R.colIdx[e]!]!;
      return s;
    }
    return this.rows.boundSign(j) * z[this.rows.variable(j)]!;
  }

  /** out += a · c_j (z-space) */
  axpy(j: number, a: number, out: Float64Array): void {
    if (this.rows.isCRow(j)) {
      const R = this.compressed();
      for (let e = R.rowPtr[j]!; e < R.rowPtr[j + 1]!; e++) out[R.colIdx[e]!] = out[R.colIdx[e]!]! + a * R.values[e]!;
      return;
    }
    const i = this.rows.variable(j);
    out[i] = out[i]! + a * this.rows.boundSign(j);
  }
}

/** What the bordered systems of one forward share: K₀, its active set, the columns of W computed so far. */
export class BorderedBase {
  /** W columns by changed row (key: the InequalityRows number; added and dropped rows never collide) */
  private readonly W = new Map<number, Float64Array>();
  /** position of each row of J₀ in J₀ (−1: not in J₀) */
  private readonly pos0: Int32Array;
  /** base solves made (one per W column) */
  solves = 0;

  constructor(
    readonly base: KktSolver,
    readonly J0: Int32Array,
    readonly n: number,
    readonly p: number,
    readonly P: Matrix,
    readonly A: Matrix | null,
    readonly access: InequalityRowAccess,
  ) {
    this.pos0 = new Int32Array(access.rows.total).fill(-1);
    for (let t = 0; t < J0.length; t++) this.pos0[J0[t]!] = t;
  }

  /** K₀⁻¹ u of a changed row (cached) */
  private column(j: number): Float64Array {
    let w = this.W.get(j);
    if (!w) {
      const u = new Float64Array(this.base.N);
      const t0 = this.pos0[j]!;
      if (t0 >= 0) u[this.n + this.p + t0] = 1;
      else this.access.axpy(j, 1, u);
      w = this.base.solve(u).x;
      this.solves++;
      this.W.set(j, w);
    }
    return w;
  }

  /** uᵀv for the border column of row j */
  borderDot(j: number, v: Float64Array): number {
    const t0 = this.pos0[j]!;
    return t0 >= 0 ? v[this.n + this.p + t0]! : this.access.dot(j, v);
  }

  /**
   * The solver of K_J for J (ascending) through K₀; null when M is singular (K_J is, or the
   * border is too ill-conditioned to trust).
   */
  solverFor(J: Int32Array): BorderedKktSolver | null {
    const total = this.access.rows.total;
    const inJ = new Uint8Array(total);
    for (let t = 0; t < J.length; t++) inJ[J[t]!] = 1;
    const changed: number[] = [];
    for (let t = 0; t < J.length; t++) if (this.pos0[J[t]!]! < 0) changed.push(J[t]!);
    for (let t = 0; t < this.J0.length; t++) if (!inJ[this.J0[t]!]) changed.push(this.J0[t]!);
    const r = changed.length;
    const cols = changed.map((j) => this.column(j));
    const M = new Float64Array(r * r);
    for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) M[a * r + b] = this.borderDot(changed[a]!, cols[b]!);
    let lu: DenseLu | null = null;
    if (r > 0) {
      lu = DenseLu.factor({ format: 'dense', nrows: r, ncols: r, data: M });
      if (lu.singular || !(lu.rcondEstimate() > BORDER_RCOND)) return null;
    }
    return new BorderedKktSolver(this, J, Int32Array.from(changed), cols, lu);
  }
}

/** K_J⁻¹ through the bordered system of BorderedBase (see the file comment). */
export class BorderedKktSolver implements KktSolver {
  readonly kind;
  readonly N: number;
  readonly singular = false;
  /** position of each row of J in J (−1: not in J) */
  private readonly pos: Int32Array;

  constructor(
    private readonly b: BorderedBase,
    readonly J: Int32Array,
    /** the changed rows: added (in J, not in J₀) first, then dropped */
    readonly changed: Int32Array,
    private readonly cols: Float64Array[],
    private readonly lu: DenseLu | null,
  ) {
    this.kind = b.base.kind;
    this.N = b.n + b.p + J.length;
    this.pos = new Int32Array(b.access.rows.total).fill(-1);
    for (let t = 0; t < J.length; t++) this.pos[J[t]!] = t;
  }

  /** rows of J that are not in J₀ plus rows of J₀ that are not in J */
  get borderSize(): number {
    return this.changed.length;
  }

  /** one solve through the border, no refinement */
  private solveOnce(g: Float64Array): { x: Float64Array; leastSquares: boolean } {
    const { n, p, J0, base } = this.b;
    const np = n + p;
    const g0 = new Float64Array(base.N);
    g0.set(g.subarray(0, np));
    for (let t0 = 0; t0 < J0.length; t0++) {
      const t = this.pos[J0[t0]!]!;
      if (t >= 0) g0[np + t0] = g[np + t]!;
    }
    const s0 = base.solve(g0);
    const x0 = s0.x.slice();
    const out = new Float64Array(this.N);
    const r = this.changed.length;
    const y = new Float64Array(r);
    if (r > 0) {
      const c = new Float64Array(r);
      for (let a = 0; a < r; a++) {
        const j = this.changed[a]!;
        const t = this.pos[j]!;
        c[a] = this.b.borderDot(j, x0) - (t >= 0 ? g[np + t]! : 0);
      }
      this.lu!.solve(c, y);
      for (let a = 0; a < r; a++) {
        const w = this.cols[a]!;
        const ya = y[a]!;
        if (ya !== 0) for (let i = 0; i < x0.length; i++) x0[i] = x0[i]! - ya * w[i]!;
      }
    }
    out.set(x0.subarray(0, np));
    for (let t0 = 0; t0 < J0.length; t0++) {
      const t = this.pos[J0[t0]!]!;
      if (t >= 0) out[np + t] = x0[np + t0]!;
    }
    for (let a = 0; a < r; a++) {
      const t = this.pos[this.changed[a]!]!;
      if (t >= 0) out[np + t] = y[a]!;
    }
    return { x: out, leastSquares: s0.leastSquares };
  }

  /** K_J w (explicit: P, A and the rows of J) */
  private apply(w: Float64Array): Float64Array {
    const { n, p, P, A, access } = this.b;
    const J = this.J;
    const z = w.subarray(0, n);
    const out = new Float64Array(this.N);
    const oz = out.subarray(0, n);
    matVec(P, z, oz);
    if (A && p > 0) {
      matTVec(A, w.subarray(n, n + p), oz, true);
      matVec(A, z, out.subarray(n, n + p));
    }
    for (let t = 0; t < J.length; t++) {
      const mu = w[n + p + t]!;
      if (mu !== 0) access.axpy(J[t]!, mu, oz);
      out[n + p + t] = access.dot(J[t]!, z);
    }
    return out;
  }

  /** g − K_J x and its relative size ‖·‖∞ / (‖g‖∞ + ‖K_J x‖∞) */
  private residual(g: Float64Array, x: Float64Array, gNorm: number): { res: Float64Array; rel: number } {
    const Kx = this.apply(x);
    const res = new Float64Array(this.N);
    let rNorm = 0;
    let kNorm = 0;
    for (let i = 0; i < res.length; i++) {
      res[i] = g[i]! - Kx[i]!;
      rNorm = Math.max(rNorm, Math.abs(res[i]!));
      kNorm = Math.max(kNorm, Math.abs(Kx[i]!));
    }
    const rel = rNorm / (gNorm + kNorm || 1);
    return { res, rel: Number.isNaN(rel) ? Infinity : rel };
  }

  solve(g: Float64Array): KktSolveResult {
    const first = this.solveOnce(g);
    let x = first.x;
    let gNorm = 0;
    for (let i = 0; i < g.length; i++) gNorm = Math.max(gNorm, Math.abs(g[i]!));
    let cur = this.residual(g, x, gNorm);
    for (let step = 0; step < 2 && cur.rel > BORDER_RESIDUAL_TOL; step++) {
      const dx = this.solveOnce(cur.res).x;
      const cand = new Float64Array(this.N);
      for (let i = 0; i < cand.length; i++) cand[i] = x[i]! + dx[i]!;
      const next = this.residual(g, cand, gNorm);
      if (!(next.rel < cur.rel)) break;
      x = cand;
      cur = next;
    }
    if (!allFinite(x)) throw new LinearAlgebraError('bordered reduced KKT solve produced a non-finite value');
    return { x, leastSquares: first.leastSquares || !(cur.rel <= BORDER_FAIL_TOL) };
  }
}
